"""People services and selectors: the qualification check MES relies on, badges, the roster (one entry and a
shift pattern over a range), attendance sign-in and sign-out, labor bookings and their cost, and the labor
report aggregated by employee, department and month (figures computed by hand in the comments)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import CalendarException, Machine, Shift, WorkCalendar, WorkCenter
from erp.choices import AttendanceSource, ProductionOrderState
from erp.models import Attendance, Department, Employee, LaborBooking, ProductionOperation, ProductionOrder, RosterEntry
from erp.selectors.people import (
    employee_by_badge,
    employee_overview,
    expiring_qualifications,
    labor_report,
    qualified_employees,
    roster_week,
)
from erp.services.people import (
    attendance_correct,
    attendance_record,
    attendance_sign_in,
    attendance_sign_out,
    labor_book,
    labor_cost,
    qualification_check,
    roster_entry_create,
    roster_pattern_apply,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TODAY = datetime.date(2026, 11, 22)  # a Sunday
MONDAY = datetime.date(2026, 11, 23)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def refusal(exc_info) -> dict[str, list[str]]:
    """{field: [codes]} of a service's ValidationError."""
    return {name: [error.code for error in errors] for name, errors in exc_info.value.error_dict.items()}


def message(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# --- Fixtures (the view and API tests import them) ------------------------------------------------------------


@pytest.fixture
def plant(db):
    """A two-shift calendar (Early 06-14 and Late 14-22 on weekdays, a Monday night shift), two work centers
    with three machines, two departments, two active employees and one who left."""
    calendar = WorkCalendar.objects.create(code="2SHIFT", name="Two shifts", timezone="UTC")
    early = {
        day: Shift.objects.create(
            calendar=calendar, name="Early", weekday=day, start_time=datetime.time(6), end_time=datetime.time(14)
        )
        for day in range(5)
    }
    late = {
        day: Shift.objects.create(
            calendar=calendar, name="Late", weekday=day, start_time=datetime.time(14), end_time=datetime.time(22)
        )
        for day in range(5)
    }
    night = Shift.objects.create(
        calendar=calendar, name="Night", weekday=0, start_time=datetime.time(22), end_time=datetime.time(6)
    )
    asm = WorkCenter.objects.create(code="ASM", name="Assembly", calendar=calendar)
    prs = WorkCenter.objects.create(code="PRS", name="Press")
    assy = Department.objects.create(code="ASSY", name="Assembly")
    press = Department.objects.create(code="PRESS", name="Press shop")
    return SimpleNamespace(
        calendar=calendar,
        early=early,
        late=late,
        night=night,
        asm=asm,
        prs=prs,
        asm1=Machine.objects.create(work_center=asm, code="ASM-01", name="Assembly cell 1"),
        asm2=Machine.objects.create(work_center=asm, code="ASM-02", name="Assembly cell 2"),
        prs1=Machine.objects.create(work_center=prs, code="PRS-01", name="Press 1"),
        assy=assy,
        press=press,
        li=Employee.objects.create(
            number="E001",
            first_name="Li",
            last_name="Wei",
            badge="B-001",
            department=assy,
            position="Assembler",
            labor_cost_rate=Decimal("60.00"),
            hired_on=datetime.date(2024, 3, 1),
        ),
        zhang=Employee.objects.create(
            number="E002",
            first_name="Zhang",
            last_name="Min",
            badge="B-002",
            department=press,
            position="Press operator",
            labor_cost_rate=Decimal("45.50"),
        ),
        gone=Employee.objects.create(
            number="E003",
            first_name="Wang",
            last_name="Fang",
            badge="B-003",
            department=assy,
            labor_cost_rate=Decimal("50"),
            active=False,
        ),
    )


@pytest.fixture
def qualify(plant):
    """Qualify an employee for a work center or a machine: qualify(li, machine=..., valid_from=..., valid_until=...)."""

    def make(employee, *, work_center=None, machine=None, valid_from=datetime.date(2026, 1, 1), valid_until=None):
        qualification = employee.qualifications.model(
            employee=employee,
            work_center=work_center,
            machine=machine,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        qualification.full_clean()
        qualification.save()
        return qualification

    return make


@pytest.fixture
def operation(plant, item, warehouse):
    """Operation 10 (assembly) of a released production order, made directly: orders are another area's."""
    order = ProductionOrder.objects.create(
        number="MO-2026-00001",
        item=item("KT-200"),
        quantity=Decimal(200),
        start_date=datetime.date(2026, 10, 1),
        due_date=datetime.date(2026, 12, 15),
        state=ProductionOrderState.RELEASED,
        warehouse=warehouse,
    )
    return ProductionOperation.objects.create(order=order, seq=10, name="Assemble", work_center=plant.asm)


# --- Qualification check -------------------------------------------------------------------------------------


def test_without_any_qualification_the_check_refuses_naming_employee_machine_and_work_center(plant):
    with pytest.raises(ValidationError) as refused:
        qualification_check(employee=plant.li, machine=plant.asm1, on=TODAY)
    assert refusal(refused) == {"machine": ["no_qualification"]}
    assert message(refused) == "E001 Li Wei has no qualification for machine ASM-01 or its work center ASM."


def test_an_expired_qualification_is_refused_with_its_end_date(plant, qualify):
    qualify(
        plant.li, work_center=plant.asm, valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2026, 10, 31)
    )
    with pytest.raises(ValidationError) as refused:
        qualification_check(employee=plant.li, machine=plant.asm1, on=TODAY)
    assert refusal(refused) == {"machine": ["expired"]}
    assert message(refused) == "E001 Li Wei's qualification for machine ASM-01 expired on 2026-10-31."
    # The last day is still valid.
    assert qualification_check(employee=plant.li, machine=plant.asm1, on=datetime.date(2026, 10, 31))


def test_a_qualification_not_yet_valid_is_refused_with_its_start_date(plant, qualify):
    qualify(plant.li, machine=plant.asm1, valid_from=datetime.date(2026, 12, 1))
    with pytest.raises(ValidationError) as refused:
        qualification_check(employee=plant.li, machine=plant.asm1, on=TODAY)
    assert refusal(refused) == {"machine": ["not_yet_valid"]}
    assert message(refused) == "E001 Li Wei is not yet qualified for machine ASM-01: valid from 2026-12-01."
    assert qualification_check(employee=plant.li, machine=plant.asm1, on=datetime.date(2026, 12, 1))


def test_a_machine_qualification_covers_that_machine_only(plant, qualify):
    own = qualify(plant.li, machine=plant.asm1)
    assert qualification_check(employee=plant.li, machine=plant.asm1, on=TODAY) == own
    with pytest.raises(ValidationError) as refused:
        qualification_check(employee=plant.li, machine=plant.asm2, on=TODAY)
    assert refusal(refused) == {"machine": ["no_qualification"]}


def test_a_work_center_qualification_covers_its_machines_and_no_other(plant, qualify):
    center = qualify(plant.li, work_center=plant.asm)
    assert qualification_check(employee=plant.li, machine=plant.asm1, on=TODAY) == center
    assert qualification_check(employee=plant.li, machine=plant.asm2, on=TODAY) == center
    with pytest.raises(ValidationError):
        qualification_check(employee=plant.li, machine=plant.prs1, on=TODAY)
    # With both, the machine's own qualification is the one returned.
    own = qualify(plant.li, machine=plant.asm2)
    assert qualification_check(employee=plant.li, machine=plant.asm2, on=TODAY) == own


def test_an_inactive_employee_is_refused_even_when_qualified(plant, qualify):
    qualify(plant.gone, work_center=plant.asm)
    with pytest.raises(ValidationError) as refused:
        qualification_check(employee=plant.gone, machine=plant.asm1, on=TODAY)
    assert refusal(refused) == {"employee": ["inactive"]}
    assert "E003 Wang Fang" in message(refused)


def test_a_renewed_qualification_counts_and_an_expired_one_beside_it_does_not_matter(plant, qualify):
    qualify(
        plant.li, work_center=plant.asm, valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2026, 6, 30)
    )
    renewed = qualify(plant.li, work_center=plant.asm, valid_from=datetime.date(2026, 7, 1))
    assert qualification_check(employee=plant.li, machine=plant.asm1, on=TODAY) == renewed


