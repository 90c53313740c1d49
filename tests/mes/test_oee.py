"""OEE by ISO 22400 from events written through the execution services, against figures worked out by
hand; and its grouping per shift, day and production order."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.models import CalendarException, Machine, Shift, WorkCalendar
from erp.models import ProductionOperation
from mes.selectors.oee import OeeGrouping, oee_report
from mes.services import execution as x

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 11, 23, tzinfo=datetime.UTC)


def at(hour: int, minute: int = 0, day: int = 0) -> datetime.datetime:
    return MONDAY + datetime.timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(at(23, day=2), tick=False):
        yield


def two_shifts(floor, days=range(7)) -> WorkCalendar:
    """Early 06:00-14:00 and late 14:00-22:00 (UTC) on the assembly work center."""
    calendar = WorkCalendar.objects.create(code="2S", name="Two shifts", timezone="UTC")
    for weekday in days:
        Shift.objects.create(
            calendar=calendar, name="Early", weekday=weekday, start_time=datetime.time(6), end_time=datetime.time(14)
        )
        Shift.objects.create(
            calendar=calendar, name="Late", weekday=weekday, start_time=datetime.time(14), end_time=datetime.time(22)
        )
    floor["assembly"].calendar = calendar
    floor["assembly"].save()
    return calendar


def close(value: Decimal | None, expected: float, tolerance: float = 0.001) -> bool:
    """Within 0.1 % of the expected figure."""
    return value is not None and abs(float(value) - expected) <= tolerance * expected


def early_shift(floor, day: int = 0, order=None) -> None:
    """The hand-computed early shift on ASSY-1 (06:00-14:00, an ideal cycle of 2 min a unit):

    06:00-06:20 changeover (counts against availability), 06:20 the operation starts,
    08:00-08:40 breakdown, 10:00-10:30 break (planned, taken out of the planned busy time),
    150 units counted by 14:00 of which 6 scrapped: slower than the 2 min a unit it could run at.
    """
    machine = floor["assy1"]
    order = order or floor.order("200")
    x.downtime_start(machine=machine, reason=floor.reason("CHG"), at=at(6, day=day))
    x.downtime_end(machine=machine, at=at(6, 20, day=day))
    run = x.operation_start(operation=order.operations.get(seq=10), machine=machine, at=at(6, 20, day=day))
    x.operation_count(run=run, good_qty=40, at=at(7, 50, day=day))
    x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(8, day=day))
    x.downtime_end(machine=machine, at=at(8, 40, day=day))
    x.operation_count(run=run, good_qty=30, scrap_qty=4, scrap_reason=floor.scrap(), at=at(9, 55, day=day))
    x.downtime_start(machine=machine, reason=floor.reason("BRK"), at=at(10, day=day))
    x.downtime_end(machine=machine, at=at(10, 30, day=day))
    x.operation_count(run=run, good_qty=74, scrap_qty=2, scrap_reason=floor.scrap("LEAK"), at=at(13, 50, day=day))
    x.operation_complete(run=run, at=at(14, day=day))


def test_a_hand_computed_shift(floor):
    two_shifts(floor)
    early_shift(floor)
    report = oee_report(start=at(6), end=at(14), machines=Machine.objects.filter(code="ASSY-1"))
    (row,) = report.rows
    f = row.figures
    # POT 480 min; the 30-min break is not planned busy time: PBT 450. Changeover 20 + breakdown 40 = 60 min
    # down: APT 390. 150 units x 2 min = 300 ideal minutes; 144 good.
    assert (f.planned_operation_minutes, f.planned_stop_minutes, f.planned_busy_minutes) == (480, 30, 450)
    assert (f.downtime_minutes, f.actual_production_minutes) == (60, 390)
    assert (f.good_qty, f.scrap_qty, f.ideal_minutes) == (144, 6, 300)
    assert close(f.availability, 390 / 450)
    assert close(f.performance, 300 / 390)
    assert close(f.quality, 144 / 150)
    assert close(f.oee, 390 / 450 * 300 / 390 * 144 / 150)  # 0.64: 288 good minutes of 450
    assert f.oee == Decimal("0.6400")
    # The losses add up to the planned busy time with the good units' ideal time.
    assert (f.speed_loss_minutes, f.scrap_loss_minutes) == (90, 12)
    assert [(loss.reason.code, loss.minutes) for loss in f.downtime_by_reason] == [
        ("BD", 40),
        ("BRK", 30),
        ("CHG", 20),
    ]
    assert f.productive_minutes == 288
    assert f.downtime_minutes + f.speed_loss_minutes + f.scrap_loss_minutes + f.productive_minutes == 450


def test_only_working_time_and_the_period_count(floor):
    """Downtime past the shift's end and into the night counts only where the machine was planned to work;
    the clock does not run beyond now."""
    two_shifts(floor, days=[0])  # Monday only
    machine = floor["assy1"]
    x.downtime_start(machine=machine, reason=floor.reason("NOMAT"), at=at(21, 30))
    x.downtime_end(machine=machine, at=at(23, 30))
    x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(22, day=1))  # still open
    report = oee_report(start=at(0), end=at(0, day=7), machines=Machine.objects.filter(code="ASSY-1"))
    f = report.rows[0].figures
    # No operation was open all day: the 930 minutes not down are idle, lost to availability.
    assert (f.planned_operation_minutes, f.downtime_minutes, f.idle_minutes) == (960, 30, 930)
    assert f.availability == 0
    # Nothing produced: performance and quality are undefined, OEE is nothing made in planned time.
    assert (f.performance, f.quality, f.oee) == (None, None, 0)
    assert report.end == at(23, day=2)

    without_calendar = oee_report(start=at(0, day=1), end=at(0, day=7), machines=Machine.objects.filter(code="TEST-1"))
    f = without_calendar.rows[0].figures
    # Around the clock from Tuesday 00:00 to now (Wednesday 23:00).
    assert f.planned_operation_minutes == 47 * 60
    assert (f.availability, f.performance, f.oee) == (0, None, 0)


def test_a_closed_day_has_no_planned_time_and_no_ratios(floor):
    calendar = two_shifts(floor)
    CalendarException.objects.create(calendar=calendar, date=datetime.date(2026, 11, 24), reason="Holiday")
    report = oee_report(start=at(0, day=1), end=at(0, day=2), machines=Machine.objects.filter(code="ASSY-1"))
    f = report.rows[0].figures
    assert f.planned_busy_minutes == 0
    assert (f.availability, f.performance, f.quality, f.oee) == (None, None, None, None)


def test_per_shift_and_per_day(floor):
    two_shifts(floor)
    early_shift(floor, day=0)
    # Tuesday's late shift: 100 units in 4 hours running, then idle.
    run = x.operation_start(
        operation=floor.order("100").operations.get(seq=10), machine=floor["assy1"], at=at(14, day=1)
    )
    x.operation_count(run=run, good_qty=100, at=at(17, 59, day=1))
    x.operation_complete(run=run, at=at(18, day=1))
    machines = Machine.objects.filter(code="ASSY-1")

    shifts = oee_report(start=at(0), end=at(0, day=2), machines=machines, grouping=OeeGrouping.SHIFT).rows
    assert [row.label for row in shifts] == [
        "2026-11-23 Early",
        "2026-11-23 Late",
        "2026-11-24 Early",
        "2026-11-24 Late",
    ]
    early, late, _tuesday_early, tuesday_late = (row.figures for row in shifts)
    assert early.oee == Decimal("0.6400")
    assert (late.planned_busy_minutes, late.produced_qty, late.oee) == (480, 0, 0)
    # 200 ideal minutes in the 240 minutes the operation was open; idle for the other 240.
    assert (tuesday_late.availability, tuesday_late.idle_minutes, tuesday_late.good_qty) == (Decimal("0.5"), 240, 100)
    assert close(tuesday_late.performance, 200 / 240)

    days = oee_report(start=at(0), end=at(0, day=2), machines=machines, grouping=OeeGrouping.DAY).rows
    assert [row.day for row in days] == [datetime.date(2026, 11, 23), datetime.date(2026, 11, 24)]
    monday, tuesday = (row.figures for row in days)
    # Monday: both shifts, 930 minutes planned busy (960 less the break), 390 producing (the late shift
    # idle), 144 good of 150.
    assert (monday.planned_busy_minutes, monday.actual_production_minutes) == (930, 390)
    assert close(monday.oee, 288 / 930)
    assert close(tuesday.oee, 200 / 960)
    # The days add up to the whole period.
    whole = oee_report(start=at(0), end=at(0, day=2), machines=machines).rows[0].figures
    assert (whole.planned_busy_minutes, whole.good_qty) == (930 + 960, 244)


def test_per_order_and_across_machines(floor):
    """Two orders share ASSY-1's early shift; the second one's ideal cycle is 1 minute. Each order's time is its
    runs' time on the machine, its units its operations' counts; ASSY-2 makes a third order meanwhile."""
    two_shifts(floor)
    machine = floor["assy1"]
    first, second, third = floor.order("100"), floor.order("100"), floor.order("50")
    ProductionOperation.objects.filter(order=second, seq=10).update(run_minutes_per_unit=Decimal(1))
    run = x.operation_start(operation=first.operations.get(seq=10), machine=machine, at=at(6))
    x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(7))
    x.downtime_end(machine=machine, at=at(7, 30))
    x.operation_count(run=run, good_qty=90, scrap_qty=5, scrap_reason=floor.scrap(), at=at(9, 50))
    x.operation_complete(run=run, at=at(10))
    x.downtime_start(machine=machine, reason=floor.reason("CHG"), at=at(10))  # between the orders: no order's
    x.downtime_end(machine=machine, at=at(10, 30))
    run = x.operation_start(operation=second.operations.get(seq=10), machine=machine, at=at(10, 30))
    x.operation_count(run=run, good_qty=100, at=at(13, 40))
    x.operation_complete(run=run, at=at(14))
    run = x.operation_start(operation=third.operations.get(seq=10), machine=floor["assy2"], at=at(8))
    x.operation_count(run=run, good_qty=50, at=at(11, 20))
    x.operation_complete(run=run, at=at(12))

    assembly = Machine.objects.filter(work_center=floor["assembly"])
    report = oee_report(start=at(6), end=at(14), machines=assembly, grouping=OeeGrouping.ORDER)
    rows = {(row.machine.code, row.order.number): row.figures for row in report.rows}
    assert set(rows) == {("ASSY-1", first.number), ("ASSY-1", second.number), ("ASSY-2", third.number)}
    one = rows["ASSY-1", first.number]
    # 06:00-10:00: 240 min, 30 down, 95 units x 2 min.
    assert (one.planned_busy_minutes, one.actual_production_minutes, one.ideal_minutes) == (240, 210, 190)
    assert close(one.oee, 210 / 240 * 190 / 210 * 90 / 95)
    two = rows["ASSY-1", second.number]
    assert (two.planned_busy_minutes, two.downtime_minutes, two.ideal_minutes) == (210, 0, 100)
    assert close(two.performance, 100 / 210)
    assert rows["ASSY-2", third.number].planned_busy_minutes == 240

    # The machine over the shift: the changeover between the orders counts against it.
    per_machine = oee_report(start=at(6), end=at(14), machines=assembly).rows
    assy1 = per_machine[0].figures
    assert (assy1.downtime_minutes, assy1.ideal_minutes) == (60, 290)
    assert close(assy1.performance, 290 / 420)
    # ASSY-2 has 480 planned minutes, ran 08:00-12:00 (idle 240) and made 100 ideal minutes; together:
    # times and units add.
    total = oee_report(start=at(6), end=at(14), machines=assembly).total
    assert (total.planned_busy_minutes, total.actual_production_minutes, total.good_qty) == (960, 660, 240)
    assert close(total.oee, 660 / 960 * (290 + 100) / 660 * 240 / 245)
    # Per shift across the machines: the early shift is the same total; the late one has no output yet.
    early, late = oee_report(start=at(6), end=at(22), machines=assembly, grouping=OeeGrouping.SHIFT).combined()
    assert (early.machine, early.label, late.label) == (None, "2026-11-23 Early", "2026-11-23 Late")
    assert (early.figures.oee, early.figures.good_qty) == (total.oee, 240)
    assert (late.figures.planned_busy_minutes, late.figures.oee) == (960, 0)
