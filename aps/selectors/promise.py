"""Capable-to-promise: the earliest date the plant can deliver a quantity of an item (docs/scheduling.md).

Material comes from the current MRP plan: what stock and open receipts leave free after the committed
demand (sales orders and the components of open orders) is available to promise; a component short of
that arrives after its lead time (a made one after its own material and lead time). Capacity comes from
the published schedule: the item's routing is placed, by the dispatching rule, into the machine time the
schedule leaves free, from when its material is there. The promise is the day its last operation ends.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from aps.choices import DemandKind
from aps.models import MrpRun, PlanDemand, PlanSupply, Schedule, SchedulingSettings
from aps.scheduling import problem as plain
from aps.scheduling.greedy import HorizonTooShort, dispatch
from aps.selectors.mrp import current_run
from aps.selectors.scheduling import published_schedule
from aps.services.scheduling import MAX_HORIZON_DAYS, schedule_build, stored_solution, whole_minutes
from core.choices import Procurement
from core.models import Item
from plm.selectors.boms import bom_explode
from plm.selectors.revisions import effective_routing
from wms.selectors.stock import available

COMMITTED = (DemandKind.SALES_ORDER, DemandKind.DEPENDENT)
MAX_DEPTH = 10
NEW_JOB = -1


@dataclass(frozen=True)
class ComponentDate:
    item: Item
    quantity: Decimal
    available_on: datetime.date
    from_stock: bool  # False: it has to be bought or made first


@dataclass(frozen=True)
class Promise:
    item: Item
    quantity: Decimal
    requested_date: datetime.date
    date: datetime.date  # the earliest the whole quantity can be delivered
    from_stock: Decimal  # of the quantity, what stock and receipts already cover
    material_date: datetime.date | None  # when the components for the rest are there
    production_end: datetime.datetime | None  # when its last operation would end
    components: list[ComponentDate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def on_time(self) -> bool:
        return self.date <= self.requested_date

    @property
    def days_late(self) -> int:
        return max(0, (self.date - self.requested_date).days)


def capable_to_promise(
    *, item: Item, quantity: Decimal, requested_date: datetime.date, now: datetime.datetime | None = None
) -> Promise:
    if quantity <= 0:
        raise ValidationError({"quantity": _("Enter a quantity above zero.")})
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = current_run()
    free = _free_now(item, run, today)
    if free >= quantity:
        day = _earliest(item, quantity, run, today) or today
        return Promise(item, quantity, requested_date, max(day, today), quantity, None, None)
    to_make = quantity - free
    notes = [] if run else [_("No MRP run yet: stock and open orders are not taken into account.")]
    if item.procurement != Procurement.MAKE:
        day = _earliest(item, quantity, run, today) or today + datetime.timedelta(days=item.lead_time_days)
        notes.append(_("Bought: available after its lead time of %(days)s days.") % {"days": item.lead_time_days})
        return Promise(item, quantity, requested_date, day, free, None, None, notes=notes)
    components = _components(item, to_make, run, today, requested_date)
    material = max((c.available_on for c in components), default=today)
    end = _production_end(item, to_make, material, now, notes)
    day = timezone.localdate(end) if end else material + datetime.timedelta(days=item.lead_time_days)
    return Promise(item, quantity, requested_date, day, free, material, end, components, notes)


# --- material -------------------------------------------------------------------------------------------


def _balance(item: Item, run: MrpRun | None, today: datetime.date) -> list[tuple[datetime.date, Decimal]]:
    """The item's projected balance after each date with a change: supplies less committed demand."""
    changes: dict[datetime.date, Decimal] = {}
    supplies = PlanSupply.objects.filter(run=run, item=item).values_list("due_date", "quantity") if run else []
    for day, quantity in supplies:
        day = max(day, today)
        changes[day] = changes.get(day, Decimal(0)) + quantity
    if not changes:  # MRP did not plan the item (no demand, or no run yet): what WMS holds free is free
        free = available(item=item)
        return [(today, free)] if free > 0 else []
    demands = PlanDemand.objects.filter(run=run, item=item, kind__in=COMMITTED).values_list("due_date", "quantity")
    for day, quantity in demands:
        day = max(day, today)
        changes[day] = changes.get(day, Decimal(0)) - quantity
    balance, rows = Decimal(0), []
    for day in sorted(changes):
        balance += changes[day]
        rows.append((day, balance))
    return rows