def test_a_qualification_is_for_a_work_center_or_a_machine_and_ends_after_it_starts(plant, qualify):
    with pytest.raises(ValidationError) as both:
        qualify(plant.li, work_center=plant.asm, machine=plant.asm1)
    assert refusal(both) == {"machine": ["scope"]}
    with pytest.raises(ValidationError) as backwards:
        qualify(plant.li, machine=plant.asm1, valid_from=TODAY, valid_until=datetime.date(2026, 1, 1))
    assert refusal(backwards) == {"valid_until": ["period"]}


def test_qualified_employees_and_expiring_qualifications(plant, qualify):
    qualify(plant.li, work_center=plant.asm, valid_until=datetime.date(2026, 12, 10))
    qualify(plant.zhang, machine=plant.asm2, valid_until=datetime.date(2027, 6, 30))
    qualify(plant.gone, work_center=plant.asm, valid_until=datetime.date(2026, 12, 1))
    assert list(qualified_employees(machine=plant.asm1, on=TODAY)) == [plant.li]
    assert list(qualified_employees(machine=plant.asm2, on=TODAY)) == [plant.li, plant.zhang]
    assert list(qualified_employees(machine=plant.asm2, on=datetime.date(2026, 12, 11))) == [plant.zhang]
    # Within 30 days: Li's (Dec 10); not Zhang's (next June), not the inactive employee's.
    assert [q.employee for q in expiring_qualifications(on=TODAY)] == [plant.li]
    assert [q.employee for q in expiring_qualifications(on=TODAY, within_days=365)] == [plant.li, plant.zhang]
    assert list(expiring_qualifications(on=TODAY, within_days=10)) == []


