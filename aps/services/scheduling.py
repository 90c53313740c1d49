"""Finite-capacity schedules: made from the orders, solved by CP-SAT, published for the shop floor
(docs/scheduling.md).

- `schedule_create` copies what is to be scheduled (production orders' open operations, optionally the
  planned ones) into a new Schedule, with the published plan's placements as the starting point.
- `schedule_solve` turns it into an aps.scheduling Problem, solves it and writes the answer and its KPIs.
- `schedule_publish` makes it the plan; `operation_move` is a planner's drag on the Gantt, checked
  against every rule first.
- Scenarios are schedules copied from another (`scenario_create`), changed (`scenario_add_order`,
  `scenario_machine_window`), solved and compared before one is published.
"""

import dataclasses
import datetime
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aps.choices import (
    FixedReason,
    JobSource,
    MachineWindowKind,
    PlannedOrderKind,
    PlannedOrderState,
    ScheduleState,
)
from aps.events import SCHEDULE_PUBLISHED
from aps.models import (
    Changeover,
    MachineWindow,
    Pegging,
    PlannedOrder,
    Schedule,
    ScheduleJob,
    ScheduleOperation,
    SchedulingSettings,
)
from aps.scheduling import problem as plain
from aps.scheduling.check import task_violations
from aps.scheduling.greedy import HorizonTooShort, span
from aps.scheduling.solver import solve
from aps.selectors.mrp import current_run
from core.choices import TaskRunStatus
from core.models import Item, Machine, TaskRun, WorkCenter
from core.selectors.calendars import working_intervals
from core.services.dataio import bulk_update_values
from core.services.events import event_publish
from core.services.progress import ProgressReporter, task_run_start
from erp.choices import OperationState, ProductionOrderState
from erp.models import ProductionOperation, ProductionOrder
from plm.selectors.revisions import effective_routing

SCHEDULE_TASK = "aps.tasks.schedule_solve"
MINUTE = datetime.timedelta(minutes=1)
MAX_HORIZON_DAYS = 366
SCHEDULED_STATES = (ProductionOrderState.FIRM, ProductionOrderState.RELEASED, ProductionOrderState.IN_PROGRESS)

Report = ProgressReporter


def whole_minutes(value: Decimal) -> int:
    """Minutes as the scheduler counts them: whole, rounded up."""
    return math.ceil(value) if value > 0 else 0


