"""Execution through the services: start > count > pause > resume > complete writes immutable events,
keeps the projections (machine status, runs, downtimes, counts) and books quantities, machine time and
each operator's share of labor to ERP."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aps.models import MachineWindow
from core.models import DomainEvent
from core.roles import Role
from erp.choices import OperationState
from erp.choices import ProductionOrderState as OrderState
from erp.models import LaborBooking
from mes.choices import EventKind, MachineState, RunState
from mes.events import OPERATION_COMPLETED, OPERATION_STARTED
from mes.models import Downtime, MachineCount, MachineStatus, ProductionEvent
from mes.services import execution as x
from tests.erp.test_production import codes
from tests.mes.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shift_clock")]


def test_start_count_complete_books_quantities_and_time_to_erp(floor):
    order = floor.order("100")
    op10 = order.operations.get(seq=10)
    run = x.operation_start(operation=op10, machine=floor["assy1"], at=at(0), employee=floor["B-1001"])
    op10.refresh_from_db()
    assert (op10.state, op10.machine, run.state) == (OperationState.IN_PROGRESS, floor["assy1"], RunState.RUNNING)
    assert MachineStatus.objects.get(machine=floor["assy1"]).state == MachineState.RUNNING

    x.operation_count(run=run, good_qty=60, at=at(100))
    x.operation_count(run=run, good_qty=38, scrap_qty=2, scrap_reason=floor.scrap(), at=at(200))
    run = x.operation_complete(run=run, at=at(240))

    op10.refresh_from_db()
    assert (op10.state, op10.good_qty, op10.scrap_qty) == (OperationState.DONE, 98, 2)
    assert op10.actual_machine_minutes == Decimal("240.00")
    assert order.operations.get(seq=20).state == OperationState.READY
    assert [e.kind for e in ProductionEvent.objects.order_by("id")] == [
        EventKind.START,
        EventKind.COUNT,
        EventKind.COUNT,
        EventKind.COMPLETE,
    ]
    status = MachineStatus.objects.get(machine=floor["assy1"])
    assert (status.state, status.operation) == (MachineState.IDLE, None)
    # The roll-up holds the counts in the quarter hours they happened.
    buckets = {(b.bucket, b.good_qty, b.scrap_qty) for b in MachineCount.objects.all()}
    assert buckets == {(at(90), 60, 0), (at(195), 38, 2)}
    # Partners and upper apps hear of the start and the completion, once each.
    started, completed = (DomainEvent.objects.get(name=name) for name in (OPERATION_STARTED, OPERATION_COMPLETED))
    operation = {
        "order": order.number,
        "operation_seq": 10,
        "operation": op10.name,
        "work_center": op10.work_center.code,
        "machine": floor["assy1"].code,
        "started_at": at(0).isoformat(),
    }
    assert started.payload == {**operation, "employee": floor["B-1001"].number, "source": "tablet"}
    assert completed.payload == {
        **operation,
        "employee": None,
        "source": "tablet",
        "good_qty": "98.000000",
        "scrap_qty": "2.000000",
        "run_minutes": "240.00",
        "finished_at": at(240).isoformat(),
    }
    assert started.aggregate_id == completed.aggregate_id == str(op10.pk)


def test_events_are_never_changed_nor_deleted(floor):
    run = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    event = x.operation_count(run=run, good_qty=5, at=at(5))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductionEvent.objects.filter(pk=event.pk).update(good_qty=50)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductionEvent.objects.filter(pk=event.pk).delete()


def test_a_pause_with_a_reason_is_downtime_and_running_time_stops(floor):
    run = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    x.operation_pause(run=run, reason=floor.reason("NOMAT"), at=at(30))
    status = MachineStatus.objects.get(machine=floor["assy1"])
    assert (status.state, status.reason.code) == (MachineState.DOWN, "NOMAT")
    x.operation_resume(run=run, at=at(50))
    x.operation_count(run=run, good_qty=10, at=at(55))
    run = x.operation_complete(run=run, at=at(70))
    downtime = Downtime.objects.get()
    assert (downtime.start, downtime.end, downtime.minutes) == (at(30), at(50), Decimal("20.00"))
    # 30 + 20 minutes running; the 20 minutes without material are not machine time.
    assert run.run_seconds == 50 * 60
    assert run.operation.actual_machine_minutes == Decimal("50.00")


def test_a_breakdown_pauses_the_running_operation_and_takes_the_machine_out_of_the_schedule(floor):
    run = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    x.downtime_start(machine=floor["assy1"], reason=floor.reason("BD"), at=at(10))
    run.refresh_from_db()
    assert run.state == RunState.PAUSED
    window = MachineWindow.objects.get(machine=floor["assy1"], schedule__isnull=True)
    assert (window.kind, window.start) == ("down", at(10))
    x.downtime_end(machine=floor["assy1"], at=at(25))
    run.refresh_from_db()
    window.refresh_from_db()
    assert (run.state, window.end) == (RunState.RUNNING, at(25))
    assert MachineStatus.objects.get(machine=floor["assy1"]).state == MachineState.RUNNING


def test_a_busy_or_down_machine_and_an_operation_open_elsewhere_are_refused(floor):
    order = floor.order()
    op10 = order.operations.get(seq=10)
    run = x.operation_start(operation=op10, machine=floor["assy1"], at=at(0))
    other = floor.order("10").operations.get(seq=10)
    with pytest.raises(ValidationError) as refused:
        x.operation_start(operation=other, machine=floor["assy1"], at=at(1))
    assert codes(refused) == {("machine", "machine_busy")}
    with pytest.raises(ValidationError) as refused:
        x.operation_start(operation=op10, machine=floor["assy2"], at=at(1))
    assert codes(refused) == {("operation", "open_elsewhere")}
    with pytest.raises(ValidationError) as refused:
        x.operation_start(operation=order.operations.get(seq=20), machine=floor["test1"], at=at(1))
    assert codes(refused) == {("__all__", "operation_not_ready")}
    x.downtime_start(machine=floor["assy2"], reason=floor.reason("BD"), at=at(2))
    with pytest.raises(ValidationError) as refused:
        x.operation_start(operation=other, machine=floor["assy2"], at=at(3))
    assert codes(refused) == {("machine", "down")}
    with pytest.raises(ValidationError) as refused:
        x.operation_start(operation=other, machine=floor["test1"], at=at(3))
    assert codes(refused) == {("machine", "other_work_center")}
    assert ProductionEvent.objects.filter(kind=EventKind.START).count() == 1
    assert DomainEvent.objects.filter(name=OPERATION_STARTED).count() == 1  # the refused starts told nobody
    assert run.state == RunState.RUNNING


def test_more_good_units_than_ordered_need_a_supervisor(floor, make_user):
    run = x.operation_start(operation=floor.order("10").operations.get(seq=10), machine=floor["assy1"], at=at(0))
    x.operation_count(run=run, good_qty=8, at=at(5))
    with pytest.raises(ValidationError) as refused:
        x.operation_count(run=run, good_qty=3, at=at(6), override_by=make_user(Role.OPERATOR))
    assert codes(refused) == {("good_qty", "over_quantity")}
    x.operation_count(run=run, good_qty=3, at=at(6), override_by=make_user(Role.PLANNER))
    run = x.operation_complete(run=run, at=at(10))
    assert run.operation.good_qty == 11


def test_scrap_by_a_person_needs_a_reason_and_counts_are_positive(floor):
    run = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    with pytest.raises(ValidationError) as refused:
        x.operation_count(run=run, scrap_qty=1, at=at(1))
    assert codes(refused) == {("scrap_reason", "required")}
    with pytest.raises(ValidationError) as refused:
        x.operation_count(run=run, good_qty=-1, at=at(1))
    assert codes(refused) == {("good_qty", "min_value")}
    with pytest.raises(ValidationError) as refused:
        x.operation_count(run=run, good_qty="1.5", at=at(1))
    assert codes(refused) == {("good_qty", "precision")}
    assert not ProductionEvent.objects.filter(kind=EventKind.COUNT).exists()


def test_a_corrected_count_is_a_new_event_and_erp_follows(floor):
    run = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    wrong = x.operation_count(run=run, good_qty=50, at=at(10))
    run = x.operation_complete(run=run, at=at(20))
    assert run.operation.good_qty == 50
    correction = x.event_correct(event=wrong, good_qty=40, note="Counted a pallet twice")
    assert (correction.kind, correction.corrects, correction.good_qty) == (EventKind.CORRECTION, wrong, -10)
    run.refresh_from_db()
    run.operation.refresh_from_db()
    assert (run.good_qty, run.booked_good, run.operation.good_qty) == (40, 40, 40)
    assert MachineCount.objects.get().good_qty == 40
    wrong.refresh_from_db()
    assert wrong.good_qty == 50


def test_labor_of_an_operator_on_two_machines_is_split_between_them(floor):
    li, anna = floor["B-1001"], floor["B-1002"]
    x.operator_sign_on(employee=li, machine=floor["assy1"], at=at(0))
    x.operator_sign_on(employee=li, machine=floor["assy2"], at=at(0))
    x.operator_sign_on(employee=anna, machine=floor["assy1"], at=at(0))
    first = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    second = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy2"], at=at(0))
    x.operation_count(run=first, good_qty=10, at=at(50))
    x.operation_count(run=second, good_qty=10, at=at(50))
    x.operation_complete(run=first, at=at(60))
    x.operation_complete(run=second, at=at(60))
    booked = {(b.employee.badge, b.operation_id): b.minutes for b in LaborBooking.objects.all()}
    assert booked == {
        ("B-1001", first.operation_id): Decimal("30.00"),
        ("B-1001", second.operation_id): Decimal("30.00"),
        ("B-1002", first.operation_id): Decimal("60.00"),
    }
    first.operation.refresh_from_db()
    assert first.operation.actual_labor_minutes == Decimal("90.00")
    x.operator_sign_off(employee=li, at=at(61))
    assert not li.attendances.filter(clock_out__isnull=True).exists()


def test_an_operator_without_qualification_is_refused(floor):
    anna = floor["B-1002"]
    with pytest.raises(ValidationError) as refused:
        x.operator_sign_on(employee=anna, machine=floor["test1"], at=at(0))
    assert codes(refused) == {("machine", "no_qualification")}


def test_machine_states_from_a_plc_open_and_close_downtime(floor):
    machine = floor["assy1"]
    x.machine_state_record(machine=machine, state=MachineState.DOWN, reason=floor.reason("BD"), at=at(0))
    x.machine_state_record(machine=machine, state=MachineState.DOWN, reason=floor.reason("BD"), at=at(1))
    x.machine_state_record(machine=machine, state=MachineState.RUNNING, at=at(9))
    downtime = Downtime.objects.get()
    assert (downtime.start, downtime.end) == (at(0), at(9))
    assert MachineStatus.objects.get(machine=machine).state == MachineState.IDLE  # nothing open on it


def test_the_order_is_in_progress_when_its_first_operation_starts(floor):
    order = floor.order()
    x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"], at=at(0))
    order.refresh_from_db()
    assert order.state == OrderState.IN_PROGRESS


def test_correcting_a_count_up_past_the_order_needs_a_supervisor_too(floor, make_user):
    run = x.operation_start(operation=floor.order("10").operations.get(seq=10), machine=floor["assy1"], at=at(0))
    count = x.operation_count(run=run, good_qty=10, at=at(5))
    with pytest.raises(ValidationError) as refused:
        x.event_correct(event=count, good_qty=1000, note="typo", override_by=make_user(Role.OPERATOR))
    assert codes(refused) == {("good_qty", "over_quantity")}
    x.event_correct(event=count, good_qty=11, note="one more on the pallet", override_by=make_user(Role.PLANNER))
    run.refresh_from_db()
    assert run.good_qty == 11


def test_an_inactive_machine_cannot_go_down_or_be_started(floor):
    machine = floor["assy2"]
    machine.active = False
    machine.save()
    with pytest.raises(ValidationError) as refused:
        x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(0))
    assert codes(refused) == {("machine", "inactive")}


def test_running_machines_are_booked_to_erp_every_few_minutes(floor):
    run = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    x.operation_count(run=run, good_qty=30, at=at(20))
    assert x.runs_book_due(now=at(3)) == 0  # booked at its start, less than 5 minutes ago
    assert x.runs_book_due(now=at(30)) == 1
    run.refresh_from_db()
    run.operation.refresh_from_db()
    assert (run.booked_good, run.operation.good_qty, run.operation.actual_machine_minutes) == (30, 30, 30)
    assert x.runs_book_due(now=at(32)) == 0