def _atp(rows: list[tuple[datetime.date, Decimal]]) -> list[tuple[datetime.date, Decimal]]:
    """Available to promise from each date: the lowest balance from then on (later commitments kept)."""
    result, lowest = [], None
    for day, balance in reversed(rows):
        lowest = balance if lowest is None else min(lowest, balance)
        result.append((day, lowest))
    return list(reversed(result))


def _free_now(item: Item, run: MrpRun | None, today: datetime.date) -> Decimal:
    rows = _atp(_balance(item, run, today))
    return max(Decimal(0), rows[0][1]) if rows and rows[0][0] == today else Decimal(0)


def _earliest(item: Item, quantity: Decimal, run: MrpRun | None, today: datetime.date) -> datetime.date | None:
    """The first date from which `quantity` is free, or None when stock and open receipts never free it."""
    for day, free in _atp(_balance(item, run, today)):
        if free >= quantity:
            return day
    return None


def _components(
    item: Item, quantity: Decimal, run: MrpRun | None, today: datetime.date, on: datetime.date, depth: int = 0
) -> list[ComponentDate]:
    """When each direct component of `quantity` of a made item is there."""
    dates = []
    for row in bom_explode(item=item, on=max(on, today), quantity=quantity):
        if row.level != 1:
            continue
        component, needed = row.component, row.extended_qty
        day = _earliest(component, needed, run, today)
        if day is not None:
            dates.append(ComponentDate(component, needed, day, True))
            continue
        lead = datetime.timedelta(days=component.lead_time_days)
        if component.procurement == Procurement.MAKE and depth < MAX_DEPTH:
            below = _components(component, needed, run, today, on, depth + 1)
            day = max((c.available_on for c in below), default=today) + lead
        else:
            day = today + lead
        dates.append(ComponentDate(component, needed, day, False))
    return dates


# --- capacity -------------------------------------------------------------------------------------------


def _production_end(
    item: Item, quantity: Decimal, material: datetime.date, now: datetime.datetime, notes: list[str]
) -> datetime.datetime | None:
    """When the item's routing would finish if placed after the published schedule's work."""
    routing = effective_routing(item=item, on=max(material, timezone.localdate(now)))
    if routing is None:
        notes.append(_("No released routing: production time is its lead time, without capacity."))
        return None
    operations = list(routing.operations.order_by("seq"))
    base = published_schedule()
    if base is None:
        notes.append(_("No published schedule: the machines are taken as free."))
        settings = SchedulingSettings.load()
        base = Schedule(horizon_start=now.replace(second=0, microsecond=0), horizon_days=settings.horizon_days)
    horizon_days = base.horizon_days
    while True:
        built = schedule_build(base, horizon_days, extra_centers={op.work_center_id for op in operations})
        problem = built.problem
        ready = timezone.make_aware(datetime.datetime.combine(material, datetime.time.min))
        release = max(0, built.minute(max(now, ready), up=True))
        previous_move = Decimal(0)
        for index, operation in enumerate(operations):
            problem.tasks.append(
                plain.Task(
                    key=NEW_JOB - index,
                    job=NEW_JOB,
                    index=index,
                    machines=built.machines_of.get(operation.work_center_id, ()),
                    run=whole_minutes(operation.run_minutes_per_unit * quantity),
                    setup=whole_minutes(operation.setup_minutes),
                    family=item.category_id,
                    gap=whole_minutes(previous_move + operation.queue_minutes),
                    release=release if index == 0 else 0,
                )
            )
            previous_move = operation.move_minutes
        if any(not task.machines for task in problem.tasks if task.job == NEW_JOB):
            notes.append(_("A work center of its routing has no active machine: capacity not checked."))
            return None
        problem.jobs[NEW_JOB] = plain.Job(NEW_JOB, due=0)
        try:
            placed = dispatch(problem, stored_solution(built).assignments).assignments
        except HorizonTooShort:
            if horizon_days >= MAX_HORIZON_DAYS:
                notes.append(_("Not within a year of machine time."))
                return None
            horizon_days = min(MAX_HORIZON_DAYS, horizon_days * 2)
            continue
        return built.at(max(placed[task.key].end for task in problem.tasks if task.job == NEW_JOB))
