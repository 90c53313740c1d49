"""An independent check of a whole Solution against its Problem, rule by rule, with no solver involved.

Each broken rule is a Violation a planner can read; `task_violations` keeps those that involve one task,
so a Gantt drag of that operation can be refused with the reason. Messages name tasks, machines and
points in time through `problem.names`, so the service's names read as the planner knows them.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from aps.scheduling.problem import Assignment, Machine, Names, Problem, Solution, Task, Window


@dataclass(frozen=True)
class Violation:
    task: int | None
    rule: str
    message: str


def violations(problem: Problem, solution: Solution) -> list[Violation]:
    """Every rule the solution breaks; empty when it is a valid schedule."""
    return [violation for _, violation in _check(problem, solution)]


def task_violations(problem: Problem, solution: Solution, task_key: int) -> list[Violation]:
    """The violations that involve `task_key`, including pairs (overlap, sequence, setup) it is part of."""
    return [violation for involved, violation in _check(problem, solution) if task_key in involved]


class _Calendar:
    """A machine's windows with running totals, so a window lookup or a working-minutes count is a bisect."""

    def __init__(self, windows: tuple[Window, ...]):
        self.windows = windows
        self.starts = [a for a, _ in windows]
        self.before = [0]  # working minutes in all windows before window i
        for a, b in windows:
            self.before.append(self.before[-1] + (b - a))

    def window_at(self, minute: int) -> Window | None:
        """The window holding `minute` (a <= minute < b), if any."""
        i = bisect_right(self.starts, minute) - 1
        if i >= 0 and minute < self.windows[i][1]:
            return self.windows[i]
        return None

    def worked_before(self, minute: int) -> int:
        i = bisect_right(self.starts, minute) - 1
        if i < 0:
            return 0
        a, b = self.windows[i]
        return self.before[i] + min(minute, b) - a

    def working(self, start: int, end: int) -> int:
        return max(0, self.worked_before(end) - self.worked_before(start))


Found = tuple[tuple[int, ...], Violation]


def _check(problem: Problem, solution: Solution) -> Iterator[Found]:
    tasks = {task.key: task for task in problem.tasks}
    placed = solution.assignments
    calendars = {key: _Calendar(m.windows) for key, m in problem.machines.items() if m.windows is not None}

    names = problem.names
    for key, at in placed.items():
        if key not in tasks:
            yield (
                (key,),
                Violation(
                    key,
                    "unknown_task",
                    f"an assignment puts task {key} on {names.machine(at.machine)} at {names.time(at.start)}, "
                    "but the problem has no such task",
                ),
            )

    for task in problem.tasks:
        at = placed.get(task.key)
        if at is None:
            yield (task.key,), Violation(task.key, "missing", f"{names.task(task)} is not scheduled")
            continue
        yield from _check_task(problem, task, at, calendars.get(at.machine))

    yield from _check_sequences(problem, placed)
    yield from _check_machines(problem, tasks, placed)


def _check_task(problem: Problem, task: Task, at: Assignment, calendar: _Calendar | None) -> Iterator[Found]:
    names = problem.names
    key, name, on, start = task.key, names.task(task), names.machine(at.machine), names.time(at.start)
    involved = (key,)
    machine = problem.machines.get(at.machine)
    if at.machine not in task.machines:
        where = "which does not exist" if machine is None else "which is not one it may run on"
        allowed = ", ".join(names.machine(m) for m in task.machines)
        yield involved, Violation(key, "machine", f"{name} is on {on}, {where} ({allowed})")
    if task.fixed is not None and (at.machine, at.start) != (task.fixed.machine, task.fixed.start):
        yield (
            involved,
            Violation(
                key,
                "fixed",
                f"{name} is fixed to start on {names.machine(task.fixed.machine)} at {names.time(task.fixed.start)}, "
                f"but starts on {on} at {start}",
            ),
        )
    if at.start < task.release:
        yield (
            involved,
            Violation(key, "release", f"{name} starts at {start}, before its release at {names.time(task.release)}"),
        )
    if at.start < 0:
        yield (
            involved,
            Violation(key, "horizon", f"{name} starts at {start}, before the schedule's start at {names.time(0)}"),
        )
    if at.end > problem.horizon:
        yield (
            involved,
            Violation(
                key,
                "horizon",
                f"{name} ends at {names.time(at.end)}, after the schedule's end at {names.time(problem.horizon)}",
            ),
        )
    if machine is not None:
        yield from _check_time(names, task, at, machine, calendar)


