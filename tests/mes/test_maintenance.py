"""Maintenance through the services: plans come due by the calendar, run hours or cycles; the daily run
orders them at the machine's next free time; an order's window moves with its plan and goes with its
cancellation; starting takes the machine down in MES and finishing brings it back; parts leave stock to an
expense; breakdowns raise corrective requests; MTBF and MTTR match a hand computation."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from aps.models import MachineWindow
from core.models import Machine
from erp.choices import AccountRole
from erp.models import JournalLine
from erp.services.journal import account_for
from mes.choices import MachineState, MaintenanceKind, MaintenanceState, MaintenanceTrigger, RunState
from mes.models import Downtime, MachineStatus, MaintenanceOrder, OperationRun
from mes.selectors.maintenance import machine_meters, machine_reliability, plans_due
from mes.services import execution as x
from mes.services import maintenance as m
from mes.services.execution import Count, counts_add
from mes.tasks import maintenance_plan
from tests.erp.test_production import codes
from tests.mes.conftest import SHIFT_MINUTES, at
from wms.choices import MoveKind
from wms.models import Location, Lot, Quant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shift_clock")]


def plan(machine, trigger=MaintenanceTrigger.CALENDAR, interval="7", **fields):
    fields.setdefault("tasks", "Check the belt\n\n  Grease the bearings  \n")
    return m.maintenance_plan_create(
        machine=machine, name=f"{trigger} service", trigger=trigger, interval=Decimal(interval), **fields
    )


def start_run(floor, machine="assy1", minutes=0):
    return x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor[machine], at=at(minutes))


# --- Plans come due -----------------------------------------------------------------------------------------


def test_a_calendar_plan_is_due_its_days_after_it_was_last_done_or_made(floor):
    fresh = plan(floor["assy1"], interval="7")
    done_long_ago = plan(floor["assy2"], interval="7", last_done_at=at(SHIFT_MINUTES) - datetime.timedelta(days=8))
    assert [status.plan for status in plans_due(at(SHIFT_MINUTES))] == [done_long_ago]
    later = plans_due(at(SHIFT_MINUTES) + datetime.timedelta(days=7))
    assert {status.plan for status in later} == {fresh, done_long_ago}
    assert next(s for s in later if s.plan == fresh).used == Decimal("7.000")


def test_a_run_hours_plan_counts_what_the_machine_ran_including_the_run_under_way(floor):
    run = start_run(floor)
    x.operation_pause(run=run, at=at(60))
    x.operation_resume(run=run, at=at(500))
    # 60 minutes run and paused, then running from 500 to now (600): 160 minutes.
    assert machine_meters(floor["assy1"]).run_hours == Decimal(160) / 60
    two_hours = plan(floor["assy1"], MaintenanceTrigger.RUN_HOURS, "2", last_done_meter=Decimal(0))
    counting_from_now = plan(floor["assy1"], MaintenanceTrigger.RUN_HOURS, "2")
    assert counting_from_now.last_done_meter == Decimal("2.667")
    assert [status.plan for status in plans_due(at(SHIFT_MINUTES))] == [two_hours]


def test_a_cycles_plan_counts_good_and_scrapped_units_of_tablets_and_plcs(floor):
    machine = floor["test1"]
    counts_add([Count(machine.pk, None, at(10), Decimal(600), Decimal(50))])
    assert machine_meters(machine).cycles == Decimal(650)
    every_500 = plan(machine, MaintenanceTrigger.CYCLES, "500", last_done_meter=Decimal(100))
    plan(machine, MaintenanceTrigger.CYCLES, "600", last_done_meter=Decimal(100))
    assert [status.plan for status in plans_due(at(SHIFT_MINUTES))] == [every_500]
    with pytest.raises(ValidationError) as refused:
        plan(machine, MaintenanceTrigger.CYCLES, "0")
    assert codes(refused) == {("interval", "min_value")}


def test_the_daily_run_orders_each_due_plan_once_at_the_machines_next_free_time(floor):
    machine = floor["assy1"]
    due = plan(machine, last_done_at=at(SHIFT_MINUTES) - datetime.timedelta(days=8), duration_minutes=90)
    plan(floor["assy2"])  # not due
    MachineWindow.objects.create(
        machine=machine, start=at(SHIFT_MINUTES - 10), end=at(SHIFT_MINUTES + 30), reason="Repair"
    )

    numbers = maintenance_plan()
    assert len(numbers) == 1
    order = MaintenanceOrder.objects.get(number=numbers[0])
    assert order.number.startswith("MNT-2026-")
    assert (order.kind, order.state, order.plan, order.machine) == (
        MaintenanceKind.PREVENTIVE,
        MaintenanceState.PLANNED,
        due,
        machine,
    )
    assert (order.planned_start, order.planned_end) == (at(SHIFT_MINUTES + 30), at(SHIFT_MINUTES + 120))
    window = order.machine_window
    assert (window.machine, window.kind, window.schedule, window.start, window.end) == (
        machine,
        "down",
        None,
        at(SHIFT_MINUTES + 30),
        at(SHIFT_MINUTES + 120),
    )
    assert [(t.position, t.description) for t in order.tasks.all()] == [
        (1, "Check the belt"),
        (2, "Grease the bearings"),
    ]
    # Still due, but its order is open: nothing more.
    assert maintenance_plan() == []
    with pytest.raises(ValidationError) as refused:
        m.maintenance_plan_order(plan=due)
    assert codes(refused) == {("plan", "open_order")}


# --- Orders: window, downtime, tasks ------------------------------------------------------------------------


def test_planning_moves_the_orders_window_and_cancelling_removes_it(floor):
    order = m.maintenance_request(machine=floor["assy1"], description="Oil leak under the press")
    assert (order.kind, order.state, order.machine_window) == (MaintenanceKind.CORRECTIVE, "requested", None)
    order = m.maintenance_order_plan(order=order, planned_start=at(700), planned_end=at(760))
    window_id = order.machine_window_id
    order = m.maintenance_order_plan(order=order, planned_start=at(800), planned_end=at(830))
    window = MachineWindow.objects.get(pk=window_id)
    assert (order.machine_window_id, window.start, window.end) == (window_id, at(800), at(830))
    with pytest.raises(ValidationError) as refused:
        m.maintenance_order_plan(order=order, planned_start=at(900), planned_end=at(900))
    assert codes(refused) == {("planned_end", "before_start")}

    order = m.maintenance_order_cancel(order=order)
    assert order.state == MaintenanceState.CANCELLED and order.machine_window is None
    assert not MachineWindow.objects.filter(pk=window_id).exists()
    with pytest.raises(ValidationError) as refused:
        m.maintenance_order_start(order=order)
    assert codes(refused) == {("__all__", "wrong_state")}


def test_starting_takes_the_machine_down_for_maintenance_and_finishing_brings_back_its_run(floor):
    machine = floor["assy1"]
    run = start_run(floor)
    hours = plan(machine, MaintenanceTrigger.RUN_HOURS, "100")
    order = m.maintenance_plan_order(plan=hours, now=at(200))
    order = m.maintenance_order_start(order=order, at=at(100), employee=floor["B-1001"])

    downtime = order.downtime
    assert (downtime.reason.code, downtime.start, downtime.end, downtime.operation) == (
        "PM",
        at(100),
        None,
        run.operation,
    )
    status = MachineStatus.objects.get(machine=machine)
    assert (status.state, status.reason.code) == (MachineState.DOWN, "PM")
    assert OperationRun.objects.get(pk=run.pk).state == RunState.PAUSED
    window = order.machine_window
    assert (order.state, order.started_at, window.start, window.end) == ("in_progress", at(100), at(100), at(160))

    with pytest.raises(ValidationError) as refused:
        m.maintenance_order_finish(order=order, at=at(150))
    assert codes(refused) == {("tasks", "open_tasks")}
    for task in order.tasks.all():
        m.maintenance_task_tick(task=task, at=at(140))
    order = m.maintenance_order_finish(order=order, at=at(150))

    downtime.refresh_from_db()
    window.refresh_from_db()
    assert (order.state, order.finished_at, downtime.end, window.end) == ("done", at(150), at(150), at(150))
    assert OperationRun.objects.get(pk=run.pk).state == RunState.RUNNING
    hours.refresh_from_db()
    # Ran 0-100, down for maintenance 100-150: 100 minutes on the meter when the work was done.
    assert (hours.last_done_at, hours.last_done_meter) == (at(150), Decimal("1.667"))


def test_an_order_does_not_start_on_a_machine_down_for_something_else(floor):
    x.downtime_start(machine=floor["assy1"], reason=floor.reason("NOMAT"), at=at(10))
    order = m.maintenance_request(machine=floor["assy1"], description="Check the guard")
    with pytest.raises(ValidationError) as refused:
        m.maintenance_order_start(order=order, at=at(20))
    assert codes(refused) == {("machine", "already_down")}
    assert MaintenanceOrder.objects.get(pk=order.pk).state == MaintenanceState.REQUESTED


# --- Corrective requests from breakdowns --------------------------------------------------------------------


def test_a_breakdown_raises_one_corrective_request_whose_repair_ends_the_breakdown(floor):
    machine = floor["assy1"]
    x.downtime_start(machine=machine, reason=floor.reason("NOMAT"), at=at(5))
    x.downtime_end(machine=machine, at=at(8))
    assert not MaintenanceOrder.objects.exists()  # not a breakdown

    breakdown = x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(10), note="Motor smokes")
    order = MaintenanceOrder.objects.get()
    assert (order.kind, order.state, order.machine, order.downtime) == ("corrective", "requested", machine, breakdown)
    assert order.description.endswith("Breakdown. Motor smokes")
    x.downtime_end(machine=machine, at=at(15))
    x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(20))
    assert MaintenanceOrder.objects.count() == 1  # its request is still open

    order = m.maintenance_order_start(order=order, at=at(25))
    second = Downtime.objects.get(machine=machine, end__isnull=True)
    assert order.downtime == second and Downtime.objects.filter(machine=machine).count() == 3
    m.maintenance_order_finish(order=order, at=at(50))
    second.refresh_from_db()
    assert second.end == at(50)
    assert MachineStatus.objects.get(machine=machine).state == MachineState.IDLE


# --- Parts and hours ----------------------------------------------------------------------------------------


def test_a_part_leaves_stock_to_expense_and_what_is_not_there_is_refused(floor, item, receive, bin_):
    belt = item("BELT-5")
    receive(belt, 5, bin_("B-01"))
    order = m.maintenance_request(machine=floor["assy1"], description="Belt slips")
    part = m.maintenance_part_issue(order=order, item=belt, quantity="2", location=bin_("B-01"))
    assert Quant.objects.get(item=belt, location=bin_("B-01")).quantity == 3
    move = part.move
    assert (move.kind, move.to_location.code, move.reference, part.quantity) == (
        MoveKind.CONSUMPTION,
        "VIRTUAL/SCRAP",
        order.number,
        2,
    )
    lines = JournalLine.objects.filter(entry__reference=order.number)
    booked = {line.account_id: line.debit - line.credit for line in lines}
    expense = account_for(AccountRole.SCRAP_EXPENSE, item=belt)
    assert booked == {
        expense.pk: Decimal("3.00"),  # 2 at 1.50
        account_for(AccountRole.INVENTORY, item=belt).pk: Decimal("-3.00"),
    }
    assert account_for(AccountRole.WORK_IN_PROGRESS, item=belt).pk not in booked

    with pytest.raises(ValidationError) as refused:
        m.maintenance_part_issue(order=order, item=belt, quantity="4", location=bin_("B-01"))
    assert codes(refused) == {("quantity", "insufficient_stock")}
    with pytest.raises(ValidationError) as refused:
        m.maintenance_part_issue(order=order, item=belt, quantity="1", location=Location.objects.get(code="MAIN/QC"))
    assert codes(refused) == {("location", "quality_hold")}
    oil = item("OIL-46", tracking="lot")
    receive(oil, 10, bin_("B-01"), lot="L-7")
    Lot.objects.filter(code="L-7").update(on_hold=True, hold_reason="Viscosity")
    with pytest.raises(ValidationError) as refused:
        m.maintenance_part_issue(
            order=order, item=oil, quantity="1", location=bin_("B-01"), lot=Lot.objects.get(code="L-7")
        )
    assert codes(refused) == {("lot", "on_hold")}
    assert Quant.objects.filter(item=belt).aggregate(total=Sum("quantity"))["total"] == 3


def test_hours_are_booked_per_employee_once_the_work_began(floor):
    order = m.maintenance_request(machine=floor["assy1"], description="Belt slips")
    with pytest.raises(ValidationError) as refused:
        m.maintenance_labor_book(order=order, employee=floor["B-1001"], minutes="30")
    assert codes(refused) == {("__all__", "wrong_state")}
    order = m.maintenance_order_start(order=order, at=at(100))
    labor = m.maintenance_labor_book(order=order, employee=floor["B-1001"], minutes="45.5")
    m.maintenance_labor_book(order=order, employee=floor["B-1002"], minutes="30", date=datetime.date(2026, 11, 22))
    assert (labor.minutes, labor.date) == (Decimal("45.50"), datetime.date(2026, 11, 23))
    assert sorted(order.labor.values_list("employee__badge", "minutes")) == [
        ("B-1001", Decimal("45.50")),
        ("B-1002", Decimal("30.00")),
    ]
    with pytest.raises(ValidationError) as refused:
        m.maintenance_labor_book(order=order, employee=floor["B-1001"], minutes="0")
    assert codes(refused) == {("minutes", "min_value")}


# --- Reliability --------------------------------------------------------------------------------------------


def test_mtbf_and_mttr_match_a_hand_computation(floor):
    """ASSY-1 runs 0-50, pauses to 70, runs to a breakdown at 100 (repaired at 130, the run goes on), to a
    second at 300 (repaired at 310) and completes at 420: it ran 50 + 30 + 170 + 110 = 360 min = 6 h,
    broke down twice for 30 and 10 min. MTBF 6 h / 2 = 3 h, MTTR 40 min / 2 = 20 min."""
    machine = floor["assy1"]
    run = start_run(floor)
    x.operation_pause(run=run, at=at(50))
    x.operation_resume(run=run, at=at(70))
    x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(100))
    x.downtime_end(machine=machine, at=at(130))
    x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(300))
    x.downtime_end(machine=machine, at=at(310))
    x.operation_complete(run=run, at=at(420))

    rows = {row.machine.code: row for row in machine_reliability(start=at(0), end=at(480))}
    assy1 = rows["ASSY-1"]
    assert (assy1.failures, assy1.operating_hours, assy1.repair_minutes) == (2, Decimal("6.00"), Decimal("40.00"))
    assert (assy1.mtbf_hours, assy1.mttr_minutes) == (Decimal("3.00"), Decimal("20.00"))
    assert (rows["TEST-1"].failures, rows["TEST-1"].mtbf_hours, rows["TEST-1"].mttr_minutes) == (0, None, None)

    # From 120 (down since 100) to 350: runs 130-300 and 310-350 = 210 min; one breakdown began in it.
    part = machine_reliability(start=at(120), end=at(350), machines=Machine.objects.filter(pk=machine.pk))[0]
    assert (part.failures, part.operating_hours, part.mtbf_hours, part.mttr_minutes) == (
        1,
        Decimal("3.50"),
        Decimal("3.50"),
        Decimal("10.00"),
    )
