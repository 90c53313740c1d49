"""People reads: who a badge is, who may run a machine, the roster week, an employee's overview, and the
labor report (hours and cost per employee, department and month; attendance against booked hours).

Report periods are dates in the site's time zone (TAKT_TIME_ZONE): an attendance counts for the part
of it inside the range, an open one up to now. Departments are the employees' current ones.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, DurationField, ExpressionWrapper, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import Machine, WorkCenter
from erp.models import Attendance, Department, Employee, LaborBooking, Qualification, RosterEntry

ZERO = Decimal("0")
CENT = Decimal("0.01")
HOUR_SECONDS = Decimal(3600)


def hours_of(minutes: Decimal) -> Decimal:
    return (Decimal(minutes) / 60).quantize(CENT)


def valid_on(on: datetime.date, prefix: str = "") -> Q:
    """Qualifications valid on a date (`prefix` reaches them from another model, e.g. "qualifications__")."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on})
    )


def qualification_status(qualification: Qualification, on: datetime.date) -> str:
    """ "valid", "expired" or "future" on a date."""
    if qualification.valid_from > on:
        return "future"
    if qualification.valid_until is not None and qualification.valid_until < on:
        return "expired"
    return "valid"


def employee_by_badge(badge: str) -> Employee:
    """The active employee a scanned badge belongs to; a clear refusal for an unknown or inactive one."""
    badge = (badge or "").strip()
    if not badge:
        raise ValidationError({"badge": ValidationError(_("Scan or type a badge."), code="required")})
    employee = Employee.objects.select_related("department").filter(badge=badge).first()
    if employee is None:
        message = _("Badge %(badge)s belongs to no employee.") % {"badge": badge}
        raise ValidationError({"badge": ValidationError(message, code="unknown_badge")})
    if not employee.active:
        message = _("Badge %(badge)s belongs to %(employee)s, who is not active.") % {
            "badge": badge,
            "employee": employee,
        }
        raise ValidationError({"badge": ValidationError(message, code="inactive")})
    return employee


def qualified_employees(*, machine: Machine, on: datetime.date) -> QuerySet[Employee]:
    """Active employees qualified on that date for the machine or its work center (for MES and scheduling)."""
    qualifications = Qualification.objects.filter(Q(machine=machine) | Q(work_center_id=machine.work_center_id)).filter(
        valid_on(on)
    )
    return (
        Employee.objects.filter(active=True, pk__in=qualifications.values("employee_id"))
        .select_related("department")
        .order_by("number")
    )


def expiring_qualifications(*, on: datetime.date, within_days: int = 30) -> QuerySet[Qualification]:
    """Qualifications of active employees that end between `on` and `within_days` later, soonest first."""
    return (
        Qualification.objects.filter(
            employee__active=True, valid_until__range=(on, on + datetime.timedelta(days=within_days))
        )
        .select_related("employee__department", "work_center", "machine")
        .order_by("valid_until", "employee__number")
    )


# --- The roster week -------------------------------------------------------------------------------------------


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the day's week."""
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class RosterRow:
    employee: Employee
    days: list[list[RosterEntry]]


@dataclass
class RosterWeek:
    monday: datetime.date
    days: list[datetime.date]
    rows: list[RosterRow]


def roster_week(
    *, monday: datetime.date, department: Department | None = None, work_center: WorkCenter | None = None
) -> RosterWeek:
    """Employees x the 7 days from `monday`, each cell the shifts the employee is rostered on that day.

    Rows are the active employees (of the department) and anyone rostered that week; with a work
    center, only the employees rostered on it.
    """
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    entries = RosterEntry.objects.filter(date__range=(days[0], days[-1])).select_related(
        "shift__calendar", "work_center"
    )
    employees = Employee.objects.select_related("department").order_by("number")
    if department is not None:
        entries = entries.filter(employee__department=department)
        employees = employees.filter(department=department)
    if work_center is not None:
        entries = entries.filter(work_center=work_center)
        employees = employees.filter(pk__in=entries.values("employee_id"))
    else:
        employees = employees.filter(Q(active=True) | Q(pk__in=entries.values("employee_id")))
    cells: dict[tuple[int, datetime.date], list[RosterEntry]] = {}
    for entry in entries.order_by("date", "shift__start_time"):
        cells.setdefault((entry.employee_id, entry.date), []).append(entry)
    rows = [RosterRow(employee, [cells.get((employee.pk, day), []) for day in days]) for employee in employees]
    return RosterWeek(monday=monday, days=days, rows=rows)


# --- An employee at a glance -----------------------------------------------------------------------------------


@dataclass
class EmployeeOverview:
    qualifications: list[Qualification]
    roster: list[RosterEntry]
    attendances: list[Attendance]
    bookings: list[LaborBooking]


