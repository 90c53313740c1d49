"""The MRP API: runs (listed, and started in the background), the planned orders with their pegging (firmed one
by one or several at once), the current run's exceptions, and an item's MRP grid in weekly buckets. Items
and suppliers are referenced by code, planned orders by number (or id).

Views are thin: a run is queued by aps.services.mrp and firming is aps.services.firming, whose refusals the
exception handler turns into 400s naming field, code and reason.
"""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from aps.filtersets.mrp import MrpExceptionFilterSet, PlannedOrderFilterSet
from aps.models import MrpException, MrpRun, Pegging, PlannedOrder
from aps.selectors.mrp import MAX_WEEKS, current_run, item_plan, planned_orders, run_exceptions
from aps.services import firming
from aps.services import mrp as engine
from core.api.serializers import StrictInputMixin, shown_by_code
from core.models import Item

QUANTITY = {"max_digits": 18, "decimal_places": 6, "read_only": True}
MANAGE = ["aps.change_plannedorder"]
READ_PLAN = ["aps.view_plannedorder", "aps.view_plandemand", "aps.view_plansupply"]


# --- Runs ---------------------------------------------------------------------------------------------------------


class MrpRunSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MrpRun
        fields = (
            "id",
            "planning_date",
            "finished_at",
            "seconds",
            "item_count",
            "planned_order_count",
            "exception_count",
            "task_run",
            "created_by",
        )
        read_only_fields = fields


class RunStartSerializer(StrictInputMixin, serializers.Serializer):
    today = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("The planning date; default: today.")
    )


RunStarted = inline_serializer(
    "MrpRunStarted",
    {
        "task_run": serializers.UUIDField(),
        "status_url": serializers.CharField(help_text=_("The task run to poll for progress and the result.")),
    },
)


@extend_schema_view(
    list=extend_schema(summary="MRP runs, newest first: the first is the current plan"),
    retrieve=extend_schema(summary="One MRP run and its figures"),
)
class MrpRunViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = MrpRun.objects.select_related("created_by").order_by("-finished_at", "-id")
    serializer_class = MrpRunSerializer
    ordering_fields = ("finished_at", "planning_date", "seconds")
    action_permissions = {"start": MANAGE}

    @extend_schema(
        summary="Queue an MRP run (one at a time); answers 202 with the task run to poll",
        request=RunStartSerializer,
        responses={202: RunStarted},
    )
    @action(detail=False, methods=["post"])
    def start(self, request):
        query = RunStartSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        run = engine.mrp_run_start(user=request.user, today=query.validated_data["today"])
        return Response(
            {"task_run": str(run.pk), "status_url": f"/api/v1/core/task-runs/{run.pk}/"},
            status=status.HTTP_202_ACCEPTED,
        )


# --- Planned orders -----------------------------------------------------------------------------------------------


class PlannedOrderSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    supplier = shown_by_code()
    production_order = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text=_("The production order it was firmed into.")
    )
    purchase_order = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text=_("The draft purchase order it was firmed into.")
    )
    firmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PlannedOrder
        fields = (
            "id",
            "number",
            "run",
            "item",
            "item_name",
            "unit",
            "kind",
            "quantity",
            "start_date",
            "due_date",
            "supplier",
            "state",
            "production_order",
            "purchase_order",
            "firmed_at",
            "firmed_by",
        )
        read_only_fields = fields


class PegSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="demand.reference", read_only=True)
    kind = serializers.CharField(source="demand.kind", read_only=True, help_text=_("The demand's kind."))
    item = serializers.CharField(source="demand.item.code", read_only=True)
    due_date = serializers.DateField(source="demand.due_date", read_only=True)
    demand_quantity = serializers.DecimalField(source="demand.quantity", **QUANTITY)
    parent_order = serializers.SlugRelatedField(
        source="demand.parent_order",
        slug_field="number",
        read_only=True,
        help_text=_("For a dependent demand: the planned parent order it comes from."),
    )

    class Meta:
        model = Pegging
        fields = ("reference", "kind", "item", "due_date", "demand_quantity", "quantity", "parent_order")
        read_only_fields = fields


