"""Rough-cut capacity: the hours the master schedule asks of each work center per week, against the hours
its machines have (docs/planning.md).

Load: every MPS entry of a week is exploded through the BOM effective on the week's Monday; each made
item (the scheduled one and its made components) loads the operations of its routing effective that day
with one setup and its run time per unit for the week's total quantity. Everything is loaded in the
scheduled week (no lead-time offset: this is a rough cut, MRP times the orders).
Available: per active machine, the working hours of its calendar (the machine's, else the work center's)
in the week; without a calendar, the work center's hours per day on five weekdays.
"""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q

from aps.models import MasterScheduleEntry
from aps.selectors.mrp import MAX_WEEKS
from core.choices import Procurement
from core.models import Item, Machine, WorkCalendar, WorkCenter
from core.selectors.calendars import working_intervals
from plm.models import BomRevision, RoutingOperation, RoutingRevision, effective_on
from plm.selectors.boms import bom_explode_many

ONE_WEEK = datetime.timedelta(days=7)
WEEKDAYS = 5
SIXTY = Decimal(60)
HOURS = Decimal("0.01")


@dataclass(frozen=True)
class WeekLoad:
    week_start: datetime.date
    load_hours: Decimal
    available_hours: Decimal

    @property
    def overloaded(self) -> bool:
        return self.load_hours > self.available_hours

    @property
    def utilization_pct(self) -> Decimal | None:
        if not self.available_hours:
            return None
        return (self.load_hours / self.available_hours * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class WorkCenterLoad:
    work_center: WorkCenter
    machines: int  # active ones
    weeks: list[WeekLoad]

    @property
    def overloaded_weeks(self) -> int:
        return sum(week.overloaded for week in self.weeks)

    @property
    def peak_hours(self) -> Decimal:
        return max((max(week.load_hours, week.available_hours) for week in self.weeks), default=Decimal(0))


@dataclass(frozen=True)
class MissingRouting:
    """A made item the schedule needs without a routing effective in the week: its load is unknown."""

    item: Item
    week_start: datetime.date  # the first week that needs it


@dataclass(frozen=True)
class RoughCut:
    first_week: datetime.date
    weeks: list[datetime.date]
    work_centers: list[WorkCenterLoad]
    without_routing: list[MissingRouting] = field(default_factory=list)

    @property
    def overloaded(self) -> bool:
        return any(row.overloaded_weeks for row in self.work_centers)


def _hours(value: Decimal) -> Decimal:
    return value.quantize(HOURS, rounding=ROUND_HALF_UP)


def _effectivity_windows(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The days within the weeks on which a BOM or routing revision starts or stops being effective: between
    two of them every week reads the same revisions, so an item is exploded once per window, not per week."""
    changes: set[datetime.date] = set()
    for model in (BomRevision, RoutingRevision):
        for start, end in model.objects.filter(
            Q(effective_from__gt=first, effective_from__lte=last) | Q(effective_to__gt=first, effective_to__lte=last)
        ).values_list("effective_from", "effective_to"):
            changes.update(day for day in (start, end) if day is not None and first < day <= last)
    return sorted(changes)


def _load(
    weeks: list[datetime.date],
) -> tuple[dict[tuple[int, datetime.date], Decimal], list[MissingRouting]]:
    """Hours per (work center id, week), and the made items without a routing (with the first week needing them)."""
    entries = (
        MasterScheduleEntry.objects.filter(week_start__in=weeks, quantity__gt=0)
        .select_related("item__uom")
        .order_by("week_start", "item__code")
    )
    changes = _effectivity_windows(weeks[0], weeks[-1])
    # The BOMs of every scheduled item, per effectivity window: one explosion of them all per window.
    window_day: dict[int, datetime.date] = {}
    scheduled: dict[int, dict[int, Item]] = defaultdict(dict)
    entries = list(entries)
    for entry in entries:
        window = bisect.bisect_right(changes, entry.week_start)
        window_day.setdefault(window, entry.week_start)
        scheduled[window][entry.item_id] = entry.item
    explosions: dict[tuple[int, int], list] = {
        (item_id, window): rows
        for window, of_window in scheduled.items()
        for item_id, rows in bom_explode_many(items=list(of_window.values()), on=window_day[window]).items()
    }
    # Per week: the quantity of every item it makes, the scheduled ones and their components.
    needed: dict[datetime.date, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    items: dict[int, Item] = {}
    for entry in entries:
        window = bisect.bisect_right(changes, entry.week_start)
        key = (entry.item_id, window)
        week = needed[entry.week_start]
        week[entry.item_id] += entry.quantity
        items[entry.item_id] = entry.item
        for row in explosions[key]:
            week[row.component.pk] += row.extended_qty * entry.quantity
            items[row.component.pk] = row.component

    made = {pk for pk, item in items.items() if item.procurement == Procurement.MAKE}
    # The routings effective in each window, with their operations: two queries per window.
    routings: dict[int, dict[int, RoutingRevision]] = {}
    for window, day in window_day.items():
        routings[window] = {
            routing.item_id: routing
            for routing in RoutingRevision.objects.filter(effective_on(day), item_id__in=made).prefetch_related(
                Prefetch("operations", queryset=RoutingOperation.objects.order_by("seq"))
            )
        }

    load: dict[tuple[int, datetime.date], Decimal] = defaultdict(Decimal)
    missing: dict[int, datetime.date] = {}
    for week, quantities in sorted(needed.items()):
        window = bisect.bisect_right(changes, week)
        for item_id, quantity in quantities.items():
            if item_id not in made:
                continue
            routing = routings[window].get(item_id)
            if routing is None:
                missing.setdefault(item_id, week)
                continue
            for operation in routing.operations.all():
                minutes = operation.setup_minutes + operation.run_minutes_per_unit * quantity
                load[operation.work_center_id, week] += minutes / SIXTY
    without_routing = sorted(
        (MissingRouting(item=items[pk], week_start=week) for pk, week in missing.items()), key=lambda m: m.item.code
    )
    return load, without_routing


def _calendar_hours(calendar: WorkCalendar, weeks: list[datetime.date]) -> dict[datetime.date, Decimal]:
    """Working hours of the calendar in each week (Monday 00:00 to Monday 00:00 in its time zone), from
    one reading of its working time over all the weeks."""
    zone = ZoneInfo(calendar.timezone)
    bounds = [datetime.datetime.combine(week, datetime.time(0), tzinfo=zone) for week in [*weeks, weeks[-1] + ONE_WEEK]]
    intervals = working_intervals(calendar=calendar, start=bounds[0], end=bounds[-1])
    hours = {}
    for week, start, end in zip(weeks, bounds, bounds[1:], strict=False):
        seconds = sum(max((min(stop, end) - max(begin, start)).total_seconds(), 0) for begin, stop in intervals)
        hours[week] = Decimal(str(round(seconds / 3600, 4)))
    return hours


def rough_cut_load(*, first_week: datetime.date, weeks: int) -> RoughCut:
    """Load and available hours per work center (by code) and week, for `weeks` weeks from Monday `first_week`."""
    first_week = first_week - datetime.timedelta(days=first_week.weekday())
    weeks = max(1, min(weeks, MAX_WEEKS))
    mondays = [first_week + k * ONE_WEEK for k in range(weeks)]
    load, without_routing = _load(mondays)

    work_centers = list(WorkCenter.objects.select_related("calendar").order_by("code"))
    machines_of: dict[int, list[Machine]] = defaultdict(list)
    for machine in Machine.objects.filter(active=True).select_related("calendar").order_by("code"):
        machines_of[machine.work_center_id].append(machine)
    centers = {center.pk: center for center in work_centers}
    calendar_ids = {
        machine.calendar_id or centers[center_id].calendar_id
        for center_id, machines in machines_of.items()
        for machine in machines
    } - {None}
    calendar_hours = {
        calendar.pk: _calendar_hours(calendar, mondays)
        for calendar in WorkCalendar.objects.filter(pk__in=calendar_ids).prefetch_related("shifts")
    }

    rows = []
    for center in work_centers:
        machines = machines_of[center.pk]
        available: dict[datetime.date, Decimal] = defaultdict(Decimal)
        for machine in machines:
            calendar_id = machine.calendar_id or center.calendar_id
            for week in mondays:
                available[week] += calendar_hours[calendar_id][week] if calendar_id else center.hours_per_day * WEEKDAYS
        rows.append(
            WorkCenterLoad(
                work_center=center,
                machines=len(machines),
                weeks=[
                    WeekLoad(
                        week_start=week,
                        load_hours=_hours(load.get((center.pk, week), Decimal(0))),
                        available_hours=_hours(available[week]),
                    )
                    for week in mondays
                ],
            )
        )
    return RoughCut(first_week=first_week, weeks=mondays, work_centers=rows, without_routing=without_routing)
