"""Execution on the shop floor: operators and machines report, MES records.

Every service writes immutable ProductionEvents and, in the same transaction, the projections the
screens read: MachineStatus, OperationRun, Downtime, OperatorAssignment and the quarter-hour
MachineCount. What is counted reaches ERP (quantities, machine and labor time, cost) when a run is
booked: at each pause and completion, and every few minutes for running machines (`mes.tasks.runs_book`),
so that a machine counting every second does not post a journal entry every second.

Lock order, everywhere: the machine's status row, then (through ERP's services) the production order
and its operation.
"""

import datetime
import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aps.choices import MachineWindowKind
from aps.models import MachineWindow
from core.formatting import format_quantity as qty
from core.models import Machine
from core.services.events import event_publish
from erp.choices import ProductionOrderState
from erp.models import Employee, ProductionComponent, ProductionOperation
from erp.services.people import attendance_sign_in, attendance_sign_out, labor_book, plant_date, qualification_check
from erp.services.production import (
    production_backflush,
    production_material_issue,
    production_operation_finish,
    production_operation_report,
    production_operation_start,
    production_output_receive,
)
from mes import events
from mes.choices import DowntimeKind, EventKind, EventSource, MachineState, RunState
from mes.models import (
    Downtime,
    DowntimeReason,
    LotLink,
    MachineCount,
    MachineStatus,
    OperationRun,
    OperatorAssignment,
    ProductionEvent,
    ScrapReason,
)
from mes.models.execution import BUCKET_MINUTES
from mes.selectors.quality import is_last_operation
from mes.services import maintenance
from mes.services.common import local_time, moment, number, refuse
from wms.models import Location, Lot, StockMove

logger = logging.getLogger(__name__)
ZERO = Decimal("0")
MINUTE_STEP = Decimal("0.01")
# A breakdown takes the machine out of the schedule for this long until it is reported over.
BREAKDOWN_WINDOW = datetime.timedelta(hours=1)
SUPERVISOR_PERMISSION = "erp.change_productionorder"


def _status(machine: Machine, at: datetime.datetime) -> MachineStatus:
    """The machine's status row, locked: every report on a machine waits for the one before it."""
    MachineStatus.objects.get_or_create(machine=machine, defaults={"since": at})
    return MachineStatus.objects.select_for_update().get(machine=machine)


def _require_active(machine: Machine) -> None:
    if not machine.active:
        raise refuse("machine", _("Machine %(machine)s is not active.") % {"machine": machine.code}, "inactive")


def _set_state(
    status: MachineStatus,
    state: str,
    at: datetime.datetime,
    event: ProductionEvent,
    *,
    reason: DowntimeReason | None = None,
    operation: ProductionOperation | bool | None = False,
) -> None:
    """`operation=False` keeps the current operation; None clears it."""
    if status.state != state:
        status.state, status.since = state, at
    status.reason = reason
    if operation is not False:
        status.operation = operation
    status.last_event = event
    status.save()


def _state_for(reason: DowntimeReason) -> str:
    if reason.kind == DowntimeKind.CHANGEOVER:
        return MachineState.SETUP
    if reason.kind == DowntimeKind.QUALITY_HOLD:
        return MachineState.HELD
    return MachineState.DOWN


def _event(kind: str, at: datetime.datetime, **fields: Any) -> ProductionEvent:
    return ProductionEvent.objects.create(kind=kind, at=at, **fields)


def _run_event(
    kind: str,
    at: datetime.datetime,
    run: OperationRun,
    employee: Employee | None,
    user: Any,
    source: str,
    **fields: Any,
) -> ProductionEvent:
    """An event on a run's operation and machine, by whoever reported it."""
    return _event(
        kind, at, machine=run.machine, operation=run.operation, employee=employee, user=user, source=source, **fields
    )


def _bucket(at: datetime.datetime) -> datetime.datetime:
    at = at.astimezone(datetime.UTC)
    return at.replace(minute=at.minute - at.minute % BUCKET_MINUTES, second=0, microsecond=0)


@dataclass(frozen=True)
class Count:
    """Units counted on a machine (for an operation, or unassigned) at a moment."""

    machine_id: int
    operation_id: int | None
    at: datetime.datetime
    good_qty: Decimal
    scrap_qty: Decimal


def counts_add(counts: Iterable[Count]) -> None:
    """Add counts to the quarter-hour roll-up, in one statement: concurrent writers add, never overwrite."""
    totals: dict[tuple, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for count in counts:
        total = totals[(count.machine_id, count.operation_id, _bucket(count.at))]
        total[0] += count.good_qty
        total[1] += count.scrap_qty
    if not totals:
        return
    table = MachineCount._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(totals))
    params = [value for key, (good, scrap) in sorted(totals.items(), key=str) for value in (*key, good, scrap)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (machine_id, operation_id, bucket, good_qty, scrap_qty) VALUES {values} "  # noqa: S608 (the table name is the model's)
            "ON CONFLICT ON CONSTRAINT mes_count_bucket_unique DO UPDATE SET "
            f"good_qty = {table}.good_qty + EXCLUDED.good_qty, scrap_qty = {table}.scrap_qty + EXCLUDED.scrap_qty",
            params,
        )


