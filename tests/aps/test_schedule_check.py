"""The schedule checker on small hand-built problems: a valid plan passes, and each rule broken on its own
is reported under its code with the figures a planner needs; split and non-split calendars; changeovers
that follow the actual predecessor on the machine; the violations of one dragged operation."""

import time
from dataclasses import replace

from aps.scheduling.check import Violation, task_violations, violations
from aps.scheduling.problem import Assignment, Job, Machine, Names, Placement, Problem, Solution, Task


def plan(**assignments: Assignment) -> Solution:
    return Solution(assignments={int(key[1:]): at for key, at in assignments.items()}, status="FEASIBLE")


def base() -> tuple[Problem, Solution]:
    """Job 7: op 0 on machine 1, then op 1 on machine 2 after 15 min move; job 8: one op on machine 1."""
    problem = Problem(
        machines={1: Machine(1), 2: Machine(2)},
        jobs={7: Job(7, due=500), 8: Job(8, due=500)},
        tasks=[
            Task(1, job=7, index=0, machines=(1,), run=60, setup=10),
            Task(2, job=7, index=1, machines=(2,), run=30, gap=15),
            Task(3, job=8, index=0, machines=(1, 2), run=40, setup=5, release=20),
        ],
        horizon=480,
    )
    solution = plan(
        t1=Assignment(machine=1, start=0, end=70, setup=10),
        t2=Assignment(machine=2, start=85, end=115, setup=0),
        t3=Assignment(machine=1, start=70, end=115, setup=5),
    )
    return problem, solution


def moved(solution: Solution, key: int, **changes: int) -> Solution:
    assignments = dict(solution.assignments)
    assignments[key] = replace(assignments[key], **changes)
    return Solution(assignments=assignments, status=solution.status)


def only(found: list[Violation], rule: str, task: int | None) -> Violation:
    assert [(v.rule, v.task) for v in found] == [(rule, task)], found
    return found[0]


def test_valid_schedule_has_no_violations():
    assert violations(*base()) == []


def test_missing_and_unknown_task():
    problem, solution = base()
    assignments = dict(solution.assignments)
    assignments[99] = assignments.pop(3)
    found = violations(problem, Solution(assignments=assignments, status="FEASIBLE"))
    assert sorted((v.rule, v.task) for v in found) == [("missing", 3), ("unknown_task", 99)]
    assert next(v.message for v in found if v.rule == "missing") == "op 0 of job 8 is not scheduled"
    assert next(v.message for v in found if v.rule == "unknown_task") == (
        "an assignment puts task 99 on machine 1 at minute 70, but the problem has no such task"
    )


def test_machine_not_eligible():
    problem, solution = base()
    problem.machines[3] = Machine(3)
    message = only(violations(problem, moved(solution, 2, machine=3)), "machine", 2).message
    assert message == "op 1 of job 7 is on machine 3, which is not one it may run on (machine 2)"


def test_machine_that_does_not_exist():
    problem, solution = base()
    message = only(violations(problem, moved(solution, 2, machine=9)), "machine", 2).message
    assert message == "op 1 of job 7 is on machine 9, which does not exist (machine 2)"


def test_fixed_placement_moved():
    problem, solution = base()
    problem.tasks[1] = replace(problem.tasks[1], fixed=Placement(machine=2, start=100))
    message = only(violations(problem, solution), "fixed", 2).message
    assert message == (
        "op 1 of job 7 is fixed to start on machine 2 at minute 100, but starts on machine 2 at minute 85"
    )


def test_release():
    problem, solution = base()
    problem.tasks[2] = replace(problem.tasks[2], release=90)
    message = only(violations(problem, solution), "release", 3).message
    assert message == "op 0 of job 8 starts at minute 70, before its release at minute 90"


def test_horizon_end_and_start():
    problem, solution = base()
    problem.horizon = 100
    found = violations(problem, solution)
    assert sorted((v.rule, v.task) for v in found) == [("horizon", 2), ("horizon", 3)]
    assert all(v.message.endswith("ends at minute 115, after the schedule's end at minute 100") for v in found)

    problem, solution = base()
    found = violations(problem, moved(solution, 1, start=-10, end=60))
    assert sorted(v.rule for v in found) == ["horizon", "release"]  # release is 0, so both
    assert next(v.message for v in found if v.rule == "horizon") == (
        "op 0 of job 7 starts at minute -10, before the schedule's start at minute 0"
    )


def test_sequence_with_gap():
    problem, solution = base()
    message = only(violations(problem, moved(solution, 2, start=80, end=110)), "sequence", 2).message
    assert message == (
        "op 1 of job 7 starts at minute 80, before minute 85: "
        "its predecessor op 0 of job 7 ends at minute 70, then 15 min queue/move"
    )


def test_sequence_without_gap():
    problem, solution = base()
    problem.tasks[1] = replace(problem.tasks[1], gap=0)
    message = only(violations(problem, moved(solution, 2, start=60, end=90)), "sequence", 2).message
    assert message == "op 1 of job 7 starts at minute 60, before its predecessor op 0 of job 7 ends at minute 70"


