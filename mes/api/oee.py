"""OEE and the supervisor board for partner systems and plant dashboards: read only, computed on each call
(mes.selectors.oee, mes.selectors.board). Machines and work centers are named by code."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from core.api.serializers import StrictInputMixin, by_code
from core.models import Machine, WorkCenter
from mes.api.common import QUANTITY
from mes.choices import MachineState
from mes.models import MachineCount, MachineStatus
from mes.selectors.board import machine_board
from mes.selectors.oee import MAX_PERIOD, OeeGrouping, oee_report

MINUTES = {"max_digits": 14, "decimal_places": 2}
RATIO = {"max_digits": 8, "decimal_places": 4, "allow_null": True}


class OeeQuerySerializer(StrictInputMixin, serializers.Serializer):
    machine = by_code(Machine, required=False, help_text=_("One machine; default: every active one."))
    work_center = by_code(WorkCenter, required=False, help_text=_("The active machines of one work center."))
    start = serializers.DateTimeField(required=False, help_text=_("Default: today's midnight (plant time)."))
    end = serializers.DateTimeField(required=False, help_text=_("Default, and at the latest: now."))
    group_by = serializers.ChoiceField(choices=OeeGrouping.choices, default=OeeGrouping.MACHINE)

    def validate(self, attrs):
        now = timezone.now()
        attrs.setdefault("end", now)
        attrs.setdefault("start", timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0))
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"end": _("The period must end after it starts.")}, code="before_start")
        if attrs["end"] - attrs["start"] > MAX_PERIOD:
            message = _("Ask for at most %(days)s days.") % {"days": MAX_PERIOD.days}
            raise serializers.ValidationError({"end": message}, code="too_long")
        return attrs


class ReasonMinutesSerializer(serializers.Serializer):
    reason = serializers.CharField(source="reason.code")
    name = serializers.CharField(source="reason.name")
    counts_against_availability = serializers.BooleanField(source="reason.counts_against_availability")
    minutes = serializers.DecimalField(**MINUTES)


class OeeFiguresSerializer(serializers.Serializer):
    planned_operation_minutes = serializers.DecimalField(**MINUTES, help_text=_("The calendar's working time."))
    planned_stop_minutes = serializers.DecimalField(**MINUTES, help_text=_("Downtime not counting (breaks...)."))
    planned_busy_minutes = serializers.DecimalField(**MINUTES)
    downtime_minutes = serializers.DecimalField(**MINUTES, help_text=_("Downtime counting against availability."))
    idle_minutes = serializers.DecimalField(**MINUTES, help_text=_("No operation open and no downtime reported."))
    actual_production_minutes = serializers.DecimalField(**MINUTES)
    ideal_minutes = serializers.DecimalField(**MINUTES, help_text=_("Ideal cycle time x units made."))
    speed_loss_minutes = serializers.DecimalField(**MINUTES)
    scrap_loss_minutes = serializers.DecimalField(**MINUTES)
    good_qty = serializers.DecimalField(**QUANTITY)
    scrap_qty = serializers.DecimalField(**QUANTITY)
    availability = serializers.DecimalField(**RATIO)
    performance = serializers.DecimalField(**RATIO)
    quality = serializers.DecimalField(**RATIO)
    oee = serializers.DecimalField(**RATIO)
    downtime_by_reason = ReasonMinutesSerializer(many=True)


class OeeRowSerializer(serializers.Serializer):
    machine = serializers.CharField(source="machine.code")
    label = serializers.CharField()
    day = serializers.DateField(allow_null=True)
    shift = serializers.CharField(source="shift.name", allow_null=True)
    order = serializers.CharField(source="order.number", allow_null=True)
    figures = OeeFiguresSerializer()


@extend_schema_serializer(many=False)  # one report, though a viewset's `list` answers it
class OeeReportSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(help_text=_("Now, when asked for later."))
    group_by = serializers.CharField(source="grouping")
    rows = OeeRowSerializer(many=True)
    total = OeeFiguresSerializer(help_text=_("The machines together: their times and units added."))


class OeeViewSet(viewsets.GenericViewSet):
    queryset = MachineCount.objects.none()  # computed, not stored
    serializer_class = OeeReportSerializer
    action_permissions = {"list": ["mes.view_machinecount"]}
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="OEE (ISO 22400) of the machines over a period, per machine, day, shift or production order",
        parameters=[OeeQuerySerializer],
        responses=OeeReportSerializer,
    )
    def list(self, request):
        query = OeeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        machines = Machine.objects.filter(active=True)
        if "machine" in data:
            machines = machines.filter(pk=data["machine"].pk)
        if "work_center" in data:
            machines = machines.filter(work_center=data["work_center"])
        report = oee_report(start=data["start"], end=data["end"], machines=machines, grouping=data["group_by"])
        return Response(OeeReportSerializer(report).data)


class BoardOeeSerializer(serializers.Serializer):
    availability = serializers.DecimalField(**RATIO)
    performance = serializers.DecimalField(**RATIO)
    quality = serializers.DecimalField(**RATIO)
    oee = serializers.DecimalField(**RATIO)


class MachineTileSerializer(serializers.Serializer):
    machine = serializers.CharField(source="machine.code")
    work_center = serializers.CharField(source="machine.work_center.code")
    area = serializers.CharField(source="machine.work_center.area.code", allow_null=True)
    state = serializers.ChoiceField(choices=MachineState.choices)
    since = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(source="reason.code", allow_null=True)
    order = serializers.CharField(source="operation.order.number", allow_null=True)
    item = serializers.CharField(source="operation.order.item.code", allow_null=True)
    operation_seq = serializers.IntegerField(source="operation.seq", allow_null=True)
    order_qty = serializers.DecimalField(**QUANTITY, allow_null=True)
    good_qty = serializers.DecimalField(**QUANTITY, allow_null=True, help_text=_("Counted on the operation."))
    scrap_qty = serializers.DecimalField(**QUANTITY, allow_null=True)
    planned_end = serializers.DateTimeField(allow_null=True, help_text=_("In the published schedule."))
    expected_end = serializers.DateTimeField(allow_null=True, help_text=_("Now + what is left at the ideal rate."))
    late_minutes = serializers.IntegerField(allow_null=True, help_text=_("Negative: ahead of plan."))
    oee_today = BoardOeeSerializer()


class BoardViewSet(viewsets.GenericViewSet):
    queryset = MachineStatus.objects.none()  # computed, not stored
    serializer_class = MachineTileSerializer
    action_permissions = {"list": ["mes.view_machinestatus"]}
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Every active machine's state now, its operation against plan and its OEE today",
        responses=MachineTileSerializer(many=True),
    )
    def list(self, request):
        tiles = [tile for group in machine_board() for tile in group.tiles]
        return Response(MachineTileSerializer(tiles, many=True).data)


def register(router) -> None:
    router.register("oee", OeeViewSet, basename="oee")
    router.register("board", BoardViewSet, basename="board")


def urls() -> list:
    """Both endpoints are the router's."""
    return []