# --- Operators ----------------------------------------------------------------------------------------------


def operator_sign_on(
    *, employee: Employee, machine: Machine, at: datetime.datetime | None = None, user: Any = None
) -> OperatorAssignment:
    """The operator (by badge) takes a machine: qualified for it, clocked in if not yet; one operator may
    be on several machines at once."""
    at = moment(at)
    with transaction.atomic():
        status = _status(machine, at)
        _require_active(machine)
        qualification_check(employee=employee, machine=machine, on=plant_date(at, machine))
        if OperatorAssignment.objects.filter(employee=employee, machine=machine, until__isnull=True).exists():
            message = _("%(employee)s is already on %(machine)s.") % {"employee": employee, "machine": machine.code}
            raise refuse("machine", message, "already_on")
        if not employee.attendances.filter(clock_out__isnull=True).exists():
            attendance_sign_in(employee=employee, machine=machine, at=at)
        event = _event(EventKind.OPERATOR_ON, at, machine=machine, employee=employee, user=user)
        status.last_event = event
        status.save(update_fields=["last_event"])
        return OperatorAssignment.objects.create(employee=employee, machine=machine, since=at)


def operator_sign_off(
    *, employee: Employee, machine: Machine | None = None, at: datetime.datetime | None = None, user: Any = None
) -> list[OperatorAssignment]:
    """The operator leaves one machine, or all (and is clocked out) when none is named."""
    at = moment(at)
    with transaction.atomic():
        open_ = OperatorAssignment.objects.select_for_update().filter(employee=employee, until__isnull=True)
        if machine is not None:
            open_ = open_.filter(machine=machine)
        assignments = list(open_.select_related("machine"))
        if not assignments:
            where = machine.code if machine else _("any machine")
            message = _("%(employee)s is not on %(machine)s.") % {"employee": employee, "machine": where}
            raise refuse("machine" if machine else "employee", message, "not_on")
        for assignment in assignments:
            if at <= assignment.since:
                message = _("Signing off at %(at)s is not after signing on at %(since)s.")
                raise refuse("at", message % {"at": local_time(at), "since": local_time(assignment.since)}, "before_on")
            assignment.until = at
            assignment.save(update_fields=["until"])
            _event(EventKind.OPERATOR_OFF, at, machine=assignment.machine, employee=employee, user=user)
        others = OperatorAssignment.objects.filter(employee=employee, until__isnull=True).exists()
        if not others and employee.attendances.filter(clock_out__isnull=True, clock_in__lt=at).exists():
            attendance_sign_out(employee=employee, at=at)
        return assignments


# --- Operations ---------------------------------------------------------------------------------------------


def _open_run(run: OperationRun) -> OperationRun:
    run = OperationRun.objects.select_for_update().select_related("operation__order__item", "machine").get(pk=run.pk)
    if run.state == RunState.DONE:
        message = _("Operation %(seq)s of %(number)s is completed on %(machine)s.") % run_names(run)
        raise refuse("run", message, "run_done")
    return run


def run_names(run: OperationRun) -> dict[str, Any]:
    """What a message about a run names: the operation's seq, the order's number and the machine's code."""
    return {"seq": run.operation.seq, "number": run.operation.order.number, "machine": run.machine.code}


def _operation_event(
    name: str, run: OperationRun, employee: Employee | None, user: Any, source: str, **facts: Any
) -> None:
    """Tell partners and upper apps that an operation started or completed on its machine."""
    operation = run.operation
    payload = {
        "order": operation.order.number,
        "operation_seq": operation.seq,
        "operation": operation.name,
        "work_center": operation.work_center.code,
        "machine": run.machine.code,
        "employee": employee.number if employee else None,
        "source": source,
        "started_at": run.started_at.isoformat(),
        **facts,
    }
    event_publish(name=name, payload=payload, aggregate=operation, actor=user)


def _run_seconds(run: OperationRun, at: datetime.datetime) -> Decimal:
    """Running time of the run up to `at`."""
    seconds = run.run_seconds
    if run.running_since is not None and at > run.running_since:
        seconds += Decimal((at - run.running_since).total_seconds())
    return seconds