def test_a_badge_finds_its_active_employee_and_refuses_clearly_otherwise(plant):
    assert employee_by_badge(" B-001 ") == plant.li
    for badge, code, text in (
        ("B-999", "unknown_badge", "Badge B-999 belongs to no employee."),
        ("B-003", "inactive", "Badge B-003 belongs to E003 Wang Fang, who is not active."),
        ("  ", "required", "Scan or type a badge."),
    ):
        with pytest.raises(ValidationError) as refused:
            employee_by_badge(badge)
        assert refusal(refused) == {"badge": [code]}
        assert message(refused) == text


# --- Roster --------------------------------------------------------------------------------------------------------


def test_a_roster_entry_must_fall_on_its_shifts_weekday(plant):
    with pytest.raises(ValidationError) as refused:
        roster_entry_create(employee=plant.li, date=MONDAY, shift=plant.early[1])  # a Tuesday shift
    assert refusal(refused) == {"shift": ["weekday_mismatch"]}
    assert message(refused) == "Early is a Tuesday shift; 2026-11-23 is a Monday."
    entry = roster_entry_create(employee=plant.li, date=MONDAY, shift=plant.early[0], work_center=plant.asm)
    assert (entry.date, entry.shift, entry.work_center) == (MONDAY, plant.early[0], plant.asm)
    assert RosterEntry.objects.count() == 1


