import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.tables import DateColumn, DateTimeColumn, DecimalColumn, TaktTable
from erp import models
from erp.selectors.people import qualification_status


def employee_column() -> tables.Column:
    """The employee's number and name, opening the employee."""
    return tables.Column(
        verbose_name=_("Employee"),
        linkify=lambda record: reverse("erp:employee_detail", args=[record.employee_id]),
        order_by=("employee__number",),
    )


class DepartmentTable(TaktTable):
    code = tables.Column(linkify=True)
    cost_center = tables.Column(accessor="cost_center__code", verbose_name=_("Cost center"))
    employee_count = tables.Column(verbose_name=_("Active employees"), attrs={"td": {"class": "text-end"}})

    class Meta(TaktTable.Meta):
        model = models.Department
        fields = ("code", "name", "cost_center", "employee_count")


class EmployeeTable(TaktTable):
    number = tables.Column(linkify=True)
    department = tables.Column(accessor="department__code", verbose_name=_("Department"))
    labor_cost_rate = DecimalColumn(verbose_name=_("Rate per hour"))

    class Meta(TaktTable.Meta):
        model = models.Employee
        fields = (
            "number",
            "first_name",
            "last_name",
            "department",
            "position",
            "badge",
            "labor_cost_rate",
            "hired_on",
            "active",
        )


STATUS_BADGES = {
    "valid": ("success", _("valid")),
    "expired": ("danger", _("expired")),
    "future": ("secondary", _("not yet valid")),
}


def status_badge(status: str) -> str:
    style, label = STATUS_BADGES[status]
    return format_html('<span class="badge text-bg-{}">{}</span>', style, label)


class QualificationTable(TaktTable):
    employee = employee_column()
    scope = tables.Column(
        accessor="pk",
        verbose_name=_("Work center or machine"),
        linkify=lambda record: record.get_absolute_url(),
        order_by=("work_center__code", "machine__code"),
    )
    status = tables.Column(accessor="pk", verbose_name=_("Today"), orderable=False)

    class Meta(TaktTable.Meta):
        model = models.Qualification
        fields = ("employee", "scope", "valid_from", "valid_until", "status", "note")

    def render_scope(self, record) -> str:
        if record.machine_id:
            return _("machine %(code)s") % {"code": record.machine.code}
        return _("work center %(code)s") % {"code": record.work_center.code}

    def value_scope(self, record) -> str:
        return record.machine.code if record.machine_id else record.work_center.code

    def render_status(self, record) -> str:
        return status_badge(qualification_status(record, timezone.localdate()))

    def value_status(self, record) -> str:
        return qualification_status(record, timezone.localdate())


class RosterEntryTable(TaktTable):
    date = DateColumn(linkify=True)
    employee = employee_column()
    shift = tables.Column(accessor="shift__name", verbose_name=_("Shift"), order_by=("shift__name",))
    hours = tables.Column(accessor="shift__start_time", verbose_name=_("Hours"), orderable=False)
    calendar = tables.Column(accessor="shift__calendar__code", verbose_name=_("Calendar"))
    work_center = tables.Column(accessor="work_center__code", verbose_name=_("Work center"))

    class Meta(TaktTable.Meta):
        model = models.RosterEntry
        fields = ("date", "employee", "shift", "hours", "calendar", "work_center")

    def render_hours(self, record) -> str:
        return f"{record.shift.start_time:%H:%M}-{record.shift.end_time:%H:%M}"


class AttendanceTable(TaktTable):
    clock_in = DateTimeColumn(linkify=True)
    employee = employee_column()
    clock_out = DateTimeColumn(default="")
    hours = DecimalColumn(accessor="pk", verbose_name=_("Hours"), orderable=False)
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"))

    class Meta(TaktTable.Meta):
        model = models.Attendance
        fields = ("clock_in", "employee", "clock_out", "hours", "machine", "source")

    def render_hours(self, record) -> str:
        return "" if record.hours is None else str(record.hours)

    def value_hours(self, record):
        return record.hours


class LaborBookingTable(TaktTable):
    date = DateColumn(linkify=lambda record: reverse("erp:laborbooking_detail", args=[record.pk]))
    employee = employee_column()
    order = tables.Column(accessor="operation__order__number", verbose_name=_("Order"))
    operation = tables.Column(accessor="operation__seq", verbose_name=_("Operation"))
    work_center = tables.Column(accessor="operation__work_center__code", verbose_name=_("Work center"))
    minutes = DecimalColumn()
    cost = DecimalColumn()

    class Meta(TaktTable.Meta):
        model = models.LaborBooking
        fields = ("date", "employee", "order", "operation", "work_center", "minutes", "cost", "source")