def operation_start(
    *,
    operation: ProductionOperation,
    machine: Machine,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
) -> OperationRun:
    """Start an operation on a machine of its work center: the machine must be free (no other operation
    open on it, not down), the operation ready (the one before it finished) and open on no other machine."""
    at = moment(at)
    with transaction.atomic():
        status = _status(machine, at)
        _require_active(machine)
        busy = (
            OperationRun.objects.filter(machine=machine).exclude(state=RunState.DONE).select_related("operation__order")
        )
        busy = busy.first()
        if busy is not None:
            message = _("%(machine)s has operation %(seq)s of %(number)s open; pause or complete it first.")
            raise refuse("machine", message % run_names(busy), "machine_busy")
        open_downtime = Downtime.objects.filter(machine=machine, end__isnull=True).select_related("reason").first()
        if open_downtime is not None:
            message = _("%(machine)s is down (%(reason)s); end the downtime first.")
            raise refuse("machine", message % {"machine": machine.code, "reason": open_downtime.reason.name}, "down")
        elsewhere = OperationRun.objects.filter(operation=operation).exclude(state=RunState.DONE).first()
        if elsewhere is not None:
            message = _("Operation %(seq)s of %(number)s is open on %(machine)s.") % run_names(elsewhere)
            raise refuse("operation", message, "open_elsewhere")
        if employee is not None:
            qualification_check(employee=employee, machine=machine, on=plant_date(at, machine))
        operation = production_operation_start(operation=operation, machine=machine, at=at, user=user)
        event = _event(
            EventKind.START, at, machine=machine, operation=operation, employee=employee, user=user, source=source
        )
        run = OperationRun.objects.create(
            operation=operation, machine=machine, started_at=at, running_since=at, booked_at=at
        )
        _set_state(status, MachineState.RUNNING, at, event, operation=operation)
        _operation_event(events.OPERATION_STARTED, run, employee, user, source)
        return run


def operation_pause(
    *,
    run: OperationRun,
    reason: DowntimeReason | None = None,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
) -> OperationRun:
    """Stop the running operation; with a reason the machine is down for it (a downtime starts) until the
    operation resumes. What was counted and run so far is booked to ERP."""
    at = moment(at)
    with transaction.atomic():
        status = _status(run.machine, at)
        run = _open_run(run)
        if run.state != RunState.RUNNING:
            raise refuse("run", _("Operation %(seq)s of %(number)s is not running.") % run_names(run), "not_running")
        event = _run_event(EventKind.PAUSE, at, run, employee, user, source, downtime_reason=reason)
        _pause(run, at)
        if reason is not None:
            _downtime_open(status, reason, at, event, run.operation)
        else:
            _set_state(status, MachineState.IDLE, at, event)
        return _book(run, at, user)


def _pause(run: OperationRun, at: datetime.datetime) -> None:
    run.run_seconds = _run_seconds(run, at)
    run.running_since = None
    run.state = RunState.PAUSED
    run.save(update_fields=["run_seconds", "running_since", "state", "updated_at"])


def _resume(run: OperationRun, at: datetime.datetime) -> None:
    run.running_since = at
    run.state = RunState.RUNNING
    run.save(update_fields=["running_since", "state", "updated_at"])


def operation_resume(
    *,
    run: OperationRun,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
) -> OperationRun:
    """Go on with a paused operation; the downtime it was paused for ends."""
    at = moment(at)
    with transaction.atomic():
        status = _status(run.machine, at)
        run = _open_run(run)
        if run.state != RunState.PAUSED:
            raise refuse("run", _("Operation %(seq)s of %(number)s is not paused.") % run_names(run), "not_paused")
        event = _run_event(EventKind.RESUME, at, run, employee, user, source)
        downtime = Downtime.objects.select_for_update().filter(machine=run.machine, end__isnull=True).first()
        if downtime is not None:
            _downtime_close(downtime, at, event)
        _resume(run, at)
        _set_state(status, MachineState.RUNNING, at, event, operation=run.operation)
        return run


def _over_quantity_check(run: OperationRun, good: Decimal, override_by: Any) -> None:
    """More good units than the order asks for need a supervisor: a miscount or an operator padding
    output would otherwise reach stock and cost unchallenged."""
    order = run.operation.order
    operation = run.operation
    counted = operation.good_qty + (run.good_qty - run.booked_good) + good
    if counted <= order.quantity:
        return
    if override_by is not None and override_by.has_perm(SUPERVISOR_PERMISSION):
        return
    message = _(
        "That makes %(counted)s good units on operation %(seq)s of %(number)s, which asks for %(ordered)s; "
        "a supervisor has to accept more than ordered."
    ) % {"counted": qty(counted), "seq": operation.seq, "number": order.number, "ordered": qty(order.quantity)}
    raise refuse("good_qty", message, "over_quantity")


