"""Finite-capacity scheduling on OR-Tools CP-SAT (docs/scheduling.md).

One model per problem, or, for a plant-sized problem, one per window of tasks in the order a dispatching
rule would start them (rolling horizon): each window is solved with the windows before it fixed, so the
run ends within its time limit with a feasible schedule whatever its size. The dispatching schedule is
both the solver's first solution and its fallback.

The model, per task: a start and an end shared by one optional interval per eligible machine. Its span
is its setup then its run in working time:
- no calendar: end = start + work;
- a calendar, no splitting: the machine's breaks are fixed intervals in its no-overlap, so the span
  fits inside one working window;
- a calendar with splitting: for every break the task is before it, after it, or spans it, and a
  spanned break lengthens the span by its length.
Machines with a changeover matrix sequence their tasks with a circuit whose arcs carry the setup from
the previous task's family; the others take each task's own setup.
"""

import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_noop
from ortools.sat.python import cp_model

from aps.scheduling.greedy import dispatch, span
from aps.scheduling.problem import Assignment, Job, Machine, Placement, Problem, Solution, Task, kpis

# Above this many tasks to place, the problem is solved window by window.
WINDOW_TASKS = 400
PRESOLVE_TASKS = 200
# When the previous plan is kept (not a full re-plan), each minute a task moves costs 1 and each
# machine change MACHINE_CHANGE_COST, on top of the objective: a task moves only for a gain.
MACHINE_CHANGE_COST = 60

# (fraction done, message, the values of its placeholders): the message is a msgid, translated when shown.
Report = Callable[[float, str, dict[str, Any]], None]


@dataclass
class Frontier:
    """Where a machine's timeline stands when a window is solved: what came last, and when it ends."""

    end: int = 0
    last: Task | None = None


@dataclass
class Window:
    tasks: list[Task]  # to place, fixed ones included
    frontier: dict[int, Frontier] = field(default_factory=dict)
    earliest: dict[int, int] = field(default_factory=dict)  # task key -> its job's previous task end + gap
    tail: dict[int, int] = field(default_factory=dict)  # job key -> work of its tasks after the window
    horizon: int = 0
    # Part of a larger problem: finishing early is worth something even when no due date is near, or
    # each window would push work onto the next.
    compact: bool = False


def solve(
    problem: Problem,
    *,
    time_limit: float,
    workers: int | None = None,
    keep_previous: bool = True,
    report: Report | None = None,
) -> Solution:
    """The best schedule found within the time limit (raises greedy.HorizonTooShort if none fits)."""
    began = time.monotonic()
    report = report or (lambda fraction, message, params: None)
    baseline = dispatch(problem)
    movable = [task for task in problem.tasks if task.fixed is None]
    if not movable:
        return Solution(baseline.assignments, "OPTIMAL", 0.0)
    hints = {t.key: t.hint for t in problem.tasks if t.hint and keep_previous}
    workers = workers or os.cpu_count() or 1
    if len(movable) <= WINDOW_TASKS:
        window = Window(tasks=list(problem.tasks), horizon=problem.horizon)
        model = _WindowModel(problem, window, baseline.assignments, hints)
        found, status = model.solve(time_limit, workers, report, (0.0, 1.0))
        assignments = found or baseline.assignments
        status = status if found else "FEASIBLE"
        return Solution(_settle_setups(problem, assignments), status, time.monotonic() - began)
    return _rolling(problem, baseline, hints, time_limit, workers, report, began)