def test_overlap():
    problem, solution = base()
    problem.tasks[2] = replace(problem.tasks[2], release=0)
    message = only(violations(problem, moved(solution, 3, start=60, end=105)), "overlap", 3).message
    assert message == (
        "op 0 of job 8 starts on machine 1 at minute 60, while op 0 of job 7 holds it from minute 0 to minute 70"
    )


def test_zero_length_task_occupies_nothing():
    problem, solution = base()
    problem.jobs[10] = Job(10, due=500)
    problem.tasks.append(Task(4, job=10, index=0, machines=(1,), run=0))
    solution.assignments[4] = Assignment(machine=1, start=30, end=30, setup=0)  # inside op 0 of job 7's 0-70
    assert violations(problem, solution) == []


def test_setup_first_on_machine():
    problem, solution = base()
    message = only(violations(problem, moved(solution, 1, end=65, setup=5)), "setup", 1).message
    assert message == (
        "op 0 of job 7 starts on machine 1 at minute 0 with 5 min setup, but needs 10 min setup first on the machine"
    )


def test_duration_without_calendar():
    problem, solution = base()
    message = only(violations(problem, moved(solution, 2, end=120)), "duration", 2).message
    assert message == (
        "op 1 of job 7 runs on machine 2 from minute 85 to minute 120 (35 min), but needs 0 setup + 30 run = 30 min"
    )


def calendar_problem(split: bool) -> Problem:
    """Machine 1 works 0-100 and 130-300 (a 30 min break); one 90 min op."""
    return Problem(
        machines={1: Machine(1, windows=((0, 100), (130, 300)), split=split)},
        jobs={1: Job(1, due=300)},
        tasks=[Task(1, job=1, index=0, machines=(1,), run=90)],
        horizon=300,
    )


def placed(start: int, end: int) -> Solution:
    return plan(t1=Assignment(machine=1, start=start, end=end, setup=0))


def test_split_op_may_span_a_break():
    assert violations(calendar_problem(split=True), placed(50, 170)) == []  # 50 before the break, 40 after


def test_non_split_op_may_not_span_a_break():
    message = only(violations(calendar_problem(split=False), placed(50, 140)), "calendar", 1).message
    assert message == (
        "op 0 of job 1 runs on machine 1 from minute 50 to minute 140, past the end of the machine's working time "
        "from minute 0 to minute 100, and the machine may not split an operation across a break"
    )
    assert violations(calendar_problem(split=False), placed(130, 220)) == []


def test_split_op_short_of_working_minutes():
    message = only(violations(calendar_problem(split=True), placed(50, 140)), "duration", 1).message
    assert message == (
        "op 0 of job 1 runs on machine 1 from minute 50 to minute 140 with 60 working min, "
        "but needs 0 setup + 90 run = 90 min"
    )


def test_split_op_starting_in_a_break():
    message = only(violations(calendar_problem(split=True), placed(110, 220)), "calendar", 1).message
    assert message == "op 0 of job 1 starts on machine 1 at minute 110, when the machine is not working"


def test_split_op_ending_in_idle_time():
    problem = calendar_problem(split=True)
    problem.tasks[0] = replace(problem.tasks[0], run=60)
    assert violations(problem, placed(40, 100)) == []
    message = only(violations(problem, placed(40, 120)), "calendar", 1).message
    assert message == "op 0 of job 1 ends on machine 1 at minute 120, after idle time when the machine is not working"


def test_non_split_op_starting_outside_windows():
    message = only(violations(calendar_problem(split=False), placed(100, 190)), "calendar", 1).message
    assert message == "op 0 of job 1 starts on machine 1 at minute 100, when the machine is not working"


def test_changeover_follows_the_actual_predecessor():
    problem = Problem(
        machines={1: Machine(1, changeovers={(1, 2): 30, (2, 2): 0, (1, 1): 0})},
        jobs={1: Job(1, due=500), 2: Job(2, due=500), 3: Job(3, due=500)},
        tasks=[
            Task(1, job=1, index=0, machines=(1,), run=20, setup=10, family=1),
            Task(2, job=2, index=0, machines=(1,), run=20, setup=10, family=2),
            Task(3, job=3, index=0, machines=(1,), run=20, setup=10, family=2),
        ],
        horizon=500,
    )
    # 1 (family 1) -> 2 (family 2): 30 min changeover; 2 -> 3 (both family 2): none.
    good = plan(
        t1=Assignment(machine=1, start=0, end=30, setup=10),
        t2=Assignment(machine=1, start=30, end=80, setup=30),
        t3=Assignment(machine=1, start=80, end=100, setup=0),
    )
    assert violations(problem, good) == []
    # Swapping 2 and 3 but keeping 3's zero setup: now 3 follows family 1 and needs 30.
    swapped = plan(
        t1=Assignment(machine=1, start=0, end=30, setup=10),
        t3=Assignment(machine=1, start=30, end=50, setup=0),
        t2=Assignment(machine=1, start=50, end=70, setup=0),
    )
    message = only(violations(problem, swapped), "setup", 3).message
    assert message == (
        "op 0 of job 3 (family 2) starts on machine 1 at minute 30 with 0 min setup, "
        "but needs 30 min setup after op 0 of job 1 (family 1)"
    )