def operation_count(
    *,
    run: OperationRun,
    good_qty: Any = ZERO,
    scrap_qty: Any = ZERO,
    scrap_reason: ScrapReason | None = None,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
    override_by: Any = None,
) -> ProductionEvent:
    """Good and scrapped units of an open operation. Scrap reported by a person needs a reason (a machine's
    reject counter has none to give). More good units than ordered need `override_by`, a supervisor."""
    at = moment(at)
    good, scrap = number(good_qty, "good_qty"), number(scrap_qty, "scrap_qty")
    if good < 0 or scrap < 0:
        raise refuse(
            "good_qty" if good < 0 else "scrap_qty",
            _("Counts cannot be negative; correct the count instead."),
            "min_value",
        )
    if not (good or scrap):
        raise refuse("good_qty", _("Count good or scrapped units."), "empty")
    if scrap and scrap_reason is None and source != EventSource.PLC:
        raise refuse("scrap_reason", _("Say why the units were scrapped."), "required")
    with transaction.atomic():
        _status(run.machine, at)
        run = _open_run(run)
        item = run.operation.order.item
        for field, value in (("good_qty", good), ("scrap_qty", scrap)):
            error = item.precision_error(value)
            if error:
                raise refuse(field, error, "precision")
        if good and source != EventSource.PLC:
            _over_quantity_check(run, good, override_by)
        event = _run_event(
            EventKind.COUNT, at, run, employee, user, source, good_qty=good, scrap_qty=scrap, scrap_reason=scrap_reason
        )
        OperationRun.objects.filter(pk=run.pk).update(good_qty=run.good_qty + good, scrap_qty=run.scrap_qty + scrap)
        counts_add([Count(run.machine_id, run.operation_id, at, good, scrap)])
        return event


def operation_complete(
    *,
    run: OperationRun,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
) -> OperationRun:
    """The operation is done on this machine: everything counted and run is booked, ERP makes the next
    operation ready, the machine is free."""
    at = moment(at)
    with transaction.atomic():
        status = _status(run.machine, at)
        run = _open_run(run)
        event = _run_event(EventKind.COMPLETE, at, run, employee, user, source)
        if run.state == RunState.RUNNING:
            _pause(run, at)
        downtime = Downtime.objects.select_for_update().filter(machine=run.machine, end__isnull=True).first()
        if downtime is not None:
            _downtime_close(downtime, at, event)
        run = _book(run, at, user)
        production_operation_finish(operation=run.operation, at=at, user=user)
        run.state = RunState.DONE
        run.finished_at = at
        run.save(update_fields=["state", "finished_at", "updated_at"])
        _set_state(status, MachineState.IDLE, at, event, operation=None)
        _operation_event(
            events.OPERATION_COMPLETED,
            run,
            employee,
            user,
            source,
            good_qty=str(run.good_qty),
            scrap_qty=str(run.scrap_qty),
            run_minutes=str((run.run_seconds / 60).quantize(MINUTE_STEP)),
            finished_at=at.isoformat(),
        )
        return run


# --- Booking to ERP -----------------------------------------------------------------------------------------


def _labor_minutes(run: OperationRun, start: datetime.datetime, end: datetime.datetime) -> dict[int, Decimal]:
    """Minutes each operator on the run's machine gave it between start and end. An operator on several
    machines at once gives each an equal share of that time."""
    if end <= start:
        return {}
    here = OperatorAssignment.objects.filter(machine=run.machine, since__lt=end).exclude(until__lte=start)
    employees = set(here.values_list("employee_id", flat=True))
    shares: dict[int, Decimal] = {}
    for employee_id in employees:
        assignments = list(
            OperatorAssignment.objects.filter(employee_id=employee_id, since__lt=end)
            .exclude(until__lte=start)
            .values_list("machine_id", "since", "until")
        )
        points = sorted(
            {start, end, *(max(s, start) for _, s, _ in assignments), *(min(u or end, end) for *_, u in assignments)}
        )
        seconds = Decimal(0)
        for left, right in itertools.pairwise(points):
            on = [m for m, s, u in assignments if s <= left and (u is None or u >= right)]
            if run.machine_id in on:
                seconds += Decimal((right - left).total_seconds()) / len(on)
        if seconds > 0:
            shares[employee_id] = (seconds / 60).quantize(MINUTE_STEP)
    return shares


def _book(run: OperationRun, at: datetime.datetime, user: Any) -> OperationRun:
    """Report to ERP what the run counted and ran since it was last booked, with each operator's labor."""
    run.refresh_from_db()
    good, scrap = run.good_qty - run.booked_good, run.scrap_qty - run.booked_scrap
    seconds = _run_seconds(run, at) - run.booked_seconds
    since = run.booked_at or run.started_at
    labor = _labor_minutes(run, since, at) if at > since else {}
    machine_minutes = (seconds / 60).quantize(MINUTE_STEP)
    labor_minutes = sum(labor.values(), ZERO)
    if good or scrap or machine_minutes or labor_minutes:
        production_operation_report(
            operation=run.operation,
            good_qty=good,
            scrap_qty=scrap,
            machine_minutes=machine_minutes,
            labor_minutes=labor_minutes,
            user=user,
            correction=good < 0 or scrap < 0,
        )
        day = plant_date(at, run.machine)
        for employee in Employee.objects.filter(pk__in=[pk for pk, minutes in labor.items() if minutes > 0]):
            labor_book(employee=employee, operation=run.operation, minutes=labor[employee.pk], date=day)
    run.booked_good, run.booked_scrap = run.good_qty, run.scrap_qty
    run.booked_seconds += seconds
    run.booked_at = max(at, since)
    run.save(update_fields=["booked_good", "booked_scrap", "booked_seconds", "booked_at", "updated_at"])
    run.operation.refresh_from_db()
    return run