def _rolling(
    problem: Problem,
    baseline: Solution,
    hints: dict[int, Placement],
    time_limit: float,
    workers: int,
    report: Report,
    began: float,
) -> Solution:
    tasks = {task.key: task for task in problem.tasks}
    order = sorted(
        (task for task in problem.tasks if task.fixed is None),
        key=lambda t: (baseline.assignments[t.key].start, t.job, t.index),
    )
    chunks = [order[i : i + WINDOW_TASKS] for i in range(0, len(order), WINDOW_TASKS)]
    by_job = problem.job_tasks()
    placed: dict[int, Assignment] = {}
    on_machine: dict[int, list[int]] = defaultdict(list)  # movable tasks placed, by machine
    fixed_by_machine: dict[int, list[Task]] = defaultdict(list)
    for task in problem.tasks:
        if task.fixed is not None:
            fixed_by_machine[task.fixed.machine].append(task)
    deadline = began + time_limit
    for number, chunk in enumerate(chunks):
        window = _next_window(problem, chunk, by_job, tasks, placed, on_machine, fixed_by_machine)
        remaining = deadline - time.monotonic()
        share = max(0.5, remaining * len(chunk) / sum(len(c) for c in chunks[number:]))
        # The dispatching rule's placement of this window: the solver's start, and its fallback.
        dispatched = _dispatch_window(problem, window, placed)
        first = min(assignment.start for assignment in dispatched.values())
        last = max(assignment.end for assignment in dispatched.values())
        # Room for the window to be rearranged: as long again as the dispatching rule needed, and a day.
        window.horizon = min(problem.horizon, last + (last - first) + 1440)
        model = _WindowModel(problem, window, dispatched, hints)
        span_done = (number / len(chunks), (number + 1) / len(chunks))
        found, _status = model.solve(share, workers, report, span_done)
        found = found or dispatched
        for key, assignment in found.items():
            placed[key] = assignment
            if tasks[key].fixed is None:
                on_machine[assignment.machine].append(key)
        report(
            (number + 1) / len(chunks),
            gettext_noop("window %(window)s of %(windows)s"),
            {"window": number + 1, "windows": len(chunks)},
        )
    windowed = Solution(_settle_setups(problem, placed), "FEASIBLE", time.monotonic() - began, decomposed=True)
    # Windows see only part of the plan: keep the dispatching rule's schedule where it is better overall.
    if kpis(problem, baseline).objective(problem) < kpis(problem, windowed).objective(problem):
        return Solution(baseline.assignments, "FEASIBLE", windowed.solve_seconds, decomposed=True)
    return windowed


def _next_window(problem, chunk, by_job, tasks, placed, on_machine, fixed_by_machine) -> Window:
    window = Window(tasks=list(chunk), compact=True)
    in_window = {task.key for task in chunk}
    for machine_key in problem.machines:
        frontier = Frontier()
        for key in on_machine.get(machine_key, ()):
            if placed[key].end >= frontier.end:
                frontier = Frontier(placed[key].end, tasks[key])
        for task in fixed_by_machine.get(machine_key, ()):
            if task.fixed.start < frontier.end:  # behind the frontier: settled by an earlier window
                assignment = placed.get(task.key)
                if assignment is not None and assignment.end > frontier.end:
                    frontier = Frontier(assignment.end, task)
            elif task.key not in in_window:
                window.tasks.append(task)
                in_window.add(task.key)
        window.frontier[machine_key] = frontier
    for task in window.tasks:
        job_tasks = by_job[task.job]
        if task.index and job_tasks[task.index - 1].key in placed:
            window.earliest[task.key] = placed[job_tasks[task.index - 1].key].end + task.gap
        later = [t for t in job_tasks[task.index + 1 :] if t.key not in in_window]
        if later and all(t.key not in in_window for t in job_tasks[task.index + 1 : task.index + 2]):
            window.tail[task.job] = sum(t.setup + t.run + t.gap for t in later)
    return window


def _dispatch_window(problem: Problem, window: Window, placed: dict[int, Assignment]) -> dict[int, Assignment]:
    """The dispatching rule over the window's tasks, after everything placed so far."""
    keys = {task.key for task in window.tasks}
    sub = Problem(
        machines=problem.machines,
        jobs=problem.jobs,
        tasks=[task for task in problem.tasks if task.key in keys or task.key in placed],
        horizon=problem.horizon,
    )
    not_before = {key: frontier.end for key, frontier in window.frontier.items()}
    found = dispatch(sub, {key: a for key, a in placed.items() if key not in keys}, not_before).assignments
    return {key: found[key] for key in keys}


def _settle_setups(problem: Problem, assignments: dict[int, Assignment]) -> dict[int, Assignment]:
    """Recompute each fixed task's setup and end from what actually precedes it on its machine."""
    tasks = {task.key: task for task in problem.tasks}
    by_machine: dict[int, list[int]] = defaultdict(list)
    for key, assignment in assignments.items():
        by_machine[assignment.machine].append(key)
    settled = dict(assignments)
    for machine_key, keys in by_machine.items():
        machine = problem.machines[machine_key]
        keys.sort(key=lambda k: (assignments[k].start, assignments[k].end))
        before = None
        for key in keys:
            task = tasks[key]
            if task.fixed is not None:
                setup = problem.setup_between(machine_key, before, task)
                if setup != assignments[key].setup:
                    start = assignments[key].start
                    found = span(machine, start, setup + task.run, problem.horizon)
                    end = found[1] if found else start + setup + task.run
                    settled[key] = Assignment(machine_key, start, end, setup)
            before = task
    return settled


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Report, span_done: tuple[float, float], time_limit: float) -> None:
        super().__init__()
        self.report, self.span_done, self.time_limit = report, span_done, time_limit

    def on_solution_callback(self) -> None:
        low, high = self.span_done
        fraction = low + (high - low) * min(1.0, self.wall_time / self.time_limit)
        self.report(
            fraction,
            gettext_noop("objective %(objective)s, bound %(bound)s"),
            {"objective": f"{self.objective_value:,.0f}", "bound": f"{self.best_objective_bound:,.0f}"},
        )


