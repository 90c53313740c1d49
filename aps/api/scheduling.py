"""The scheduling API: finite-capacity schedules (made and solved in the background, published, copied into
what-if scenarios and changed), their operations (the machines' dispatch lists; a planner moves one),
machine utilization, the changeovers and machine windows the solver respects, and the plant's settings.
Items, machines, work centers and item families are referenced by code, schedules by id.

Views are thin: every change is a call to aps.services.scheduling, whose refusals the exception handler
turns into 400s naming field, code and reason.
"""

from django.db import transaction
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from aps.choices import MachineWindowKind
from aps.filtersets.scheduling import (
    ChangeoverFilterSet,
    MachineWindowFilterSet,
    ScheduleFilterSet,
    ScheduleOperationFilterSet,
)
from aps.models import Changeover, MachineWindow, Schedule, ScheduleJob, ScheduleOperation, SchedulingSettings
from aps.selectors import scheduling as selectors
from aps.services.scheduling import (
    operation_move,
    scenario_add_order,
    scenario_create,
    scenario_machine_window,
    schedule_create,
    schedule_publish,
    schedule_solve_start,
)
from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin
from core.models import Item, ItemCategory, Machine, WorkCenter

QUANTITY = {"max_digits": 18, "decimal_places": 6}
MANAGE = ["aps.change_schedule"]


# --- Schedules ----------------------------------------------------------------------------------------------


class ScheduleSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_url = serializers.SerializerMethodField(
        help_text=_("The task run to poll for the solving's progress and result; null before the first solve.")
    )

    class Meta:
        model = Schedule
        fields = (
            "id",
            "name",
            "state",
            "is_scenario",
            "based_on",
            "full_replan",
            "reason",
            "horizon_start",
            "frozen_until",
            "horizon_days",
            "time_limit_seconds",
            "tardiness_weight",
            "makespan_weight",
            "setup_weight",
            "solver_status",
            "solve_seconds",
            "total_seconds",
            "weighted_tardiness",
            "tardy_orders",
            "makespan_minutes",
            "setup_minutes",
            "decomposed",
            "error",
            "solved_at",
            "published_at",
            "published_by",
            "task_run",
            "status_url",
            "created_by",
            "created_at",
        )
        read_only_fields = fields

    def get_status_url(self, schedule: Schedule) -> str | None:
        return f"/api/v1/core/task-runs/{schedule.task_run_id}/" if schedule.task_run_id else None


class ScheduleCreateSerializer(StrictInputMixin, serializers.Serializer):
    name = serializers.CharField(
        max_length=200, allow_blank=True, required=False, default="", help_text=_("Default: the date and time.")
    )
    full_replan = serializers.BooleanField(
        default=False, help_text=_("Off: start from the published plan and change it as little as needed.")
    )
    include_planned = serializers.BooleanField(
        allow_null=True,
        default=None,
        help_text=_("Schedule MRP's planned make orders too; default: as the scheduling settings say."),
    )
    publish = serializers.BooleanField(default=False, help_text=_("Publish the schedule once it is solved."))


class SolveSerializer(StrictInputMixin, serializers.Serializer):
    publish = serializers.BooleanField(default=False, help_text=_("Publish the schedule once it is solved."))


class ScenarioCreateSerializer(StrictInputMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200)


class ScenarioOrderSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY)
    due_date = serializers.DateField()
    weight = serializers.IntegerField(
        min_value=1, max_value=100, default=1, help_text=_("Priority: 1 normal, up to 100.")
    )


class ScenarioWindowSerializer(StrictInputMixin, serializers.Serializer):
    machine = by_code(Machine)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=MachineWindowKind.choices, default=MachineWindowKind.DOWN)
    reason = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")


