"""The people screens: departments, employees (with their qualifications, coming roster, attendance and
labor at a glance), qualifications and those about to expire, roster entries with the week grid and
the shift-pattern planner, attendance (HR's clock entries, clock in / out buttons), labor bookings
and the labor report (hours and cost per employee, department and month, with utilization; CSV).

Every write with a rule goes through erp.services.people: a refusal is shown on the page and nothing
is saved."""

import csv
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.exports import xlsx_response
from core.formatting import spreadsheet_safe
from core.forms import add_service_errors
from core.models import WorkCenter
from core.views.generic import (
    Command,
    ModelPermissionMixin,
    ObjectDetailView,
    ObjectScreens,
    PageTableExportMixin,
    ServiceFormView,
    ServiceScreens,
    command_view,
    commands_for,
    run_service,
)
from erp.choices import AttendanceSource
from erp.filtersets import people as filtersets
from erp.forms import people as forms
from erp.models import Attendance, Department, Employee, LaborBooking, Qualification, RosterEntry
from erp.selectors import people as selectors
from erp.services import people as services
from erp.tables import people as tables

REPORT_PERMISSIONS = ("erp.view_laborbooking", "erp.view_attendance")


# --- Employees -------------------------------------------------------------------------------------------------


class EmployeeDetailView(ObjectDetailView):
    """An employee with qualifications (expired ones marked), the coming week's roster, the latest
    attendance and labor bookings, and clock in / clock out for HR."""

    template_name = "erp/people/employee_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        employee, user = self.object, self.request.user
        overview = selectors.employee_overview(employee=employee, today=timezone.localdate())
        is_open = any(attendance.clock_out is None for attendance in overview.attendances[:1])
        context.update(
            overview=overview,
            can_see_attendance=user.has_perm("erp.view_attendance"),
            can_see_labor=user.has_perm("erp.view_laborbooking"),
            commands=commands_for(employee, user, EMPLOYEE_COMMANDS, is_open),
        )
        return context


# `offered(employee, is_open)`: is_open, whether the employee's latest attendance is still open.
EMPLOYEE_COMMANDS = {
    "clock-in": Command(
        gettext_lazy("Clock in now"),
        "primary",
        ("erp.add_attendance",),
        lambda employee, is_open: employee.active and not is_open,
        lambda request, employee: services.attendance_sign_in(employee=employee, source=AttendanceSource.MANUAL),
        gettext_lazy("Clocked in."),
    ),
    "clock-out": Command(
        gettext_lazy("Clock out now"),
        "outline-primary",
        ("erp.change_attendance",),
        lambda employee, is_open: is_open,
        lambda request, employee: services.attendance_sign_out(employee=employee),
        gettext_lazy("Clocked out."),
    ),
}
employee_command = command_view(Employee, EMPLOYEE_COMMANDS)


# --- Attendance ------------------------------------------------------------------------------------------------


class AttendanceDetailView(ObjectDetailView):
    template_name = "erp/people/attendance_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_clock_out"] = self.object.clock_out is None and self.request.user.has_perm("erp.change_attendance")
        return context


@login_required
@permission_required("erp.view_attendance", raise_exception=True)
@require_POST
def attendance_command(request, pk, command):
    attendance = get_object_or_404(Attendance.objects.select_related("employee"), pk=pk)
    if command != "clock-out":
        return redirect(attendance)
    if not request.user.has_perm("erp.change_attendance"):
        messages.error(request, _("Your role cannot do this."))
        return redirect(attendance)
    if attendance.clock_out is not None:
        messages.error(request, _("This attendance is closed already."))
        return redirect(attendance)
    return run_service(
        request,
        lambda: services.attendance_sign_out(employee=attendance.employee),
        _("Clocked out."),
        attendance.get_absolute_url(),
    )


class _AttendanceFormView(ServiceFormView):
    """HR enters or corrects an attendance; the service's refusal lands on the form."""

    form_class = forms.AttendanceForm
    model = Attendance
    error_fields = {"at": "clock_in"}


class AttendanceCreateView(_AttendanceFormView):
    action = "add"

    def get_initial(self):
        initial = {"clock_in": timezone.localtime().replace(second=0, microsecond=0)}
        employee = self.request.GET.get("employee")
        if employee:
            initial["employee"] = Employee.objects.filter(number=employee).values_list("pk", flat=True).first()
        return initial

    def save(self, form) -> Attendance:
        data = form.cleaned_data
        return services.attendance_record(
            employee=data["employee"], clock_in=data["clock_in"], clock_out=data["clock_out"], machine=data["machine"]
        )


