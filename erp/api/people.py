"""The people API: departments, employees (and who a badge is, who may run a machine), qualifications
(and those about to expire), roster entries (and a shift pattern over a date range), attendance (MES
sign-in and sign-out, HR's entries and corrections), labor bookings and the labor report.

Employees are referenced by their number, departments, work centers and machines by their code,
production operations by order number and sequence, shifts by id (core shifts have no code). Writes
with a rule go through erp.services.people; their refusals come back as 400s naming field and reason.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import FullCleanSerializer, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin
from core.models import Machine, Shift, WorkCenter
from erp.choices import AttendanceSource
from erp.filtersets import people as filtersets
from erp.models import (
    Attendance,
    CostCenter,
    Department,
    Employee,
    LaborBooking,
    ProductionOperation,
    Qualification,
    RosterEntry,
)
from erp.selectors import people as selectors
from erp.services import people as services

MONEY = {"max_digits": 18, "decimal_places": 2}
HOURS = {"max_digits": 12, "decimal_places": 2}


def _employee_by_number(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="number", queryset=Employee.objects.all(), **kwargs)


# --- Departments and employees -----------------------------------------------------------------------------


class DepartmentSerializer(FullCleanSerializer):
    cost_center = by_code(CostCenter, required=False, allow_null=True)

    class Meta:
        model = Department
        fields = ("id", "code", "name", "cost_center")


class EmployeeSerializer(FullCleanSerializer):
    department = by_code(Department)
    user = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    badge = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True, help_text=_("What the badge scanner reads.")
    )
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Employee
        fields = (
            "id",
            "number",
            "first_name",
            "last_name",
            "full_name",
            "user",
            "badge",
            "department",
            "position",
            "labor_cost_rate",
            "hired_on",
            "active",
        )

    def _others(self):
        return Employee.objects.exclude(pk=self.instance.pk) if self.instance else Employee.objects.all()

    def validate_badge(self, value):
        # No badge is NULL, not "": the badge is unique, and many employees have none.
        value = (value or "").strip() or None
        if value and self._others().filter(badge=value).exists():
            raise serializers.ValidationError(_("Another employee has this badge."), code="unique")
        return value

    def validate_user(self, user):
        if user is not None and self._others().filter(user=user).exists():
            raise serializers.ValidationError(_("This user is another employee's already."), code="unique")
        return user


class QualificationSerializer(FullCleanSerializer):
    employee = _employee_by_number()
    work_center = by_code(WorkCenter, required=False, allow_null=True)
    machine = by_code(Machine, required=False, allow_null=True)
    status = serializers.SerializerMethodField(help_text=_("valid, expired or future, today."))

    class Meta:
        model = Qualification
        fields = ("id", "employee", "work_center", "machine", "valid_from", "valid_until", "note", "status")

    def get_status(self, qualification) -> str:
        return selectors.qualification_status(qualification, timezone.localdate())


class MachineOnQuerySerializer(serializers.Serializer):
    machine = by_code(Machine)
    on = serializers.DateField(required=False, help_text=_("Today when left out."))


class BadgeQuerySerializer(serializers.Serializer):
    badge = serializers.CharField(allow_blank=True, trim_whitespace=True)


class QualificationCheckSerializer(serializers.Serializer):
    employee = serializers.CharField()
    machine = serializers.CharField()
    on = serializers.DateField()
    qualification = QualificationSerializer()


@extend_schema_view(
    list=extend_schema(summary="Employees; `?department=ASSY&active=true&qualified_for=ASM-01`"),
)
class EmployeeViewSet(viewsets.ModelViewSet):
    queryset = Employee.objects.select_related("department", "user").order_by("number")
    serializer_class = EmployeeSerializer
    filterset_class = filtersets.EmployeeFilterSet
    ordering_fields = ["number", "last_name", "first_name", "hired_on", "labor_cost_rate", "department__code"]

    @extend_schema(
        summary="The active employee a badge belongs to (400 for an unknown or inactive badge)",
        parameters=[BadgeQuerySerializer],
        responses=EmployeeSerializer,
    )
    @action(detail=False, methods=["get"], url_path="by-badge")
    def by_badge(self, request):
        query = BadgeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        employee = selectors.employee_by_badge(query.validated_data["badge"])
        return Response(EmployeeSerializer(employee).data)

    @extend_schema(
        summary="Active employees qualified for a machine (or its work center) on a date",
        parameters=[MachineOnQuerySerializer],
        responses=EmployeeSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def qualified(self, request):
        query = MachineOnQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        employees = selectors.qualified_employees(machine=query.validated_data["machine"], on=on)
        return Response(EmployeeSerializer(employees.select_related("user"), many=True).data)

    @extend_schema(
        summary="May this employee run the machine on that date? 200 with the qualification, or 400 saying why",
        parameters=[MachineOnQuerySerializer],
        responses=QualificationCheckSerializer,
    )
    @action(detail=True, methods=["get"], url_path="qualification-check")
    def qualification_check(self, request, pk=None):
        employee = self.get_object()
        query = MachineOnQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        machine = query.validated_data["machine"]
        on = query.validated_data.get("on") or timezone.localdate()
        qualification = services.qualification_check(employee=employee, machine=machine, on=on)
        data = {"employee": employee.number, "machine": machine.code, "on": on, "qualification": qualification}
        return Response(QualificationCheckSerializer(data).data)


class DepartmentViewSet(viewsets.ModelViewSet):
    queryset = Department.objects.select_related("cost_center").order_by("code")
    serializer_class = DepartmentSerializer
    filterset_class = filtersets.DepartmentFilterSet
    ordering_fields = ["code", "name"]


class ExpiringQuerySerializer(serializers.Serializer):
    within_days = serializers.IntegerField(min_value=0, max_value=3660, default=30)
    on = serializers.DateField(required=False, help_text=_("Today when left out."))


@extend_schema_view(
    list=extend_schema(summary="Qualifications; `?employee=E-0042&status=valid&expiring_within=30`"),
)
class QualificationViewSet(viewsets.ModelViewSet):
    queryset = Qualification.objects.select_related("employee", "work_center", "machine").order_by(
        "employee__number", "valid_from", "pk"
    )
    serializer_class = QualificationSerializer
    filterset_class = filtersets.QualificationFilterSet
    ordering_fields = ["valid_from", "valid_until", "employee__number"]

    @extend_schema(
        summary="Qualifications of active employees ending within N days (30 unless told), soonest first",
        parameters=[ExpiringQuerySerializer],
        responses=QualificationSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def expiring(self, request):
        query = ExpiringQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        qualifications = selectors.expiring_qualifications(on=on, within_days=query.validated_data["within_days"])
        page = self.paginate_queryset(qualifications)
        return self.get_paginated_response(QualificationSerializer(page, many=True).data)


# --- Roster ------------------------------------------------------------------------------------------------------


class RosterEntrySerializer(FullCleanSerializer):
    employee = _employee_by_number()
    shift = serializers.PrimaryKeyRelatedField(queryset=Shift.objects.select_related("calendar"))
    work_center = by_code(WorkCenter, required=False, allow_null=True)
    shift_name = serializers.CharField(source="shift.name", read_only=True)
    calendar = serializers.CharField(source="shift.calendar.code", read_only=True)
    start_time = serializers.TimeField(source="shift.start_time", read_only=True)
    end_time = serializers.TimeField(source="shift.end_time", read_only=True)

    class Meta:
        model = RosterEntry
        fields = ("id", "employee", "date", "shift", "shift_name", "calendar", "start_time", "end_time", "work_center")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        entry = RosterEntry(pk=self.instance.pk if self.instance else None)
        for name in ("employee", "date", "shift", "work_center"):
            setattr(entry, name, attrs.get(name, getattr(self.instance, name, None)))
        services.roster_entry_check(entry=entry)
        return attrs


class RosterPlanSerializer(serializers.Serializer):
    employee = _employee_by_number()
    start = serializers.DateField()
    end = serializers.DateField()
    shifts = serializers.PrimaryKeyRelatedField(
        queryset=Shift.objects.select_related("calendar"), many=True, help_text=_("The pattern: shift ids.")
    )
    work_center = by_code(WorkCenter, required=False, allow_null=True)


class SkippedSerializer(serializers.Serializer):
    date = serializers.DateField()
    shift = serializers.IntegerField(source="shift.pk")
    shift_name = serializers.CharField(source="shift.name")
    reason = serializers.CharField()


class RosterPlanResultSerializer(serializers.Serializer):
    created = RosterEntrySerializer(many=True)
    skipped = SkippedSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="Roster entries; `?date_after=2026-11-23&date_before=2026-11-29&department=ASSY`"),
)
class RosterEntryViewSet(viewsets.ModelViewSet):
    queryset = RosterEntry.objects.select_related("employee", "shift__calendar", "work_center").order_by(
        "date", "employee__number", "shift__start_time"
    )
    serializer_class = RosterEntrySerializer
    filterset_class = filtersets.RosterEntryFilterSet
    ordering_fields = ["date", "employee__number"]
    action_permissions = {"plan": ["erp.add_rosterentry"]}

    def perform_create(self, serializer):
        serializer.instance = services.roster_entry_create(**serializer.validated_data)

    @extend_schema(
        summary="Roster an employee on a shift pattern over a date range: every date gets the pattern's "
        "shifts of its weekday; closed and taken days are skipped with the reason",
        request=RosterPlanSerializer,
        responses={201: RosterPlanResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def plan(self, request):
        serializer = RosterPlanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.roster_pattern_apply(**serializer.validated_data)
        skipped = [{"date": day, "shift": shift, "reason": reason} for day, shift, reason in plan.skipped]
        data = RosterPlanResultSerializer({"created": plan.created, "skipped": skipped}).data
        return Response(data, status=status.HTTP_201_CREATED)


# --- Attendance -------------------------------------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    employee = serializers.SlugRelatedField(slug_field="number", read_only=True)
    employee_name = serializers.CharField(source="employee.full_name", read_only=True)
    machine = shown_by_code()
    hours = serializers.DecimalField(**HOURS, read_only=True, allow_null=True)

    class Meta:
        model = Attendance
        fields = ("id", "employee", "employee_name", "clock_in", "clock_out", "hours", "machine", "source")
        read_only_fields = fields


class AttendanceWriteSerializer(serializers.Serializer):
    employee = _employee_by_number(help_text=_("Set when the attendance is entered; it stays the employee's."))
    clock_in = serializers.DateTimeField()
    clock_out = serializers.DateTimeField(required=False, allow_null=True, default=None)
    machine = by_code(Machine, required=False, allow_null=True, default=None)


class AttendanceCorrectSerializer(AttendanceWriteSerializer):
    employee = None  # an attendance stays the employee's; a wrong one is deleted


class WhoSerializer(serializers.Serializer):
    """The employee by number, or by the badge scanned."""

    employee = _employee_by_number(required=False)
    badge = serializers.CharField(required=False)
    at = serializers.DateTimeField(required=False, help_text=_("Now when left out."))

    def validate(self, attrs):
        if "badge" in attrs:
            attrs["employee"] = selectors.employee_by_badge(attrs.pop("badge"))
        elif "employee" not in attrs:
            raise serializers.ValidationError({"employee": _("Give the employee's number or badge.")}, code="required")
        return attrs


class SignInSerializer(WhoSerializer):
    machine = by_code(Machine, required=False, allow_null=True, help_text=_("Where the employee starts work."))


@extend_schema_view(
    list=extend_schema(summary="Attendance, newest first; `?employee=E-0042&open=true&clock_in_after=2026-11-01`"),
    create=extend_schema(
        summary="HR enters an attendance (without clock_out the employee is still clocked in)",
        request=AttendanceWriteSerializer,
        responses={201: AttendanceSerializer},
    ),
    update=extend_schema(
        summary="HR corrects an attendance's times or machine",
        request=AttendanceCorrectSerializer,
        responses=AttendanceSerializer,
    ),
    partial_update=extend_schema(
        summary="HR corrects an attendance's times or machine",
        request=AttendanceCorrectSerializer,
        responses=AttendanceSerializer,
    ),
)
class AttendanceViewSet(viewsets.ModelViewSet):
    queryset = Attendance.objects.select_related("employee", "machine").order_by("-clock_in", "-pk")
    serializer_class = AttendanceSerializer
    filterset_class = filtersets.AttendanceFilterSet
    ordering_fields = ["clock_in", "clock_out", "employee__number"]
    action_permissions = {"sign_in": ["erp.add_attendance"], "sign_out": ["erp.change_attendance"]}

    def create(self, request, *args, **kwargs):
        serializer = AttendanceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = services.attendance_record(**serializer.validated_data)
        return Response(AttendanceSerializer(attendance).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        attendance = self.get_object()
        if "employee" in request.data:
            message = _("An attendance stays the employee's; delete a wrong one and enter it again.")
            raise serializers.ValidationError({"employee": serializers.ErrorDetail(message, code="read_only")})
        serializer = AttendanceCorrectSerializer(data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        attendance = services.attendance_correct(
            attendance=attendance,
            clock_in=data.get("clock_in", attendance.clock_in),
            clock_out=data["clock_out"] if "clock_out" in request.data else attendance.clock_out,
            machine=data["machine"] if "machine" in request.data else attendance.machine,
        )
        return Response(AttendanceSerializer(attendance).data)

    @extend_schema(
        summary="Sign an employee in (MES), at a machine when given: refused when already signed in or "
        "not qualified for the machine",
        request=SignInSerializer,
        responses={201: AttendanceSerializer},
    )
    @action(detail=False, methods=["post"], url_path="sign-in")
    def sign_in(self, request):
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = services.attendance_sign_in(**serializer.validated_data)
        return Response(AttendanceSerializer(attendance).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Sign an employee out: closes the open attendance",
        request=WhoSerializer,
        responses=AttendanceSerializer,
    )
    @action(detail=False, methods=["post"], url_path="sign-out")
    def sign_out(self, request):
        serializer = WhoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = services.attendance_sign_out(**serializer.validated_data)
        return Response(AttendanceSerializer(attendance).data)


# --- Labor --------------------------------------------------------------------------------------------------------


class LaborBookingSerializer(serializers.ModelSerializer):
    employee = serializers.SlugRelatedField(slug_field="number", read_only=True)
    order = serializers.CharField(source="operation.order.number", read_only=True)
    seq = serializers.IntegerField(source="operation.seq", read_only=True)
    work_center = serializers.CharField(source="operation.work_center.code", read_only=True)

    class Meta:
        model = LaborBooking
        fields = ("id", "employee", "date", "order", "seq", "work_center", "minutes", "cost", "source", "created_at")
        read_only_fields = fields


class LaborBookSerializer(serializers.Serializer):
    employee = _employee_by_number()
    order = serializers.CharField(help_text=_("The production order's number."))
    seq = serializers.IntegerField(help_text=_("The operation's sequence on the order."))
    minutes = serializers.DecimalField(max_digits=12, decimal_places=2)
    date = serializers.DateField()
    source = serializers.ChoiceField(choices=AttendanceSource.choices, default=AttendanceSource.MANUAL)

    def validate(self, attrs):
        order, seq = attrs.pop("order"), attrs.pop("seq")
        operation = ProductionOperation.objects.select_related("order").filter(order__number=order, seq=seq).first()
        if operation is None:
            raise serializers.ValidationError(
                {"seq": _("Order %(order)s has no operation %(seq)s.") % {"order": order, "seq": seq}},
                code="does_not_exist",
            )
        attrs["operation"] = operation
        return attrs


def bookings():
    return LaborBooking.objects.select_related("employee", "operation__order", "operation__work_center").order_by(
        "-date", "-pk"
    )


@extend_schema_view(
    list=extend_schema(summary="Labor bookings; `?employee=E-0042&order=MO-2026-00012&date_after=2026-11-01`"),
    create=extend_schema(
        summary="Book minutes worked on a production operation, costed at the employee's rate",
        request=LaborBookSerializer,
        responses={201: LaborBookingSerializer},
    ),
)
class LaborBookingViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = bookings()
    serializer_class = detail_serializer_class = LaborBookingSerializer
    filterset_class = filtersets.LaborBookingFilterSet
    ordering_fields = ["date", "minutes", "cost", "employee__number"]

    def create(self, request, *args, **kwargs):
        return self.answer(services.labor_book(**self.validated(LaborBookSerializer)), status.HTTP_201_CREATED)


class PeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text=_("The first of this month when left out."))
    end = serializers.DateField(required=False, help_text=_("Today when left out."))


class EmployeeLaborSerializer(serializers.Serializer):
    employee = serializers.CharField(source="employee.number")
    name = serializers.CharField(source="employee.full_name")
    department = serializers.CharField(source="employee.department.code")
    minutes = serializers.DecimalField(**HOURS)
    hours = serializers.DecimalField(**HOURS)
    cost = serializers.DecimalField(**MONEY)
    attendance_hours = serializers.DecimalField(**HOURS)
    utilization_pct = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class GroupLaborSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The department code, or the month as YYYY-MM."))
    name = serializers.CharField()
    employees = serializers.IntegerField()
    minutes = serializers.DecimalField(**HOURS)
    hours = serializers.DecimalField(**HOURS)
    cost = serializers.DecimalField(**MONEY)


@extend_schema_serializer(many=False)  # one report, though a viewset's `list` answers it
class LaborReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    minutes = serializers.DecimalField(**HOURS)
    hours = serializers.DecimalField(**HOURS)
    cost = serializers.DecimalField(**MONEY)
    attendance_hours = serializers.DecimalField(**HOURS)
    by_employee = EmployeeLaborSerializer(many=True)
    by_department = GroupLaborSerializer(many=True)
    by_month = GroupLaborSerializer(many=True)


class LaborReportViewSet(viewsets.GenericViewSet):
    """Labor hours and cost per employee, department and month, with attendance and utilization."""

    queryset = LaborBooking.objects.none()
    filter_backends: list = []
    pagination_class = None
    action_permissions = {"list": ["erp.view_laborbooking", "erp.view_attendance"]}

    @extend_schema(
        summary="Labor hours and cost per employee, department and month for a period (dates inclusive), "
        "with each employee's hours present and utilization (booked / present)",
        parameters=[PeriodQuerySerializer],
        responses=LaborReportSerializer,
    )
    def list(self, request):
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        default_start, default_end = selectors.default_period(timezone.localdate())
        start = query.validated_data.get("start", default_start)
        end = query.validated_data.get("end", default_end)
        report = selectors.labor_report(start=start, end=end)
        return Response(LaborReportSerializer(report).data)


def register(router) -> None:
    """Add this area's viewsets to the ERP router."""
    router.register("departments", DepartmentViewSet)
    router.register("employees", EmployeeViewSet)
    router.register("qualifications", QualificationViewSet)
    router.register("roster-entries", RosterEntryViewSet)
    router.register("attendances", AttendanceViewSet)
    router.register("labor-bookings", LaborBookingViewSet)
    router.register("labor-report", LaborReportViewSet, basename="labor-report")