def employee_overview(*, employee: Employee, today: datetime.date, recent: int = 10) -> EmployeeOverview:
    """Qualifications (each with `.status` valid / expired / future), the roster of the coming 7 days,
    and the latest attendances and labor bookings."""
    qualifications = list(
        employee.qualifications.select_related("work_center", "machine").order_by("-valid_from", "pk")
    )
    for qualification in qualifications:
        qualification.status = qualification_status(qualification, today)
    return EmployeeOverview(
        qualifications=qualifications,
        roster=list(
            employee.roster.filter(date__range=(today, today + datetime.timedelta(days=6)))
            .select_related("shift__calendar", "work_center")
            .order_by("date", "shift__start_time")
        ),
        attendances=list(employee.attendances.select_related("machine").order_by("-clock_in")[:recent]),
        bookings=list(
            employee.labor_bookings.select_related("operation__order__item", "operation__work_center").order_by(
                "-date", "-pk"
            )[:recent]
        ),
    )


# --- The labor report ------------------------------------------------------------------------------------------


@dataclass
class EmployeeLabor:
    employee: Employee
    minutes: Decimal = ZERO
    cost: Decimal = ZERO
    attendance_hours: Decimal = ZERO

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)

    @property
    def utilization_pct(self) -> Decimal | None:
        """Booked hours as a share of the hours present; None without attendance."""
        if not self.attendance_hours:
            return None
        return (self.minutes / 60 / self.attendance_hours * 100).quantize(Decimal("0.1"))


@dataclass
class GroupLabor:
    key: str
    name: str
    minutes: Decimal = ZERO
    cost: Decimal = ZERO
    employees: int = 0

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)


@dataclass
class LaborReport:
    start: datetime.date
    end: datetime.date
    by_employee: list[EmployeeLabor] = field(default_factory=list)
    by_department: list[GroupLabor] = field(default_factory=list)
    by_month: list[GroupLabor] = field(default_factory=list)
    minutes: Decimal = ZERO
    cost: Decimal = ZERO
    attendance_hours: Decimal = ZERO

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)


def attendance_seconds(*, start: datetime.date, end: datetime.date) -> dict[int, Decimal]:
    """Seconds present per employee id between the start of `start` and the end of `end` (site time zone),
    each attendance clipped to the range and an open one counted up to now."""
    tz = timezone.get_current_timezone()
    begins = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    ends = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    until = min(ends, timezone.now())
    if until <= begins:  # a period still to come: nobody has been present in it yet
        return {}
    rows = (
        Attendance.objects.filter(clock_in__lt=until)
        .filter(Q(clock_out__isnull=True) | Q(clock_out__gt=begins))
        .annotate(
            present=ExpressionWrapper(
                Least(Coalesce("clock_out", Value(until)), Value(until)) - Greatest("clock_in", Value(begins)),
                output_field=DurationField(),
            )
        )
        .values("employee_id")
        .annotate(total=Sum("present"))
        .order_by()
    )
    return {row["employee_id"]: Decimal(row["total"].total_seconds()) for row in rows}


def labor_report(*, start: datetime.date, end: datetime.date) -> LaborReport:
    """Labor hours and cost booked between two dates (inclusive) per employee, department and month, with
    each employee's hours present and utilization (booked / present)."""
    if end < start:
        raise ValidationError({"end": ValidationError(_("The period ends before it starts."), code="invalid_range")})
    report = LaborReport(start=start, end=end)
    bookings = LaborBooking.objects.filter(date__range=(start, end))
    per_employee = {
        row["employee_id"]: row
        for row in bookings.values("employee_id").annotate(minutes=Sum("minutes"), cost=Sum("cost")).order_by()
    }
    present = attendance_seconds(start=start, end=end)
    employees = Employee.objects.filter(pk__in=set(per_employee) | set(present)).select_related("department")
    for employee in employees.order_by("number"):
        booked = per_employee.get(employee.pk, {})
        report.by_employee.append(
            EmployeeLabor(
                employee=employee,
                minutes=booked.get("minutes") or ZERO,
                cost=booked.get("cost") or ZERO,
                attendance_hours=(present.get(employee.pk, ZERO) / HOUR_SECONDS).quantize(CENT),
            )
        )
    per_department = (
        bookings.values("employee__department__code", "employee__department__name")
        .annotate(minutes=Sum("minutes"), cost=Sum("cost"), employees=Count("employee_id", distinct=True))
        .order_by("employee__department__code")
    )
    report.by_department = [
        GroupLabor(
            key=row["employee__department__code"],
            name=row["employee__department__name"],
            minutes=row["minutes"],
            cost=row["cost"],
            employees=row["employees"],
        )
        for row in per_department
    ]
    per_month = (
        bookings.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(minutes=Sum("minutes"), cost=Sum("cost"), employees=Count("employee_id", distinct=True))
        .order_by("month")
    )
    report.by_month = [
        GroupLabor(
            key=f"{row['month']:%Y-%m}",
            name=date_format(row["month"], "F Y"),
            minutes=row["minutes"],
            cost=row["cost"],
            employees=row["employees"],
        )
        for row in per_month
    ]
    totals = bookings.aggregate(minutes=Sum("minutes"), cost=Sum("cost"))
    report.minutes, report.cost = totals["minutes"] or ZERO, totals["cost"] or ZERO
    report.attendance_hours = sum((row.attendance_hours for row in report.by_employee), ZERO)
    return report


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """This month so far."""
    return month_start(today), today