def test_a_day_the_calendar_is_closed_is_refused(plant):
    CalendarException.objects.create(calendar=plant.calendar, date=datetime.date(2026, 11, 26), reason="Plant holiday")
    thursday = datetime.date(2026, 11, 26)
    with pytest.raises(ValidationError) as refused:
        roster_entry_create(employee=plant.li, date=thursday, shift=plant.early[3])
    assert refusal(refused) == {"date": ["closed_day"]}
    assert message(refused) == "The calendar 2SHIFT is closed on 2026-11-26 (Plant holiday)."
    # An extra working window on a day is no closure.
    CalendarException.objects.create(
        calendar=plant.calendar,
        date=datetime.date(2026, 11, 27),
        is_working=True,
        start_time=datetime.time(22),
        end_time=datetime.time(23),
    )
    assert roster_entry_create(employee=plant.li, date=datetime.date(2026, 11, 27), shift=plant.early[4])


def test_overlapping_and_duplicate_shifts_inactive_employees_and_days_before_hire_are_refused(plant):
    roster_entry_create(employee=plant.li, date=MONDAY, shift=plant.night)  # Mon 22:00 - Tue 06:00
    long_day = Shift.objects.create(
        calendar=plant.calendar, name="Long", weekday=1, start_time=datetime.time(5), end_time=datetime.time(13)
    )
    cases = [
        ({"employee": plant.li, "date": MONDAY, "shift": plant.night}, {"shift": ["duplicate"]}),
        # Tuesday 05:00 starts before Monday's night shift ends at 06:00.
        (
            {"employee": plant.li, "date": MONDAY + datetime.timedelta(days=1), "shift": long_day},
            {"shift": ["overlap"]},
        ),
        ({"employee": plant.gone, "date": MONDAY, "shift": plant.early[0]}, {"employee": ["inactive"]}),
        (
            {"employee": plant.li, "date": datetime.date(2024, 2, 26), "shift": plant.early[0]},
            {"date": ["before_hire"]},
        ),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ValidationError) as refused:
            roster_entry_create(**kwargs)
        assert refusal(refused) == expected
    # The Early shift begins as the night shift ends: back to back is allowed.
    assert roster_entry_create(employee=plant.li, date=MONDAY + datetime.timedelta(days=1), shift=plant.early[1])
    assert RosterEntry.objects.count() == 2


def test_a_shift_pattern_over_two_weeks_makes_nine_entries_around_a_holiday(plant):
    CalendarException.objects.create(calendar=plant.calendar, date=datetime.date(2026, 11, 26), reason="Holiday")
    plan = roster_pattern_apply(
        employee=plant.li,
        start=MONDAY,
        end=datetime.date(2026, 12, 6),
        shifts=[*list(plant.early.values()), plant.night],
        work_center=plant.asm,
    )
    early_days = [entry.date.day for entry in plan.created if entry.shift.name == "Early"]
    night_days = [entry.date.day for entry in plan.created if entry.shift.name == "Night"]
    assert early_days == [23, 24, 25, 27, 30, 1, 2, 3, 4]
    assert night_days == [23, 30]
    assert [(day.day, shift.name, "closed" in reason) for day, shift, reason in plan.skipped] == [(26, "Early", True)]
    assert RosterEntry.objects.filter(employee=plant.li, work_center=plant.asm).count() == 11
    # Applied again, every day is taken: nothing new, each one listed.
    again = roster_pattern_apply(employee=plant.li, start=MONDAY, end=datetime.date(2026, 12, 6), shifts=[plant.night])
    assert again.created == [] and [day.day for day, _shift, _reason in again.skipped] == [23, 30]
    assert RosterEntry.objects.count() == 11


