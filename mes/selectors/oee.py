"""OEE by the ISO 22400-2 definitions, per machine and per shift, day or production order.

The time model of a machine over a period:

- planned operation time (POT): its calendar's working time in the period (the whole period when it
  has no calendar); the future is not planned yet, so a period ends at now at the latest;
- planned busy time (PBT): POT less the planned stops that are not part of it (downtime whose reason
  does not count against availability: breaks, planned maintenance);
- actual production time (APT): PBT less the downtime that counts against availability (unplanned
  stops, and changeovers: ISO 22400 keeps setup inside the planned busy time), and less the time the
  machine stood with no operation open on it and no downtime recorded (idle: no work, or nobody said
  why). A machine with an operation open that makes nothing shows it as speed loss instead.

Downtime counts only where it overlaps the period and the working time. From the quarter-hour count
roll-up (MachineCount) and the operation's ideal cycle time (ERP's run minutes per unit):

    availability = APT / PBT
    performance  = sum(ideal cycle time x produced units) / APT     (produced = good + scrap)
    quality      = good / produced
    OEE          = availability x performance x quality

and the losses: downtime by reason, speed loss = APT - ideal time of what was produced, scrap loss =
ideal time of the scrapped units. Units counted without an operation have no ideal cycle time: they
count for quality, not for performance.

Arithmetic is Decimal on exact seconds; what is shown is rounded half up: minutes to 0.01, ratios to
0.0001 (0.01 %). A ratio whose denominator is zero is None: no planned busy time leaves all of them
None; no production leaves performance and quality None and makes OEE 0 (no good output in planned
time). Performance above 1 is shown as it is: it means the ideal cycle time is set too slow.

A quarter-hour bucket belongs to the shift or day its start falls in (shifts start on quarter hours);
the database sums the buckets per group, so a month per day reads as few rows as a shift.
Per order, an order's time on a machine is its runs' time there (start to completion), and its units
are the counts of its operations.
"""

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.contrib.postgres.fields import ArrayField
from django.db.models import DateTimeField, F, Func, IntegerField, Q, QuerySet, Sum, TextChoices, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Machine, Shift, WorkCalendar
from core.selectors.calendars import Interval, ShiftWindow, merge_intervals, shift_windows
from erp.models import ProductionOperation, ProductionOrder
from mes.models import Downtime, DowntimeReason, MachineCount, OperationRun

ZERO = Decimal(0)
MINUTE_STEP = Decimal("0.01")
RATIO_STEP = Decimal("0.0001")
SECONDS_PER_MINUTE = Decimal(60)
# The longest period a report covers (a quarter): longer, its rows per day or shift stop being readable.
MAX_PERIOD = datetime.timedelta(days=93)


class OeeGrouping(TextChoices):
    MACHINE = "machine", _("Machine")
    DAY = "day", _("Day")
    SHIFT = "shift", _("Shift")
    ORDER = "order", _("Production order")


def _seconds(delta: datetime.timedelta) -> Decimal:
    """Exact seconds of a timedelta (float seconds would carry binary noise into the sums)."""
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds).scaleb(-6)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (numerator / denominator).quantize(RATIO_STEP, rounding=ROUND_HALF_UP)