def _check_time(
    names: Names, task: Task, at: Assignment, machine: Machine, calendar: _Calendar | None
) -> Iterator[Found]:
    key, name, on = task.key, names.task(task), names.machine(at.machine)
    start, end = names.time(at.start), names.time(at.end)
    involved = (key,)
    work = at.setup + task.run
    span = at.end - at.start
    what = f"{at.setup} setup + {task.run} run = {work} min"
    off = Violation(key, "calendar", f"{name} starts on {on} at {start}, when the machine is not working")
    if work == 0 or calendar is None or not machine.split:
        if calendar is not None and work > 0:
            window = calendar.window_at(at.start)
            if window is None:
                yield involved, off
            elif at.end > window[1]:
                yield (
                    involved,
                    Violation(
                        key,
                        "calendar",
                        f"{name} runs on {on} from {start} to {end}, past the end of the machine's working time "
                        f"from {names.time(window[0])} to {names.time(window[1])}, "
                        "and the machine may not split an operation across a break",
                    ),
                )
        if span != work:
            yield (
                involved,
                Violation(key, "duration", f"{name} runs on {on} from {start} to {end} ({span} min), but needs {what}"),
            )
        return
    if calendar.window_at(at.start) is None:
        yield involved, off
    worked = calendar.working(at.start, at.end)
    if worked != work:
        yield (
            involved,
            Violation(
                key,
                "duration",
                f"{name} runs on {on} from {start} to {end} with {worked} working min, but needs {what}",
            ),
        )
    # A span that ends in idle time would hold the machine past the operation's last working minute.
    if at.end > at.start and calendar.window_at(at.end - 1) is None:
        yield (
            involved,
            Violation(
                key, "calendar", f"{name} ends on {on} at {end}, after idle time when the machine is not working"
            ),
        )


def _check_sequences(problem: Problem, placed: dict[int, Assignment]) -> Iterator[Found]:
    by_job: dict[int, list[Task]] = defaultdict(list)
    for task in problem.tasks:
        by_job[task.job].append(task)
    for job_tasks in by_job.values():
        job_tasks.sort(key=lambda t: t.index)
        for prev, task in pairwise(job_tasks):
            before, at = placed.get(prev.key), placed.get(task.key)
            if before is None or at is None:
                continue  # already reported as missing
            if at.start < before.end + task.gap:
                names = problem.names
                ends = f"its predecessor {names.task(prev)} ends at {names.time(before.end)}"
                why = (
                    f"before {names.time(before.end + task.gap)}: {ends}, then {task.gap} min queue/move"
                    if task.gap
                    else f"before {ends}"
                )
                yield (
                    (prev.key, task.key),
                    Violation(task.key, "sequence", f"{names.task(task)} starts at {names.time(at.start)}, {why}"),
                )


def _check_machines(problem: Problem, tasks: dict[int, Task], placed: dict[int, Assignment]) -> Iterator[Found]:
    by_machine: dict[int, list[tuple[Task, Assignment]]] = defaultdict(list)
    for key, at in placed.items():
        if key in tasks:
            by_machine[at.machine].append((tasks[key], at))
    for machine, on in by_machine.items():
        on.sort(key=lambda pair: (pair[1].start, pair[1].end, pair[0].key))
        yield from _check_overlaps(problem.names, machine, on)
        if machine in problem.machines:
            yield from _check_setups(problem, machine, on)


def _check_overlaps(names: Names, machine: int, on: list[tuple[Task, Assignment]]) -> Iterator[Found]:
    # Against the span reaching furthest so far: every task that overlaps anything shows up at least once.
    reach: tuple[Task, Assignment] | None = None
    for task, at in on:
        if task.run + at.setup == 0 or at.end <= at.start:
            continue
        if reach is not None and at.start < reach[1].end:
            other, held = reach
            yield (
                (other.key, task.key),
                Violation(
                    task.key,
                    "overlap",
                    f"{names.task(task)} starts on {names.machine(machine)} at {names.time(at.start)}, "
                    f"while {names.task(other)} holds it from {names.time(held.start)} to {names.time(held.end)}",
                ),
            )
        if reach is None or at.end > reach[1].end:
            reach = (task, at)


def _check_setups(problem: Problem, machine: int, on: list[tuple[Task, Assignment]]) -> Iterator[Found]:
    names = problem.names
    before: Task | None = None
    for task, at in on:
        needed = problem.setup_between(machine, before, task)
        if at.setup != needed:
            after = "first on the machine" if before is None else f"after {names.task(before)}{_family(before)}"
            yield (
                (task.key,) if before is None else (before.key, task.key),
                Violation(
                    task.key,
                    "setup",
                    f"{names.task(task)}{_family(task)} starts on {names.machine(machine)} "
                    f"at {names.time(at.start)} with {at.setup} min setup, but needs {needed} min setup {after}",
                ),
            )
        before = task


def _family(task: Task) -> str:
    return "" if task.family is None else f" (family {task.family})"