def test_a_shift_pattern_refuses_as_a_whole_what_cannot_be_rostered(plant):
    cases = [
        (
            {"employee": plant.gone, "start": MONDAY, "end": MONDAY, "shifts": [plant.early[0]]},
            {"employee": ["inactive"]},
        ),
        ({"employee": plant.li, "start": MONDAY, "end": TODAY, "shifts": [plant.early[0]]}, {"end": ["invalid_range"]}),
        ({"employee": plant.li, "start": MONDAY, "end": MONDAY, "shifts": []}, {"shifts": ["required"]}),
        (
            {
                "employee": plant.li,
                "start": MONDAY,
                "end": MONDAY + datetime.timedelta(days=400),
                "shifts": [plant.night],
            },
            {"end": ["range_too_long"]},
        ),
        # A Saturday and Sunday: no shift of a weekday pattern falls in them.
        (
            {
                "employee": plant.li,
                "start": datetime.date(2026, 11, 28),
                "end": datetime.date(2026, 11, 29),
                "shifts": [plant.night],
            },
            {"shifts": ["no_matching_day"]},
        ),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ValidationError) as refused:
            roster_pattern_apply(**kwargs)
        assert refusal(refused) == expected
    assert RosterEntry.objects.count() == 0


def test_the_roster_week_is_employees_by_seven_days(plant):
    roster_pattern_apply(
        employee=plant.li,
        start=MONDAY,
        end=MONDAY + datetime.timedelta(days=6),
        shifts=[plant.early[0], plant.early[2], plant.night],
    )
    roster_entry_create(
        employee=plant.zhang, date=MONDAY + datetime.timedelta(days=1), shift=plant.late[1], work_center=plant.prs
    )
    week = roster_week(monday=MONDAY)
    assert week.days[0] == MONDAY and week.days[-1] == datetime.date(2026, 11, 29)
    grid = {row.employee.number: [[entry.shift.name for entry in cell] for cell in row.days] for row in week.rows}
    # The inactive employee, rostered nowhere, is left out.
    assert grid == {
        "E001": [["Early", "Night"], [], ["Early"], [], [], [], []],
        "E002": [[], ["Late"], [], [], [], [], []],
    }
    assert [row.employee.number for row in roster_week(monday=MONDAY, department=plant.press).rows] == ["E002"]
    assert [row.employee.number for row in roster_week(monday=MONDAY, work_center=plant.prs).rows] == ["E002"]


# --- Attendance ------------------------------------------------------------------------------------------------


def test_sign_in_and_out_at_a_machine_with_a_valid_qualification(plant, qualify):
    qualify(plant.li, work_center=plant.asm)
    attendance = attendance_sign_in(employee=plant.li, machine=plant.asm1, at=at(23, 6))
    assert (attendance.machine, attendance.source, attendance.clock_out) == (plant.asm1, AttendanceSource.MES, None)
    closed = attendance_sign_out(employee=plant.li, at=at(23, 14, 30))
    assert closed.pk == attendance.pk and closed.hours == Decimal("8.50")


def test_a_second_sign_in_is_refused_while_the_first_is_open(plant, qualify):
    qualify(plant.li, work_center=plant.asm)
    attendance_sign_in(employee=plant.li, machine=plant.asm1, at=at(23, 6))
    with pytest.raises(ValidationError) as refused:
        attendance_sign_in(employee=plant.li, machine=plant.asm2, at=at(23, 7))
    assert refusal(refused) == {"employee": ["already_signed_in"]}
    assert "already clocked in since 2026-11-23 06:00" in message(refused)
    assert Attendance.objects.count() == 1


def test_sign_in_at_a_machine_without_a_valid_qualification_is_refused_and_nothing_is_recorded(plant, qualify):
    qualify(plant.li, machine=plant.asm1, valid_until=datetime.date(2026, 11, 20))
    for machine, code in ((plant.prs1, "no_qualification"), (plant.asm1, "expired")):
        with pytest.raises(ValidationError) as refused:
            attendance_sign_in(employee=plant.li, machine=machine, at=at(23, 6))
        assert refusal(refused) == {"machine": [code]}
    with pytest.raises(ValidationError) as inactive:
        attendance_sign_in(employee=plant.gone, at=at(23, 6))
    assert refusal(inactive) == {"employee": ["inactive"]}
    assert Attendance.objects.count() == 0
    # Without a machine (presence only) there is nothing to qualify for.
    assert attendance_sign_in(employee=plant.li, at=at(23, 6)).machine is None