def _minutes(seconds: Decimal) -> Decimal:
    return (seconds / SECONDS_PER_MINUTE).quantize(MINUTE_STEP, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ReasonMinutes:
    reason: DowntimeReason
    minutes: Decimal


@dataclass
class OeeFigures:
    """The times (exact seconds) and units of a machine, or of several summed, with ISO 22400's ratios."""

    planned_operation_seconds: Decimal = ZERO
    planned_stop_seconds: Decimal = ZERO  # downtime not counting against availability
    downtime_seconds: Decimal = ZERO  # downtime counting against availability
    idle_seconds: Decimal = ZERO  # planned busy time with no operation open and no downtime
    good_qty: Decimal = ZERO
    scrap_qty: Decimal = ZERO
    ideal_seconds: Decimal = ZERO  # ideal cycle time x produced units
    scrap_ideal_seconds: Decimal = ZERO  # ideal cycle time x scrapped units
    seconds_by_reason: dict[DowntimeReason, Decimal] = field(default_factory=dict)

    def add(self, other: "OeeFigures") -> "OeeFigures":
        self.planned_operation_seconds += other.planned_operation_seconds
        self.planned_stop_seconds += other.planned_stop_seconds
        self.downtime_seconds += other.downtime_seconds
        self.idle_seconds += other.idle_seconds
        self.good_qty += other.good_qty
        self.scrap_qty += other.scrap_qty
        self.ideal_seconds += other.ideal_seconds
        self.scrap_ideal_seconds += other.scrap_ideal_seconds
        for reason, seconds in other.seconds_by_reason.items():
            self.seconds_by_reason[reason] = self.seconds_by_reason.get(reason, ZERO) + seconds
        return self

    def stop_add(self, reason: DowntimeReason, seconds: Decimal) -> None:
        if reason.counts_against_availability:
            self.downtime_seconds += seconds
        else:
            self.planned_stop_seconds += seconds
        self.seconds_by_reason[reason] = self.seconds_by_reason.get(reason, ZERO) + seconds

    @property
    def planned_busy_seconds(self) -> Decimal:
        return self.planned_operation_seconds - self.planned_stop_seconds

    @property
    def actual_production_seconds(self) -> Decimal:
        return self.planned_busy_seconds - self.downtime_seconds - self.idle_seconds

    @property
    def produced_qty(self) -> Decimal:
        return self.good_qty + self.scrap_qty

    @property
    def availability(self) -> Decimal | None:
        return _ratio(self.actual_production_seconds, self.planned_busy_seconds)

    @property
    def performance(self) -> Decimal | None:
        if not self.produced_qty:
            return None
        return _ratio(self.ideal_seconds, self.actual_production_seconds)

    @property
    def quality(self) -> Decimal | None:
        return _ratio(self.good_qty, self.produced_qty)

    @property
    def oee(self) -> Decimal | None:
        if not self.planned_busy_seconds:
            return None
        if not self.produced_qty:
            return ZERO
        if not self.actual_production_seconds:
            return None
        # The product of the unrounded ratios, rounded once.
        product = (
            self.actual_production_seconds
            / self.planned_busy_seconds
            * (self.ideal_seconds / self.actual_production_seconds)
            * (self.good_qty / self.produced_qty)
        )
        return product.quantize(RATIO_STEP, rounding=ROUND_HALF_UP)

    @property
    def planned_operation_minutes(self) -> Decimal:
        return _minutes(self.planned_operation_seconds)

    @property
    def planned_stop_minutes(self) -> Decimal:
        return _minutes(self.planned_stop_seconds)

    @property
    def planned_busy_minutes(self) -> Decimal:
        return _minutes(self.planned_busy_seconds)

    @property
    def downtime_minutes(self) -> Decimal:
        return _minutes(self.downtime_seconds)

    @property
    def idle_minutes(self) -> Decimal:
        return _minutes(self.idle_seconds)

    @property
    def actual_production_minutes(self) -> Decimal:
        return _minutes(self.actual_production_seconds)

    @property
    def ideal_minutes(self) -> Decimal:
        return _minutes(self.ideal_seconds)

    @property
    def speed_loss_minutes(self) -> Decimal:
        return _minutes(self.actual_production_seconds - self.ideal_seconds)

    @property
    def scrap_loss_minutes(self) -> Decimal:
        return _minutes(self.scrap_ideal_seconds)

    @property
    def productive_minutes(self) -> Decimal:
        """Fully productive time: the ideal time of the good units."""
        return _minutes(self.ideal_seconds - self.scrap_ideal_seconds)

    @property
    def downtime_by_reason(self) -> list[ReasonMinutes]:
        """Every reason's downtime, the longest first."""
        return sorted(
            (ReasonMinutes(reason, _minutes(seconds)) for reason, seconds in self.seconds_by_reason.items()),
            key=lambda loss: (-loss.minutes, loss.reason.code),
        )


@dataclass
class OeeRow:
    """The figures of one machine (or of every machine, when combined) in one group of the period."""

    machine: Machine | None
    key: tuple
    label: str
    day: datetime.date | None = None
    shift: Shift | None = None
    order: ProductionOrder | None = None
    figures: OeeFigures = field(default_factory=OeeFigures)


@dataclass
class OeeReport:
    start: datetime.datetime
    end: datetime.datetime
    grouping: str
    rows: list[OeeRow]

    @property
    def total(self) -> OeeFigures:
        """Every row summed: the OEE of the machines together (their times and units added)."""
        total = OeeFigures()
        for row in self.rows:
            total.add(row.figures)
        return total

    def combined(self) -> list[OeeRow]:
        """The rows of every machine summed per group: a day, shift or order across machines."""
        groups: dict[tuple, OeeRow] = {}
        for row in self.rows:
            group = groups.get(row.key)
            if group is None:
                group = groups[row.key] = OeeRow(
                    machine=None, key=row.key, label=row.label, day=row.day, shift=row.shift, order=row.order
                )
            group.figures.add(row.figures)
        return [groups[key] for key in sorted(groups)]


# --- Intervals --------------------------------------------------------------------------------------------


def _intersect(left: list[Interval], right: list[Interval]) -> list[Interval]:
    """The overlap of two sorted lists of disjoint intervals."""
    found, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        begins, ends = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if begins < ends:
            found.append((begins, ends))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return found


def _length(intervals: Iterable[Interval]) -> Decimal:
    return sum((_seconds(ends - begins) for begins, ends in intervals), ZERO)


# --- The data of a period ---------------------------------------------------------------------------------


@dataclass
class _Group:
    row: OeeRow
    spans: list[Interval]  # when the group's time runs, within the period (sorted, disjoint)


@dataclass(frozen=True)
class _Counted:
    """Units of one operation (or none) in one slice of the period, with their ideal minutes summed."""

    operation_id: int | None
    since: datetime.datetime  # the slice's start
    good: Decimal
    scrap: Decimal
    ideal_minutes: Decimal  # ideal cycle time x (good + scrap)
    scrap_ideal_minutes: Decimal


@dataclass
class _MachineData:
    machine: Machine
    calendar: WorkCalendar | None  # None: it works around the clock
    working: list[Interval]  # the planned operation time within the period
    windows: list[ShiftWindow]  # the calendar's shifts in the period
    tz: ZoneInfo
    downtimes: list[tuple[DowntimeReason, Interval]] = field(default_factory=list)
    runs: list[tuple[int, Interval]] = field(default_factory=list)  # (operation id, when it was open here)
    counted: list[_Counted] = field(default_factory=list)


def _machines(machines: QuerySet[Machine] | None) -> list[Machine]:
    queryset = Machine.objects.filter(active=True) if machines is None else machines
    return list(queryset.select_related("calendar", "work_center").order_by("code"))


def _calendars(
    machines: list[Machine], start: datetime.datetime, end: datetime.datetime
) -> dict[int, tuple[WorkCalendar, list[ShiftWindow]]]:
    """The machines' calendars with their shift windows in the period, read once per calendar whatever the
    number of machines."""
    calendar_ids = {machine.calendar_id or machine.work_center.calendar_id for machine in machines} - {None}
    calendars = WorkCalendar.objects.filter(pk__in=calendar_ids).prefetch_related("shifts")
    return {calendar.pk: (calendar, shift_windows(calendar=calendar, start=start, end=end)) for calendar in calendars}


def _load(
    machines: list[Machine],
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
) -> dict[int, _MachineData]:
    """Each machine's working time, downtime and runs in the period."""
    calendars = _calendars(machines, start, end)
    site_tz = timezone.get_current_timezone()
    data: dict[int, _MachineData] = {}
    for machine in machines:
        calendar_id = machine.calendar_id or machine.work_center.calendar_id
        if calendar_id is None:
            data[machine.pk] = _MachineData(machine, None, [(start, end)], [], site_tz)
        else:
            calendar, windows = calendars[calendar_id]
            working = merge_intervals([(w.start, w.end) for w in windows])
            data[machine.pk] = _MachineData(machine, calendar, working, windows, ZoneInfo(calendar.timezone))

    reasons = {reason.pk: reason for reason in DowntimeReason.objects.all()}
    downtimes = (
        Downtime.objects.filter(machine_id__in=list(data), start__lt=end)
        .filter(Q(end__gt=start) | Q(end__isnull=True))
        .order_by()
        .values_list("machine_id", "reason_id", "start", "end")
    )
    for machine_id, reason_id, began, ended in downtimes:
        begins, ends = max(began, start), min(ended or now, end)
        if begins < ends:
            data[machine_id].downtimes.append((reasons[reason_id], (begins, ends)))

    runs = (
        OperationRun.objects.filter(machine_id__in=list(data), started_at__lt=end)
        .filter(Q(finished_at__gt=start) | Q(finished_at__isnull=True))
        .order_by()
        .values_list("machine_id", "operation_id", "started_at", "finished_at")
    )
    for machine_id, operation_id, started, finished in runs:
        begins, ends = max(started, start), min(finished or now, end)
        if begins < ends:
            data[machine_id].runs.append((operation_id, (begins, ends)))
    return data


def _load_counts(
    data: dict[int, _MachineData], start: datetime.datetime, end: datetime.datetime, slices: list[datetime.datetime]
) -> None:
    """The roll-up summed in the database per machine, operation and slice of the period (`slices` are the
    slices' starts, sorted: the groups' boundaries), with the ideal time of what was made: a few rows per
    group, however many quarter hours the period holds."""
    ideal = F("operation__run_minutes_per_unit")
    thresholds = Value(slices, output_field=ArrayField(DateTimeField()))
    counted = (
        MachineCount.objects.filter(machine_id__in=list(data), bucket__gte=start, bucket__lt=end)
        .annotate(slice=Func(F("bucket"), thresholds, function="width_bucket", output_field=IntegerField()))
        .values("machine_id", "operation_id", "slice")
        .annotate(
            good=Sum("good_qty"),
            scrap=Sum("scrap_qty"),
            ideal=Sum((F("good_qty") + F("scrap_qty")) * ideal, default=ZERO),
            scrap_ideal=Sum(F("scrap_qty") * ideal, default=ZERO),
        )
        .values_list("machine_id", "operation_id", "slice", "good", "scrap", "ideal", "scrap_ideal")
    )
    for machine_id, operation_id, slice_, good, scrap, ideal_minutes, scrap_ideal_minutes in counted:
        if slice_:  # 0: before the first slice
            since = slices[slice_ - 1]
            data[machine_id].counted.append(
                _Counted(operation_id, since, good, scrap, ideal_minutes, scrap_ideal_minutes)
            )


# --- Groups -----------------------------------------------------------------------------------------------


def _days(data: _MachineData, start: datetime.datetime, end: datetime.datetime) -> list[_Group]:
    groups = []
    day = start.astimezone(data.tz).date()
    while True:
        begins = datetime.datetime.combine(day, datetime.time(), tzinfo=data.tz)
        ends = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=data.tz)
        if begins >= end:
            return groups
        span = (max(begins, start), min(ends, end))
        row = OeeRow(machine=data.machine, key=(day,), label=day.isoformat(), day=day)
        groups.append(_Group(row, [span]))
        day += datetime.timedelta(days=1)


