"""Rough-cut capacity, hand-computed: the MPS exploded through the BOM effective each week, routings'
setup and run time per work center, against machines' calendar hours (a holiday, a machine's own
calendar) or hours per day; an overloaded week; made items without a routing; bounded queries."""

import datetime
from decimal import Decimal

import pytest

from aps.selectors.capacity import rough_cut_load
from core.models import CalendarException, Item, Machine, Shift, WorkCalendar, WorkCenter
from plm.choices import RevisionState
from plm.models import RoutingOperation, RoutingRevision

pytestmark = pytest.mark.django_db
D = Decimal
WEEK1 = datetime.date(2026, 11, 30)
WEEK2, WEEK3 = WEEK1 + datetime.timedelta(weeks=1), WEEK1 + datetime.timedelta(weeks=2)


def routing(item, operations):
    """operations: (work center, setup minutes, run minutes per unit)."""
    revision = RoutingRevision.objects.create(item=item, revision="A", state=RevisionState.RELEASED)
    for seq, (center, setup, run) in enumerate(operations, start=1):
        RoutingOperation.objects.create(
            routing=revision, seq=seq * 10, work_center=center, setup_minutes=D(setup), run_minutes_per_unit=D(run)
        )


@pytest.fixture
def floor(plant):
    """ASSY: no calendar, 8 h a day, two active machines (and one inactive): 2 x 8 x 5 = 80 h a week.
    PRESS: day shifts Monday to Friday 06:00-14:00 (40 h a week, 32 h in the week of the Wednesday
    2 December holiday) on P1; P2 works on its own calendar, Saturdays 08:00-12:00 (4 h)."""
    assy = WorkCenter.objects.create(code="ASSY", name="Assembly", hours_per_day=D(8))
    days = WorkCalendar.objects.create(code="DAYS", name="Day shift", timezone="Asia/Shanghai")
    for weekday in range(5):
        Shift.objects.create(
            calendar=days, name="Day", weekday=weekday, start_time=datetime.time(6), end_time=datetime.time(14)
        )
    CalendarException.objects.create(calendar=days, date=datetime.date(2026, 12, 2), is_working=False, reason="Holiday")
    saturdays = WorkCalendar.objects.create(code="SAT", name="Saturday mornings", timezone="Asia/Shanghai")
    Shift.objects.create(
        calendar=saturdays, name="Sat", weekday=5, start_time=datetime.time(8), end_time=datetime.time(12)
    )
    press = WorkCenter.objects.create(code="PRESS", name="Press", calendar=days)
    for code, center, calendar, active in (
        ("A1", assy, None, True),
        ("A2", assy, None, True),
        ("A3", assy, None, False),
        ("P1", press, None, True),
        ("P2", press, saturdays, True),
    ):
        Machine.objects.create(code=code, name=code, work_center=center, calendar=calendar, active=active)
    WorkCenter.objects.create(code="PAINT", name="Paint shop (no machines)")

    kettle, body, screw = plant.item("KETTLE", make=True), plant.item("BODY", make=True), plant.item("SCREW")
    # Two bodies a kettle until 7 December, three from then on.
    plant.bom(kettle, [(body, 2, 0), (screw, 4, 0)], revision="A", effective_to=WEEK2)
    plant.bom(kettle, [(body, 3, 0), (screw, 4, 0)], revision="B", effective_from=WEEK2)
    routing(kettle, [(assy, 30, 6)])
    routing(body, [(press, 60, 3)])
    plant.schedule(kettle, WEEK1, 100)
    plant.schedule(body, WEEK1, 20)  # spare parts
    plant.schedule(kettle, WEEK2, 500)
    plant.schedule(plant.item("GADGET", make=True), WEEK3, 5)  # made, but no routing
    return plant


def loads(result) -> dict[str, list[tuple[Decimal, Decimal, bool]]]:
    return {
        row.work_center.code: [(week.load_hours, week.available_hours, week.overloaded) for week in row.weeks]
        for row in result.work_centers
    }


def test_load_and_capacity_per_work_center_and_week(floor):
    result = rough_cut_load(first_week=WEEK1 + datetime.timedelta(days=2), weeks=3)  # any day of the first week
    assert result.first_week == WEEK1 and result.weeks == [WEEK1, WEEK2, WEEK3]
    assert loads(result) == {
        # Week 1: 100 kettles: (30 + 6 x 100) / 60 = 10.5 h. Week 2: 500: (30 + 3000) / 60 = 50.5 h.
        "ASSY": [(D("10.50"), D("80.00"), False), (D("50.50"), D("80.00"), False), (D(0), D("80.00"), False)],
        # Week 1: 2 x 100 + 20 bodies: (60 + 3 x 220) / 60 = 12 h, against 32 + 4 h.
        # Week 2 (BOM B): 3 x 500 = 1500 bodies: (60 + 4500) / 60 = 76 h, against 40 + 4 h: overloaded.
        "PAINT": [(D(0), D(0), False)] * 3,
        "PRESS": [(D("12.00"), D("36.00"), False), (D("76.00"), D("44.00"), True), (D(0), D("44.00"), False)],
    }
    press = next(row for row in result.work_centers if row.work_center.code == "PRESS")
    assert (press.machines, press.overloaded_weeks, press.weeks[0].utilization_pct) == (2, 1, D("33.3"))
    assert result.overloaded
    assert [(missing.item.code, missing.week_start) for missing in result.without_routing] == [("GADGET", WEEK3)]


def test_queries_do_not_grow_with_weeks_or_entries(floor, django_assert_max_num_queries):
    with django_assert_max_num_queries(22):
        rough_cut_load(first_week=WEEK1, weeks=3)
    # Thirteen weeks more of the same kettles: the BOM is exploded once per effectivity window, not per week.
    for k in range(3, 16):
        floor.schedule(Item.objects.get(code="KETTLE"), WEEK1 + datetime.timedelta(weeks=k), 10)
    with django_assert_max_num_queries(22):
        result = rough_cut_load(first_week=WEEK1, weeks=16)
    assert loads(result)["ASSY"][15] == (D("1.50"), D("80.00"), False)  # (30 + 60) / 60