class PlannedOrderDetailSerializer(PlannedOrderSerializer):
    pegs = PegSerializer(many=True, read_only=True, help_text=_("The demands it covers, and how much of each."))

    class Meta(PlannedOrderSerializer.Meta):
        fields = (*PlannedOrderSerializer.Meta.fields, "pegs")
        read_only_fields = fields


class FirmSerializer(StrictInputMixin, serializers.Serializer):
    orders = serializers.ListField(
        child=serializers.CharField(max_length=32),
        allow_empty=False,
        max_length=1000,
        help_text=_("The planned orders' numbers."),
    )

    def validate_orders(self, numbers: list[str]) -> list[PlannedOrder]:
        numbers = list(dict.fromkeys(numbers))
        found = {order.number: order for order in PlannedOrder.objects.filter(number__in=numbers)}
        unknown = [number for number in numbers if number not in found]
        if unknown:
            message = _("There is no planned order %(numbers)s.") % {"numbers": ", ".join(unknown)}
            raise serializers.ValidationError(message, code="does_not_exist")
        return [found[number] for number in numbers]


class FirmedSerializer(serializers.Serializer):
    firmed = serializers.ListField(child=serializers.CharField(), help_text=_("The planned orders firmed."))
    orders = serializers.ListField(
        child=serializers.CharField(), help_text=_("The numbers of the production and purchase orders made.")
    )


def _firm(orders: list[PlannedOrder], user) -> Response:
    created = firming.planned_orders_firm(orders=orders, user=user)
    data = {
        "firmed": [order.number for order in orders],
        "orders": [str(getattr(order, "number", order)) for order in created],
    }
    return Response(FirmedSerializer(data).data)


@extend_schema_view(
    list=extend_schema(summary="Planned orders; filters item, kind, state, supplier, due date, start late"),
    retrieve=extend_schema(summary="A planned order (by number or id) with the demands it is pegged to"),
)
class PlannedOrderViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = planned_orders().order_by("due_date", "item__code", "id")
    serializer_class = PlannedOrderSerializer
    filterset_class = PlannedOrderFilterSet
    ordering_fields = ("number", "due_date", "start_date", "item__code", "quantity", "state", "kind")
    lookup_value_regex = "[^/]+"
    action_permissions = {"firm": MANAGE, "firm_many": MANAGE}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            pegs = Pegging.objects.select_related("demand__item", "demand__parent_order").order_by(
                "demand__due_date", "id"
            )
            queryset = queryset.prefetch_related(Prefetch("pegs", queryset=pegs))
        return queryset

    def get_serializer_class(self):
        return PlannedOrderDetailSerializer if self.action == "retrieve" else self.serializer_class

    def get_object(self):
        # By number as people quote it ("PL-2026-00042"), or by id.
        key = self.kwargs["pk"]
        queryset = self.get_queryset()
        order = (queryset.filter(pk=key) if key.isdigit() else queryset.filter(number=key)).first()
        if order is None:
            raise NotFound(_("There is no planned order %(key)s.") % {"key": key})
        self.check_object_permissions(self.request, order)
        return order

    @extend_schema(
        summary="Firm the planned order into a production order or a draft purchase order",
        request=None,
        responses=FirmedSerializer,
    )
    @action(detail=True, methods=["post"])
    def firm(self, request, pk=None):
        return _firm([self.get_object()], request.user)

    @extend_schema(
        operation_id="aps_planned_orders_firm_many",
        summary="Firm several planned orders, all or none (purchases grouped per supplier)",
        request=FirmSerializer,
        responses=FirmedSerializer,
    )
    @action(detail=False, methods=["post"], url_path="firm")
    def firm_many(self, request):
        body = FirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _firm(body.validated_data["orders"], request.user)