class JobOperationSerializer(serializers.ModelSerializer):
    work_center = shown_by_code()
    machine = shown_by_code()

    class Meta:
        model = ScheduleOperation
        fields = (
            "id",
            "seq",
            "name",
            "work_center",
            "setup_minutes",
            "run_minutes",
            "gap_minutes",
            "machine",
            "start",
            "end",
        )
        read_only_fields = fields


class ScheduleJobSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    operations = JobOperationSerializer(many=True, read_only=True)

    class Meta:
        model = ScheduleJob
        fields = (
            "id",
            "schedule",
            "reference",
            "item",
            "item_name",
            "quantity",
            "due",
            "weight",
            "material_ready",
            "end",
            "tardiness_minutes",
            "operations",
        )
        read_only_fields = fields


class MachineLoadSerializer(serializers.Serializer):
    machine = serializers.CharField(source="machine.code")
    name = serializers.CharField(source="machine.name")
    work_center = serializers.CharField(source="machine.work_center.code")
    busy_minutes = serializers.IntegerField(help_text=_("Setup and run."))
    setup_minutes = serializers.IntegerField()
    available_minutes = serializers.IntegerField(
        help_text=_("Working time from the schedule's start to its last operation's end.")
    )
    utilization_pct = serializers.DecimalField(max_digits=12, decimal_places=1, read_only=True, allow_null=True)


class MachineWindowSerializer(StrictInputMixin, FullCleanSerializer):
    machine = by_code(Machine)

    class Meta:
        model = MachineWindow
        fields = ("id", "machine", "kind", "start", "end", "reason", "schedule")
        read_only_fields = ("schedule",)
        extra_kwargs = {"schedule": {"help_text": _("The scenario it belongs to; null: a real window.")}}