def _shifts(data: _MachineData, start: datetime.datetime, end: datetime.datetime) -> list[_Group]:
    if data.calendar is None:
        # Around the clock: one shift a day.
        groups = _days(data, start, end)
        for group in groups:
            group.row.label = f"{group.row.label} {_('Around the clock')}"
        return groups
    groups = []
    for window in data.windows:
        name = window.shift.name if window.shift else str(_("Extra shift"))
        started = window.start.astimezone(data.tz).time()
        row = OeeRow(
            machine=data.machine,
            key=(window.day, started, name),
            label=f"{window.day.isoformat()} {name}",
            day=window.day,
            shift=window.shift,
        )
        groups.append(_Group(row, [(window.start, window.end)]))
    return groups


def _orders(data: _MachineData, orders: dict[int, ProductionOrder], operations: dict[int, int]) -> list[_Group]:
    spans: dict[int, list[Interval]] = defaultdict(list)
    for operation_id, interval in data.runs:
        spans[operations[operation_id]].append(interval)
    for counted in data.counted:
        if counted.operation_id is not None:
            spans.setdefault(operations[counted.operation_id], [])
    groups = []
    for order_id, intervals in spans.items():
        order = orders[order_id]
        row = OeeRow(machine=data.machine, key=(order.number,), label=f"{order.number} {order.item.code}", order=order)
        groups.append(_Group(row, merge_intervals(intervals)))
    return groups