def test_the_qualification_date_is_the_machines_local_date(plant, qualify):
    shanghai = WorkCalendar.objects.create(code="SH", name="Shanghai", timezone="Asia/Shanghai")
    Machine.objects.filter(pk=plant.asm1.pk).update(calendar=shanghai)
    machine = Machine.objects.get(pk=plant.asm1.pk)
    qualify(plant.li, machine=machine, valid_from=datetime.date(2026, 12, 1))
    # 17:00 UTC on Nov 30 is 01:00 on Dec 1 in Shanghai: the qualification is valid there.
    assert attendance_sign_in(employee=plant.li, machine=machine, at=at(30, 17)).machine == machine


def test_sign_out_is_refused_without_an_open_attendance_or_before_the_sign_in(plant):
    with pytest.raises(ValidationError) as none_open:
        attendance_sign_out(employee=plant.li, at=at(23, 14))
    assert refusal(none_open) == {"employee": ["not_signed_in"]}
    attendance_sign_in(employee=plant.li, at=at(23, 6))
    for moment in (at(23, 6), at(23, 5)):
        with pytest.raises(ValidationError) as early:
            attendance_sign_out(employee=plant.li, at=moment)
        assert refusal(early) == {"at": ["before_clock_in"]}
    assert Attendance.objects.get().clock_out is None


def test_hr_records_and_corrects_attendance_without_overlaps(plant):
    monday = attendance_record(employee=plant.li, clock_in=at(23, 6), clock_out=at(23, 14))
    assert monday.source == AttendanceSource.MANUAL and monday.hours == Decimal("8.00")
    for clock_in, clock_out in ((at(23, 13), at(23, 15)), (at(23, 5), None), (at(23, 7), at(23, 8))):
        with pytest.raises(ValidationError) as refused:
            attendance_record(employee=plant.li, clock_in=clock_in, clock_out=clock_out)
        assert refusal(refused) == {"clock_in": ["overlap"]}
    # A sign-in inside a recorded attendance is refused for the same reason, under MES's own argument name.
    with pytest.raises(ValidationError) as inside:
        attendance_sign_in(employee=plant.li, at=at(23, 13))
    assert refusal(inside) == {"at": ["overlap"]}
    with pytest.raises(ValidationError) as backwards:
        attendance_record(employee=plant.li, clock_in=at(24, 14), clock_out=at(24, 6))
    assert refusal(backwards) == {"clock_out": ["before_clock_in"]}
    tuesday = attendance_record(employee=plant.li, clock_in=at(24, 6), clock_out=at(24, 14))
    corrected = attendance_correct(attendance=monday, clock_in=at(23, 6), clock_out=at(23, 15), machine=plant.asm1)
    assert (corrected.hours, corrected.machine) == (Decimal("9.00"), plant.asm1)
    with pytest.raises(ValidationError) as into_tuesday:
        attendance_correct(attendance=tuesday, clock_in=at(23, 14), clock_out=at(24, 14))
    assert refusal(into_tuesday) == {"clock_in": ["overlap"]}
    with pytest.raises(ValidationError) as naive:
        attendance_record(employee=plant.zhang, clock_in=datetime.datetime(2026, 11, 23, 6), clock_out=None)
    assert refusal(naive) == {"clock_in": ["naive_time"]}


def test_the_database_holds_one_open_attendance_per_employee(plant):
    Attendance.objects.create(employee=plant.li, clock_in=at(23, 6))
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(employee=plant.li, clock_in=at(23, 7))


# --- Labor bookings ---------------------------------------------------------------------------------------------


