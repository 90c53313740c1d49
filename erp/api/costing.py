"""The costing API: cost versions (create, roll up, activate, compare), their item costs, and the work
center rates the roll-up charges. Versions, items and work centers are referenced by their code.

Views are thin: every change is a call to erp.services.costing, whose ValidationErrors the exception
handler turns into 400s naming field and reason.
"""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import WorkCenter
from erp.filtersets.costing import CostVersionFilterSet, ItemCostFilterSet, WorkCenterRateFilterSet
from erp.models import CostVersion, ItemCost, WorkCenterRate
from erp.selectors.costing import cost_version_compare, rates_of
from erp.services import costing

COST = {"max_digits": 18, "decimal_places": 6, "read_only": True}


# --- Serializers --------------------------------------------------------------------------------------------


class CostVersionSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True, help_text=_("Items costed by the last roll-up."))
    activated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CostVersion
        fields = ("id", "code", "name", "as_of", "state", "item_count", "rolled_up_at", "activated_at", "activated_by")
        read_only_fields = fields


class CostVersionCreateSerializer(StrictInputMixin, serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    as_of = serializers.DateField(help_text=_("BOM and routing revisions effective on this day are rolled up."))


class RollUpSerializer(StrictInputMixin, serializers.Serializer):
    background = serializers.BooleanField(
        default=False, help_text=_("Queue it as a background run and answer 202 with the run to poll.")
    )


class RollUpResultSerializer(serializers.Serializer):
    version = CostVersionSerializer()
    items = serializers.IntegerField()
    levels = serializers.IntegerField()
    warnings = serializers.IntegerField(help_text=_("Warnings in the item costs' detail (missing rates, costs...)."))


class ItemCostSerializer(serializers.ModelSerializer):
    version = shown_by_code()
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)

    class Meta:
        model = ItemCost
        fields = (
            "id",
            "version",
            "item",
            "item_name",
            "unit",
            "level",
            "material",
            "labor",
            "machine",
            "total",
            "detail",
        )
        read_only_fields = fields


class CompareQuerySerializer(serializers.Serializer):
    old = by_code(CostVersion, help_text=_("The code of the version compared from (usually the active one)."))
    new = by_code(CostVersion, help_text=_("The code of the version compared to."))
    changed_only = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if attrs["old"] == attrs["new"]:
            raise serializers.ValidationError(
                {"new": serializers.ErrorDetail(_("Choose two different versions."), code="same_version")}
            )
        return attrs


class CompareRowSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    status = serializers.ChoiceField(choices=["added", "removed", "changed", "same"])
    level = serializers.IntegerField()
    old_material = serializers.DecimalField(source="old.material", allow_null=True, **COST)
    new_material = serializers.DecimalField(source="new.material", allow_null=True, **COST)
    old_labor = serializers.DecimalField(source="old.labor", allow_null=True, **COST)
    new_labor = serializers.DecimalField(source="new.labor", allow_null=True, **COST)
    old_machine = serializers.DecimalField(source="old.machine", allow_null=True, **COST)
    new_machine = serializers.DecimalField(source="new.machine", allow_null=True, **COST)
    old_total = serializers.DecimalField(source="old.total", allow_null=True, **COST)
    new_total = serializers.DecimalField(source="new.total", allow_null=True, **COST)
    material_delta = serializers.DecimalField(allow_null=True, **COST)
    labor_delta = serializers.DecimalField(allow_null=True, **COST)
    machine_delta = serializers.DecimalField(allow_null=True, **COST)
    delta = serializers.DecimalField(allow_null=True, help_text=_("New total less old total."), **COST)
    delta_pct = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True, help_text=_("Of the old total.")
    )