def _fill(data: _MachineData, groups: list[_Group], by_operation: dict[int, _Group] | None) -> None:
    """Each group's time from its spans, its downtime where that overlaps, and its units: by their operation
    (`by_operation`, per order) or by the span their slice is in."""
    for group in groups:
        figures = group.row.figures
        planned = _intersect(group.spans, data.working)
        figures.planned_operation_seconds = _length(planned)
        if not planned:
            continue
        for reason, (begins, ends) in data.downtimes:
            if ends <= planned[0][0] or begins >= planned[-1][1]:
                continue  # outside the group: most of them, per day or shift
            seconds = _length(_intersect([(begins, ends)], planned))
            if seconds:
                figures.stop_add(reason, seconds)
        accounted = merge_intervals([interval for _reason, interval in data.downtimes] + [i for _op, i in data.runs])
        figures.idle_seconds = figures.planned_operation_seconds - _length(_intersect(planned, accounted))
    spans = sorted((begins, ends, index) for index, group in enumerate(groups) for begins, ends in group.spans)
    starts = [begins for begins, _ends, _index in spans]
    for counted in data.counted:
        if by_operation is not None:
            group = by_operation.get(counted.operation_id) if counted.operation_id is not None else None
        else:
            # The last span starting at or before the slice, if the slice is inside it.
            position = bisect.bisect_right(starts, counted.since) - 1
            inside = position >= 0 and counted.since < spans[position][1]
            group = groups[spans[position][2]] if inside else None
        if group is None:
            continue
        figures = group.row.figures
        figures.good_qty += counted.good
        figures.scrap_qty += counted.scrap
        figures.ideal_seconds += counted.ideal_minutes * SECONDS_PER_MINUTE
        figures.scrap_ideal_seconds += counted.scrap_ideal_minutes * SECONDS_PER_MINUTE