def test_labor_cost_is_minutes_over_sixty_times_the_rate_rounded_half_up_to_cents():
    assert labor_cost(minutes=Decimal(130), rate=Decimal("45.50")) == Decimal("98.58")  # 98.5833...
    assert labor_cost(minutes=Decimal(20), rate=Decimal("45.50")) == Decimal("15.17")  # 15.1666...
    assert labor_cost(minutes=Decimal(1), rate=Decimal("0.30")) == Decimal("0.01")  # 0.005: half up
    assert labor_cost(minutes=Decimal("7.5"), rate=Decimal("60")) == Decimal("7.50")


def test_a_booking_is_costed_at_the_employees_rate_and_keeps_its_cost(plant, operation):
    booking = labor_book(employee=plant.zhang, operation=operation, minutes=130, date=datetime.date(2026, 11, 2))
    assert (booking.minutes, booking.cost, booking.source) == (Decimal(130), Decimal("98.58"), AttendanceSource.MES)
    # A raise later does not rewrite what the order's labor cost.
    Employee.objects.filter(pk=plant.zhang.pk).update(labor_cost_rate=Decimal(80))
    booking.refresh_from_db()
    assert booking.cost == Decimal("98.58")


def test_bookings_refuse_nonsense_minutes_and_orders_not_on_the_floor(plant, operation):
    day = datetime.date(2026, 11, 2)
    for minutes, code in (
        (0, "min_value"),
        (-5, "min_value"),
        (1441, "max_value"),
        (Decimal("1.005"), "max_decimal_places"),
    ):
        with pytest.raises(ValidationError) as refused:
            labor_book(employee=plant.li, operation=operation, minutes=minutes, date=day)
        assert refusal(refused) == {"minutes": [code]}
    for state in (ProductionOrderState.PLANNED, ProductionOrderState.CLOSED, ProductionOrderState.CANCELLED):
        ProductionOrder.objects.filter(pk=operation.order_id).update(state=state)
        operation.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            labor_book(employee=plant.li, operation=operation, minutes=30, date=day)
        assert refusal(refused) == {"operation": ["order_not_open"]}
    assert LaborBooking.objects.count() == 0


# --- The labor report ----------------------------------------------------------------------------------------------


@pytest.fixture
def booked(plant, operation):
    """Li (60.00/h): Oct 30 90 min, Nov 2 60 min, Nov 3 120 min; present Nov 2 08-12 and Nov 3 08-10 (6 h).
    Zhang (45.50/h): Nov 2 130 min (98.58), Nov 4 20 min (15.17); present Nov 2 06-10 (4 h)."""
    for employee, day, minutes in (
        (plant.li, datetime.date(2026, 10, 30), 90),
        (plant.li, datetime.date(2026, 11, 2), 60),
        (plant.li, datetime.date(2026, 11, 3), 120),
        (plant.zhang, datetime.date(2026, 11, 2), 130),
        (plant.zhang, datetime.date(2026, 11, 4), 20),
    ):
        labor_book(employee=employee, operation=operation, minutes=minutes, date=day)
    attendance_record(employee=plant.li, clock_in=at(2, 8), clock_out=at(2, 12))
    attendance_record(employee=plant.li, clock_in=at(3, 8), clock_out=at(3, 10))
    attendance_record(employee=plant.zhang, clock_in=at(2, 6), clock_out=at(2, 10))
    return plant