def run_book(*, run: OperationRun, at: datetime.datetime | None = None, user: Any = None) -> OperationRun:
    """Book an open run up to now (the periodic booking of running machines)."""
    at = moment(at)
    with transaction.atomic():
        _status(run.machine, at)
        run = _open_run(run)
        return _book(run, at, user)


BOOKING_INTERVAL = datetime.timedelta(minutes=5)


def runs_book_due(*, now: datetime.datetime | None = None) -> int:
    """Book every open run whose last booking is older than the booking interval, each in its own
    transaction (one refused run does not hold back the others). Returns how many were booked."""
    now = moment(now)
    due = OperationRun.objects.exclude(state=RunState.DONE).filter(booked_at__lt=now - BOOKING_INTERVAL)
    booked = 0
    for run in due.select_related("machine").order_by("pk"):
        try:
            run_book(run=run, at=now)
        except ValidationError:
            logger.exception("Run %s could not be booked to ERP", run.pk)
            continue
        booked += 1
    return booked


# --- Downtime and machine state -----------------------------------------------------------------------------


def _downtime_open(
    status: MachineStatus,
    reason: DowntimeReason,
    at: datetime.datetime,
    event: ProductionEvent,
    operation: ProductionOperation | None,
) -> Downtime:
    downtime = Downtime.objects.create(
        machine_id=status.machine_id, reason=reason, operation=operation, start=at, start_event=event
    )
    _set_state(status, _state_for(reason), at, event, reason=reason)
    if reason.kind == DowntimeKind.BREAKDOWN:
        # Scheduling hears of it as the machine being down; the schedule watch proposes a new plan.
        MachineWindow.objects.create(
            machine_id=status.machine_id,
            kind=MachineWindowKind.DOWN,
            start=at,
            end=at + BREAKDOWN_WINDOW,
            reason=_("Breakdown reported on the floor: %(reason)s") % {"reason": reason.name},
        )
        # Maintenance hears of it as a corrective request (unless one is open for the machine).
        maintenance.maintenance_breakdown_request(downtime=downtime, user=event.user)
    return downtime


def _downtime_close(downtime: Downtime, at: datetime.datetime, event: ProductionEvent) -> Downtime:
    if at < downtime.start:
        message = _("The downtime started at %(start)s; it cannot end before.") % {"start": local_time(downtime.start)}
        raise refuse("at", message, "before_start")
    downtime.end, downtime.end_event = at, event
    downtime.save(update_fields=["end", "end_event"])
    if downtime.reason.kind == DowntimeKind.BREAKDOWN:
        MachineWindow.objects.filter(
            machine_id=downtime.machine_id, schedule__isnull=True, kind=MachineWindowKind.DOWN, start=downtime.start
        ).update(end=max(at, downtime.start + datetime.timedelta(minutes=1)))
    return downtime


def downtime_start(
    *,
    machine: Machine,
    reason: DowntimeReason,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
    note: str = "",
) -> Downtime:
    """The machine stops for a reason. A running operation is paused by it (and resumes when it ends);
    a breakdown takes the machine out of the schedule."""
    at = moment(at)
    with transaction.atomic():
        status = _status(machine, at)
        _require_active(machine)
        if not reason.active:
            raise refuse("reason", _("Reason %(code)s is no longer used.") % {"code": reason.code}, "inactive")
        open_ = Downtime.objects.filter(machine=machine, end__isnull=True).select_related("reason").first()
        if open_ is not None:
            message = _("%(machine)s is already down (%(reason)s) since %(start)s.") % {
                "machine": machine.code,
                "reason": open_.reason.name,
                "start": local_time(open_.start),
            }
            raise refuse("machine", message, "already_down")
        run = OperationRun.objects.select_for_update().filter(machine=machine, state=RunState.RUNNING).first()
        event = _event(
            EventKind.DOWNTIME_START,
            at,
            machine=machine,
            operation=run.operation if run else None,
            employee=employee,
            user=user,
            source=source,
            downtime_reason=reason,
            note=note,
        )
        if run is not None:
            _pause(run, at)
        return _downtime_open(status, reason, at, event, run.operation if run else None)


def downtime_end(
    *,
    machine: Machine,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
) -> Downtime:
    """The machine is back: the operation the downtime paused runs again."""
    at = moment(at)
    with transaction.atomic():
        status = _status(machine, at)
        downtime = Downtime.objects.select_for_update().filter(machine=machine, end__isnull=True).first()
        if downtime is None:
            raise refuse("machine", _("%(machine)s is not down.") % {"machine": machine.code}, "not_down")
        event = _event(EventKind.DOWNTIME_END, at, machine=machine, employee=employee, user=user, source=source)
        _downtime_close(downtime, at, event)
        run = OperationRun.objects.select_for_update().filter(machine=machine, state=RunState.PAUSED).first()
        if run is not None and downtime.operation_id == run.operation_id:
            _resume(run, at)
            _set_state(status, MachineState.RUNNING, at, event, operation=run.operation)
        else:
            _set_state(status, MachineState.IDLE, at, event)
        return downtime


