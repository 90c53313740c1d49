"""Maintenance of the machines (docs/maintenance.md): preventive plans by the calendar, run hours or cycles;
corrective requests raised from breakdowns; maintenance orders planned (a real machine window, so the
schedule plans around it), started (the machine goes down for maintenance in MES), worked (tasks ticked
off, spare parts issued from stock, hours booked) and finished (the machine is back, the plan restarts).

Spare parts leave stock to the virtual scrap location: ERP values a move by the kind of location on its other
side, and of those only scrap books to an expense (not to WIP, where no production order would ever absorb
it, nor to inventory adjustment, which is for counting differences). The move itself is a consumption.

Lock order: the plan, then the order, then (through MES execution) the machine's status row.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aps.choices import MachineWindowKind
from aps.models import MachineWindow
from core.models import Item, Machine
from core.services.numbering import next_document_number
from erp.models import Employee
from erp.services.people import plant_date
from mes.choices import DowntimeKind, MaintenanceKind, MaintenanceState, MaintenanceTrigger
from mes.models import (
    Downtime,
    DowntimeReason,
    MaintenanceLabor,
    MaintenanceOrder,
    MaintenancePart,
    MaintenancePlan,
    MaintenanceTask,
)
from mes.selectors.maintenance import OPEN_STATES, machine_meters, next_free_time, open_orders, plans_due
from mes.services import execution
from mes.services.common import local_time, moment, number, refuse
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Lot
from wms.services.moves import stock_move_post

ORDER_NUMBERS = "MNT"
# How long a corrective order without a plan is expected to keep the machine down, for scheduling.
REPAIR_DURATION = datetime.timedelta(hours=1)
# A window ends after it starts, even for work finished the minute it began.
SHORTEST_WINDOW = datetime.timedelta(minutes=1)
PLAN_FIELDS = {"name", "trigger", "interval", "duration_minutes", "tasks", "active", "last_done_at", "last_done_meter"}
# Parts go to an order still to be done; hours are booked once the work began (also after it is done).
PART_STATES = OPEN_STATES
LABOR_STATES = (MaintenanceState.IN_PROGRESS, MaintenanceState.DONE)


# --- Preventive plans ---------------------------------------------------------------------------------------


def _plan_check(plan: MaintenancePlan) -> None:
    plan.interval = number(plan.interval, "interval")
    plan.last_done_meter = number(plan.last_done_meter, "last_done_meter")
    if plan.interval <= 0:
        raise refuse("interval", _("The interval must be more than zero."), "min_value")
    if not plan.duration_minutes or plan.duration_minutes < 1:
        raise refuse("duration_minutes", _("The machine is down at least a minute for it."), "min_value")
    if plan.last_done_meter < 0:
        raise refuse("last_done_meter", _("A meter reading cannot be negative."), "min_value")
    if plan.last_done_at is not None:
        moment(plan.last_done_at, "last_done_at")
    plan.full_clean()


def maintenance_plan_create(
    *,
    machine: Machine,
    name: str,
    trigger: str,
    interval: Any,
    duration_minutes: int = 60,
    tasks: str = "",
    active: bool = True,
    last_done_at: datetime.datetime | None = None,
    last_done_meter: Any = None,
    user: Any = None,
) -> MaintenancePlan:
    """A preventive plan for a machine. A run-hours or cycles plan counts from the machine's meter now unless
    told the reading when it was last done; a calendar plan counts from when it was last done, or from now."""
    if last_done_meter is None:
        last_done_meter = machine_meters(machine).reading(trigger)
    plan = MaintenancePlan(
        machine=machine,
        name=name.strip(),
        trigger=trigger,
        interval=interval,
        duration_minutes=duration_minutes,
        tasks=tasks.strip(),
        active=active,
        last_done_at=last_done_at,
        last_done_meter=last_done_meter,
    )
    _plan_check(plan)
    plan.save()
    return plan


def maintenance_plan_update(*, plan: MaintenancePlan, user: Any = None, **changes: Any) -> MaintenancePlan:
    """Change a plan; the machine stays. No `last_done_meter` (or None) keeps the reading, except for a plan
    switched to another meter: it counts from that meter's reading now."""
    unknown = set(changes) - PLAN_FIELDS
    if unknown:
        raise ValueError(f"Not a changeable maintenance plan field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        plan = MaintenancePlan.objects.select_for_update().select_related("machine").get(pk=plan.pk)
        trigger_changed = "trigger" in changes and changes["trigger"] != plan.trigger
        meter_given = changes.get("last_done_meter") is not None
        if not meter_given:
            changes.pop("last_done_meter", None)
        for name, value in changes.items():
            setattr(plan, name, value.strip() if isinstance(value, str) else value)
        if trigger_changed and not meter_given:
            plan.last_done_meter = machine_meters(plan.machine).reading(plan.trigger)
        _plan_check(plan)
        plan.save()
        return plan


# --- Orders -------------------------------------------------------------------------------------------------


def _lock(order: MaintenanceOrder) -> MaintenanceOrder:
    return (
        MaintenanceOrder.objects.select_for_update(of=("self",))
        .select_related("machine", "plan", "downtime", "machine_window")
        .get(pk=order.pk)
    )


def _require_state(order: MaintenanceOrder, states: tuple[str, ...], action: str) -> None:
    if order.state not in states:
        message = _("%(number)s is %(state)s; only a %(needed)s order can be %(action)s.") % {
            "number": order.number,
            "state": order.get_state_display().lower(),
            "needed": _(" or ").join(str(MaintenanceState(state).label).lower() for state in states),
            "action": action,
        }
        raise ValidationError(message, code="wrong_state")


def _order_create(
    *,
    machine: Machine,
    kind: str,
    description: str,
    plan: MaintenancePlan | None = None,
    downtime: Downtime | None = None,
    user: Any = None,
) -> MaintenanceOrder:
    order = MaintenanceOrder(
        number=next_document_number(doc_type=ORDER_NUMBERS),
        machine=machine,
        kind=kind,
        plan=plan,
        downtime=downtime,
        description=description.strip(),
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )
    order.full_clean()
    order.save()
    if plan is not None:
        lines = [line.strip() for line in plan.tasks.splitlines() if line.strip()]
        MaintenanceTask.objects.bulk_create(
            MaintenanceTask(order=order, position=position, description=line[:255])
            for position, line in enumerate(lines, start=1)
        )
    return order


def maintenance_request(
    *, machine: Machine, description: str, downtime: Downtime | None = None, user: Any = None
) -> MaintenanceOrder:
    """A corrective request: something on the machine needs repair, from a breakdown (its downtime) or seen."""
    if downtime is not None and downtime.machine_id != machine.pk:
        message = _("That downtime is of %(other)s, not of %(machine)s.") % {
            "other": downtime.machine.code,
            "machine": machine.code,
        }
        raise refuse("downtime", message, "other_machine")
    with transaction.atomic():
        return _order_create(
            machine=machine, kind=MaintenanceKind.CORRECTIVE, description=description, downtime=downtime, user=user
        )


def maintenance_breakdown_request(*, downtime: Downtime, user: Any = None) -> MaintenanceOrder | None:
    """A breakdown reported on the floor raises a corrective request, unless one is already open for the
    machine (the repair under way covers this stop too). Called by MES execution as the downtime opens."""
    if open_orders(machine_id=downtime.machine_id, kind=MaintenanceKind.CORRECTIVE).exists():
        return None
    description = _("Breakdown reported on the floor at %(at)s: %(reason)s") % {
        "at": local_time(downtime.start),
        "reason": downtime.reason.name,
    }
    note = downtime.start_event.note
    return maintenance_request(
        machine=downtime.machine,
        description=f"{description}. {note}" if note else description,
        downtime=downtime,
        user=user,
    )


def _window_place(order: MaintenanceOrder, start: datetime.datetime, end: datetime.datetime) -> None:
    """The order's real downtime window for scheduling, made or moved to [start, end)."""
    window = order.machine_window
    if window is None:
        order.machine_window = MachineWindow.objects.create(
            machine=order.machine,
            kind=MachineWindowKind.DOWN,
            start=start,
            end=end,
            reason=_("Maintenance %(number)s") % {"number": order.number},
        )
        return
    window.start, window.end = start, end
    window.save(update_fields=["start", "end", "updated_at"])


def _plan_order(order: MaintenanceOrder, start: datetime.datetime, end: datetime.datetime) -> None:
    for field, value in (("planned_start", start), ("planned_end", end)):
        if timezone.is_naive(value):
            raise refuse(field, _("Give the time with its time zone."), "naive")
    if end <= start:
        raise refuse("planned_end", _("The work must end after it starts."), "before_start")
    _window_place(order, start, end)
    order.planned_start, order.planned_end = start, end
    order.state = MaintenanceState.PLANNED
    order.save(update_fields=["planned_start", "planned_end", "machine_window", "state", "updated_at"])


def maintenance_order_plan(
    *, order: MaintenanceOrder, planned_start: datetime.datetime, planned_end: datetime.datetime, user: Any = None
) -> MaintenanceOrder:
    """Plan (or re-plan) the work: the machine is down for scheduling from start to end."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (MaintenanceState.REQUESTED, MaintenanceState.PLANNED), _("planned"))
        _plan_order(order, planned_start, planned_end)
        return order


def maintenance_plan_order(
    *, plan: MaintenancePlan, now: datetime.datetime | None = None, user: Any = None
) -> MaintenanceOrder:
    """A preventive order of a plan, with the plan's tasks, planned at the machine's next free time for the
    plan's duration. Refused while an order of the plan is open."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = MaintenancePlan.objects.select_for_update().select_related("machine").get(pk=plan.pk)
        if not plan.active:
            raise refuse("plan", _("The plan %(plan)s is not active.") % {"plan": plan}, "inactive")
        open_ = open_orders(plan=plan).first()
        if open_ is not None:
            message = _("%(number)s is already open for %(plan)s.") % {"number": open_.number, "plan": plan}
            raise refuse("plan", message, "open_order")
        order = _order_create(
            machine=plan.machine, kind=MaintenanceKind.PREVENTIVE, description=plan.name, plan=plan, user=user
        )
        duration = datetime.timedelta(minutes=plan.duration_minutes)
        start = next_free_time(machine=plan.machine, duration=duration, after=now)
        _plan_order(order, start, start + duration)
        return order


def maintenance_plans_run(*, now: datetime.datetime | None = None) -> list[MaintenanceOrder]:
    """The daily run: every due plan without an open order gets one (see maintenance_plan_order)."""
    now = now or timezone.now()
    with transaction.atomic():
        busy = set(open_orders(plan__isnull=False).values_list("plan_id", flat=True))
        return [
            maintenance_plan_order(plan=status.plan, now=now) for status in plans_due(now) if status.plan.pk not in busy
        ]


def _maintenance_reason(reason: DowntimeReason | None) -> DowntimeReason:
    if reason is None:
        reason = DowntimeReason.objects.filter(kind=DowntimeKind.MAINTENANCE, active=True).order_by("code").first()
        if reason is None:
            message = _("No active downtime reason is of the kind maintenance; add one to record the stop.")
            raise refuse("reason", message, "required")
    elif reason.kind != DowntimeKind.MAINTENANCE:
        message = _("%(reason)s is not a maintenance reason.") % {"reason": reason.name}
        raise refuse("reason", message, "not_maintenance")
    return reason


def _planned_length(order: MaintenanceOrder) -> datetime.timedelta:
    if order.planned_start and order.planned_end:
        return order.planned_end - order.planned_start
    if order.plan is not None:
        return datetime.timedelta(minutes=order.plan.duration_minutes)
    return REPAIR_DURATION


def maintenance_order_start(
    *,
    order: MaintenanceOrder,
    at: datetime.datetime | None = None,
    reason: DowntimeReason | None = None,
    employee: Employee | None = None,
    user: Any = None,
) -> MaintenanceOrder:
    """Work begins: the machine goes down for maintenance in MES (a downtime with a maintenance reason,
    pausing what runs on it), and its window for scheduling starts now for the planned length. A corrective
    order works inside the breakdown the machine is already down for, rather than a stop of its own."""
    at = moment(at)
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (MaintenanceState.REQUESTED, MaintenanceState.PLANNED), _("started"))
        down = Downtime.objects.filter(machine=order.machine, end__isnull=True).select_related("reason").first()
        adopt = down is not None and (
            down.pk == order.downtime_id
            or (order.kind == MaintenanceKind.CORRECTIVE and down.reason.kind == DowntimeKind.BREAKDOWN)
        )
        if adopt:
            order.downtime = down
        else:
            order.downtime = execution.downtime_start(
                machine=order.machine,
                reason=_maintenance_reason(reason),
                at=at,
                employee=employee,
                user=user,
                note=order.number,
            )
        _window_place(order, at, at + _planned_length(order))
        order.state, order.started_at = MaintenanceState.IN_PROGRESS, at
        order.save(update_fields=["downtime", "machine_window", "state", "started_at", "updated_at"])
        return order