@extend_schema_view(
    list=extend_schema(summary="Schedules and scenarios, newest first, with their KPIs; filters state, is_scenario"),
    retrieve=extend_schema(summary="One schedule: its state, the solver's answer and its KPIs"),
    create=extend_schema(
        summary="Make a schedule of the open orders and queue its solving; answers 202 with its task run",
        request=ScheduleCreateSerializer,
        responses={202: ScheduleSerializer},
    ),
)
class ScheduleViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = selectors.schedules().select_related("published_by").order_by("-created_at", "-id")
    serializer_class = detail_serializer_class = ScheduleSerializer
    filterset_class = ScheduleFilterSet
    ordering_fields = (
        "created_at",
        "solved_at",
        "published_at",
        "weighted_tardiness",
        "tardy_orders",
        "makespan_minutes",
        "setup_minutes",
    )
    action_permissions = {
        "solve": MANAGE,
        "publish": MANAGE,
        "scenario": MANAGE,
        "orders": MANAGE,
        "machine_windows": MANAGE,
    }

    def create(self, request, *args, **kwargs):
        data = self.validated(ScheduleCreateSerializer)
        with transaction.atomic():  # the task is queued once both are stored
            schedule = schedule_create(
                name=data["name"],
                user=request.user,
                include_planned=data["include_planned"],
                full_replan=data["full_replan"],
            )
            schedule_solve_start(schedule=schedule, user=request.user, publish=data["publish"])
        return self.answer(schedule, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Queue the solving of a draft, failed or solved schedule; answers 202 with its task run",
        request=SolveSerializer,
        responses={202: ScheduleSerializer},
    )
    @action(detail=True, methods=["post"])
    def solve(self, request, pk=None):
        schedule = self.get_object()
        data = self.validated(SolveSerializer)
        schedule_solve_start(schedule=schedule, user=request.user, publish=data["publish"])
        return self.answer(schedule, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Publish a solved schedule: the plan the shop floor works to (the previous one is superseded)",
        request=None,
        responses=ScheduleSerializer,
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self.answer(schedule_publish(schedule=self.get_object(), user=request.user))

    @extend_schema(
        summary="Copy the schedule into a what-if scenario (its orders, placements and windows)",
        request=ScenarioCreateSerializer,
        responses={201: ScheduleSerializer},
    )
    @action(detail=True, methods=["post"])
    def scenario(self, request, pk=None):
        based_on = self.get_object()
        data = self.validated(ScenarioCreateSerializer)
        scenario = scenario_create(based_on=based_on, name=data["name"], user=request.user)
        return self.answer(scenario, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a what-if order to a scenario, scheduled by its item's routing",
        request=ScenarioOrderSerializer,
        responses={201: ScheduleJobSerializer},
    )
    @action(detail=True, methods=["post"])
    def orders(self, request, pk=None):
        schedule = self.get_object()
        data = self.validated(ScenarioOrderSerializer)
        job = scenario_add_order(schedule=schedule, **data)
        job = (
            ScheduleJob.objects.select_related("item")
            .prefetch_related("operations__work_center", "operations__machine")
            .get(pk=job.pk)
        )
        return Response(ScheduleJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take a machine down, or give it an extra shift, in this scenario only",
        request=ScenarioWindowSerializer,
        responses={201: MachineWindowSerializer},
    )
    @action(detail=True, methods=["post"], url_path="machine-windows")
    def machine_windows(self, request, pk=None):
        schedule = self.get_object()
        data = self.validated(ScenarioWindowSerializer)
        window = scenario_machine_window(schedule=schedule, **data)
        window = MachineWindow.objects.select_related("machine").get(pk=window.pk)
        return Response(MachineWindowSerializer(window).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Each machine's planned work against its working time until the schedule's last operation ends",
        responses=MachineLoadSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="machine-loads",
        filter_backends=[],
        pagination_class=None,
    )
    def machine_loads(self, request, pk=None):
        loads = selectors.machine_loads(self.get_object())
        return Response(MachineLoadSerializer(loads, many=True).data)

    @extend_schema(summary="The published schedule: the plan the shop floor works to (404 when there is none)")
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def published(self, request):
        schedule = selectors.published_schedule()
        if schedule is None:
            raise NotFound(_("No schedule is published yet."))
        return self.answer(schedule)


# --- Schedule operations ------------------------------------------------------------------------------------


class ScheduleOperationSerializer(serializers.ModelSerializer):
    schedule = serializers.IntegerField(source="job.schedule_id", read_only=True)
    reference = serializers.CharField(
        source="job.reference", read_only=True, help_text=_("The order's number (WHATIF-n: a scenario's order).")
    )
    item = serializers.CharField(source="job.item.code", read_only=True)
    item_name = serializers.CharField(source="job.item.name", read_only=True)
    quantity = serializers.DecimalField(source="job.quantity", read_only=True, **QUANTITY)
    due = serializers.DateTimeField(source="job.due", read_only=True, help_text=_("When the order is due."))
    work_center = shown_by_code()
    machine = shown_by_code()

    class Meta:
        model = ScheduleOperation
        fields = (
            "id",
            "schedule",
            "reference",
            "seq",
            "name",
            "item",
            "item_name",
            "quantity",
            "due",
            "work_center",
            "machine",
            "start",
            "end",
            "setup_minutes",
            "applied_setup_minutes",
            "run_minutes",
            "fixed",
            "operation",
        )
        read_only_fields = fields
        extra_kwargs = {
            "applied_setup_minutes": {"help_text": _("The setup scheduled, changeovers included.")},
            "operation": {"help_text": _("The production order's operation (null: a planned or what-if order).")},
        }


class OperationMoveSerializer(StrictInputMixin, serializers.Serializer):
    machine = by_code(Machine, help_text=_("A machine of the operation's work center."))
    start = serializers.DateTimeField(help_text=_("When its setup begins (to the minute)."))


@extend_schema_view(
    list=extend_schema(
        summary="Scheduled operations by start: the published schedule's unless `schedule` is given; "
        "filters machine, work center, start range"
    ),
    retrieve=extend_schema(summary="One scheduled operation"),
)
class ScheduleOperationViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ScheduleOperation.objects.select_related("job__item", "machine", "work_center").order_by(
        "start", "machine__code", "id"
    )
    serializer_class = detail_serializer_class = ScheduleOperationSerializer
    filterset_class = ScheduleOperationFilterSet
    ordering_fields = ("start", "end", "seq", "machine__code", "work_center__code", "job__due", "job__reference")
    action_permissions = {"move": ["aps.change_scheduleoperation"]}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and not self.request.query_params.get("schedule"):
            published = selectors.published_schedule()
            queryset = queryset.filter(job__schedule=published) if published else queryset.none()
        return queryset

    @extend_schema(
        summary="Place the operation on a machine at a time, pinned there; refused (400) with the rule it breaks",
        request=OperationMoveSerializer,
        responses=ScheduleOperationSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        operation = self.get_object()
        data = self.validated(OperationMoveSerializer)
        return self.answer(operation_move(operation=operation, user=request.user, **data))


# --- What the solver respects: changeovers, machine windows, settings ----------------------------------------


class ChangeoverSerializer(StrictInputMixin, FullCleanSerializer):
    work_center = by_code(WorkCenter)
    from_family = by_code(
        ItemCategory, required=False, allow_null=True, help_text=_("Item category; null: items without one.")
    )
    to_family = by_code(
        ItemCategory, required=False, allow_null=True, help_text=_("Item category; null: items without one.")
    )

    class Meta:
        model = Changeover
        fields = ("id", "work_center", "from_family", "to_family", "minutes")


@extend_schema_view(
    list=extend_schema(summary="Setup minutes between item families on a work center's machines"),
)
class ChangeoverViewSet(viewsets.ModelViewSet):
    queryset = Changeover.objects.select_related("work_center", "from_family", "to_family").order_by(
        "work_center__code", "from_family__code", "to_family__code", "id"
    )
    serializer_class = ChangeoverSerializer
    filterset_class = ChangeoverFilterSet
    ordering_fields = ("work_center__code", "from_family__code", "to_family__code", "minutes")


@extend_schema_view(
    list=extend_schema(
        summary="Machines down (maintenance, breakdowns) or on extra shifts; every schedule respects them"
    ),
)
class MachineWindowViewSet(viewsets.ModelViewSet):
    # The real windows; a scenario's own are made at schedules/{id}/machine-windows/.
    queryset = (
        MachineWindow.objects.filter(schedule__isnull=True).select_related("machine").order_by("start", "machine__code")
    )
    serializer_class = MachineWindowSerializer
    filterset_class = MachineWindowFilterSet
    ordering_fields = ("start", "end", "machine__code", "kind")


class SchedulingSettingsSerializer(StrictInputMixin, FullCleanSerializer):
    class Meta:
        model = SchedulingSettings
        exclude = ("id", "created_at", "updated_at")  # every setting, as the form


@extend_schema_view(
    retrieve=extend_schema(summary="The plant's scheduling defaults, which every new schedule copies"),
    partial_update=extend_schema(summary="Change the plant's scheduling defaults"),
)
class SchedulingSettingsViewSet(mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    # One row: routed at scheduling-settings/ without an id (see register()).
    queryset = SchedulingSettings.objects.all()
    serializer_class = SchedulingSettingsSerializer
    filter_backends: list = []
    pagination_class = None

    def get_object(self):
        settings_row = SchedulingSettings.load()
        self.check_object_permissions(self.request, settings_row)
        return settings_row


def register(router) -> None:
    """Add the scheduling viewsets to the APS router."""
    router.register("schedules", ScheduleViewSet)
    router.register("schedule-operations", ScheduleOperationViewSet)
    router.register("changeovers", ChangeoverViewSet)
    router.register("machine-windows", MachineWindowViewSet)


def urls() -> list:
    """The routes a router cannot make: the settings' single row, read and changed without an id."""
    view = SchedulingSettingsViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
    return [path("scheduling-settings/", view, name="scheduling-settings")]