def machine_state_record(
    *,
    machine: Machine,
    state: str,
    reason: DowntimeReason | None = None,
    at: datetime.datetime | None = None,
    source: str = EventSource.PLC,
) -> MachineStatus:
    """A state the machine reports by itself (the shopfloor service): down or held opens a downtime with
    the mapped reason, running again closes it; a state it already has changes nothing."""
    if state not in MachineState.values:
        raise refuse("state", _("Unknown machine state %(state)s.") % {"state": state}, "invalid")
    at = moment(at)
    with transaction.atomic():
        status = _status(machine, at)
        down = Downtime.objects.filter(machine=machine, end__isnull=True).exists()
        stopped = state in (MachineState.DOWN, MachineState.HELD, MachineState.SETUP)
        if stopped and not down:
            if reason is None:
                raise refuse("reason", _("A stopped machine needs a downtime reason."), "required")
            downtime_start(machine=machine, reason=reason, at=at, source=source)
        elif not stopped and down:
            downtime_end(machine=machine, at=at, source=source)
        elif status.state != state and not stopped:
            event = _event(EventKind.MACHINE_STATE, at, machine=machine, machine_state=state, source=source)
            _set_state(status, state, at, event, reason=None)
        status.refresh_from_db()
        return status


# --- Material and lots --------------------------------------------------------------------------------------


def _lot_links(order_id: int, produced: Iterable[Lot], consumed: dict[int, Decimal]) -> None:
    """Produced lots of an order are made of every lot the order consumed (before or after)."""
    links = [
        LotLink(produced_lot=lot, consumed_lot_id=consumed_id, order_id=order_id)
        for lot in produced
        for consumed_id in consumed
        if consumed_id != lot.pk
    ]
    LotLink.objects.bulk_create(links, ignore_conflicts=True)
    for consumed_id, quantity in consumed.items():
        LotLink.objects.filter(order_id=order_id, consumed_lot_id=consumed_id).update(consumed_qty=quantity)


def _consumed_lots(order_id: int) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for lot_id, quantity in ProductionEvent.objects.filter(
        kind=EventKind.CONSUME, operation__order_id=order_id, lot__isnull=False
    ).values_list("lot_id", "quantity"):
        totals[lot_id] += quantity
    return dict(totals)


def _produced_lots(order_id: int) -> list[Lot]:
    return list(
        Lot.objects.filter(mes_events__kind=EventKind.PRODUCE, mes_events__operation__order_id=order_id).distinct()
    )


def _held(lot: Lot | None) -> None:
    if lot is not None and lot.on_hold:
        message = _("Lot %(lot)s of %(item)s is on quality hold: %(reason)s") % {
            "lot": lot.code,
            "item": lot.item.code,
            "reason": lot.hold_reason or _("no reason given"),
        }
        raise refuse("lot", message, "on_hold")


def _record_consumption(
    run: OperationRun, moves: list[StockMove], at: datetime.datetime, employee: Employee | None, user: Any, source: str
) -> list[ProductionEvent]:
    components = {c.item_id: c for c in run.operation.order.components.all()}
    events = []
    for move in moves:
        _held(move.lot)
        events.append(
            _run_event(
                EventKind.CONSUME,
                at,
                run,
                employee,
                user,
                source,
                component=components.get(move.item_id),
                lot=move.lot,
                quantity=move.quantity,
            )
        )
    if any(move.lot_id for move in moves):
        order_id = run.operation.order_id
        _lot_links(order_id, _produced_lots(order_id), _consumed_lots(order_id))
    return events


def _new_moves(reference: str, after: int) -> list[StockMove]:
    return list(StockMove.objects.filter(reference=reference, pk__gt=after).select_related("lot__item").order_by("pk"))


def _last_move_id() -> int:
    last = StockMove.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def material_consume(
    *,
    run: OperationRun,
    component: ProductionComponent,
    quantity: Any,
    lot: Lot | None = None,
    location: Location | None = None,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
) -> list[ProductionEvent]:
    """The operator scanned a lot of a component as it went into the operation: issued from stock (its
    reservation first), recorded against the run, linked to what the order produces. A held lot is refused."""
    at = moment(at)
    _held(lot)
    with transaction.atomic():
        _status(run.machine, at)
        run = _open_run(run)
        if lot is not None and lot.item_id != component.item_id:
            message = _("Lot %(lot)s is of %(item)s, not of %(component)s.") % {
                "lot": lot.code,
                "item": lot.item.code,
                "component": component.item.code,
            }
            raise refuse("lot", message, "other_item")
        before = _last_move_id()
        production_material_issue(
            order=run.operation.order, component=component, quantity=quantity, lot=lot, location=location, user=user
        )
        return _record_consumption(run, _new_moves(run.operation.order.number, before), at, employee, user, source)