def maintenance_order_finish(
    *,
    order: MaintenanceOrder,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
) -> MaintenanceOrder:
    """The work is done (every task ticked off): the machine's downtime ends (what it paused runs again),
    its window ends now, and the plan counts again from here."""
    at = moment(at)
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (MaintenanceState.IN_PROGRESS,), _("finished"))
        if at < order.started_at:
            started = local_time(order.started_at)
            message = _("The work started at %(start)s; it cannot end before.") % {"start": started}
            raise refuse("at", message, "before_start")
        open_tasks = list(order.tasks.filter(done_at__isnull=True).values_list("position", flat=True))
        if open_tasks:
            message = _("Tick off tasks %(tasks)s first.") % {"tasks": ", ".join(map(str, open_tasks))}
            raise refuse("tasks", message, "open_tasks")
        if order.downtime is not None and order.downtime.end is None:
            execution.downtime_end(machine=order.machine, at=at, employee=employee, user=user)
        if order.machine_window is not None:
            window = order.machine_window
            window.end = max(at, window.start + SHORTEST_WINDOW)
            window.save(update_fields=["end", "updated_at"])
        if order.plan is not None:
            plan = MaintenancePlan.objects.select_for_update().get(pk=order.plan_id)
            plan.last_done_at = at
            if plan.trigger != MaintenanceTrigger.CALENDAR:
                plan.last_done_meter = machine_meters(order.machine, at=at).reading(plan.trigger)
            plan.save(update_fields=["last_done_at", "last_done_meter", "updated_at"])
        order.state, order.finished_at = MaintenanceState.DONE, at
        order.save(update_fields=["state", "finished_at", "updated_at"])
        return order


