"""FilterSets of the people lists, shared by the screens and the API (`?employee=E-0042&department=ASSY`).

Employees are filtered by their number, departments, work centers and machines by their code, as
people type or scan them.
"""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filtersets import CodeFilter, SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Machine, WorkCalendar, WorkCenter
from erp.choices import AttendanceSource
from erp.models import (
    Attendance,
    CostCenter,
    Department,
    Employee,
    LaborBooking,
    ProductionOrder,
    Qualification,
    RosterEntry,
)
from erp.selectors.people import valid_on


def _employee(field_name: str = "employee") -> CodeFilter:
    return code_filter(Employee.objects.all(), _("Employee number"), field_name, to_field_name="number")


def _department(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), to_field_name="code", field_name=field_name, label=_("Department")
    )


def _work_center(field_name: str = "work_center") -> CodeFilter:
    return code_filter(WorkCenter.objects.all(), _("Work center code"), field_name)


def _machine(field_name: str = "machine") -> CodeFilter:
    return code_filter(Machine.objects.all(), _("Machine code"), field_name)


class DepartmentFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    cost_center = code_filter(CostCenter.objects.all(), _("Cost center code"), "cost_center")

    class Meta:
        model = Department
        fields = ["cost_center"]
        form = FilterForm


class EmployeeFilterSet(SearchFilterSet):
    search_fields = ("number", "first_name", "last_name", "badge", "position")
    department = _department("department")
    active = django_filters.BooleanFilter()
    qualified_for = code_filter(
        Machine.objects.all(),
        _("Qualified for machine"),
        "qualified_for",
        method="filter_qualified_for",
        help_text=_("Qualified today for the machine or its work center."),
    )

    class Meta:
        model = Employee
        fields = ["department", "active", "position", "qualified_for"]
        form = FilterForm

    def filter_qualified_for(self, queryset, name, machine):
        scope = Q(qualifications__machine=machine) | Q(qualifications__work_center_id=machine.work_center_id)
        ids = Employee.objects.filter(scope & valid_on(timezone.localdate(), "qualifications__")).values("pk")
        return queryset.filter(pk__in=ids)


STATUS_CHOICES = [("valid", _("Valid today")), ("expired", _("Expired")), ("future", _("Not yet valid"))]


class QualificationFilterSet(SearchFilterSet):
    """Qualifications by employee, department, work center, machine, status today, or ending within N days."""

    search_fields = (
        "employee__number",
        "employee__first_name",
        "employee__last_name",
        "work_center__code",
        "machine__code",
        "note",
    )
    employee = _employee()
    department = _department("employee__department")
    work_center = _work_center()
    machine = _machine()
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("Status"))
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring",
        label=_("Ends within (days)"),
        min_value=0,
        help_text=_("Valid today and ending within this many days."),
    )

    class Meta:
        model = Qualification
        fields = ["employee", "department", "work_center", "machine", "status", "expiring_within"]
        form = FilterForm

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        if value == "valid":
            return queryset.filter(valid_on(today))
        if value == "expired":
            return queryset.filter(valid_until__lt=today)
        return queryset.filter(valid_from__gt=today)

    def filter_expiring(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(valid_until__range=(today, today + datetime.timedelta(days=int(value))))


class RosterEntryFilterSet(SearchFilterSet):
    search_fields = ("employee__number", "employee__first_name", "employee__last_name", "shift__name")
    employee = _employee()
    department = _department("employee__department")
    date = date_range_filter(_("Date"))
    calendar = django_filters.ModelChoiceFilter(
        queryset=WorkCalendar.objects.all(), to_field_name="code", field_name="shift__calendar", label=_("Calendar")
    )
    shift = django_filters.CharFilter(field_name="shift__name", lookup_expr="iexact", label=_("Shift name"))
    work_center = _work_center()

    class Meta:
        model = RosterEntry
        fields = ["employee", "department", "date", "calendar", "shift", "work_center"]
        form = FilterForm


class AttendanceFilterSet(SearchFilterSet):
    search_fields = ("employee__number", "employee__first_name", "employee__last_name", "machine__code")
    employee = _employee()
    department = _department("employee__department")
    machine = _machine()
    source = django_filters.ChoiceFilter(choices=AttendanceSource.choices)
    open = django_filters.BooleanFilter(field_name="clock_out", lookup_expr="isnull", label=_("Still clocked in"))
    clock_in = date_range_filter(_("Clocked in between"))

    class Meta:
        model = Attendance
        fields = ["employee", "department", "machine", "source", "open", "clock_in"]
        form = FilterForm


class LaborBookingFilterSet(SearchFilterSet):
    search_fields = ("employee__number", "employee__last_name", "operation__order__number")
    employee = _employee()
    department = _department("employee__department")
    order = code_filter(
        ProductionOrder.objects.all(),
        _("Production order number"),
        "operation__order",
        to_field_name="number",
    )
    work_center = _work_center("operation__work_center")
    source = django_filters.ChoiceFilter(choices=AttendanceSource.choices)
    date = date_range_filter(_("Date"))

    class Meta:
        model = LaborBooking
        fields = ["employee", "department", "order", "work_center", "source", "date"]
        form = FilterForm