def material_backflush(
    *,
    run: OperationRun,
    quantity: Any,
    location: Location | None = None,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
) -> list[ProductionEvent]:
    """Consume every component for `quantity` units by the BOM (from the order's reservations, the rest
    from `location`), each lot taken recorded and linked as if scanned."""
    at = moment(at)
    with transaction.atomic():
        _status(run.machine, at)
        run = _open_run(run)
        before = _last_move_id()
        production_backflush(order=run.operation.order, quantity=quantity, location=location, user=user)
        return _record_consumption(run, _new_moves(run.operation.order.number, before), at, employee, user, source)


def _lot_codes(run: OperationRun, quantity: Decimal, lot_code: str | None) -> list[tuple[str, Decimal]]:
    """What to receive under which code: the given lot; else a new lot named after the order, or one
    serial per unit for a serial-tracked item."""
    order = run.operation.order
    item = order.item
    if item.tracking == "serial":
        if quantity != quantity.to_integral_value():
            raise refuse("quantity", _("Serial numbers are given to whole units."), "whole_units")
        if lot_code:
            if quantity != 1:
                raise refuse("lot_code", _("One serial number is one unit."), "one_unit")
            return [(lot_code, Decimal(1))]
        taken = Lot.objects.filter(item=item, code__startswith=f"{order.number}-").count()
        return [(f"{order.number}-{taken + i:04d}", Decimal(1)) for i in range(1, int(quantity) + 1)]
    if lot_code:
        return [(lot_code, quantity)]
    if item.tracking == "lot":
        taken = Lot.objects.filter(item=item, code__startswith=f"{order.number}-").count()
        return [(f"{order.number}-{taken + 1:02d}", quantity)]
    return [("", quantity)]


def lot_produce(
    *,
    run: OperationRun,
    quantity: Any,
    lot_code: str | None = None,
    location: Location | None = None,
    at: datetime.datetime | None = None,
    employee: Employee | None = None,
    user: Any = None,
    source: str = EventSource.TABLET,
) -> list[ProductionEvent]:
    """Good units of the order's last operation go to stock under a lot (or serials), which are linked
    to every lot the order consumed. Only what the last operation counted good can be received."""
    at = moment(at)
    quantity = number(quantity, "quantity")
    if quantity <= 0:
        raise refuse("quantity", _("Receive more than 0."), "min_value")
    with transaction.atomic():
        _status(run.machine, at)
        run = (
            OperationRun.objects.select_for_update().select_related("operation__order__item", "machine").get(pk=run.pk)
        )
        operation, order = run.operation, run.operation.order
        if not is_last_operation(operation):
            message = _("Operation %(seq)s is not the last of %(number)s; lots are produced by the last one.")
            raise refuse("run", message % {"seq": operation.seq, "number": order.number}, "not_last")
        counted = operation.good_qty + (run.good_qty - run.booked_good)
        if order.completed_qty + quantity > counted:
            message = _("Operation %(seq)s of %(number)s counted %(counted)s good; %(received)s are already received.")
            raise refuse(
                "quantity",
                message
                % {
                    "seq": operation.seq,
                    "number": order.number,
                    "counted": qty(counted),
                    "received": qty(order.completed_qty),
                },
                "more_than_counted",
            )
        events, lots = [], []
        for code, part in _lot_codes(run, quantity, lot_code):
            move = production_output_receive(
                order=order, quantity=part, lot_code=code or None, location=location, user=user
            )
            order.refresh_from_db()
            events.append(_run_event(EventKind.PRODUCE, at, run, employee, user, source, lot=move.lot, quantity=part))
            if move.lot is not None:
                lots.append(move.lot)
        _lot_links(order.pk, lots, _consumed_lots(order.pk))
        return events


# --- Corrections --------------------------------------------------------------------------------------------


