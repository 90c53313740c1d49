"""People: the business writes around employees.

Departments, employees and qualifications are master data kept with model forms; what has rules lives
here: the qualification check MES asks before an operator runs a machine, the roster (one entry, or a
shift pattern over a date range), attendance (MES sign-in and sign-out, HR's clock entries and
corrections) and labor bookings, costed at the employee's rate.

Every refusal is a ValidationError keyed by the field at fault, with a code, and nothing is written.
Writes for one employee lock the employee's row first, so two terminals signing the same badge in at
once are serialized instead of both passing the "already signed in" check.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.choices import Weekday
from core.models import CalendarException, Machine, Shift, WorkCenter
from erp.choices import AttendanceSource, ProductionOrderState
from erp.models import Attendance, Employee, LaborBooking, ProductionOperation, Qualification, RosterEntry

CENT = Decimal("0.01")
MAX_ROSTER_DAYS = 366
MAX_BOOKING_MINUTES = Decimal(24 * 60)
# Labor is booked on orders the floor works on: released ones up to completion. A planned or firm
# order has no operations on the floor yet; a closed one has its variances posted already.
BOOKABLE_ORDER_STATES = (
    ProductionOrderState.RELEASED,
    ProductionOrderState.IN_PROGRESS,
    ProductionOrderState.COMPLETED,
)


def _refuse(field_name: str, message: str, code: str) -> ValidationError:
    return ValidationError({field_name: ValidationError(message, code=code)})


def _day(value: datetime.date) -> str:
    return date_format(value, "Y-m-d")


def _moment(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def _lock(employee: Employee) -> Employee:
    return Employee.objects.select_for_update().get(pk=employee.pk)


def _require_aware(value: datetime.datetime, field_name: str) -> None:
    if timezone.is_naive(value):
        raise _refuse(field_name, _("Give the time with its time zone."), "naive_time")


def plant_date(at: datetime.datetime, machine: Machine | None = None) -> datetime.date:
    """The date of a moment where the work happens: in the machine's calendar's time zone, else the site default.

    A night-shift sign-in at 01:00 Shanghai time is that day's, even when it is still yesterday in UTC.
    """
    calendar = machine.effective_calendar if machine is not None else None
    tz = ZoneInfo(calendar.timezone) if calendar is not None else timezone.get_current_timezone()
    return at.astimezone(tz).date()


# --- Qualifications ---------------------------------------------------------------------------------------


def qualification_check(*, employee: Employee, machine: Machine, on: datetime.date) -> Qualification:
    """The qualification that lets the employee run the machine on that date (one for the machine itself
    or for its work center); otherwise a ValidationError naming employee, machine and why."""
    what = {"employee": str(employee), "machine": machine.code}
    if not employee.active:
        raise _refuse("employee", _("%(employee)s is not an active employee.") % what, "inactive")
    qualifications = list(
        Qualification.objects.filter(employee=employee)
        .filter(Q(machine=machine) | Q(work_center_id=machine.work_center_id))
        .select_related("machine", "work_center")
    )
    valid = [q for q in qualifications if q.valid_from <= on and (q.valid_until is None or q.valid_until >= on)]
    if valid:
        # The machine's own qualification says more than its work center's.
        return sorted(valid, key=lambda q: q.machine_id is None)[0]
    upcoming = sorted(q.valid_from for q in qualifications if q.valid_from > on)
    expired = sorted(q.valid_until for q in qualifications if q.valid_until is not None and q.valid_until < on)
    if upcoming:
        message = _("%(employee)s is not yet qualified for machine %(machine)s: valid from %(date)s.")
        raise _refuse("machine", message % {**what, "date": _day(upcoming[0])}, "not_yet_valid")
    if expired:
        message = _("%(employee)s's qualification for machine %(machine)s expired on %(date)s.")
        raise _refuse("machine", message % {**what, "date": _day(expired[-1])}, "expired")
    message = _("%(employee)s has no qualification for machine %(machine)s or its work center %(work_center)s.")
    raise _refuse("machine", message % {**what, "work_center": machine.work_center.code}, "no_qualification")


# --- Roster ------------------------------------------------------------------------------------------------


def shift_window(shift: Shift, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """When a shift worked on a day begins and ends, in its calendar's time zone; an end at or before
    the start is on the next day (a night shift)."""
    tz = ZoneInfo(shift.calendar.timezone)
    end_day = day if shift.end_time > shift.start_time else day + datetime.timedelta(days=1)
    return (
        datetime.datetime.combine(day, shift.start_time, tzinfo=tz),
        datetime.datetime.combine(end_day, shift.end_time, tzinfo=tz),
    )


def closing_exception(*, shift: Shift, day: datetime.date) -> CalendarException | None:
    """The calendar exception that closes the shift's calendar on that day, if any."""
    return CalendarException.objects.filter(calendar_id=shift.calendar_id, date=day, is_working=False).first()