def maintenance_order_cancel(*, order: MaintenanceOrder, user: Any = None) -> MaintenanceOrder:
    """Drop an order not started: its window goes, the machine is free for scheduling again."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (MaintenanceState.REQUESTED, MaintenanceState.PLANNED), _("cancelled"))
        if order.machine_window is not None:
            order.machine_window.delete()
            order.machine_window = None
        order.state = MaintenanceState.CANCELLED
        order.save(update_fields=["machine_window", "state", "updated_at"])
        return order


# --- Tasks, parts and hours ---------------------------------------------------------------------------------


def maintenance_task_add(*, order: MaintenanceOrder, description: str, user: Any = None) -> MaintenanceTask:
    """One more thing to do on an order not yet done (a corrective order gets its tasks this way)."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, OPEN_STATES, _("given tasks"))
        last = order.tasks.aggregate(last=Max("position"))["last"] or 0
        task = MaintenanceTask(order=order, position=last + 1, description=description.strip())
        task.full_clean()
        task.save()
        return task


def maintenance_task_tick(
    *, task: MaintenanceTask, done: bool = True, at: datetime.datetime | None = None, user: Any = None
) -> MaintenanceTask:
    """Tick a task off (or on again) while the work is under way."""
    at = moment(at)
    with transaction.atomic():
        order = _lock(task.order)
        _require_state(order, (MaintenanceState.IN_PROGRESS,), _("worked on"))
        task = MaintenanceTask.objects.select_for_update().get(pk=task.pk)
        task.done_at = at if done else None
        task.save(update_fields=["done_at"])
        return task