def event_correct(
    *,
    event: ProductionEvent,
    good_qty: Any = None,
    scrap_qty: Any = None,
    note: str,
    user: Any = None,
    employee: Employee | None = None,
    override_by: Any = None,
) -> ProductionEvent:
    """A count was wrong: a correction event records the right figures as a difference to the event it
    corrects (which stays as it was); the run's counts, the roll-up and, when booked, ERP follow. A
    correction up to more good units than ordered needs a supervisor, as the count would have."""
    if event.kind != EventKind.COUNT:
        raise refuse("event", _("Only counts are corrected; other events are followed by the right one."), "kind")
    if not note.strip():
        raise refuse("note", _("Say why the count is corrected."), "required")
    now = timezone.now()
    with transaction.atomic():
        _status(event.machine, now)
        run = (
            OperationRun.objects.select_for_update()
            .select_related("operation__order__item", "machine")
            .filter(operation=event.operation, machine=event.machine)
            .first()
        )
        if run is None:
            raise refuse("event", _("The count belongs to no run of its operation."), "no_run")
        # Read under the machine's lock: two corrections of one count never start from the same figure.
        corrections = list(event.corrections.all())
        corrected = event.good_qty + sum((c.good_qty for c in corrections), ZERO)
        corrected_scrap = event.scrap_qty + sum((c.scrap_qty for c in corrections), ZERO)
        good = corrected if good_qty is None else number(good_qty, "good_qty")
        scrap = corrected_scrap if scrap_qty is None else number(scrap_qty, "scrap_qty")
        if good < 0 or scrap < 0:
            raise refuse("good_qty" if good < 0 else "scrap_qty", _("Counts cannot be negative."), "min_value")
        delta_good, delta_scrap = good - corrected, scrap - corrected_scrap
        if not (delta_good or delta_scrap):
            raise refuse("good_qty", _("That is what the count already says."), "unchanged")
        if delta_good > 0:
            _over_quantity_check(run, delta_good, override_by)
        correction = _event(
            EventKind.CORRECTION,
            now,
            machine=event.machine,
            operation=event.operation,
            employee=employee,
            user=user,
            source=EventSource.TABLET,
            good_qty=delta_good,
            scrap_qty=delta_scrap,
            corrects=event,
            note=note.strip()[:255],
        )
        OperationRun.objects.filter(pk=run.pk).update(
            good_qty=run.good_qty + delta_good, scrap_qty=run.scrap_qty + delta_scrap
        )
        counts_add([Count(event.machine_id, event.operation_id, event.at, delta_good, delta_scrap)])
        if run.state == RunState.DONE:
            # Its run is closed and booked: the difference goes to ERP now.
            run.refresh_from_db()
            order = run.operation.order
            if order.state in (ProductionOrderState.RELEASED, ProductionOrderState.IN_PROGRESS):
                _book_difference(run, user)
        return correction


def _book_difference(run: OperationRun, user: Any) -> None:
    good, scrap = run.good_qty - run.booked_good, run.scrap_qty - run.booked_scrap
    operation = ProductionOperation.objects.get(pk=run.operation_id)
    production_operation_report(operation=operation, good_qty=good, scrap_qty=scrap, user=user, correction=True)
    OperationRun.objects.filter(pk=run.pk).update(booked_good=run.good_qty, booked_scrap=run.scrap_qty)


# --- Machines counting by themselves --------------------------------------------------------------------------


@dataclass(frozen=True)
class MachineCountReport:
    """Units a machine counted by itself (a PLC counter's increase), at a moment."""

    machine_id: int
    at: datetime.datetime
    good_qty: Decimal = ZERO
    scrap_qty: Decimal = ZERO


def machine_counts_record(*, reports: list[MachineCountReport]) -> list[ProductionEvent]:
    """Record many machine counts in one transaction (the shopfloor service flushes its readings this way):
    each goes to the operation open on its machine (running or paused: a machine finishing its cycle after
    a pause still made the unit), or stays unassigned (an event without operation) when none is. Machines
    are locked in id order, so concurrent pollers never deadlock."""
    reports = [report for report in reports if report.good_qty or report.scrap_qty]
    if not reports:
        return []
    with transaction.atomic():
        machine_ids = sorted({report.machine_id for report in reports})
        existing = set(MachineStatus.objects.filter(machine_id__in=machine_ids).values_list("machine_id", flat=True))
        MachineStatus.objects.bulk_create(
            [MachineStatus(machine_id=pk, since=reports[0].at) for pk in machine_ids if pk not in existing],
            ignore_conflicts=True,
        )
        list(MachineStatus.objects.select_for_update().filter(machine_id__in=machine_ids).order_by("machine_id"))
        runs = {
            run.machine_id: run
            for run in OperationRun.objects.select_for_update()
            .filter(machine_id__in=machine_ids)
            .exclude(state=RunState.DONE)
        }
        events, counted = [], {}
        for report in reports:
            run = runs.get(report.machine_id)
            events.append(
                ProductionEvent(
                    kind=EventKind.COUNT,
                    at=report.at,
                    source=EventSource.PLC,
                    machine_id=report.machine_id,
                    operation_id=run.operation_id if run else None,
                    good_qty=report.good_qty,
                    scrap_qty=report.scrap_qty,
                )
            )
            if run is not None:
                run.good_qty += report.good_qty
                run.scrap_qty += report.scrap_qty
                counted[run.pk] = run
        ProductionEvent.objects.bulk_create(events, batch_size=1000)
        for run in counted.values():
            OperationRun.objects.filter(pk=run.pk).update(good_qty=run.good_qty, scrap_qty=run.scrap_qty)
        counts_add(
            Count(event.machine_id, event.operation_id, event.at, event.good_qty, event.scrap_qty) for event in events
        )
        return events