# --- The report -------------------------------------------------------------------------------------------


def oee_report(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    machines: QuerySet[Machine] | None = None,
    grouping: str = OeeGrouping.MACHINE,
    now: datetime.datetime | None = None,
) -> OeeReport:
    """OEE of the machines (every active one when not given) between two aware datetimes, one row per
    machine and group (the whole period, each day or shift, each production order), machines by code.
    The queries do not grow with the machines or the period: one per calendar, and one each for reasons,
    downtime, counts and (per order) runs and orders."""
    now = now or timezone.now()
    end = min(end, now)
    start = min(start, end)
    machine_list = _machines(machines)
    data = _load(machine_list, start, end, now)

    groups_of: dict[int, list[_Group]] = {}
    by_operation: dict[int, dict[int, _Group]] = {}
    if grouping == OeeGrouping.ORDER:
        # Units go to their operation's order whenever they were counted in the period.
        _load_counts(data, start, end, [start])
        operation_ids = {op for d in data.values() for op, _i in d.runs}
        operation_ids |= {c.operation_id for d in data.values() for c in d.counted if c.operation_id is not None}
        orders: dict[int, ProductionOrder] = {}
        operation_orders: dict[int, int] = {}
        for operation in ProductionOperation.objects.filter(pk__in=operation_ids).select_related("order__item"):
            operation_orders[operation.pk] = operation.order_id
            orders[operation.order_id] = operation.order
        for machine_id, machine_data in data.items():
            groups_of[machine_id] = _orders(machine_data, orders, operation_orders)
            by_order = {group.row.order.pk: group for group in groups_of[machine_id]}
            by_operation[machine_id] = {op: by_order[o] for op, o in operation_orders.items() if o in by_order}
    else:
        for machine_id, machine_data in data.items():
            if grouping == OeeGrouping.DAY:
                groups_of[machine_id] = _days(machine_data, start, end)
            elif grouping == OeeGrouping.SHIFT:
                groups_of[machine_id] = _shifts(machine_data, start, end)
            else:
                row = OeeRow(machine=machine_data.machine, key=(), label=machine_data.machine.code)
                groups_of[machine_id] = [_Group(row, [(start, end)])]
        # Units go to the group their quarter hour starts in: the groups' boundaries slice the period.
        boundaries = {t for groups in groups_of.values() for group in groups for span in group.spans for t in span}
        _load_counts(data, start, end, sorted(boundaries))

    rows: list[OeeRow] = []
    for machine in machine_list:
        groups = groups_of[machine.pk]
        _fill(data[machine.pk], groups, by_operation.get(machine.pk))
        rows.extend(sorted((group.row for group in groups), key=lambda row: row.key))
    return OeeReport(start=start, end=end, grouping=grouping, rows=rows)