class AttendanceUpdateView(_AttendanceFormView):
    action = "change"

    @cached_property
    def object(self) -> Attendance:  # looked up after the sign-in and permission checks
        return get_object_or_404(Attendance.objects.select_related("employee"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def save(self, form) -> Attendance:
        data = form.cleaned_data
        return services.attendance_correct(
            attendance=self.object, clock_in=data["clock_in"], clock_out=data["clock_out"], machine=data["machine"]
        )


# --- Labor bookings ----------------------------------------------------------------------------------------------


def _order_url(order) -> str | None:
    # Production orders' pages are another area's: link them when they exist.
    try:
        return reverse("erp:productionorder_detail", args=[order.pk])
    except NoReverseMatch:
        return None


class LaborBookingDetailView(ModelPermissionMixin, generic.DetailView):
    """A booking: who, on which order and operation, how long, what it cost. Bookings are not edited."""

    template_name = "erp/people/laborbooking_detail.html"
    screens: ObjectScreens | None = None

    def get_queryset(self):
        return self.screens.get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.screens.context(self.request.user), order_url=_order_url(self.object.operation.order))
        return context


# --- Roster ----------------------------------------------------------------------------------------------------


class RosterWeekView(ModelPermissionMixin, generic.TemplateView):
    """Employees x 7 days with the shifts each is rostered on; by department or work center; week by week."""

    model = RosterEntry
    template_name = "erp/people/roster_week.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        try:
            day = datetime.date.fromisoformat(params.get("week", ""))
        except ValueError:
            day = timezone.localdate()
        monday = selectors.week_start(day)
        department = Department.objects.filter(code=params.get("department") or None).first()
        work_center = WorkCenter.objects.filter(code=params.get("work_center") or None).first()
        kept = {
            "department": department.code if department else "",
            "work_center": work_center.code if work_center else "",
        }
        kept = {name: value for name, value in kept.items() if value}

        def week_url(to: datetime.date) -> str:
            return f"{reverse('erp:roster_week')}?{urlencode({'week': to.isoformat(), **kept})}"

        context.update(
            week=selectors.roster_week(monday=monday, department=department, work_center=work_center),
            department=department,
            work_center=work_center,
            departments=Department.objects.order_by("code"),
            work_centers=WorkCenter.objects.order_by("code"),
            previous_url=week_url(monday - datetime.timedelta(days=7)),
            next_url=week_url(monday + datetime.timedelta(days=7)),
            this_week_url=week_url(timezone.localdate()),
            today=timezone.localdate(),
            can_plan=self.request.user.has_perm("erp.add_rosterentry"),
        )
        return context


class RosterPlanView(ModelPermissionMixin, generic.FormView):
    """Roster an employee over a date range on a shift pattern; closed and taken days are skipped and listed."""

    model = RosterEntry
    action = "add"
    template_name = "erp/people/roster_plan.html"
    form_class = forms.RosterPlanForm

    def get_initial(self):
        monday = selectors.week_start(timezone.localdate()) + datetime.timedelta(days=7)
        initial = {"start": monday, "end": monday + datetime.timedelta(days=13)}
        employee = self.request.GET.get("employee")
        if employee:
            initial["employee"] = Employee.objects.filter(number=employee).values_list("pk", flat=True).first()
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            plan = services.roster_pattern_apply(
                employee=data["employee"],
                start=data["start"],
                end=data["end"],
                shifts=data["shifts"],
                work_center=data["work_center"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Rostered %(employee)s on %(n)s shift(s).") % {"employee": data["employee"], "n": len(plan.created)},
        )
        for day, shift, reason in plan.skipped:
            messages.warning(
                self.request,
                _("Skipped %(shift)s on %(date)s: %(reason)s") % {"shift": shift.name, "date": day, "reason": reason},
            )
        return redirect(f"{reverse('erp:roster_week')}?{urlencode({'week': data['start'].isoformat()})}")


# --- Qualifications about to expire ------------------------------------------------------------------------------


class ExpiringQualificationsView(PageTableExportMixin, ModelPermissionMixin, generic.TemplateView):
    model = Qualification
    export_title = gettext_lazy("Qualifications about to expire")
    template_name = "erp/people/qualification_expiring.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ExpiringForm(self.request.GET or None)
        within = form.cleaned_data["within"] if form.is_valid() and form.cleaned_data["within"] is not None else 30
        today = timezone.localdate()
        qualifications = selectors.expiring_qualifications(on=today, within_days=within)
        context.update(
            form=form,
            within=within,
            until=today + datetime.timedelta(days=within),
            table=tables.QualificationTable(qualifications, orderable=False),
        )
        return context


# --- The labor report --------------------------------------------------------------------------------------------

CSV_COLUMNS = {
    "employee": [
        "employee",
        "name",
        "department",
        "minutes",
        "hours",
        "cost",
        "attendance_hours",
        "utilization_pct",
    ],
    "department": ["department", "name", "employees", "minutes", "hours", "cost"],
    "month": ["month", "employees", "minutes", "hours", "cost"],
}


def _csv_rows(report: selectors.LaborReport, by: str):
    if by == "employee":
        for row in report.by_employee:
            employee = row.employee
            yield [
                employee.number,
                employee.full_name,
                employee.department.code,
                row.minutes,
                row.hours,
                row.cost,
                row.attendance_hours,
                "" if row.utilization_pct is None else row.utilization_pct,
            ]
    elif by == "department":
        for row in report.by_department:
            yield [row.key, row.name, row.employees, row.minutes, row.hours, row.cost]
    else:
        for row in report.by_month:
            yield [row.key, row.employees, row.minutes, row.hours, row.cost]


class LaborReportView(ModelPermissionMixin, generic.TemplateView):
    """Labor hours and cost per employee, department and month for a period, with utilization (booked
    hours / hours present); each table as CSV or a workbook (`?export=csv|xlsx&by=employee|department|month`)."""

    model = LaborBooking
    template_name = "erp/people/labor_report.html"

    def get_permission_required(self):
        return list(REPORT_PERMISSIONS)

    @cached_property
    def form(self) -> forms.LaborReportForm:
        start, end = selectors.default_period(timezone.localdate())
        data = {"start": start.isoformat(), "end": end.isoformat()}
        data.update({name: value for name, value in self.request.GET.items() if name in ("start", "end") and value})
        return forms.LaborReportForm(data)

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export")
        if export in ("csv", "xlsx") and self.form.is_valid():
            by = request.GET.get("by", "employee")
            if by not in CSV_COLUMNS:
                by = "employee"
            data = self.form.cleaned_data
            report = selectors.labor_report(start=data["start"], end=data["end"])
            if export == "xlsx":
                rows = [CSV_COLUMNS[by], *_csv_rows(report, by)]
                return xlsx_response(rows, f"labor-{by}-{data['start']}-{data['end']}")
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="labor-{by}-{data["start"]}-{data["end"]}.csv"'
            writer = csv.writer(response)
            writer.writerow(CSV_COLUMNS[by])
            # Names and codes are typed by people: a cell starting like a formula must stay text.
            writer.writerows([spreadsheet_safe(cell) for cell in row] for row in _csv_rows(report, by))
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.form
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            context["report"] = selectors.labor_report(start=data["start"], end=data["end"])
            context["csv_query"] = urlencode({"start": data["start"].isoformat(), "end": data["end"].isoformat()})
        return context


# --- URLs ----------------------------------------------------------------------------------------------------------

SCREENS = [
    ObjectScreens(
        model=Department,
        table=tables.DepartmentTable,
        filterset=filtersets.DepartmentFilterSet,
        form=forms.DepartmentForm,
        select_related=("cost_center",),
        annotate={"employee_count": Count("employees", filter=Q(employees__active=True))},
        related=[
            (
                gettext_lazy("Employees"),
                tables.EmployeeTable,
                lambda department: department.employees.select_related("department").order_by("number"),
            )
        ],
    ),
    ObjectScreens(
        model=Employee,
        table=tables.EmployeeTable,
        filterset=filtersets.EmployeeFilterSet,
        form=forms.EmployeeForm,
        select_related=("department", "user"),
        detail_view=EmployeeDetailView,
    ),
    ObjectScreens(
        model=Qualification,
        table=tables.QualificationTable,
        filterset=filtersets.QualificationFilterSet,
        form=forms.QualificationForm,
        select_related=("employee", "work_center", "machine"),
    ),
    ObjectScreens(
        model=RosterEntry,
        table=tables.RosterEntryTable,
        filterset=filtersets.RosterEntryFilterSet,
        form=forms.RosterEntryForm,
        select_related=("employee", "shift__calendar", "work_center"),
    ),
    ServiceScreens(
        model=Attendance,
        table=tables.AttendanceTable,
        filterset=filtersets.AttendanceFilterSet,
        select_related=("employee", "machine"),
        detail_view=AttendanceDetailView,
        add_view=AttendanceCreateView,
        edit_view=AttendanceUpdateView,
    ),
    ObjectScreens(
        model=LaborBooking,
        table=tables.LaborBookingTable,
        filterset=filtersets.LaborBookingFilterSet,
        editable=False,
        select_related=("employee__department", "operation__order__item", "operation__work_center"),
        detail_view=LaborBookingDetailView,
    ),
]

urlpatterns = [
    path("employees/<int:pk>/clock/<slug:command>/", employee_command, name="employee_command"),
    path("attendances/<int:pk>/clock/<slug:command>/", attendance_command, name="attendance_command"),
    path("roster/", RosterWeekView.as_view(), name="roster_week"),
    path("roster/plan/", RosterPlanView.as_view(), name="roster_plan"),
    path("qualifications/expiring/", ExpiringQualificationsView.as_view(), name="qualification_expiring"),
    path("labor-report/", LaborReportView.as_view(), name="labor_report"),
]
for screens in SCREENS:
    urlpatterns += screens.urls()