def maintenance_part_issue(
    *,
    order: MaintenanceOrder,
    item: Item,
    quantity: Any,
    location: Location,
    lot: Lot | None = None,
    user: Any = None,
) -> MaintenancePart:
    """A spare part taken from a bin for the order: it leaves stock as consumed (to scrap: see the module's
    note), so its cost lands in an expense account, never in a production order's WIP. Only free, released
    stock is taken: not a quality-held lot or bin, not more than the bin holds."""
    quantity = number(quantity, "quantity")
    if not location.holds_stock:
        message = _("%(location)s is not a warehouse bin.") % {"location": location.code}
        raise refuse("location", message, "not_internal")
    if location.quality_hold:
        message = _("Stock in %(location)s waits for inspection.") % {"location": location.code}
        raise refuse("location", message, "quality_hold")
    if lot is not None and lot.on_hold:
        message = _("Lot %(lot)s of %(item)s is on quality hold: %(reason)s") % {
            "lot": lot.code,
            "item": lot.item.code,
            "reason": lot.hold_reason or _("no reason given"),
        }
        raise refuse("lot", message, "on_hold")
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, PART_STATES, _("given parts"))
        move = stock_move_post(
            item=item,
            quantity=quantity,
            from_location=location,
            to_location=virtual_location(LocationKind.SCRAP),
            kind=MoveKind.CONSUMPTION,
            lot=lot,
            reference=order.number,
            note=_("Spare part for %(machine)s") % {"machine": order.machine.code},
            user=user,
        )
        return MaintenancePart.objects.create(
            order=order, item=item, quantity=move.quantity, lot=lot, move=move, issued_at=move.moved_at
        )


def maintenance_labor_book(
    *,
    order: MaintenanceOrder,
    employee: Employee,
    minutes: Any,
    date: datetime.date | None = None,
    user: Any = None,
) -> MaintenanceLabor:
    """Time an employee worked on the order, on a day (today where the machine is, by default)."""
    minutes = number(minutes, "minutes")
    if minutes <= 0:
        raise refuse("minutes", _("Book more than 0 minutes."), "min_value")
    if not employee.active:
        raise refuse("employee", _("%(employee)s is no longer active.") % {"employee": employee}, "inactive")
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, LABOR_STATES, _("booked on"))
        today = plant_date(timezone.now(), order.machine)
        if date is not None and date > today:
            raise refuse("date", _("%(date)s is in the future.") % {"date": date}, "future")
        labor = MaintenanceLabor(order=order, employee=employee, minutes=minutes, date=date or today)
        labor.full_clean()
        labor.save()
        return labor
