"""Scheduling through the real data model: every rule of docs/scheduling.md on small plants, each result
checked by the independent checker (aps.scheduling.check)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aps.choices import FixedReason, MachineWindowKind, ScheduleState
from aps.events import SCHEDULE_PUBLISHED
from aps.models import Changeover, MachineWindow, ScheduleOperation
from aps.services.scheduling import operation_move, schedule_create, schedule_publish, schedule_solve
from core.models import DomainEvent
from erp.choices import OperationState
from tests.aps.scheduling_plant import NOW, assert_valid, at

pytestmark = pytest.mark.django_db

DAY = NOW.date()


def placed(order):
    """The order's operations in the schedule: (machine code, start, end) in minutes from NOW."""
    rows = ScheduleOperation.objects.filter(operation__order=order).select_related("machine").order_by("seq")
    return [(row.machine.code, _minutes(row.start), _minutes(row.end)) for row in rows]


def _minutes(moment):
    return int((moment - NOW).total_seconds() // 60)


def test_the_urgent_order_goes_first_and_operations_keep_their_sequence(shop):
    saw = shop.work_center("SAW")
    drill = shop.work_center("DRILL")
    item = shop.item("BRACKET")
    later = shop.order(item, 10, DAY + datetime.timedelta(days=10), [(saw, 6), (drill, 3, 0, 15)])
    urgent = shop.order(item, 10, DAY, [(saw, 6), (drill, 3, 0, 15)])

    schedule = shop.solve()

    assert schedule.state == ScheduleState.SOLVED and schedule.solver_status == "OPTIMAL"
    assert placed(urgent) == [("SAW-1", 0, 60), ("DRILL-1", 75, 105)]  # the queue time between
    assert placed(later)[0] == ("SAW-1", 60, 120)
    assert schedule.tardy_orders == 0 and schedule.makespan_minutes == 165
    assert_valid(schedule)


def test_no_work_outside_shifts_and_splitting_follows_the_work_center(shop):
    calendar = shop.calendar(start="06:00", end="14:00")  # 8 hours a weekday
    whole = shop.work_center("PRESS", calendar=calendar, split=False)
    split = shop.work_center("PAINT", calendar=calendar, split=True)
    item = shop.item("PANEL")
    first = shop.order(item, 1, DAY, [(whole, 300)])
    second = shop.order(item, 1, DAY, [(whole, 300)])
    painted = shop.order(item, 1, DAY, [(split, 600)])

    schedule = shop.solve()

    presses = sorted([placed(first)[0], placed(second)[0]], key=lambda p: p[1])
    assert presses[0][1:] == (0, 300)
    assert presses[1][1:] == (1440, 1740)  # does not fit before 14:00: the next morning, whole
    assert placed(painted)[0][1:] == (0, 1440 + 120)  # 480 today, 120 tomorrow morning
    assert_valid(schedule)


def test_changeovers_between_families_are_scheduled_and_counted(shop):
    mill = shop.work_center("MILL")
    red, blue = shop.item("RED", "RED"), shop.item("BLUE", "BLUE")
    Changeover.objects.create(work_center=mill, from_family=red.category, to_family=blue.category, minutes=45)
    Changeover.objects.create(work_center=mill, from_family=blue.category, to_family=red.category, minutes=45)
    Changeover.objects.create(work_center=mill, from_family=red.category, to_family=red.category, minutes=0)
    Changeover.objects.create(work_center=mill, from_family=blue.category, to_family=blue.category, minutes=0)
    due = DAY + datetime.timedelta(days=5)
    for item in (red, blue, red, blue):
        shop.order(item, 1, due, [(mill, 30, 20)])

    schedule = shop.solve(tardiness_weight=1, makespan_weight=1, setup_weight=10)

    # Like families together: the first one's own setup and one changeover.
    assert schedule.setup_minutes == 20 + 45
    assert schedule.makespan_minutes == 4 * 30 + 65
    assert_valid(schedule)


def test_downtime_material_started_and_frozen_operations_are_respected(shop):
    lathe = shop.work_center("LATHE")
    item = shop.item("SHAFT")
    machine = lathe.machines.get()
    MachineWindow.objects.create(machine=machine, kind=MachineWindowKind.DOWN, start=at(0), end=at(120))
    running = shop.order(item, 10, DAY, [(lathe, 3)])
    running_op = running.operations.get()
    running_op.state, running_op.good_qty = OperationState.IN_PROGRESS, Decimal(4)
    running_op.save()
    waiting = shop.order(item, 1, DAY, [(lathe, 30)])

    schedule = schedule_create(now=NOW)
    schedule.jobs.filter(production_order=waiting).update(material_ready=at(300))
    schedule = schedule_solve(schedule=schedule)

    assert placed(running) == [("LATHE-1", 120, 138)]  # 6 left after the downtime, fixed on its machine
    assert ScheduleOperation.objects.get(operation=running_op).fixed == FixedReason.STARTED
    assert placed(waiting)[0][1] == 300  # not before its material
    assert_valid(schedule)

    schedule_publish(schedule=schedule)
    # Inside the frozen horizon (8 h): the next schedule keeps the operation where the published one had it.
    MachineWindow.objects.all().delete()
    again = schedule_solve(schedule=schedule_create(now=NOW + datetime.timedelta(minutes=5)))
    moved = ScheduleOperation.objects.get(job__schedule=again, operation=waiting.operations.get())
    assert moved.fixed == FixedReason.FROZEN and moved.start == at(300)


def test_a_planner_moves_an_operation_or_is_told_why_not(shop):
    cell = shop.work_center("CELL", machines=2)
    item = shop.item("HOUSING")
    first = shop.order(item, 1, DAY + datetime.timedelta(days=3), [(cell, 120)])
    second = shop.order(item, 1, DAY + datetime.timedelta(days=3), [(cell, 120)])
    schedule = shop.solve(frozen_until=NOW)
    a = ScheduleOperation.objects.get(operation__order=first)
    b = ScheduleOperation.objects.get(operation__order=second)
    other_machine = b.machine if a.machine != b.machine else cell.machines.exclude(pk=a.machine_id).get()

    with pytest.raises(ValidationError) as refused:
        operation_move(operation=a, machine=b.machine, start=b.start + datetime.timedelta(minutes=30))
    [reason] = refused.value.messages
    assert reason.startswith(f"MO-1 op 10 starts on {b.machine.code} at 2026-11-23 06:30, while MO-2 op 10 holds it")

    moved = operation_move(operation=a, machine=other_machine, start=at(300))
    assert moved.fixed == FixedReason.PINNED and moved.start == at(300) and moved.end == at(420)
    assert_valid(schedule)
    # The next schedule keeps a pinned operation where the planner put it.
    schedule_publish(schedule=schedule)
    again = schedule_solve(schedule=schedule_create(now=NOW))
    kept = ScheduleOperation.objects.get(job__schedule=again, operation=a.operation)
    assert (kept.machine, kept.start, kept.fixed) == (other_machine, at(300), FixedReason.PINNED)


def test_operations_running_without_a_plan_share_the_machines_without_overlapping(shop):
    cell = shop.work_center("CELL", machines=2)
    item = shop.item("CLIP")
    running = []
    for _ in range(3):
        order = shop.order(item, 10, DAY + datetime.timedelta(days=2), [(cell, 6)])
        operation = order.operations.get()
        operation.state, operation.good_qty = OperationState.IN_PROGRESS, Decimal(5)
        operation.save()
        running.append(order)

    schedule = shop.solve()

    # ERP does not know which machine runs them: one each, the third after the first.
    assert sorted(placed(order)[0] for order in running) == [("CELL-1", 0, 30), ("CELL-1", 30, 60), ("CELL-2", 0, 30)]
    assert_valid(schedule)


def test_publishing_tells_once_with_the_plans_figures_and_what_it_superseded(shop, make_user):
    lathe = shop.work_center("LATHE")
    shop.order(shop.item("PIN"), 2, DAY, [(lathe, 30)])
    first = shop.solve()
    with pytest.raises(ValidationError):
        schedule_publish(schedule=schedule_create(now=NOW))  # not solved: refused, and nobody told
    first = schedule_publish(schedule=first)
    planner = make_user("planner")
    second = schedule_publish(schedule=shop.solve(), user=planner)

    published = list(DomainEvent.objects.filter(name=SCHEDULE_PUBLISHED).order_by("pk"))
    assert [event.aggregate_id for event in published] == [str(first.pk), str(second.pk)]
    assert published[0].payload["superseded"] == []
    assert published[1].actor == planner
    assert published[1].payload == {
        "schedule": str(second.pk),
        "name": second.name,
        "horizon_start": second.horizon_start.isoformat(),
        "frozen_until": second.frozen_until.isoformat(),
        "operations": 1,
        "tardy_orders": second.tardy_orders,
        "weighted_tardiness": second.weighted_tardiness,
        "makespan_minutes": second.makespan_minutes,
        "superseded": [str(first.pk)],
        "published_at": second.published_at.isoformat(),
    }