def roster_entry_check(*, entry: RosterEntry) -> None:
    """Refuse a roster entry that cannot be worked: an inactive employee, a shift of another weekday, a
    day the shift's calendar is closed, a day before the hire date, or a shift overlapping one the
    employee is already rostered on. The screens' form and the API run it before saving too."""
    employee, shift, day = entry.employee, entry.shift, entry.date
    if not employee.active:
        raise _refuse("employee", _("%(employee)s is not an active employee.") % {"employee": employee}, "inactive")
    if employee.hired_on is not None and day < employee.hired_on:
        message = _("%(employee)s is hired on %(hired)s, after %(date)s.")
        raise _refuse(
            "date", message % {"employee": employee, "hired": _day(employee.hired_on), "date": _day(day)}, "before_hire"
        )
    if shift.weekday != day.weekday():
        message = _("%(shift)s is a %(shift_day)s shift; %(date)s is a %(day)s.")
        raise _refuse(
            "shift",
            message
            % {
                "shift": shift.name,
                "shift_day": Weekday(shift.weekday).label,
                "date": _day(day),
                "day": Weekday(day.weekday()).label,
            },
            "weekday_mismatch",
        )
    closed = closing_exception(shift=shift, day=day)
    if closed is not None:
        message = _("The calendar %(calendar)s is closed on %(date)s%(reason)s.")
        reason = f" ({closed.reason})" if closed.reason else ""
        raise _refuse(
            "date", message % {"calendar": shift.calendar.code, "date": _day(day), "reason": reason}, "closed_day"
        )
    begins, ends = shift_window(shift, day)
    # A night shift of the day before, or this shift running into the next day, may overlap too.
    neighbours = (
        RosterEntry.objects.filter(
            employee=employee, date__range=(day - datetime.timedelta(days=1), day + datetime.timedelta(days=1))
        )
        .exclude(pk=entry.pk)
        .select_related("shift__calendar")
    )
    for other in neighbours:
        if other.date == day and other.shift_id == shift.pk:
            message = _("%(employee)s is already rostered on %(shift)s on %(date)s.")
            raise _refuse(
                "shift", message % {"employee": employee, "shift": shift.name, "date": _day(day)}, "duplicate"
            )
        other_begins, other_ends = shift_window(other.shift, other.date)
        if other_begins < ends and begins < other_ends:
            message = _("%(shift)s on %(date)s overlaps %(other)s on %(other_date)s, already rostered.")
            raise _refuse(
                "shift",
                message
                % {"shift": shift.name, "date": _day(day), "other": other.shift.name, "other_date": _day(other.date)},
                "overlap",
            )


def roster_entry_create(
    *, employee: Employee, date: datetime.date, shift: Shift, work_center: WorkCenter | None = None
) -> RosterEntry:
    """Roster an employee on a shift on a date (refused when roster_entry_check refuses)."""
    with transaction.atomic():
        employee = _lock(employee)
        entry = RosterEntry(employee=employee, date=date, shift=shift, work_center=work_center)
        roster_entry_check(entry=entry)
        entry.full_clean()
        entry.save()
        return entry


@dataclass
class RosterPlan:
    """What a shift pattern applied over a range rostered, and what it skipped and why."""

    created: list[RosterEntry] = field(default_factory=list)
    skipped: list[tuple[datetime.date, Shift, str]] = field(default_factory=list)