class _WindowModel:
    def __init__(
        self,
        problem: Problem,
        window: Window,
        start_from: dict[int, Assignment],
        previous: dict[int, Placement],
    ) -> None:
        self.problem, self.window = problem, window
        self.model = cp_model.CpModel()
        self.starts: dict[int, cp_model.IntVar] = {}
        self.ends: dict[int, cp_model.IntVar] = {}
        self.present: dict[tuple[int, int], cp_model.IntVar | bool] = {}
        self.setups: dict[tuple[int, int], cp_model.LinearExprT] = {}
        self.intervals: dict[int, list] = defaultdict(list)
        self.by_machine: dict[int, list[Task]] = defaultdict(list)
        # For complete hints: each split alternative's break literals, each machine's circuit arcs.
        self.break_choices: dict[tuple[int, int], list[tuple[int, int, cp_model.IntVar, cp_model.IntVar]]] = {}
        self.arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = {}
        self.spans: dict[tuple[int, int], cp_model.IntVar] = {}
        self.empty: dict[int, cp_model.IntVar] = {}
        self.lateness: list[tuple[cp_model.IntVar, Task, int, int]] = []  # (var, last task, tail, due)
        self.makespan: cp_model.IntVar | None = None
        self._tasks()
        self._machines()
        self._objective(previous)
        self._hint(start_from)

    # --- tasks ---------------------------------------------------------------------------------------------
    def _tasks(self) -> None:
        model, horizon = self.model, self.window.horizon
        for task in self.window.tasks:
            earliest = max(task.release, self.window.earliest.get(task.key, 0))
            if task.fixed is not None:
                earliest = task.fixed.start
            start = model.new_int_var(earliest, horizon, f"s{task.key}")
            end = model.new_int_var(earliest, horizon, f"e{task.key}")
            if task.fixed is not None:
                model.add(start == task.fixed.start)
            self.starts[task.key], self.ends[task.key] = start, end
            machines = (task.fixed.machine,) if task.fixed is not None else task.machines
            for machine_key in machines:
                present = True if len(machines) == 1 else model.new_bool_var(f"p{task.key}_{machine_key}")
                self.present[task.key, machine_key] = present
                self.by_machine[machine_key].append(task)
                self._alternative(task, machine_key, present, earliest)
            if len(machines) > 1:
                model.add_exactly_one(self.present[task.key, m] for m in machines)
        in_window = {(task.job, task.index): task for task in self.window.tasks}
        for task in self.window.tasks:
            previous = in_window.get((task.job, task.index - 1))
            if previous is not None:
                model.add(self.starts[task.key] >= self.ends[previous.key] + task.gap)

    def _alternative(self, task: Task, machine_key: int, present, earliest: int) -> None:
        model, horizon = self.model, self.window.horizon
        machine = self.problem.machines[machine_key]
        start, end = self.starts[task.key], self.ends[task.key]
        if machine.changeovers:
            top = max([task.setup, *machine.changeovers.values()])
            setup = model.new_int_var(0, top, f"su{task.key}_{machine_key}")
        else:
            setup = task.setup
        self.setups[task.key, machine_key] = setup
        work = setup + task.run
        if machine.windows is None or not machine.split:
            size = work
        else:
            size = self.spans[task.key, machine_key] = model.new_int_var(0, horizon, f"span{task.key}_{machine_key}")
            spanned = []
            breaks = _breaks(machine, horizon)
            enforce = [] if present is True else [present]
            earlier_before = None
            choices = self.break_choices[task.key, machine_key] = []
            for break_start, break_end in breaks:
                if break_end <= earliest:
                    continue
                before, after, across = (model.new_bool_var("") for _ in range(3))
                model.add_exactly_one(before, after, across)
                model.add(end <= break_start).only_enforce_if([*enforce, before])
                model.add(start >= break_end).only_enforce_if([*enforce, after])
                model.add(start <= break_start - 1).only_enforce_if([*enforce, across])
                model.add(end >= break_end + 1).only_enforce_if([*enforce, across])
                if earlier_before is not None:  # before one break: before every later one too
                    model.add_implication(earlier_before, before)
                earlier_before = before
                choices.append((break_start, break_end, before, after, across))
                spanned.append((break_end - break_start) * across)
            model.add(size == work + sum(spanned)).only_enforce_if(enforce)
        if present is True:
            interval = model.new_interval_var(start, size, end, f"i{task.key}_{machine_key}")
        else:
            interval = model.new_optional_interval_var(start, size, end, present, f"i{task.key}_{machine_key}")
        self.intervals[machine_key].append(interval)

    # --- machines ------------------------------------------------------------------------------------------
    def _machines(self) -> None:
        model, horizon = self.model, self.window.horizon
        for machine_key, tasks in self.by_machine.items():
            machine = self.problem.machines[machine_key]
            blocks = list(self.intervals[machine_key])
            frontier = self.window.frontier.get(machine_key, Frontier())
            if frontier.end > 0:  # the earlier windows' tasks
                blocks.append(model.new_fixed_size_interval_var(0, frontier.end, ""))
            if machine.windows is not None and not machine.split:
                blocks += [
                    model.new_fixed_size_interval_var(max(a, frontier.end), b - max(a, frontier.end), "")
                    for a, b in _breaks(machine, horizon)
                    if b > frontier.end
                ]
            model.add_no_overlap(blocks)
            if machine.changeovers:
                self._sequence(machine_key, tasks, frontier)

    def _sequence(self, machine_key: int, tasks: list[Task], frontier: Frontier) -> None:
        """A circuit through the machine's tasks from a depot (node 0): each arc sets the setup it brings."""
        model = self.model
        arcs = []
        self.arcs[machine_key] = named = {}
        incoming: dict[int, list] = defaultdict(list)
        empty = self.empty[machine_key] = model.new_bool_var("")
        arcs.append((0, 0, empty))
        for i, task in enumerate(tasks, start=1):
            present = self.present[task.key, machine_key]
            if present is True:
                model.add_bool_or([empty.Not()])
            else:
                arcs.append((i, i, present.Not()))
            first, last = model.new_bool_var(""), model.new_bool_var("")
            arcs += [(0, i, first), (i, 0, last)]
            named[0, task.key], named[task.key, 0] = first, last
            incoming[task.key].append((first, self.problem.setup_between(machine_key, frontier.last, task)))
        for i, before in enumerate(tasks, start=1):
            for j, after in enumerate(tasks, start=1):
                if i == j:
                    continue
                if before.job == after.job and before.index > after.index:
                    continue  # a job's tasks keep their order
                literal = model.new_bool_var("")
                arcs.append((i, j, literal))
                named[before.key, after.key] = literal
                model.add(self.starts[after.key] >= self.ends[before.key]).only_enforce_if(literal)
                incoming[after.key].append((literal, self.problem.setup_between(machine_key, before, after)))
        model.add_circuit(arcs)
        for task in tasks:
            setup = self.setups[task.key, machine_key]
            model.add(setup == sum(literal * minutes for literal, minutes in incoming[task.key]))

    # --- objective -----------------------------------------------------------------------------------------
    def _objective(self, previous: dict[int, Placement]) -> None:
        model, problem, horizon = self.model, self.problem, self.window.horizon
        last_of_job: dict[int, Task] = {}
        for task in self.window.tasks:
            if task.job not in last_of_job or task.index > last_of_job[task.job].index:
                last_of_job[task.job] = task
        tardiness, finishes = [], []
        for job_key, task in last_of_job.items():
            job: Job = problem.jobs[job_key]
            tail = self.window.tail.get(job_key, 0)
            late = model.new_int_var(0, horizon + tail, f"late{job_key}")
            model.add(late >= self.ends[task.key] + tail - job.due)
            self.lateness.append((late, task, tail, job.due))
            tardiness.append(job.weight * late)
            finishes.append(self.ends[task.key] + tail)
        makespan = model.new_int_var(0, horizon + max(self.window.tail.values(), default=0), "makespan")
        model.add_max_equality(makespan, finishes)
        self.makespan = makespan
        setups = [setup for setup in self.setups.values() if not isinstance(setup, int)]
        fixed_setup = 0  # constant setups do not change with the plan
        goal = (
            problem.tardiness_weight * sum(tardiness)
            + problem.makespan_weight * makespan
            + problem.setup_weight * (sum(setups) + fixed_setup)
        )
        disruption = []
        for task in self.window.tasks:
            placement = previous.get(task.key)
            if placement is None or task.fixed is not None:
                continue
            moved = model.new_int_var(0, horizon, "")
            model.add_abs_equality(moved, self.starts[task.key] - placement.start)
            disruption.append(moved)
            if (task.key, placement.machine) in self.present and len(task.machines) > 1:
                disruption.append(MACHINE_CHANGE_COST * (1 - self.present[task.key, placement.machine]))
        if self.window.compact:
            goal += sum(self.ends[task.key] for task in self.window.tasks if task.fixed is None)
        if disruption:
            model.minimize(goal + sum(disruption))
        else:
            model.minimize(goal)

    def _hint(self, start_from: dict[int, Assignment]) -> None:
        """Give the solver the whole starting schedule, down to break and sequence choices."""
        model = self.model
        hinted: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for task in self.window.tasks:
            assignment = start_from.get(task.key)
            if assignment is None:
                continue
            start, end = assignment.start, assignment.end
            model.add_hint(self.starts[task.key], start)
            model.add_hint(self.ends[task.key], end)
            hinted[assignment.machine].append((start, task.key))
            for (key, machine_key), present in self.present.items():
                if key == task.key and present is not True:
                    model.add_hint(present, machine_key == assignment.machine)
            for (key, machine_key), setup in self.setups.items():
                if key == task.key and not isinstance(setup, int):
                    model.add_hint(setup, assignment.setup if machine_key == assignment.machine else 0)
            for machine_key in task.machines:
                here = machine_key == assignment.machine
                if (task.key, machine_key) in self.spans:
                    model.add_hint(self.spans[task.key, machine_key], end - start if here else 0)
                for break_start, break_end, *choice in self.break_choices.get((task.key, machine_key), ()):
                    # Elsewhere nothing binds them: any one choice of the three will do.
                    before, after = here and end <= break_start, here and start >= break_end
                    for literal, value in zip(choice, (before, after, not (before or after)), strict=True):
                        model.add_hint(literal, value)
        for machine_key, arcs in self.arcs.items():
            order = [key for _start, key in sorted(hinted.get(machine_key, []))]
            chosen = set(zip([0, *order], [*order, 0], strict=True))
            model.add_hint(self.empty[machine_key], not order)
            for pair, literal in arcs.items():
                model.add_hint(literal, pair in chosen)
        finishes = [0]
        for late, task, tail, due in self.lateness:
            if task.key in start_from:
                end = start_from[task.key].end + tail
                model.add_hint(late, max(0, end - due))
                finishes.append(end)
        if self.makespan is not None and len(finishes) == len(self.lateness) + 1:
            model.add_hint(self.makespan, max(finishes))

    # --- solving -------------------------------------------------------------------------------------------
    def solve(
        self, time_limit: float, workers: int, report: Report, span_done: tuple[float, float]
    ) -> tuple[dict[int, Assignment] | None, str]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = time_limit
        solver.parameters.num_workers = workers
        # Presolve pays off on small hard models (a benchmark job shop) and costs most of the time
        # limit on a window of hundreds of tasks, which then starts from its complete hint at once.
        solver.parameters.cp_model_presolve = len(self.window.tasks) <= PRESOLVE_TASKS
        status = solver.solve(self.model, _Progress(report, span_done, time_limit))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, solver.status_name(status)
        found = {}
        for task in self.window.tasks:
            machines = (task.fixed.machine,) if task.fixed is not None else task.machines
            for machine_key in machines:
                present = self.present[task.key, machine_key]
                if present is True or solver.boolean_value(present):
                    setup = self.setups[task.key, machine_key]
                    found[task.key] = Assignment(
                        machine=machine_key,
                        start=solver.value(self.starts[task.key]),
                        end=solver.value(self.ends[task.key]),
                        setup=setup if isinstance(setup, int) else solver.value(setup),
                    )
        return found, solver.status_name(status)


def _breaks(machine: Machine, horizon: int) -> list[tuple[int, int]]:
    """The machine's non-working time up to the horizon, as [start, end) pairs."""
    gaps, cursor = [], 0
    for a, b in machine.windows or ():
        if a >= horizon:
            break
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < horizon:
        gaps.append((cursor, horizon))
    return gaps
