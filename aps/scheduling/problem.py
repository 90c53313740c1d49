"""The scheduling problem and its answer as plain data, in integer minutes from the schedule's start.

Nothing here knows Django: the service (aps.services.scheduling) builds a Problem from the database,
the solver (aps.scheduling.solver) answers it, and the checker (aps.scheduling.check) verifies any
answer against every rule on its own, so a solver bug cannot hide behind the solver's own model.
"""

from dataclasses import dataclass, field

Window = tuple[int, int]  # [start, end) in minutes


@dataclass(frozen=True)
class Machine:
    key: int
    # Working windows, sorted and disjoint, downtime already taken out; None: always available.
    windows: tuple[Window, ...] | None = None
    # True: an operation may stop at the end of a window and go on in the next one.
    split: bool = True
    # Sequence-dependent setups: (from family, to family) -> minutes; a missing pair uses the task's own setup.
    changeovers: dict[tuple[int | None, int | None], int] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    key: int
    due: int
    weight: int = 1


@dataclass(frozen=True)
class Placement:
    machine: int
    start: int


@dataclass(frozen=True)
class Task:
    """One operation. Its span on the machine is its setup, then its run, in working time."""

    key: int
    job: int
    index: int  # position in the job's sequence, from 0
    machines: tuple[int, ...]  # the machines it may run on
    run: int
    setup: int = 0
    family: int | None = None
    gap: int = 0  # minimum minutes after the previous task of the job ends (move + queue)
    release: int = 0  # earliest start (now, material)
    fixed: Placement | None = None  # started, frozen or pinned: stays exactly here
    hint: Placement | None = None  # where the previous plan had it


class Names:
    """How messages name tasks, machines and times; the service gives the planner's names (order
    number and operation, machine code, local date and time)."""

    def task(self, task: "Task") -> str:
        return f"op {task.index} of job {task.job}"

    def machine(self, key: int) -> str:
        return f"machine {key}"

    def time(self, minute: int) -> str:
        return f"minute {minute}"


@dataclass
class Problem:
    machines: dict[int, Machine]
    jobs: dict[int, Job]
    tasks: list[Task]  # in job order, then index
    horizon: int  # every task ends by then; machine windows are laid out up to it
    tardiness_weight: int = 1
    makespan_weight: int = 0
    setup_weight: int = 0
    names: Names = field(default_factory=Names)

    def job_tasks(self) -> dict[int, list[Task]]:
        by_job: dict[int, list[Task]] = {key: [] for key in self.jobs}
        for task in self.tasks:
            by_job[task.job].append(task)
        for tasks in by_job.values():
            tasks.sort(key=lambda t: t.index)
        return by_job

    def setup_between(self, machine: int, before: Task | None, task: Task) -> int:
        """The setup `task` needs on `machine` when `before` ran there just before it (None: first)."""
        if before is None:
            return task.setup
        return self.machines[machine].changeovers.get((before.family, task.family), task.setup)


@dataclass(frozen=True)
class Assignment:
    machine: int
    start: int  # the setup begins
    end: int  # the last unit is done
    setup: int  # minutes of setup at the start of the span


@dataclass
class Solution:
    assignments: dict[int, Assignment]  # by task key
    status: str  # OPTIMAL, FEASIBLE (or INFEASIBLE with no assignments)
    solve_seconds: float = 0.0
    decomposed: bool = False


@dataclass(frozen=True)
class Kpis:
    weighted_tardiness: int
    tardy_jobs: int
    makespan: int
    setup_minutes: int
    job_ends: dict[int, int]
    busy_minutes: dict[int, int]  # per machine, setup and run

    def objective(self, problem: "Problem") -> int:
        return (
            problem.tardiness_weight * self.weighted_tardiness
            + problem.makespan_weight * self.makespan
            + problem.setup_weight * self.setup_minutes
        )


def kpis(problem: Problem, solution: Solution) -> Kpis:
    job_ends: dict[int, int] = {}
    busy: dict[int, int] = dict.fromkeys(problem.machines, 0)
    setups = 0
    for task in problem.tasks:
        placed = solution.assignments[task.key]
        job_ends[task.job] = max(job_ends.get(task.job, 0), placed.end)
        busy[placed.machine] += placed.setup + task.run
        setups += placed.setup
    lateness = {key: max(0, end - problem.jobs[key].due) for key, end in job_ends.items()}
    return Kpis(
        weighted_tardiness=sum(problem.jobs[key].weight * late for key, late in lateness.items()),
        tardy_jobs=sum(1 for late in lateness.values() if late > 0),
        makespan=max(job_ends.values(), default=0),
        setup_minutes=setups,
        job_ends=job_ends,
        busy_minutes=busy,
    )


def working_minutes(windows: tuple[Window, ...] | None, start: int, end: int) -> int:
    """Minutes of [start, end) inside the windows."""
    if windows is None:
        return max(0, end - start)
    return sum(max(0, min(end, b) - max(start, a)) for a, b in windows)