def roster_pattern_apply(
    *,
    employee: Employee,
    start: datetime.date,
    end: datetime.date,
    shifts: Iterable[Shift],
    work_center: WorkCenter | None = None,
) -> RosterPlan:
    """Roster the employee on every shift of the pattern on each date of the range whose weekday is the
    shift's (an "Early" Monday-to-Friday pattern over two weeks makes ten entries).

    Days that cannot be rostered (the calendar is closed, already rostered, overlapping) are skipped
    and listed with the reason, so one holiday does not refuse a month; an inactive employee, an
    empty or too long range, or a pattern no date of the range matches refuses it all.
    """
    shifts = list(shifts)
    if not shifts:
        raise _refuse("shifts", _("Choose at least one shift."), "required")
    if end < start:
        raise _refuse("end", _("The range ends before it starts."), "invalid_range")
    if (end - start).days + 1 > MAX_ROSTER_DAYS:
        message = _("Roster at most %(days)s days at once.")
        raise _refuse("end", message % {"days": MAX_ROSTER_DAYS}, "range_too_long")
    plan = RosterPlan()
    with transaction.atomic():
        employee = _lock(employee)
        if not employee.active:
            raise _refuse("employee", _("%(employee)s is not an active employee.") % {"employee": employee}, "inactive")
        day = start
        while day <= end:
            for shift in sorted((s for s in shifts if s.weekday == day.weekday()), key=lambda s: s.start_time):
                entry = RosterEntry(employee=employee, date=day, shift=shift, work_center=work_center)
                try:
                    roster_entry_check(entry=entry)
                except ValidationError as exc:
                    plan.skipped.append((day, shift, " ".join(exc.messages)))
                    continue
                entry.full_clean()
                entry.save()
                plan.created.append(entry)
            day += datetime.timedelta(days=1)
        if not plan.created and not plan.skipped:
            message = _("No shift of the pattern falls on a weekday between %(start)s and %(end)s.")
            raise _refuse("shifts", message % {"start": _day(start), "end": _day(end)}, "no_matching_day")
    return plan


# --- Attendance --------------------------------------------------------------------------------------------


def _check_period(
    *,
    employee: Employee,
    clock_in: datetime.datetime,
    clock_out: datetime.datetime | None,
    exclude: Attendance | None = None,
) -> None:
    """Refuse a period that overlaps another attendance of the employee (an open one runs until now and on)."""
    _require_aware(clock_in, "clock_in")
    if clock_out is not None:
        _require_aware(clock_out, "clock_out")
        if clock_out <= clock_in:
            message = _("Clock-out %(out)s is not after clock-in %(in)s.")
            raise _refuse(
                "clock_out", message % {"out": _moment(clock_out), "in": _moment(clock_in)}, "before_clock_in"
            )
    others = Attendance.objects.filter(employee=employee).exclude(pk=exclude.pk if exclude else None)
    if clock_out is None:
        still_open = others.filter(clock_out__isnull=True).first()
        if still_open is not None:
            message = _("%(employee)s is already clocked in since %(since)s; clock out first.")
            raise _refuse(
                "employee", message % {"employee": employee, "since": _moment(still_open.clock_in)}, "already_signed_in"
            )
    else:
        others = others.filter(clock_in__lt=clock_out)
    overlapping = others.filter(Q(clock_out__isnull=True) | Q(clock_out__gt=clock_in)).order_by("clock_in").first()
    if overlapping is not None:
        message = _("%(employee)s is already present from %(from)s to %(to)s.")
        until = _moment(overlapping.clock_out) if overlapping.clock_out else _("now")
        raise _refuse(
            "clock_in",
            message % {"employee": employee, "from": _moment(overlapping.clock_in), "to": until},
            "overlap",
        )


def _check_machine(machine: Machine | None) -> None:
    if machine is not None and not machine.active:
        raise _refuse("machine", _("Machine %(machine)s is not active.") % {"machine": machine.code}, "inactive")


def attendance_sign_in(
    *,
    employee: Employee,
    machine: Machine | None = None,
    at: datetime.datetime | None = None,
    source: str = AttendanceSource.MES,
) -> Attendance:
    """Open the employee's attendance (MES at a machine, or HR clocking someone in by hand).

    Refused for an inactive employee, when the employee is already signed in, when the moment falls in
    another attendance, and, at a machine, when qualification_check refuses for the plant's date.
    """
    at = at or timezone.now()
    _require_aware(at, "at")
    with transaction.atomic():
        employee = _lock(employee)
        if not employee.active:
            raise _refuse("employee", _("%(employee)s is not an active employee.") % {"employee": employee}, "inactive")
        try:
            _check_period(employee=employee, clock_in=at, clock_out=None)
        except ValidationError as exc:
            # MES passes `at`, not `clock_in`: say which of its arguments is wrong.
            raise ValidationError(
                {("at" if name == "clock_in" else name): errors for name, errors in exc.error_dict.items()}
            ) from None
        _check_machine(machine)
        if machine is not None:
            qualification_check(employee=employee, machine=machine, on=plant_date(at, machine))
        attendance = Attendance(employee=employee, clock_in=at, machine=machine, source=source)
        attendance.full_clean()
        attendance.save()
        return attendance


