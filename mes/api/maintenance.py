"""The maintenance API: preventive plans (created and changed by machine code, with how far each is since
last done, and "order now"); maintenance orders, raised as corrective requests and moved on by their
commands (plan, start, finish, cancel), with their tasks, spare parts issued from stock and hours booked;
and the machines' reliability (MTBF and MTTR) over a period.

Views are thin: each write is one service call of mes.services.maintenance, whose refusals the exception
handler turns into 400s naming field, code and reason.
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Item, Machine, WorkCenter
from erp.models import Employee
from mes.api.common import POSITIVE, QUANTITY, bin_by_code, item_lot, refusal
from mes.choices import MaintenanceTrigger
from mes.filtersets.maintenance import MaintenanceOrderFilterSet, MaintenancePlanFilterSet
from mes.models import DowntimeReason, MaintenanceOrder, MaintenancePart, MaintenancePlan
from mes.selectors.maintenance import RELIABILITY_PERIOD, days_period, machine_reliability, plan_statuses
from mes.services import maintenance as services

RUN = ["mes.change_maintenanceorder", "mes.change_maintenancetask"]
PLANS = ["mes.change_maintenanceplan"]


def _employee(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="number", queryset=Employee.objects.all(), help_text=_("The employee number."), **kwargs
    )


# --- Preventive plans ---------------------------------------------------------------------------------------

PLAN_FIELDS = (
    "id",
    "machine",
    "name",
    "trigger",
    "interval",
    "duration_minutes",
    "tasks",
    "active",
    "last_done_at",
    "last_done_meter",
    "created_at",
    "updated_at",
)


class MaintenancePlanSerializer(serializers.ModelSerializer):
    machine = shown_by_code()

    class Meta:
        model = MaintenancePlan
        fields = PLAN_FIELDS
        read_only_fields = fields


class PlanStatusSerializer(serializers.Serializer):
    used = serializers.DecimalField(
        max_digits=18, decimal_places=3, help_text=_("Days, run hours or cycles since last done.")
    )
    remaining = serializers.DecimalField(max_digits=18, decimal_places=3)
    due = serializers.BooleanField()


class MaintenancePlanDetailSerializer(MaintenancePlanSerializer):
    status = serializers.SerializerMethodField()

    class Meta(MaintenancePlanSerializer.Meta):
        fields = (*PLAN_FIELDS, "status")
        read_only_fields = fields

    @extend_schema_field(PlanStatusSerializer)
    def get_status(self, plan: MaintenancePlan) -> dict:
        return PlanStatusSerializer(plan_statuses([plan])[0]).data


class MaintenancePlanUpdateSerializer(StrictInputMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    trigger = serializers.ChoiceField(choices=MaintenanceTrigger.choices, required=False)
    interval = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False)
    duration_minutes = serializers.IntegerField(min_value=1, required=False)
    tasks = serializers.CharField(allow_blank=True, required=False, help_text=_("One task per line."))
    active = serializers.BooleanField(required=False)
    last_done_at = serializers.DateTimeField(required=False, allow_null=True)
    last_done_meter = serializers.DecimalField(
        max_digits=18,
        decimal_places=3,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text=_("Run hours or cycles when last done. Empty: as it is; for a new plan or trigger, the meter now."),
    )


class MaintenancePlanCreateSerializer(MaintenancePlanUpdateSerializer):
    machine = by_code(Machine)
    name = serializers.CharField(max_length=200)
    trigger = serializers.ChoiceField(choices=MaintenanceTrigger.choices)
    interval = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), help_text=_("Days, run hours or cycles.")
    )


# --- Orders -------------------------------------------------------------------------------------------------

ORDER_FIELDS = (
    "id",
    "number",
    "machine",
    "kind",
    "state",
    "plan",
    "description",
    "downtime",
    "planned_start",
    "planned_end",
    "started_at",
    "finished_at",
    "requested_by",
    "created_at",
    "updated_at",
)


class MaintenanceOrderSerializer(serializers.ModelSerializer):
    machine = shown_by_code()
    requested_by = serializers.CharField(source="requested_by.username", read_only=True, allow_null=True)

    class Meta:
        model = MaintenanceOrder
        fields = ORDER_FIELDS
        read_only_fields = fields


class MaintenanceTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    description = serializers.CharField()
    done_at = serializers.DateTimeField(allow_null=True)


class MaintenancePartSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField(source="item.code")
    quantity = serializers.DecimalField(**QUANTITY)
    unit = serializers.CharField(source="item.uom.code")
    lot = serializers.CharField(source="lot.code", allow_null=True)
    location = serializers.CharField(source="move.from_location.code", help_text=_("The bin it was taken from."))
    issued_at = serializers.DateTimeField()


class MaintenanceLaborSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee = serializers.CharField(source="employee.number")
    minutes = serializers.DecimalField(max_digits=12, decimal_places=2)
    date = serializers.DateField()


class MaintenanceOrderDetailSerializer(MaintenanceOrderSerializer):
    tasks = MaintenanceTaskSerializer(many=True, read_only=True)
    parts = MaintenancePartSerializer(many=True, read_only=True)
    labor = MaintenanceLaborSerializer(many=True, read_only=True)

    class Meta(MaintenanceOrderSerializer.Meta):
        fields = (*ORDER_FIELDS, "tasks", "parts", "labor")
        read_only_fields = fields


class MaintenanceRequestSerializer(StrictInputMixin, serializers.Serializer):
    machine = by_code(Machine)
    description = serializers.CharField(help_text=_("What is wrong with the machine."))


class MaintenanceOrderPlanSerializer(StrictInputMixin, serializers.Serializer):
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()


class MaintenanceStartSerializer(StrictInputMixin, serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text=_("Default: now."))
    reason = by_code(
        DowntimeReason,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A maintenance downtime reason; default: the first active one."),
    )
    employee = _employee(required=False, allow_null=True, default=None)


class MaintenanceFinishSerializer(StrictInputMixin, serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text=_("Default: now."))
    employee = _employee(required=False, allow_null=True, default=None)


class MaintenanceTaskAddSerializer(StrictInputMixin, serializers.Serializer):
    description = serializers.CharField(max_length=255)


class MaintenanceTaskTickSerializer(StrictInputMixin, serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    done = serializers.BooleanField(default=True, help_text=_("False: not done after all."))

    def validate_position(self, value: int) -> int:
        if not self.context["order"].tasks.filter(position=value).exists():
            message = _("%(number)s has no task %(position)s.") % {
                "number": self.context["order"].number,
                "position": value,
            }
            raise serializers.ValidationError(message, code="does_not_exist")
        return value


class MaintenancePartIssueSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    location = bin_by_code(help_text=_("The bin it is taken from."))
    lot = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)

    def validate(self, attrs):
        attrs["lot"] = item_lot(attrs["item"], attrs.pop("lot"))
        return attrs


class MaintenanceLaborBookSerializer(StrictInputMixin, serializers.Serializer):
    employee = _employee()
    minutes = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    date = serializers.DateField(required=False, allow_null=True, default=None, help_text=_("Default: today."))


def order_details():
    return MaintenanceOrder.objects.select_related("machine", "requested_by").prefetch_related(
        "tasks",
        Prefetch("parts", queryset=MaintenancePart.objects.select_related("item__uom", "lot", "move__from_location")),
        "labor__employee",
    )


ORDER_COMMAND = command_actions(record="order", responses=MaintenanceOrderDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary="Preventive maintenance plans; filters machine, trigger, active"),
    retrieve=extend_schema(summary="A plan with how far it is since last done"),
    create=extend_schema(
        summary="A plan for a machine, due every n days, run hours or cycles",
        request=MaintenancePlanCreateSerializer,
        responses={201: MaintenancePlanDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a plan (the machine stays)",
        request=MaintenancePlanUpdateSerializer,
        responses=MaintenancePlanDetailSerializer,
    ),
)
class MaintenancePlanViewSet(
    ServiceWritesMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = MaintenancePlan.objects.select_related("machine")
    serializer_class = MaintenancePlanSerializer
    detail_serializer_class = MaintenancePlanDetailSerializer
    filterset_class = MaintenancePlanFilterSet
    ordering_fields = ["name", "machine__code", "trigger", "interval", "last_done_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {"order": ["mes.add_maintenanceorder", *PLANS]}

    def get_serializer_class(self):
        return {
            "retrieve": MaintenancePlanDetailSerializer,
            "create": MaintenancePlanCreateSerializer,
            "partial_update": MaintenancePlanUpdateSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        data = self.validated(MaintenancePlanCreateSerializer)
        plan = services.maintenance_plan_create(**data, user=request.user)
        return self.answer(plan, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        data = self.validated(MaintenancePlanUpdateSerializer)
        return self.answer(services.maintenance_plan_update(plan=plan, **data, user=request.user))

    @extend_schema(
        summary="Order now: a preventive order with the plan's tasks, planned at the machine's next free time",
        request=None,
        responses={201: MaintenanceOrderDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        order = services.maintenance_plan_order(plan=self.get_object(), user=request.user)
        order = order_details().get(pk=order.pk)
        return Response(
            MaintenanceOrderDetailSerializer(order, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    list=extend_schema(summary="Maintenance orders; filters state, kind, machine, plan"),
    retrieve=extend_schema(summary="An order with its tasks, spare parts and hours"),
    create=extend_schema(
        summary="A corrective request: a machine and what is wrong with it",
        request=MaintenanceRequestSerializer,
        responses={201: MaintenanceOrderDetailSerializer},
    ),
)
class MaintenanceOrderViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Orders are raised here (or by a breakdown, or by a plan) and moved on by their commands."""

    queryset = MaintenanceOrder.objects.select_related("machine", "requested_by")
    serializer_class = MaintenanceOrderSerializer
    detail_serializer_class = MaintenanceOrderDetailSerializer
    filterset_class = MaintenanceOrderFilterSet
    ordering_fields = ["number", "state", "planned_start", "started_at", "finished_at", "machine__code"]
    action_permissions = {
        "plan": RUN,
        "start": RUN,
        "finish": RUN,
        "cancel": RUN,
        "add_task": RUN,
        "tick_task": RUN,
        "issue_part": ["mes.add_maintenancepart"],
        "book_labor": ["mes.add_maintenancelabor"],
    }

    def get_queryset(self):
        return order_details() if self.action != "list" else super().get_queryset()

    def get_serializer_class(self):
        return {
            "retrieve": MaintenanceOrderDetailSerializer,
            "create": MaintenanceRequestSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        data = self.validated(MaintenanceRequestSerializer)
        return self.answer(services.maintenance_request(**data, user=request.user), status.HTTP_201_CREATED)

    @extend_schema(
        summary="Plan (or re-plan) the work: the machine is down for scheduling from start to end",
        request=MaintenanceOrderPlanSerializer,
        responses=MaintenanceOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        order = self.get_object()
        data = self.validated(MaintenanceOrderPlanSerializer)
        return self.answer(services.maintenance_order_plan(order=order, **data, user=request.user))

    @extend_schema(
        summary="Start the work: the machine goes down for maintenance (or stays down for its breakdown)",
        request=MaintenanceStartSerializer,
        responses=MaintenanceOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        order = self.get_object()
        data = self.validated(MaintenanceStartSerializer)
        return self.answer(services.maintenance_order_start(order=order, **data, user=request.user))

    @extend_schema(
        summary="Finish the work (every task done): the machine is back, the plan counts again from now",
        request=MaintenanceFinishSerializer,
        responses=MaintenanceOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        order = self.get_object()
        data = self.validated(MaintenanceFinishSerializer)
        return self.answer(services.maintenance_order_finish(order=order, **data, user=request.user))

    cancel = ORDER_COMMAND(
        "cancel", services.maintenance_order_cancel, "Cancel an order not started; its machine window goes"
    )

    @extend_schema(
        summary="Add a task to an order not yet done",
        request=MaintenanceTaskAddSerializer,
        responses=MaintenanceOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="add-task")
    def add_task(self, request, pk=None):
        order = self.get_object()
        data = self.validated(MaintenanceTaskAddSerializer)
        services.maintenance_task_add(order=order, **data, user=request.user)
        return self.answer(order)

    @extend_schema(
        summary="Tick a task (by its position) off, or on again, while the work is under way",
        request=MaintenanceTaskTickSerializer,
        responses=MaintenanceOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="tick-task")
    def tick_task(self, request, pk=None):
        order = self.get_object()
        data = self.validated(MaintenanceTaskTickSerializer, order=order)
        task = order.tasks.get(position=data["position"])
        services.maintenance_task_tick(task=task, done=data["done"], user=request.user)
        return self.answer(order)

    @extend_schema(
        summary="Issue a spare part from a bin: it leaves stock, its cost goes to expense",
        request=MaintenancePartIssueSerializer,
        responses=MaintenanceOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="issue-part")
    def issue_part(self, request, pk=None):
        order = self.get_object()
        data = self.validated(MaintenancePartIssueSerializer)
        services.maintenance_part_issue(order=order, **data, user=request.user)
        return self.answer(order)

    @extend_schema(
        summary="Book minutes an employee worked on the order",
        request=MaintenanceLaborBookSerializer,
        responses=MaintenanceOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="book-labor")
    def book_labor(self, request, pk=None):
        order = self.get_object()
        data = self.validated(MaintenanceLaborBookSerializer)
        services.maintenance_labor_book(order=order, **data, user=request.user)
        return self.answer(order)


# --- Reliability --------------------------------------------------------------------------------------------


class ReliabilityQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text=_("Default: 30 days before date_to."))
    date_to = serializers.DateField(required=False, help_text=_("Included. Default: today."))
    work_center = by_code(WorkCenter, required=False)
    machine = by_code(Machine, required=False)

    def validate(self, attrs):
        attrs.setdefault("date_to", timezone.localdate())
        attrs.setdefault("date_from", attrs["date_to"] - RELIABILITY_PERIOD)
        if attrs["date_from"] > attrs["date_to"]:
            message = _("The period must start before it ends.")
            raise refusal("date_from", message, "after_end")
        return attrs


class ReliabilitySerializer(serializers.Serializer):
    machine = serializers.CharField(source="machine.code")
    work_center = serializers.CharField(source="machine.work_center.code")
    failures = serializers.IntegerField(help_text=_("Breakdowns that began in the period."))
    operating_hours = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("Hours it ran operations in the period.")
    )
    repair_minutes = serializers.DecimalField(max_digits=14, decimal_places=2)
    mtbf_hours = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    mttr_minutes = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class ReliabilityViewSet(viewsets.GenericViewSet):
    queryset = MaintenanceOrder.objects.none()  # nothing is stored: the answer is computed
    serializer_class = ReliabilitySerializer
    action_permissions = {"list": ["mes.view_maintenanceorder"]}
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="MTBF and MTTR per active machine over whole days (the last 30 by default)",
        parameters=[ReliabilityQuerySerializer],
        responses=ReliabilitySerializer(many=True),
    )
    def list(self, request):
        query = ReliabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        machines = Machine.objects.filter(active=True)
        if "work_center" in data:
            machines = machines.filter(work_center=data["work_center"])
        if "machine" in data:
            machines = Machine.objects.filter(pk=data["machine"].pk)
        start, end = days_period(data["date_from"], data["date_to"])
        rows = machine_reliability(start=start, end=end, machines=machines)
        return Response(ReliabilitySerializer(rows, many=True).data)


def register(router) -> None:
    """Add this area's viewsets to the MES router."""
    router.register("maintenance-plans", MaintenancePlanViewSet)
    router.register("maintenance-orders", MaintenanceOrderViewSet)
    router.register("maintenance-reliability", ReliabilityViewSet, basename="maintenance-reliability")
