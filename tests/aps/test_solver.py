"""The engine on generated problems: whatever the mix of rules, the checker finds nothing wrong with
what the solver returns, in one model or window by window. No database."""

import random

import pytest

from aps.scheduling import solver
from aps.scheduling.check import violations
from aps.scheduling.greedy import dispatch
from aps.scheduling.problem import Job, Machine, Placement, Problem, Task, kpis

DAY = 1440


def shifts(days: int, start: int = 360, end: int = 1320) -> tuple[tuple[int, int], ...]:
    return tuple((d * DAY + start, d * DAY + end) for d in range(days) if d % 7 < 5)


def generated(seed: int, jobs: int = 12, fixed: bool = True) -> Problem:
    rng = random.Random(seed)
    changeovers = {(a, b): 0 if a == b else 20 + 10 * abs(a - b) for a in range(3) for b in range(3)}
    machines = {}
    for center in range(4):
        for k in range(2):
            key = center * 2 + k
            machines[key] = Machine(
                key=key,
                windows=None if center == 0 else shifts(30),
                split=center != 1,
                changeovers=changeovers if center == 3 else {},
            )
    tasks, job_rows = [], {}
    for job in range(jobs):
        family = rng.randrange(3)
        centers = rng.sample(range(4), rng.randint(2, 4))
        for index, center in enumerate(centers):
            tasks.append(
                Task(
                    key=job * 10 + index,
                    job=job,
                    index=index,
                    machines=(center * 2, center * 2 + 1),
                    run=rng.randint(30, 400),
                    setup=rng.choice([0, 15]),
                    family=family,
                    gap=rng.choice([0, 30]),
                    release=rng.choice([0, 0, 600]) if index == 0 else 0,
                )
            )
        job_rows[job] = Job(job, due=rng.randint(1, 6) * DAY, weight=rng.choice([1, 1, 5]))
    if fixed:  # the first job's first task has started on machine 1 of its center
        first = tasks[0]
        tasks[0] = Task(**{**first.__dict__, "fixed": Placement(first.machines[1], 360), "release": 0})
    return Problem(machines, job_rows, tasks, horizon=30 * DAY, tardiness_weight=10, makespan_weight=1, setup_weight=1)


@pytest.mark.parametrize("seed", range(4))
def test_every_rule_holds_in_one_model(seed):
    problem = generated(seed)
    solution = solver.solve(problem, time_limit=3, workers=2)
    assert violations(problem, solution) == []
    assert kpis(problem, solution).objective(problem) <= kpis(problem, dispatch(problem)).objective(problem)


@pytest.mark.parametrize("seed", range(2))
def test_every_rule_holds_window_by_window(seed, monkeypatch):
    monkeypatch.setattr(solver, "WINDOW_TASKS", 8)
    problem = generated(seed, jobs=15)
    solution = solver.solve(problem, time_limit=6, workers=2)
    assert solution.decomposed
    assert violations(problem, solution) == []


def test_the_previous_plan_is_kept_when_little_changes():
    # Both solves end at the proven optimum (about a second each on a quiet machine): the limit is only
    # a ceiling, generous because a loaded CI machine can take several times as long, and a solve cut
    # short by it may move tasks for lack of search rather than for a gain.
    problem = generated(7, jobs=10, fixed=False)
    first = solver.solve(problem, time_limit=60, workers=2)
    assert first.status == "OPTIMAL"
    # One more short job; every task keeps a hint of where it was.
    hinted = [
        Task(**{**t.__dict__, "hint": Placement(first.assignments[t.key].machine, first.assignments[t.key].start)})
        for t in problem.tasks
    ]
    extra = Task(key=999, job=99, index=0, machines=(0, 1), run=20)
    problem = Problem(
        problem.machines, {**problem.jobs, 99: Job(99, due=10 * DAY)}, [*hinted, extra], problem.horizon, 10, 1, 1
    )
    second = solver.solve(problem, time_limit=60, workers=2, keep_previous=True)
    assert second.status == "OPTIMAL"
    assert violations(problem, second) == []
    same = sum(
        (second.assignments[t.key].machine, second.assignments[t.key].start)
        == (first.assignments[t.key].machine, first.assignments[t.key].start)
        for t in hinted
    )
    assert same >= 0.9 * len(hinted)