class WorkCenterRateSerializer(StrictInputMixin, FullCleanSerializer):
    # Declared by code, so DRF adds no uniqueness check of its own: one rate per work center is checked here.
    work_center = by_code(WorkCenter, validators=[UniqueValidator(queryset=WorkCenterRate.objects.all())])
    machine_rate_applied = serializers.SerializerMethodField(
        help_text=_("What the roll-up charges per machine hour: this rate, or the work center's cost per hour.")
    )

    class Meta:
        model = WorkCenterRate
        fields = (
            "id",
            "work_center",
            "labor_rate_per_hour",
            "crew_size",
            "machine_rate_per_hour",
            "machine_rate_applied",
        )

    def get_machine_rate_applied(self, rate: WorkCenterRate) -> str:
        return str(rates_of(rate.work_center, rate).machine_per_hour)


# --- Viewsets ----------------------------------------------------------------------------------------------------


def cost_versions():
    return CostVersion.objects.select_related("activated_by").annotate(item_count=Count("item_costs"))


VERSION_COMMAND = command_actions(record="version", responses=CostVersionSerializer)


@extend_schema_view(
    list=extend_schema(summary="Cost versions, newest first"),
    retrieve=extend_schema(summary="One cost version"),
    create=extend_schema(
        summary="Create a draft version costing the revisions effective on a date",
        request=CostVersionCreateSerializer,
        responses={201: CostVersionSerializer},
    ),
)
class CostVersionViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = cost_versions().order_by("-as_of", "-code")
    serializer_class = detail_serializer_class = CostVersionSerializer
    filterset_class = CostVersionFilterSet
    ordering_fields = ("code", "as_of", "state", "rolled_up_at", "activated_at")
    action_permissions = {
        "roll_up": ["erp.change_costversion"],
        "activate": ["erp.change_costversion"],
        "compare": ["erp.view_costversion", "erp.view_itemcost"],
    }

    def create(self, request, *args, **kwargs):
        version = costing.cost_version_create(**self.validated(CostVersionCreateSerializer))
        return self.answer(version, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Roll the version up now (200), or as a background run to poll (202); frozen versions refuse",
        request=RollUpSerializer,
        responses={
            200: RollUpResultSerializer,
            202: inline_serializer(
                "RollUpStarted", {"task_run": serializers.UUIDField(), "status_url": serializers.CharField()}
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="roll-up")
    def roll_up(self, request, pk=None):
        version = self.get_object()
        if self.validated(RollUpSerializer)["background"]:
            run = costing.cost_version_roll_up_start(version=version, user=request.user)
            return Response(
                {"task_run": str(run.pk), "status_url": f"/api/v1/core/task-runs/{run.pk}/"},
                status=status.HTTP_202_ACCEPTED,
            )
        result = costing.cost_version_roll_up(version=version)
        data = {
            "version": cost_versions().get(pk=version.pk),
            "items": result.items,
            "levels": result.levels,
            "warnings": result.warnings,
        }
        return Response(RollUpResultSerializer(data).data)

    activate = VERSION_COMMAND(
        "activate",
        costing.cost_version_activate,
        "Make the version's costs the items' standard costs; the active version is archived",
    )

    @extend_schema(
        summary="Per item: old and new unit cost, split and total, delta and percent",
        parameters=[CompareQuerySerializer],
        responses=CompareRowSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def compare(self, request):
        query = CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = cost_version_compare(**query.validated_data)
        return Response(CompareRowSerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Item costs, filterable by version and item code"),
    retrieve=extend_schema(summary="One item cost with its contributions (detail)"),
)
class ItemCostViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ItemCost.objects.select_related("version", "item__uom").order_by("version_id", "level", "item__code")
    serializer_class = ItemCostSerializer
    filterset_class = ItemCostFilterSet
    ordering_fields = ("level", "item__code", "material", "labor", "machine", "total")


class WorkCenterRateViewSet(viewsets.ModelViewSet):
    queryset = WorkCenterRate.objects.select_related("work_center").order_by("work_center__code")
    serializer_class = WorkCenterRateSerializer
    filterset_class = WorkCenterRateFilterSet
    ordering_fields = ("work_center__code", "labor_rate_per_hour", "machine_rate_per_hour", "crew_size")


def register(router) -> None:
    """Add this area's viewsets to the ERP router."""
    router.register("cost-versions", CostVersionViewSet)
    router.register("item-costs", ItemCostViewSet)
    router.register("work-center-rates", WorkCenterRateViewSet)