# --- Exceptions ---------------------------------------------------------------------------------------------------


class MrpExceptionSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    planned_order = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = MrpException
        fields = (
            "id",
            "run",
            "kind",
            "item",
            "reference",
            "message",
            "due_date",
            "suggested_date",
            "quantity",
            "planned_order",
        )
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The current plan's exceptions; filters kind, item, reference"),
    retrieve=extend_schema(summary="One exception of the current plan"),
)
class MrpExceptionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = MrpException.objects.none()  # the current run's: see get_queryset
    serializer_class = MrpExceptionSerializer
    filterset_class = MrpExceptionFilterSet
    ordering_fields = ("kind", "item__code", "due_date", "reference")

    def get_queryset(self):
        return run_exceptions(run=current_run()).order_by("item__code", "due_date", "id")


# --- An item's grid -----------------------------------------------------------------------------------------------


class ItemPlanQuerySerializer(serializers.Serializer):
    weeks = serializers.IntegerField(min_value=1, max_value=MAX_WEEKS, default=13)


class BucketSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True, help_text=_("Empty for the last bucket: everything later."))
    gross = serializers.DecimalField(**QUANTITY, help_text=_("Gross requirements, safety stock excluded."))
    receipts = serializers.DecimalField(**QUANTITY, help_text=_("Scheduled receipts of open orders."))
    projected = serializers.DecimalField(**QUANTITY, help_text=_("Projected on hand at the bucket's end."))
    net = serializers.DecimalField(**QUANTITY, help_text=_("Net requirements."))
    planned_receipts = serializers.DecimalField(**QUANTITY)
    planned_releases = serializers.DecimalField(**QUANTITY)


class PlanRowSerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    due_date = serializers.DateField()
    quantity = serializers.DecimalField(**QUANTITY)


class PlanOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    start_date = serializers.DateField()
    due_date = serializers.DateField()
    quantity = serializers.DecimalField(**QUANTITY)


class ItemPlanSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    unit = serializers.CharField(source="item.uom.code")
    run = serializers.IntegerField(source="run.pk")
    planning_date = serializers.DateField(source="run.planning_date")
    lot_policy = serializers.CharField(source="item.lot_policy")
    lead_time_days = serializers.IntegerField(source="item.lead_time_days")
    on_hand = serializers.DecimalField(**QUANTITY)
    safety_stock = serializers.DecimalField(**QUANTITY, help_text=_("As the run used it."))
    buckets = BucketSerializer(many=True)
    demands = PlanRowSerializer(many=True)
    supplies = PlanRowSerializer(many=True)
    planned_orders = PlanOrderSerializer(many=True)


class ItemPlanViewSet(viewsets.GenericViewSet):
    queryset = Item.objects.select_related("uom")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # codes may hold dots
    filter_backends: list = []
    pagination_class = None
    serializer_class = ItemPlanSerializer
    action_permissions = {"retrieve": READ_PLAN}

    @extend_schema(
        summary="An item's MRP grid in the current plan: weekly buckets, then everything later",
        parameters=[ItemPlanQuerySerializer],
        responses=ItemPlanSerializer,
    )
    def retrieve(self, request, code=None):
        try:
            item = self.get_object()
        except Http404:
            raise NotFound(_("There is no item with code %(code)s.") % {"code": code}) from None
        query = ItemPlanQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        run = current_run()
        if run is None:
            raise NotFound(_("MRP has not run yet: there is no plan."))
        plan = item_plan(item=item, run=run, weeks=query.validated_data["weeks"])
        return Response(ItemPlanSerializer(plan).data)


def register(router) -> None:
    """Add the MRP viewsets to the APS router."""
    router.register("runs", MrpRunViewSet)
    router.register("planned-orders", PlannedOrderViewSet)
    router.register("exceptions", MrpExceptionViewSet)
    router.register("item-plans", ItemPlanViewSet, basename="item-plan")
