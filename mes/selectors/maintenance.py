"""Reads of maintenance: what a machine did (run hours and cycles, its meters), which preventive plans are
due, when a machine is next free for maintenance, and its reliability (MTBF and MTTR) over a period."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from aps.choices import MachineWindowKind
from aps.models import MachineWindow, ScheduleOperation
from aps.selectors.scheduling import published_schedule
from core.models import Machine
from mes.choices import DowntimeKind, EventKind, MaintenanceState, MaintenanceTrigger
from mes.models import Downtime, MachineCount, MaintenanceOrder, MaintenancePlan, OperationRun, ProductionEvent

ZERO = Decimal("0")
HOUR = Decimal(3600)
DAY = Decimal(86400)
OPEN_STATES = (MaintenanceState.REQUESTED, MaintenanceState.PLANNED, MaintenanceState.IN_PROGRESS)
# The events after which a machine runs (or stops) an operation; a downtime's end runs it again only when
# the downtime paused a run (the downtime then carries the run's operation, see execution.downtime_end).
RUN_TRANSITIONS = (
    EventKind.START,
    EventKind.RESUME,
    EventKind.PAUSE,
    EventKind.COMPLETE,
    EventKind.DOWNTIME_START,
    EventKind.DOWNTIME_END,
)
STARTS_RUNNING = (EventKind.START, EventKind.RESUME)
# The reliability period when none is asked for: the last 30 days.
RELIABILITY_PERIOD = datetime.timedelta(days=30)


def _seconds(delta: datetime.timedelta) -> Decimal:
    return Decimal(str(delta.total_seconds()))


def _round(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


# --- Meters -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meters:
    """What a machine has done in its life: hours it ran operations, and units it made (good and scrap)."""

    run_hours: Decimal
    cycles: Decimal

    def reading(self, trigger: str) -> Decimal:
        """The meter a plan of `trigger` counts by, as plans keep it (to a thousandth); calendar plans count
        days, not a meter."""
        meter = {MaintenanceTrigger.RUN_HOURS: self.run_hours, MaintenanceTrigger.CYCLES: self.cycles}.get(trigger)
        return ZERO if meter is None else _round(meter, "0.001")


def machines_meters(machine_ids: Iterable[int], *, at: datetime.datetime | None = None) -> dict[int, Meters]:
    """The meters of several machines in three queries: run time is every run's `run_seconds` plus the
    running part of the open ones up to `at` (now); cycles are the units the roll-up counted on it (from
    the tablet and from the machines' PLCs alike)."""
    at = at or timezone.now()
    ids = list(machine_ids)
    seconds: dict[int, Decimal] = defaultdict(lambda: ZERO)
    runs = OperationRun.objects.filter(machine_id__in=ids)
    for machine_id, total in (
        runs.values("machine_id").annotate(total=Sum("run_seconds")).values_list("machine_id", "total")
    ):
        seconds[machine_id] += total
    for machine_id, since in runs.filter(running_since__lt=at).values_list("machine_id", "running_since"):
        seconds[machine_id] += _seconds(at - since)
    cycles = dict(
        MachineCount.objects.filter(machine_id__in=ids)
        .values("machine_id")
        .annotate(total=Sum(F("good_qty") + F("scrap_qty")))
        .values_list("machine_id", "total")
    )
    return {pk: Meters(run_hours=seconds[pk] / HOUR, cycles=cycles.get(pk) or ZERO) for pk in ids}


def machine_meters(machine: Machine, *, at: datetime.datetime | None = None) -> Meters:
    return machines_meters([machine.pk], at=at)[machine.pk]


# --- Preventive plans ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanStatus:
    """How far a plan is since it was last done: `used` days, run hours or cycles of its `interval`."""

    plan: MaintenancePlan
    used: Decimal
    due: bool

    @property
    def remaining(self) -> Decimal:
        return self.plan.interval - self.used

    @property
    def used_pct(self) -> Decimal:
        return _round(self.used * 100 / self.plan.interval, "1")


def plan_statuses(plans: Iterable[MaintenancePlan], *, now: datetime.datetime | None = None) -> list[PlanStatus]:
    """Each plan's use since it was last done. A calendar plan counts days from when it was last done (or
    from its creation); the others count their machine's meter from `last_done_meter`."""
    now = now or timezone.now()
    plans = list(plans)
    meters = machines_meters({plan.machine_id for plan in plans}, at=now)
    statuses = []
    for plan in plans:
        if plan.trigger == MaintenanceTrigger.CALENDAR:
            used = _seconds(now - (plan.last_done_at or plan.created_at)) / DAY
        else:
            used = meters[plan.machine_id].reading(plan.trigger) - plan.last_done_meter
        statuses.append(PlanStatus(plan=plan, used=_round(used, "0.001"), due=used >= plan.interval))
    return statuses


def plans_due(now: datetime.datetime | None = None) -> list[PlanStatus]:
    """The active plans whose interval has run out, whether or not an order is already open for them."""
    plans = MaintenancePlan.objects.filter(active=True).select_related("machine").order_by("machine__code", "name")
    return [status for status in plan_statuses(plans, now=now) if status.due]


def open_orders(**filters) -> QuerySet[MaintenanceOrder]:
    return MaintenanceOrder.objects.filter(state__in=OPEN_STATES, **filters)


# --- When a machine is free ---------------------------------------------------------------------------------


def next_free_time(*, machine: Machine, duration: datetime.timedelta, after: datetime.datetime) -> datetime.datetime:
    """The first moment from `after` that the machine has `duration` free of its real downtime windows
    (other maintenance, breakdowns) and of the operations the published schedule placed on it."""
    busy = list(
        MachineWindow.objects.filter(
            machine=machine, schedule__isnull=True, kind=MachineWindowKind.DOWN, end__gt=after
        ).values_list("start", "end")
    )
    schedule = published_schedule()
    if schedule is not None:
        busy += ScheduleOperation.objects.filter(
            job__schedule=schedule, machine=machine, start__isnull=False, end__gt=after
        ).values_list("start", "end")
    start = after
    for busy_start, busy_end in sorted(busy):
        if busy_start - start >= duration:
            break
        start = max(start, busy_end)
    return start


# --- Reliability --------------------------------------------------------------------------------------------


def running_seconds(
    machine_ids: Iterable[int], *, start: datetime.datetime, end: datetime.datetime
) -> dict[int, Decimal]:
    """Seconds each machine ran operations between start and end, replayed from the production record:
    the state at `start` is the one its last run event before left it in."""
    ids = list(machine_ids)
    totals: dict[int, Decimal] = dict.fromkeys(ids, ZERO)
    if end <= start:
        return totals
    resumes = Downtime.objects.filter(end_event=OuterRef("pk"), operation__isnull=False)
    transitions = ProductionEvent.objects.filter(kind__in=RUN_TRANSITIONS).annotate(resumes=Exists(resumes))
    runs_after = Case(When(Q(kind__in=STARTS_RUNNING) | Q(resumes=True), then=Value(True)), default=Value(False))
    # Each machine's last transition before the period: one short index scan per machine.
    last_before = (
        transitions.filter(machine=OuterRef("pk"), at__lt=start).order_by("-at", "-id").annotate(runs=runs_after)
    )
    running_since: dict[int, datetime.datetime | None] = dict.fromkeys(ids)
    for machine_id, running in (
        Machine.objects.filter(pk__in=ids)
        .annotate(running=Subquery(last_before.values("runs")[:1]))
        .values_list("pk", "running")
    ):
        if running:
            running_since[machine_id] = start
    events = transitions.filter(machine_id__in=ids)
    during = events.filter(at__gte=start, at__lt=end).order_by("machine_id", "at", "id")
    for machine_id, kind, at, resumes_run in during.values_list("machine_id", "kind", "at", "resumes"):
        since = running_since[machine_id]
        if kind in STARTS_RUNNING or resumes_run:
            running_since[machine_id] = since or at
        elif since is not None:
            totals[machine_id] += _seconds(at - since)
            running_since[machine_id] = None
    for machine_id, since in running_since.items():
        if since is not None:
            totals[machine_id] += _seconds(end - since)
    return totals


@dataclass(frozen=True)
class Reliability:
    """A machine's breakdowns over a period. MTBF is its running time per failure; MTTR its mean time down
    per breakdown. Without failures, neither has a value."""

    machine: Machine
    failures: int
    operating_seconds: Decimal
    repair_seconds: Decimal

    @property
    def operating_hours(self) -> Decimal:
        return _round(self.operating_seconds / HOUR)

    @property
    def repair_minutes(self) -> Decimal:
        return _round(self.repair_seconds / 60)

    @property
    def mtbf_hours(self) -> Decimal | None:
        return _round(self.operating_seconds / HOUR / self.failures) if self.failures else None

    @property
    def mttr_minutes(self) -> Decimal | None:
        return _round(self.repair_seconds / 60 / self.failures) if self.failures else None


def days_period(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of whole days, first to last included, in the plant's time zone."""
    start = datetime.datetime.combine(first, datetime.time.min)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start), timezone.make_aware(end)


def machine_reliability(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    machines: QuerySet[Machine] | None = None,
    now: datetime.datetime | None = None,
) -> list[Reliability]:
    """MTBF and MTTR per machine over [start, end): failures are the breakdowns that began in the period,
    each down until it ended (or until the period's end or now, while it lasts); the operating time is
    what the machine ran in the period."""
    now = now or timezone.now()
    machines = (machines if machines is not None else Machine.objects.all()).select_related("work_center")
    machines = list(machines.order_by("work_center__code", "code"))
    ids = [machine.pk for machine in machines]
    breakdowns: dict[int, list[Decimal]] = defaultdict(list)
    for machine_id, began, ended in Downtime.objects.filter(
        machine_id__in=ids, reason__kind=DowntimeKind.BREAKDOWN, start__gte=start, start__lt=end
    ).values_list("machine_id", "start", "end"):
        breakdowns[machine_id].append(_seconds((ended or min(end, now)) - began))
    running = running_seconds(ids, start=start, end=min(end, now))
    return [
        Reliability(
            machine=machine,
            failures=len(breakdowns[machine.pk]),
            operating_seconds=running[machine.pk],
            repair_seconds=sum(breakdowns[machine.pk], ZERO),
        )
        for machine in machines
    ]