def attendance_sign_out(*, employee: Employee, at: datetime.datetime | None = None) -> Attendance:
    """Close the employee's open attendance; refused when none is open or `at` is not after its clock-in."""
    at = at or timezone.now()
    _require_aware(at, "at")
    with transaction.atomic():
        employee = _lock(employee)
        attendance = Attendance.objects.filter(employee=employee, clock_out__isnull=True).first()
        if attendance is None:
            raise _refuse("employee", _("%(employee)s is not signed in.") % {"employee": employee}, "not_signed_in")
        if at <= attendance.clock_in:
            message = _("Sign-out at %(at)s is not after the sign-in at %(in)s.")
            raise _refuse("at", message % {"at": _moment(at), "in": _moment(attendance.clock_in)}, "before_clock_in")
        attendance.clock_out = at
        attendance.full_clean()
        attendance.save(update_fields=["clock_out", "updated_at"])
        return attendance


def attendance_record(
    *,
    employee: Employee,
    clock_in: datetime.datetime,
    clock_out: datetime.datetime | None = None,
    machine: Machine | None = None,
) -> Attendance:
    """An attendance HR enters by hand (a forgotten badge, a paper timesheet); without a clock-out it is
    still open. Refused when it overlaps another attendance of the employee.

    A machine is recorded as information only: the qualification check guards who may *start* work on
    a machine; a record of what already happened is entered as it happened.
    """
    with transaction.atomic():
        employee = _lock(employee)
        _check_period(employee=employee, clock_in=clock_in, clock_out=clock_out)
        _check_machine(machine)
        attendance = Attendance(
            employee=employee, clock_in=clock_in, clock_out=clock_out, machine=machine, source=AttendanceSource.MANUAL
        )
        attendance.full_clean()
        attendance.save()
        return attendance


def attendance_correct(
    *,
    attendance: Attendance,
    clock_in: datetime.datetime,
    clock_out: datetime.datetime | None = None,
    machine: Machine | None = None,
) -> Attendance:
    """HR corrects the times (or machine) of an attendance; the same overlap rules apply. The source is
    kept, so a corrected MES attendance still shows it came from MES (the audit trail shows the change)."""
    with transaction.atomic():
        _lock(attendance.employee)
        attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
        _check_period(employee=attendance.employee, clock_in=clock_in, clock_out=clock_out, exclude=attendance)
        if machine is not None and machine.pk != attendance.machine_id:
            _check_machine(machine)
        attendance.clock_in, attendance.clock_out, attendance.machine = clock_in, clock_out, machine
        attendance.full_clean()
        attendance.save()
        return attendance


# --- Labor ---------------------------------------------------------------------------------------------------


def labor_cost(*, minutes: Decimal, rate: Decimal) -> Decimal:
    """minutes / 60 x the hourly rate, rounded half up to cents."""
    return (Decimal(minutes) * Decimal(rate) / 60).quantize(CENT, rounding=ROUND_HALF_UP)


def labor_book(
    *,
    employee: Employee,
    operation: ProductionOperation,
    minutes: Decimal | int,
    date: datetime.date,
    source: str = AttendanceSource.MES,
) -> LaborBooking:
    """Book minutes an employee worked on a production operation, costed at the employee's rate now.

    The cost is frozen on the booking: a later change of the rate does not rewrite what an order cost.
    """
    minutes = Decimal(str(minutes)) if isinstance(minutes, float) else Decimal(minutes)
    if minutes <= 0:
        raise _refuse("minutes", _("Book more than 0 minutes."), "min_value")
    if minutes > MAX_BOOKING_MINUTES:
        message = _("One booking holds at most %(max)s minutes (a day); book each day on its own.")
        raise _refuse("minutes", message % {"max": MAX_BOOKING_MINUTES}, "max_value")
    if minutes != minutes.quantize(CENT):
        raise _refuse("minutes", _("Book minutes to the hundredth at most."), "max_decimal_places")
    with transaction.atomic():
        order = operation.order
        if order.state not in BOOKABLE_ORDER_STATES:
            message = _("Production order %(order)s is %(state)s: labor is booked on released orders until they close.")
            raise _refuse(
                "operation",
                message % {"order": order.number, "state": order.get_state_display().lower()},
                "order_not_open",
            )
        booking = LaborBooking(
            employee=employee,
            operation=operation,
            date=date,
            minutes=minutes,
            cost=labor_cost(minutes=minutes, rate=employee.labor_cost_rate),
            source=source,
        )
        booking.full_clean()
        booking.save()
        return booking