def test_the_report_sums_hours_and_cost_per_employee_department_and_month(booked):
    report = labor_report(start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 30))
    by_employee = {
        row.employee.number: (row.minutes, row.hours, row.cost, row.attendance_hours, row.utilization_pct)
        for row in report.by_employee
    }
    assert by_employee == {
        # 270 min = 4.50 h at 60 = 270.00; present 6 h; 4.5 / 6 = 75 %.
        "E001": (Decimal(270), Decimal("4.50"), Decimal("270.00"), Decimal("6.00"), Decimal("75.0")),
        # 150 min = 2.50 h: 98.58 + 15.17 = 113.75; present 4 h; 2.5 / 4 = 62.5 %.
        "E002": (Decimal(150), Decimal("2.50"), Decimal("113.75"), Decimal("4.00"), Decimal("62.5")),
    }
    assert [(row.key, row.minutes, row.cost, row.employees) for row in report.by_department] == [
        ("ASSY", Decimal(270), Decimal("270.00"), 1),
        ("PRESS", Decimal(150), Decimal("113.75"), 1),
    ]
    # October: Li's 90 min = 90.00. November: 180 + 150 = 330 min = 5.50 h, 180.00 + 113.75 = 293.75.
    assert [(row.key, row.minutes, row.hours, row.cost, row.employees) for row in report.by_month] == [
        ("2026-10", Decimal(90), Decimal("1.50"), Decimal("90.00"), 1),
        ("2026-11", Decimal(330), Decimal("5.50"), Decimal("293.75"), 2),
    ]
    assert (report.minutes, report.hours, report.cost, report.attendance_hours) == (
        Decimal(420),
        Decimal("7.00"),
        Decimal("383.75"),
        Decimal("10.00"),
    )


def test_the_report_keeps_to_its_period(booked):
    november = labor_report(start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 2))
    # Nov 1-2: Li 60 min (1 h of 4 h present = 25 %), Zhang 130 min (2.17 h of 4 h = 54.2 %).
    rows = {
        row.employee.number: (row.minutes, row.cost, row.attendance_hours, row.utilization_pct)
        for row in november.by_employee
    }
    assert rows == {
        "E001": (Decimal(60), Decimal("60.00"), Decimal("4.00"), Decimal("25.0")),
        "E002": (Decimal(130), Decimal("98.58"), Decimal("4.00"), Decimal("54.2")),
    }
    assert [row.key for row in november.by_month] == ["2026-11"]
    with pytest.raises(ValidationError):
        labor_report(start=datetime.date(2026, 11, 2), end=datetime.date(2026, 11, 1))


def test_attendance_is_clipped_to_the_period_and_an_open_one_counts_until_now(plant):
    # Oct 31 22:00 to Nov 1 02:00: two of the four hours fall in November.
    attendance_record(employee=plant.li, clock_in=at(31, 22, month=10), clock_out=at(1, 2))
    november = labor_report(start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30))
    (row,) = november.by_employee
    assert (row.attendance_hours, row.minutes, row.utilization_pct) == (Decimal("2.00"), Decimal(0), Decimal("0.0"))
    october = labor_report(start=datetime.date(2026, 10, 1), end=datetime.date(2026, 10, 31))
    assert october.by_employee[0].attendance_hours == Decimal("2.00")
    # Signed in 3 hours ago and still present.
    attendance_sign_in(employee=plant.zhang, at=timezone.now() - datetime.timedelta(hours=3))
    today = timezone.localdate()
    current = {
        row.employee.number: row.attendance_hours
        for row in labor_report(start=today - datetime.timedelta(days=1), end=today).by_employee
    }
    assert current["E002"] == Decimal("3.00")


def test_the_employee_overview_marks_qualifications_and_shows_the_coming_week(booked, qualify):
    li = booked.li
    qualify(li, work_center=booked.asm, valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2026, 6, 30))
    qualify(li, machine=booked.prs1, valid_from=datetime.date(2026, 12, 1))
    qualify(li, machine=booked.asm1)
    roster_entry_create(employee=li, date=MONDAY, shift=booked.early[0])
    roster_entry_create(employee=li, date=datetime.date(2026, 12, 7), shift=booked.early[0])  # beyond the week
    overview = employee_overview(employee=li, today=TODAY)
    assert sorted(q.status for q in overview.qualifications) == ["expired", "future", "valid"]
    assert [entry.date for entry in overview.roster] == [MONDAY]
    assert len(overview.attendances) == 2 and len(overview.bookings) == 3