def test_task_violations_only_names_the_moved_task():
    problem, solution = base()
    problem.jobs[9] = Job(9, due=500)
    problem.tasks.append(Task(4, job=9, index=0, machines=(2,), run=10, release=500))
    problem.horizon = 600
    solution.assignments[4] = Assignment(machine=2, start=0, end=10, setup=0)  # before its release: unrelated
    dragged = moved(solution, 2, start=60, end=90)  # too soon after op 0 of job 7 ends at 70
    assert {v.task for v in violations(problem, dragged)} == {2, 4}
    assert [(v.rule, v.task) for v in task_violations(problem, dragged, 2)] == [("sequence", 2)]
    # Dragging op 0 of job 7 later: it overlaps job 8's op and pushes its own op 1 too soon; pairs count too.
    late = moved(solution, 1, start=100, end=170)
    found = [(v.rule, v.task) for v in task_violations(problem, late, 1)]
    assert sorted(found) == [("overlap", 1), ("sequence", 2)]


def test_overlap_pairs_involve_both_tasks():
    problem = Problem(
        machines={1: Machine(1)},
        jobs={1: Job(1, due=900), 2: Job(2, due=900), 3: Job(3, due=900)},
        tasks=[
            Task(1, job=1, index=0, machines=(1,), run=100),
            Task(2, job=2, index=0, machines=(1,), run=300),
            Task(3, job=3, index=0, machines=(1,), run=10),
        ],
        horizon=900,
    )
    solution = plan(
        t1=Assignment(machine=1, start=0, end=100, setup=0),
        t2=Assignment(machine=1, start=50, end=350, setup=0),
        t3=Assignment(machine=1, start=200, end=210, setup=0),
    )
    assert [(v.rule, v.task) for v in task_violations(problem, solution, 3)] == [("overlap", 3)]
    assert [(v.rule, v.task) for v in task_violations(problem, solution, 1)] == [("overlap", 2)]


class PlannerNames(Names):
    """Names as the service gives them: order reference and operation, machine code, clock time."""

    def task(self, task: Task) -> str:
        return f"MO-{task.job} op {(task.index + 1) * 10}"

    def machine(self, key: int) -> str:
        return f"SAW-{key}"

    def time(self, minute: int) -> str:
        return f"2026-11-23 {9 + minute // 60:02d}:{minute % 60:02d}"


def test_messages_use_the_problem_names():
    problem = Problem(
        machines={1: Machine(1, windows=((0, 600),), split=True)},
        jobs={3: Job(3, due=900), 4: Job(4, due=900)},
        tasks=[
            Task(1, job=3, index=0, machines=(1,), run=30),
            Task(2, job=3, index=1, machines=(1,), run=60, gap=15),
            Task(3, job=4, index=0, machines=(1,), run=120),
        ],
        horizon=600,
        names=PlannerNames(),
    )
    solution = plan(
        t1=Assignment(machine=1, start=0, end=30, setup=0),
        t2=Assignment(machine=1, start=30, end=90, setup=0),  # too soon after op 10, inside MO-4 op 10
        t3=Assignment(machine=1, start=0, end=120, setup=0),
    )
    found = {v.rule: v.message for v in task_violations(problem, solution, 2)}
    assert found == {
        "overlap": "MO-3 op 20 starts on SAW-1 at 2026-11-23 09:30, "
        "while MO-4 op 10 holds it from 2026-11-23 09:00 to 2026-11-23 11:00",
        "sequence": "MO-3 op 20 starts at 2026-11-23 09:30, before 2026-11-23 09:45: "
        "its predecessor MO-3 op 10 ends at 2026-11-23 09:30, then 15 min queue/move",
    }
    assert not any("op 0 of job" in v.message or "machine 1" in v.message for v in violations(problem, solution))


def test_five_thousand_tasks_check_fast():
    windows = tuple((day * 1440 + 360, day * 1440 + 1320) for day in range(60))
    machines = {m: Machine(m, windows=windows, split=True) for m in range(10)}
    tasks, assignments = [], {}
    cursor = dict.fromkeys(machines, 360)
    for key in range(5000):
        machine = key % 10
        start = cursor[machine]
        end = start + 30
        if end > (start // 1440) * 1440 + 1320:  # would cross the night: start next morning
            start = (start // 1440 + 1) * 1440 + 360
            end = start + 30
        tasks.append(Task(key, job=key, index=0, machines=(machine,), run=30))
        assignments[key] = Assignment(machine=machine, start=start, end=end, setup=0)
        cursor[machine] = end
    problem = Problem(
        machines=machines, jobs={key: Job(key, due=10**6) for key in range(5000)}, tasks=tasks, horizon=60 * 1440
    )
    began = time.perf_counter()
    assert violations(problem, Solution(assignments=assignments, status="FEASIBLE")) == []
    assert time.perf_counter() - began < 1.0