def _floor_minute(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(second=0, microsecond=0)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- making a schedule ------------------------------------------------------------------------------------


def schedule_create(
    *,
    name: str = "",
    user: Any = None,
    now: datetime.datetime | None = None,
    include_planned: bool | None = None,
    full_replan: bool = False,
    reason: str = "",
    orders: Iterable[ProductionOrder] | None = None,
) -> Schedule:
    """A new schedule of every open operation of firm, released and started production orders (and, if
    asked, of planned ones), starting from where the published plan has them. `orders` limits it to
    those production orders (a benchmark's, say)."""
    settings = SchedulingSettings.load()
    now = _floor_minute(now or timezone.now())
    include_planned = settings.include_planned_orders if include_planned is None else include_planned
    with transaction.atomic():
        schedule = Schedule.objects.create(
            name=name or _("Schedule of %(when)s") % {"when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")},
            horizon_start=now,
            frozen_until=now + datetime.timedelta(hours=settings.frozen_hours),
            horizon_days=settings.horizon_days,
            time_limit_seconds=settings.time_limit_seconds,
            tardiness_weight=settings.tardiness_weight,
            makespan_weight=settings.makespan_weight,
            setup_weight=settings.setup_weight,
            full_replan=full_replan,
            reason=reason,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        material = _material_ready(schedule)
        published = _published_placements()
        jobs = [
            _order_job(schedule, order, material.get(("order", order.pk)), published)
            for order in _orders(include_planned, orders)
        ]
        if include_planned:
            jobs += [
                _routing_job(
                    schedule,
                    planned.number,
                    planned.item,
                    planned.quantity,
                    planned.due_date,
                    material.get(("planned", planned.pk)),
                    source=JobSource.PLANNED_ORDER,
                )
                for planned in _planned_orders()
            ]
        _save_jobs([job for job in jobs if job is not None])
    return schedule


def _orders(include_planned: bool, only: Iterable[ProductionOrder] | None) -> Iterable[ProductionOrder]:
    states = (*SCHEDULED_STATES, ProductionOrderState.PLANNED) if include_planned else SCHEDULED_STATES
    operations = ProductionOperation.objects.exclude(state=OperationState.DONE).order_by("seq")
    chosen = ProductionOrder.objects.filter(state__in=states)
    if only is not None:
        chosen = chosen.filter(pk__in=[order.pk for order in only])
    return (
        chosen.select_related("item")
        .prefetch_related(Prefetch("operations", queryset=operations))
        .order_by("due_date", "pk")
    )


def _planned_orders() -> Iterable[PlannedOrder]:
    return (
        PlannedOrder.objects.filter(kind=PlannedOrderKind.MAKE, state=PlannedOrderState.PLANNED)
        .select_related("item")
        .order_by("due_date", "pk")
    )


def _published_placements() -> dict[int, ScheduleOperation]:
    """The published plan's operations by production operation: where a new schedule starts from."""
    return {
        op.operation_id: op
        for op in ScheduleOperation.objects.filter(
            job__schedule__state=ScheduleState.PUBLISHED, operation__isnull=False, machine__isnull=False
        )
    }


def _material_ready(schedule: Schedule) -> dict[tuple[str, int], datetime.datetime]:
    """When the last component an order waits for arrives, by the current MRP plan's pegging: an order's
    dependent requirements are covered by stock (now), open receipts or planned orders (their dates)."""
    run = current_run()
    if run is None:
        return {}
    ready: dict[tuple[str, int], datetime.date] = {}
    pegs = (
        Pegging.objects.filter(demand__run=run, demand__kind="dependent")
        .filter(Q(demand__production_order__isnull=False) | Q(demand__parent_order__isnull=False))
        .values_list("demand__production_order", "demand__parent_order", "supply__due_date", "planned_order__due_date")
    )
    for order_id, planned_id, supply_date, planned_date in pegs:
        key = ("order", order_id) if order_id else ("planned", planned_id)
        arrives = supply_date or planned_date
        if arrives and arrives > run.planning_date:
            ready[key] = max(ready.get(key, arrives), arrives)
    return {key: _day_start(day) for key, day in ready.items()}


NewJob = tuple[ScheduleJob, list[ScheduleOperation]]


def _save_jobs(jobs: list[NewJob]) -> None:
    """Jobs in one insert, then their operations in another (ids come back from PostgreSQL)."""
    ScheduleJob.objects.bulk_create([job for job, _operations in jobs], batch_size=1000)
    rows = []
    for job, operations in jobs:
        for row in operations:
            row.job = job
            rows.append(row)
    ScheduleOperation.objects.bulk_create(rows, batch_size=1000)


def _order_job(
    schedule: Schedule,
    order: ProductionOrder,
    material_ready: datetime.datetime | None,
    published: dict[int, ScheduleOperation],
) -> NewJob | None:
    operations = list(order.operations.all())
    if order.state == ProductionOrderState.PLANNED:  # not firmed yet: its routing as engineering has it
        return _routing_job(schedule, order.number, order.item, order.quantity, order.due_date, material_ready, order)
    if not operations:
        return None
    job = ScheduleJob(
        schedule=schedule,
        reference=order.number,
        production_order=order,
        item=order.item,
        quantity=order.quantity,
        due=_day_start(order.due_date + datetime.timedelta(days=1)),
        material_ready=material_ready,
    )
    previous_move = Decimal(0)
    rows = []
    for operation in operations:
        started = operation.state == OperationState.IN_PROGRESS
        left = max(Decimal(0), order.quantity - operation.good_qty - operation.scrap_qty)
        before = published.get(operation.pk)
        row = ScheduleOperation(
            operation=operation,
            seq=operation.seq,
            name=operation.name,
            work_center_id=operation.work_center_id,
            setup_minutes=0 if started else whole_minutes(operation.setup_minutes),
            run_minutes=whole_minutes(operation.run_minutes_per_unit * left),
            gap_minutes=whole_minutes(previous_move + operation.queue_minutes),
        )
        previous_move = operation.move_minutes
        if before is not None:
            row.machine_id, row.start, row.end = before.machine_id, before.start, before.end
        if started:
            row.fixed = FixedReason.STARTED
            # MES records the machine it was started on; that is where it goes on.
            row.machine_id = operation.machine_id or row.machine_id
        elif before is not None and before.fixed == FixedReason.PINNED and before.start >= schedule.horizon_start:
            row.fixed = FixedReason.PINNED
        elif before is not None and schedule.horizon_start <= before.start < schedule.frozen_until:
            row.fixed = FixedReason.FROZEN
        rows.append(row)
    return job, rows


def _routing_job(
    schedule: Schedule,
    reference: str,
    item: Item,
    quantity: Decimal,
    due_date: datetime.date,
    material_ready: datetime.datetime | None = None,
    order: ProductionOrder | None = None,
    source: str = JobSource.PRODUCTION_ORDER,
    weight: int = 1,
) -> NewJob | None:
    """A job whose operations come from the item's routing effective on its due date."""
    routing = effective_routing(item=item, on=due_date)
    if routing is None:
        return None
    job = ScheduleJob(
        schedule=schedule,
        reference=reference,
        production_order=order,
        source=source,
        item=item,
        quantity=quantity,
        due=_day_start(due_date + datetime.timedelta(days=1)),
        weight=weight,
        material_ready=material_ready,
    )
    previous_move = Decimal(0)
    rows = []
    for operation in routing.operations.order_by("seq"):
        rows.append(
            ScheduleOperation(
                seq=operation.seq,
                name=operation.name,
                work_center_id=operation.work_center_id,
                setup_minutes=whole_minutes(operation.setup_minutes),
                run_minutes=whole_minutes(operation.run_minutes_per_unit * quantity),
                gap_minutes=whole_minutes(previous_move + operation.queue_minutes),
            )
        )
        previous_move = operation.move_minutes
    return job, rows


# --- scenarios ----------------------------------------------------------------------------------------------


def scenario_create(*, based_on: Schedule, name: str, user: Any = None) -> Schedule:
    """A what-if copy of a schedule: its jobs, operations, placements and its own machine windows."""
    with transaction.atomic():
        scenario = Schedule.objects.create(
            name=name,
            is_scenario=True,
            based_on=based_on,
            horizon_start=based_on.horizon_start,
            frozen_until=based_on.frozen_until,
            horizon_days=based_on.horizon_days,
            time_limit_seconds=based_on.time_limit_seconds,
            tardiness_weight=based_on.tardiness_weight,
            makespan_weight=based_on.makespan_weight,
            setup_weight=based_on.setup_weight,
            full_replan=based_on.full_replan,
            reason=based_on.reason,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        copies: list[NewJob] = []
        for job in based_on.jobs.prefetch_related("operations"):
            operations = list(job.operations.all())
            job.pk, job.schedule = None, scenario
            for operation in operations:
                operation.pk = None
            copies.append((job, operations))
        _save_jobs(copies)
        windows = list(based_on.machine_windows.all())
        for window in windows:
            window.pk, window.schedule = None, scenario
        MachineWindow.objects.bulk_create(windows)
    return scenario


def _require_scenario(schedule: Schedule) -> None:
    if not schedule.is_scenario or schedule.state in (ScheduleState.PUBLISHED, ScheduleState.SUPERSEDED):
        raise ValidationError(_("Only a scenario that is not published yet can be changed."), code="not_scenario")


def scenario_add_order(
    *, schedule: Schedule, item: Item, quantity: Decimal, due_date: datetime.date, weight: int = 1
) -> ScheduleJob:
    """A what-if order (an urgent customer order, say) scheduled by its item's routing."""
    errors = {}
    if quantity <= 0:
        errors["quantity"] = _("Enter a quantity above zero.")
    elif (precision := item.precision_error(quantity)) is not None:
        errors["quantity"] = precision
    if not 1 <= weight <= 100:
        errors["weight"] = _("The priority is from 1 (normal) to 100.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
        _require_scenario(schedule)
        number = schedule.jobs.filter(source=JobSource.WHAT_IF).count() + 1
        new = _routing_job(
            schedule, f"WHATIF-{number}", item, quantity, due_date, source=JobSource.WHAT_IF, weight=weight
        )
        if new is None:
            raise ValidationError(
                {"item": _("%(item)s has no released routing on %(day)s.") % {"item": item.code, "day": due_date}}
            )
        _save_jobs([new])
        schedule.state = ScheduleState.DRAFT
        schedule.save(update_fields=["state", "updated_at"])
    return new[0]


def scenario_machine_window(
    *,
    schedule: Schedule,
    machine: Machine,
    start: datetime.datetime,
    end: datetime.datetime,
    kind: str = MachineWindowKind.DOWN,
    reason: str = "",
) -> MachineWindow:
    """Take a machine down, or give it an extra shift, in this scenario only."""
    if start >= end:
        raise ValidationError({"end": _("The window must end after it starts.")})
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
        _require_scenario(schedule)
        window = MachineWindow.objects.create(
            machine=machine, kind=kind, start=start, end=end, reason=reason, schedule=schedule
        )
        schedule.state = ScheduleState.DRAFT
        schedule.save(update_fields=["state", "updated_at"])
    return window


# --- solving ----------------------------------------------------------------------------------------------


@dataclass
class Built:
    """A schedule as a Problem, with what is needed to map the answer back."""

    problem: plain.Problem
    origin: datetime.datetime
    operations: dict[int, ScheduleOperation]
    machines_of: dict[int, tuple[int, ...]]  # work center -> its active machines

    def at(self, minute: int) -> datetime.datetime:
        return self.origin + minute * MINUTE

    def minute(self, moment: datetime.datetime, up: bool = False) -> int:
        """Whole minutes from the schedule's start (rounded down, or up)."""
        whole, rest = divmod(moment - self.origin, MINUTE)
        return whole + 1 if up and rest else whole


def schedule_build(schedule: Schedule, horizon_days: int | None = None, extra_centers: Iterable[int] = ()) -> Built:
    """The schedule's operations, machines, calendars, windows and changeovers as plain data; the
    machines of `extra_centers` too (where an order not in the schedule would go). An unsaved schedule
    has no operations: only the machines."""
    origin = schedule.horizon_start
    horizon_days = horizon_days or schedule.horizon_days
    horizon_end = origin + datetime.timedelta(days=horizon_days)
    horizon = horizon_days * 24 * 60
    operations = {
        op.pk: op
        for op in ScheduleOperation.objects.filter(job__schedule_id=schedule.pk)
        .select_related("job__item", "work_center")
        .order_by("job_id", "seq")
    }
    center_ids = {op.work_center_id for op in operations.values()} | set(extra_centers)
    centers = {wc.pk: wc for wc in WorkCenter.objects.filter(pk__in=center_ids).select_related("calendar")}
    machines_of: dict[int, list[Machine]] = defaultdict(list)
    for machine in (
        Machine.objects.filter(work_center__in=center_ids, active=True)
        .select_related("calendar", "work_center__calendar")
        .prefetch_related("calendar__shifts", "work_center__calendar__shifts")
        .order_by("code")
    ):
        machines_of[machine.work_center_id].append(machine)
    missing = sorted(centers[pk].code for pk in center_ids if not machines_of[pk])
    if missing:
        raise ValidationError(
            _("Work centers without an active machine cannot be scheduled: %(codes)s.") % {"codes": ", ".join(missing)},
            code="no_machine",
        )
    windows_of: dict[int, list[MachineWindow]] = defaultdict(list)
    for window in MachineWindow.objects.filter(
        Q(schedule__isnull=True) | Q(schedule_id=schedule.pk), start__lt=horizon_end, end__gt=origin
    ):
        windows_of[window.machine_id].append(window)
    changeovers: dict[int, dict] = defaultdict(dict)
    for row in Changeover.objects.filter(work_center__in=center_ids):
        changeovers[row.work_center_id][row.from_family_id, row.to_family_id] = row.minutes

    built = Built(
        problem=None,  # type: ignore[arg-type]
        origin=origin,
        operations=operations,
        machines_of={center: tuple(m.pk for m in machines) for center, machines in machines_of.items()},
    )
    machines = {}
    laid_out: dict[int, list[plain.Window]] = {}
    for center_id, center_machines in machines_of.items():
        for machine in center_machines:
            machines[machine.pk] = plain.Machine(
                key=machine.pk,
                windows=_machine_windows(built, machine, windows_of[machine.pk], horizon_end, horizon, laid_out),
                split=centers[center_id].split_across_breaks,
                changeovers=changeovers.get(center_id, {}),
            )
    jobs, tasks = {}, []
    index_in_job: dict[int, int] = defaultdict(int)
    running = _Running(machines, horizon)
    for op in operations.values():
        job = op.job
        if job.pk not in jobs:
            jobs[job.pk] = plain.Job(key=job.pk, due=built.minute(job.due), weight=job.weight)
        index = index_in_job[job.pk]
        index_in_job[job.pk] += 1
        release = max(0, built.minute(job.material_ready)) if job.material_ready and index == 0 else 0
        placement = (
            plain.Placement(op.machine_id, built.minute(op.start))
            if op.machine_id in machines and op.start is not None
            else None
        )
        fixed = None
        eligible = tuple(m.pk for m in machines_of[op.work_center_id])
        if op.fixed == FixedReason.STARTED:
            fixed = running.place(op, op.machine_id if op.machine_id in machines else None, eligible)
        elif op.fixed and placement is not None and placement.start >= 0:
            fixed = placement
        tasks.append(
            plain.Task(
                key=op.pk,
                job=job.pk,
                index=index,
                machines=eligible,
                run=op.run_minutes,
                setup=op.setup_minutes,
                family=job.item.category_id,
                gap=op.gap_minutes,
                release=release,
                fixed=fixed,
                hint=None if schedule.full_replan else placement,
            )
        )
    codes = {machine.pk: machine.code for center_machines in machines_of.values() for machine in center_machines}
    built.problem = plain.Problem(
        names=_PlanNames(built, codes),
        machines=machines,
        jobs=jobs,
        tasks=tasks,
        horizon=horizon,
        tardiness_weight=schedule.tardiness_weight,
        makespan_weight=schedule.makespan_weight,
        setup_weight=schedule.setup_weight,
    )
    return built


class _Running:
    """Where started operations go on: the machine MES started them on (or the published plan had them
    on), else the machine of their work center that is free first, one after another from the first
    working minute."""

    def __init__(self, machines: dict[int, plain.Machine], horizon: int) -> None:
        self.machines, self.horizon = machines, horizon
        self.free: dict[int, int] = defaultdict(int)
        self.family: dict[int, int | None] = {}

    def place(self, op: ScheduleOperation, machine_key: int | None, eligible: tuple[int, ...]) -> plain.Placement:
        if machine_key is None:
            machine_key = min(eligible, key=lambda key: (self.free[key], key))
        machine, family = self.machines[machine_key], op.job.item.category_id
        # After another started operation: its changeover (a started operation's own setup is done).
        setup = machine.changeovers.get((self.family[machine_key], family), 0) if machine_key in self.family else 0
        work = setup + op.run_minutes
        found = span(machine, self.free[machine_key], work, self.horizon)
        start, end = found or (self.free[machine_key], self.free[machine_key] + work)
        self.free[machine_key], self.family[machine_key] = end, family
        return plain.Placement(machine_key, start)


class _PlanNames(plain.Names):
    """Messages in the planner's terms: order and operation, machine code, local time."""

    def __init__(self, built: Built, codes: dict[int, str]) -> None:
        self.built, self.codes = built, codes

    def task(self, task: plain.Task) -> str:
        op = self.built.operations[task.key]
        return f"{op.job.reference} op {op.seq}"

    def machine(self, key: int) -> str:
        return self.codes.get(key, str(key))

    def time(self, minute: int) -> str:
        return timezone.localtime(self.built.at(minute)).strftime("%Y-%m-%d %H:%M")


def _machine_windows(
    built: Built,
    machine: Machine,
    changes: list[MachineWindow],
    horizon_end: datetime.datetime,
    horizon: int,
    laid_out: dict[int, list[plain.Window]],
) -> tuple[plain.Window, ...] | None:
    """Working time in minutes: the calendar's shifts, plus extra shifts, less downtime. `laid_out`
    keeps each calendar's windows: machines mostly share their work center's."""
    calendar = machine.effective_calendar
    if calendar is None and not changes:
        return None
    if calendar is None:
        working = [(0, horizon)]
    else:
        if calendar.pk not in laid_out:
            laid_out[calendar.pk] = [
                (built.minute(a, up=True), built.minute(b))
                for a, b in working_intervals(calendar=calendar, start=built.origin, end=horizon_end)
            ]
        working = laid_out[calendar.pk]
    for change in changes:
        a, b = max(0, built.minute(change.start)), min(horizon, built.minute(change.end))
        if a >= b:
            continue
        change_with = _union if change.kind == MachineWindowKind.EXTRA else _subtract
        working = change_with(working, (a, b))
    return tuple(working)


def _union(windows: list[plain.Window], extra: plain.Window) -> list[plain.Window]:
    merged: list[plain.Window] = []
    for a, b in sorted([*windows, extra]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _subtract(windows: list[plain.Window], down: plain.Window) -> list[plain.Window]:
    left = []
    for a, b in windows:
        if b <= down[0] or a >= down[1]:
            left.append((a, b))
            continue
        if a < down[0]:
            left.append((a, down[0]))
        if b > down[1]:
            left.append((down[1], b))
    return left


def schedule_solve(*, schedule: Schedule, report: Report | None = None) -> Schedule:
    """Solve a schedule and store its answer; a failure is recorded on it with the reason."""
    report = report or (lambda percent, message="", params=None: None)
    began = time.monotonic()
    Schedule.objects.filter(pk=schedule.pk).update(state=ScheduleState.SOLVING, error="")
    horizon_days = schedule.horizon_days
    try:
        while True:
            built = schedule_build(schedule, horizon_days)
            try:
                solution = solve(
                    built.problem,
                    time_limit=schedule.time_limit_seconds,
                    keep_previous=not schedule.full_replan,
                    report=lambda fraction, message, params: report(int(fraction * 100), message, params),
                )
                break
            except HorizonTooShort:
                if horizon_days >= MAX_HORIZON_DAYS:
                    raise ValidationError(
                        _("The operations do not fit into %(days)s days of machine time.") % {"days": horizon_days},
                        code="horizon",
                    ) from None
                horizon_days = min(MAX_HORIZON_DAYS, horizon_days * 2)
    except ValidationError as exc:
        Schedule.objects.filter(pk=schedule.pk).update(state=ScheduleState.FAILED, error=" ".join(exc.messages))
        raise
    except Exception as exc:  # a bug or a lost database: the schedule must not stay "solving"
        Schedule.objects.filter(pk=schedule.pk).update(state=ScheduleState.FAILED, error=repr(exc)[:1000])
        raise
    _store(schedule, built, solution, horizon_days)
    # The whole run, storing included.
    Schedule.objects.filter(pk=schedule.pk).update(total_seconds=Decimal(f"{time.monotonic() - began:.3f}"))
    schedule.refresh_from_db()
    return schedule


def _store(schedule: Schedule, built: Built, solution: plain.Solution, horizon_days: int) -> None:
    with transaction.atomic():
        rows = []
        for key, placed in solution.assignments.items():
            op = built.operations[key]
            op.machine_id, op.start, op.end = placed.machine, built.at(placed.start), built.at(placed.end)
            op.applied_setup_minutes = placed.setup
            rows.append(op)
        bulk_update_values(ScheduleOperation, rows, ["machine", "start", "end", "applied_setup_minutes"])
        _store_kpis(
            schedule,
            built,
            solution,
            state=ScheduleState.SOLVED,
            horizon_days=horizon_days,
            solver_status=solution.status,
            solve_seconds=Decimal(f"{solution.solve_seconds:.3f}"),
            decomposed=solution.decomposed,
            solved_at=timezone.now(),
        )


def schedule_solve_start(*, schedule: Schedule, user: Any = None, publish: bool = False) -> TaskRun:
    """Queue the solving of a schedule on a worker; its progress shows on the run's page."""
    with transaction.atomic():
        locked = Schedule.objects.select_for_update(of=("self",)).select_related("task_run").get(pk=schedule.pk)
        if locked.state in (ScheduleState.PUBLISHED, ScheduleState.SUPERSEDED):
            raise ValidationError(
                _("This schedule is %(state)s: make a new one.") % {"state": locked.get_state_display().lower()},
                code="state",
            )
        # A run that a lost worker left "solving" can be started again; a queued or running one cannot.
        if locked.task_run is not None and not locked.task_run.is_finished:
            raise ValidationError(_("This schedule is being solved already."), code="solving")
        run = task_run_start(
            task_name=SCHEDULE_TASK,
            title=gettext_noop("Scheduling: %(name)s"),
            title_params={"name": schedule.name},
            params={"schedule": schedule.pk, "publish": publish},
            user=user,
        )
        locked.task_run = schedule.task_run = run
        locked.save(update_fields=["task_run", "updated_at"])
    return run


# --- publishing and moving ----------------------------------------------------------------------------------


def schedule_publish(*, schedule: Schedule, user: Any = None) -> Schedule:
    """Make a solved schedule the plan the shop floor works to; the previous one is superseded."""
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
        if schedule.state != ScheduleState.SOLVED:
            raise ValidationError(_("Only a solved schedule can be published."), code="state")
        if schedule.jobs.filter(source=JobSource.WHAT_IF).exists():
            raise ValidationError(
                _("This scenario has what-if orders: enter them as production orders and schedule again."),
                code="what_if_orders",
            )
        superseded = Schedule.objects.filter(state=ScheduleState.PUBLISHED)
        superseded_ids = [str(pk) for pk in superseded.values_list("pk", flat=True)]
        superseded.update(state=ScheduleState.SUPERSEDED)
        # What the scenario assumed about machines is now the plan's assumption.
        schedule.machine_windows.update(schedule=None)
        schedule.state = ScheduleState.PUBLISHED
        schedule.published_at = timezone.now()
        schedule.published_by = user if getattr(user, "is_authenticated", False) else None
        schedule.save(update_fields=["state", "published_at", "published_by", "updated_at"])
        payload = {
            "schedule": str(schedule.pk),
            "name": schedule.name,
            "horizon_start": schedule.horizon_start.isoformat(),
            "frozen_until": schedule.frozen_until.isoformat(),
            "operations": ScheduleOperation.objects.filter(job__schedule=schedule, start__isnull=False).count(),
            "tardy_orders": schedule.tardy_orders,
            "weighted_tardiness": schedule.weighted_tardiness,
            "makespan_minutes": schedule.makespan_minutes,
            "superseded": superseded_ids,
            "published_at": schedule.published_at.isoformat(),
        }
        event_publish(name=SCHEDULE_PUBLISHED, payload=payload, aggregate=schedule, actor=user)
    return schedule


def operation_move(
    *, operation: ScheduleOperation, machine: Machine, start: datetime.datetime, user: Any = None
) -> ScheduleOperation:
    """A planner places an operation on a machine at a time; it then stays there (pinned).

    Refused, with the reason, when the move breaks a rule: another machine's work center, outside the
    machine's working time, over another operation, before its predecessor or after its successor, inside
    the frozen horizon, or an operation already started.
    """
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().get(pk=operation.job.schedule_id)
        if schedule.state not in (ScheduleState.SOLVED, ScheduleState.PUBLISHED):
            raise ValidationError(_("Solve the schedule before moving its operations."), code="state")
        operation = ScheduleOperation.objects.select_related("job").get(pk=operation.pk)
        start = _floor_minute(start)
        if operation.start is None:
            raise ValidationError(_("Solve the schedule before moving its operations."), code="state")
        if operation.fixed == FixedReason.STARTED:
            raise ValidationError(_("This operation has started on the shop floor: it cannot move."), code="started")
        if min(start, operation.start) < schedule.frozen_until:
            raise ValidationError(
                _("Nothing moves inside the frozen horizon (until %(until)s).")
                % {"until": timezone.localtime(schedule.frozen_until).strftime("%Y-%m-%d %H:%M")},
                code="frozen",
            )
        built = schedule_build(schedule)
        if machine.pk not in built.problem.machines or machine.work_center_id != operation.work_center_id:
            raise ValidationError(
                {
                    "machine": _("%(machine)s is not an active machine of work center %(wc)s.")
                    % {"machine": machine.code, "wc": operation.work_center.code}
                },
            )
        # A pinned operation is pinned where the planner put it: the planner may move it again.
        built.problem.tasks = [
            dataclasses.replace(task, fixed=None) if task.key == operation.pk else task for task in built.problem.tasks
        ]
        solution = stored_solution(built)
        moved = _replace(built, solution, operation.pk, machine.pk, built.minute(start))
        changed = {key: placed for key, placed in moved.assignments.items() if solution.assignments.get(key) != placed}
        # The moved operation's rules, and those of the operations whose setup (and so end) the move changed:
        # the one now after it, and the one that was after it on its old machine.
        checked = [operation.pk, *(key for key in changed if key != operation.pk)]
        problems = [problem.message for key in checked for problem in task_violations(built.problem, moved, key)]
        if problems:
            raise ValidationError([ValidationError(problem, code="rule") for problem in dict.fromkeys(problems)])
        rows = []
        for key, placed in changed.items():
            row = built.operations[key]
            row.machine_id, row.start, row.end = placed.machine, built.at(placed.start), built.at(placed.end)
            row.applied_setup_minutes = placed.setup
            if key == operation.pk:
                row.fixed = FixedReason.PINNED
            rows.append(row)
        ScheduleOperation.objects.bulk_update(rows, ["machine", "start", "end", "applied_setup_minutes", "fixed"])
        _store_kpis(schedule, built, moved)
    operation.refresh_from_db()
    return operation


def stored_solution(built: Built) -> plain.Solution:
    """The placements stored on the schedule, as a plain solution (to check, or to change one of)."""
    return plain.Solution(
        assignments={
            key: plain.Assignment(
                machine=op.machine_id,
                start=built.minute(op.start),
                end=built.minute(op.end),
                setup=op.applied_setup_minutes or 0,
            )
            for key, op in built.operations.items()
            if op.machine_id is not None
        },
        status="FEASIBLE",
    )


def _replace(built: Built, solution: plain.Solution, key: int, machine_key: int, start: int) -> plain.Solution:
    """The solution with one task moved, and the setups (and so the ends) of the tasks that now follow
    it, or that followed it before, recomputed; nothing else moves."""
    problem = built.problem
    tasks = {task.key: task for task in problem.tasks}
    assignments = dict(solution.assignments)
    old_machine = assignments[key].machine if key in assignments else None
    assignments[key] = plain.Assignment(machine_key, start, start, 0)
    for machine in {machine_key, old_machine} - {None}:
        order = sorted(
            (k for k, a in assignments.items() if a.machine == machine), key=lambda k: (assignments[k].start, k)
        )
        before = None
        for k in order:
            placed = assignments[k]
            setup = problem.setup_between(machine, tasks[before] if before else None, tasks[k])
            if k == key or setup != placed.setup:
                found = span(problem.machines[machine], placed.start, setup + tasks[k].run, problem.horizon)
                end = found[1] if found and found[0] == placed.start else placed.start + setup + tasks[k].run
                assignments[k] = plain.Assignment(machine, placed.start, end, setup)
            before = k
    return plain.Solution(assignments, solution.status)


def _store_kpis(schedule: Schedule, built: Built, solution: plain.Solution, **fields: Any) -> None:
    """Each job's end and lateness, and the schedule's KPIs (with any other fields given)."""
    kpis = plain.kpis(built.problem, solution)
    jobs = []
    for job in ScheduleJob.objects.filter(schedule=schedule):
        end = kpis.job_ends.get(job.pk)
        job.end = built.at(end) if end is not None else None
        job.tardiness_minutes = max(0, end - built.problem.jobs[job.pk].due) if end is not None else None
        jobs.append(job)
    bulk_update_values(ScheduleJob, jobs, ["end", "tardiness_minutes"])
    Schedule.objects.filter(pk=schedule.pk).update(
        weighted_tardiness=kpis.weighted_tardiness,
        tardy_orders=kpis.tardy_jobs,
        makespan_minutes=kpis.makespan,
        setup_minutes=kpis.setup_minutes,
        **fields,
    )


# --- the closed loop ----------------------------------------------------------------------------------------


def schedule_running() -> bool:
    return TaskRun.objects.filter(
        task_name=SCHEDULE_TASK, status__in=[TaskRunStatus.PENDING, TaskRunStatus.RUNNING]
    ).exists()


def reschedule_propose(*, reason: str, user: Any = None) -> Schedule | None:
    """A new schedule of the current orders, solved on a worker and, if the planners set auto-publish,
    published; None when a scheduling run is already queued or running (it will see the same floor)."""
    if schedule_running():
        return None
    with transaction.atomic():
        schedule = schedule_create(user=user, reason=reason[:300])
        schedule_solve_start(schedule=schedule, user=user, publish=SchedulingSettings.load().auto_publish)
    return schedule
