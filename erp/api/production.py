"""The production API: production orders created by item and warehouse code, changed while planned, and
moved on by their commands (firm, release, issue, backflush, receive, complete, close, cancel); their
operations with the reports MES sends (report, finish); and the variances of closed orders, listed and
summed per item and month.

Views are thin: each write is one service call of erp.services.production, whose refusals the exception
handler turns into 400s naming field, code and reason.
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Item
from erp.filtersets.production import (
    ProductionOperationFilterSet,
    ProductionOrderFilterSet,
    ProductionVarianceFilterSet,
)
from erp.models import ProductionComponent, ProductionOperation, ProductionOrder, ProductionVariance, SalesOrderLine
from erp.selectors.production import variance_summary
from erp.services import production as services
from wms.choices import LocationKind
from wms.models import Location, Lot, Warehouse

QUANTITY = {"max_digits": 18, "decimal_places": 6}
MINUTES = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal(0)}
POSITIVE = Decimal("0.000001")
MANAGE = ["erp.change_productionorder"]
ISSUE = ["erp.change_productioncomponent"]
REPORT = ["erp.change_productionoperation"]


def _bin(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Location.objects.filter(kind=LocationKind.INTERNAL), **kwargs
    )


@extend_schema_field(OpenApiTypes.STR)
class SalesOrderLineField(serializers.RelatedField):
    """A sales order line as `<order number>/<position>`, e.g. "SO-2026-00012/1"."""

    default_error_messages = {
        "does_not_exist": _("There is no sales order line {value}."),
        "invalid": _("Name a sales order line as <order number>/<position>."),
    }

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", SalesOrderLine.objects.select_related("order", "item"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        number, _slash, position = str(data).rpartition("/")
        if not number or not position.isdigit():
            self.fail("invalid")
        line = self.get_queryset().filter(order__number=number, position=int(position)).first()
        if line is None:
            self.fail("does_not_exist", value=data)
        return line

    def to_representation(self, value) -> str:
        return f"{value.order.number}/{value.position}"


# --- Reading ---------------------------------------------------------------------------------------------------


class ProductionComponentSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)

    class Meta:
        model = ProductionComponent
        fields = (
            "id",
            "position",
            "item",
            "item_name",
            "unit",
            "qty_per",
            "scrap_pct",
            "required_qty",
            "issued_qty",
            "issued_value",
            "standard_unit_cost",
        )
        read_only_fields = fields


OPERATION_FIELDS = (
    "id",
    "order",
    "seq",
    "name",
    "work_center",
    "state",
    "setup_minutes",
    "run_minutes_per_unit",
    "queue_minutes",
    "move_minutes",
    "instructions",
    "labor_rate_per_hour",
    "machine_rate_per_hour",
    "crew_size",
    "good_qty",
    "scrap_qty",
    "actual_machine_minutes",
    "actual_labor_minutes",
    "absorbed_labor",
    "absorbed_machine",
    "started_at",
    "finished_at",
)


class ProductionOperationSerializer(serializers.ModelSerializer):
    order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    work_center = shown_by_code()

    class Meta:
        model = ProductionOperation
        fields = OPERATION_FIELDS
        read_only_fields = fields


class ProductionVarianceSerializer(serializers.ModelSerializer):
    order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    item = serializers.CharField(source="order.item.code", read_only=True)
    journal_entry = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = ProductionVariance
        fields = ("id", "order", "item", "kind", "amount", "date", "journal_entry")
        read_only_fields = fields


ORDER_FIELDS = (
    "id",
    "number",
    "item",
    "item_name",
    "unit",
    "quantity",
    "start_date",
    "due_date",
    "state",
    "warehouse",
    "sales_order_line",
    "bom_revision",
    "routing_revision",
    "material_request",
    "standard_unit_cost",
    "completed_qty",
    "scrapped_qty",
    "received_value",
    "released_at",
    "completed_at",
    "closed_at",
    "created_at",
    "updated_at",
)


class ProductionOrderSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    warehouse = shown_by_code()
    sales_order_line = SalesOrderLineField(read_only=True)
    bom_revision = serializers.SlugRelatedField(slug_field="revision", read_only=True)
    routing_revision = serializers.SlugRelatedField(slug_field="revision", read_only=True)
    material_request = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text=_("The WMS material request made on release.")
    )

    class Meta:
        model = ProductionOrder
        fields = ORDER_FIELDS
        read_only_fields = ORDER_FIELDS


class ProductionOrderDetailSerializer(ProductionOrderSerializer):
    components = ProductionComponentSerializer(many=True, read_only=True)
    operations = ProductionOperationSerializer(many=True, read_only=True)
    variances = ProductionVarianceSerializer(many=True, read_only=True)

    class Meta(ProductionOrderSerializer.Meta):
        fields = (*ORDER_FIELDS, "components", "operations", "variances")
        read_only_fields = fields


LISTED = ("item__uom", "warehouse", "sales_order_line__order", "bom_revision", "routing_revision", "material_request")


def order_details():
    return ProductionOrder.objects.select_related(*LISTED).prefetch_related(
        Prefetch("components", queryset=ProductionComponent.objects.select_related("item__uom").order_by("position")),
        Prefetch(
            "operations", queryset=ProductionOperation.objects.select_related("order", "work_center").order_by("seq")
        ),
        Prefetch(
            "variances",
            queryset=ProductionVariance.objects.select_related("order__item", "journal_entry").order_by("kind"),
        ),
    )


# --- Writing ---------------------------------------------------------------------------------------------------


class ProductionOrderCreateSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    due_date = serializers.DateField()
    start_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("Default: the item's lead time before due.")
    )
    warehouse = by_code(Warehouse)
    sales_order_line = SalesOrderLineField(required=False, allow_null=True, default=None)


class ProductionOrderUpdateSerializer(StrictInputMixin, serializers.Serializer):
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE, required=False)
    due_date = serializers.DateField(required=False)
    start_date = serializers.DateField(required=False)
    warehouse = by_code(Warehouse, required=False)
    sales_order_line = SalesOrderLineField(required=False, allow_null=True)


class ProductionIssueSerializer(StrictInputMixin, serializers.Serializer):
    component = serializers.CharField(help_text=_("The component's item code."))
    position = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("Only when the item is on the order twice.")
    )
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    location = _bin(
        required=False, allow_null=True, default=None, help_text=_("Where it was taken; needed beyond the reserved.")
    )
    lot = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)

    def validate(self, attrs):
        order: ProductionOrder = self.context["order"]
        components = order.components.filter(item__code=attrs["component"])
        if attrs["position"] is not None:
            components = components.filter(position=attrs["position"])
        found = list(components.select_related("item")[:2])
        if not found:
            message = _("%(item)s is not a component of %(number)s.") % {
                "item": attrs["component"],
                "number": order.number,
            }
            raise serializers.ValidationError({"component": serializers.ErrorDetail(message, code="not_on_order")})
        if len(found) > 1:
            message = _("%(item)s is on the order more than once: give its position.") % {"item": attrs["component"]}
            raise serializers.ValidationError({"position": serializers.ErrorDetail(message, code="required")})
        attrs["component"] = found[0]
        code = attrs.pop("lot").strip()
        attrs["lot"] = None
        if code:
            attrs["lot"] = Lot.objects.filter(item=found[0].item, code=code).first()
            if attrs["lot"] is None:
                message = _("%(item)s has no lot %(lot)s.") % {"item": found[0].item.code, "lot": code}
                raise serializers.ValidationError({"lot": serializers.ErrorDetail(message, code="does_not_exist")})
        return attrs


class ProductionBackflushSerializer(StrictInputMixin, serializers.Serializer):
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE, help_text=_("Units of the parent made."))
    location = _bin(required=False, allow_null=True, default=None, help_text=_("For what reservations do not cover."))


class ProductionReceiveSerializer(StrictInputMixin, serializers.Serializer):
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    lot_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    location = _bin(
        required=False, allow_null=True, default=None, help_text=_("Default: the receiving dock, with put-away tasks.")
    )


class ProductionCloseSerializer(StrictInputMixin, serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True, default=None, help_text=_("Default: today."))


class OperationReportSerializer(StrictInputMixin, serializers.Serializer):
    good_qty = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), required=False, default=Decimal(0))
    scrap_qty = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), required=False, default=Decimal(0))
    machine_minutes = serializers.DecimalField(**MINUTES, required=False, default=Decimal(0))
    labor_minutes = serializers.DecimalField(
        **MINUTES, required=False, allow_null=True, default=None, help_text=_("Default: machine minutes x crew.")
    )


class VarianceSummaryQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    item = by_code(Item, required=False)


class VarianceSummarySerializer(serializers.Serializer):
    item = serializers.CharField(source="item.code")
    period = serializers.DateField(help_text=_("The first day of the month the orders were closed in."))
    orders = serializers.IntegerField()
    amounts = serializers.DictField(
        child=serializers.DecimalField(max_digits=18, decimal_places=2), help_text=_("Per variance kind.")
    )
    total = serializers.DecimalField(max_digits=18, decimal_places=2)


ORDER_COMMAND = command_actions(record="order", responses=ProductionOrderDetailSerializer)
OPERATION_COMMAND = command_actions(record="operation", responses=ProductionOperationSerializer)


# --- Production orders ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Production orders; filters state, item, warehouse, start and due dates"),
    retrieve=extend_schema(summary="A production order with its components, operations and variances"),
    create=extend_schema(
        summary="A planned order for an item made here; it starts the item's lead time before due by default",
        request=ProductionOrderCreateSerializer,
        responses={201: ProductionOrderDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a planned order's quantity, dates, warehouse or sales order line",
        request=ProductionOrderUpdateSerializer,
        responses=ProductionOrderDetailSerializer,
    ),
)
class ProductionOrderViewSet(
    ServiceWritesMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Orders are created here and moved on by their commands; they are cancelled, never deleted."""

    queryset = ProductionOrder.objects.select_related(*LISTED)
    serializer_class = ProductionOrderSerializer
    detail_serializer_class = ProductionOrderDetailSerializer
    filterset_class = ProductionOrderFilterSet
    ordering_fields = [field.name for field in ProductionOrder._meta.fields] + ["item__code"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "firm": MANAGE,
        "release": MANAGE,
        "receive": MANAGE,
        "complete": MANAGE,
        "close": MANAGE,
        "cancel": MANAGE,
        "issue": ISSUE,
        "backflush": ISSUE,
    }

    def get_queryset(self):
        return order_details() if self.action != "list" else super().get_queryset()

    def get_serializer_class(self):
        return {
            "retrieve": ProductionOrderDetailSerializer,
            "create": ProductionOrderCreateSerializer,
            "partial_update": ProductionOrderUpdateSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        data = self.validated(ProductionOrderCreateSerializer)
        return self.answer(services.production_order_create(**data, user=request.user), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        data = self.validated(ProductionOrderUpdateSerializer)
        return self.answer(services.production_order_update(order=order, **data))

    firm = ORDER_COMMAND(
        "firm",
        services.production_order_firm,
        "Firm: copy the BOM and routing revisions effective on the start date onto the order",
    )
    release = ORDER_COMMAND(
        "release",
        services.production_order_release,
        "Release: freeze the standards, request and reserve the material, tell MES and APS",
    )

    @extend_schema(
        summary="Issue a quantity of a component: from its reservations, the rest from the location named",
        request=ProductionIssueSerializer,
        responses=ProductionOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        order = self.get_object()
        data = self.validated(ProductionIssueSerializer, order=order)
        data.pop("position")
        services.production_material_issue(order=order, **data, user=request.user)
        return self.answer(order)

    @extend_schema(
        summary="Issue every component for a number of units made, by the BOM (scrap allowance included)",
        request=ProductionBackflushSerializer,
        responses=ProductionOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def backflush(self, request, pk=None):
        order = self.get_object()
        services.production_backflush(order=order, **self.validated(ProductionBackflushSerializer), user=request.user)
        return self.answer(order)

    @extend_schema(
        summary="Receive good units into stock at the order's standard unit cost",
        request=ProductionReceiveSerializer,
        responses=ProductionOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        order = self.get_object()
        data = self.validated(ProductionReceiveSerializer)
        data["lot_code"] = data["lot_code"].strip() or None
        services.production_output_receive(order=order, **data, user=request.user)
        return self.answer(order)

    complete = ORDER_COMMAND(
        "complete",
        services.production_order_complete,
        "Complete: no more output; open operations are done, leftover reservations released",
    )

    @extend_schema(
        summary="Close: store the variances and post the entry that clears the order's WIP",
        request=ProductionCloseSerializer,
        responses=ProductionOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        order = self.get_object()
        data = self.validated(ProductionCloseSerializer)
        return self.answer(services.production_order_close(order=order, date=data["date"], user=request.user))

    cancel = ORDER_COMMAND(
        "cancel",
        services.production_order_cancel,
        "Cancel an order nothing was issued to; its material request is cancelled",
    )


# --- Operations: what MES reports ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Operations of production orders; filters order, state, work center, order state"),
    retrieve=extend_schema(summary="One operation with its planned and actual time and quantities"),
)
class ProductionOperationViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ProductionOperation.objects.select_related("order", "work_center").order_by("order__number", "seq")
    serializer_class = detail_serializer_class = ProductionOperationSerializer
    filterset_class = ProductionOperationFilterSet
    ordering_fields = [field.name for field in ProductionOperation._meta.fields] + ["order__number"]
    action_permissions = {"report": REPORT, "finish": REPORT}

    @extend_schema(
        summary="Add good and scrapped units and minutes worked; the time is absorbed into WIP at frozen rates",
        request=OperationReportSerializer,
        responses=ProductionOperationSerializer,
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        operation = self.get_object()
        data = self.validated(OperationReportSerializer)
        return self.answer(services.production_operation_report(operation=operation, **data, user=request.user))

    finish = OPERATION_COMMAND(
        "finish", services.production_operation_finish, "The operation is done: the next one becomes ready"
    )


# --- Variances ---------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Variances of closed orders; filters order, item, kind, closing date"),
    retrieve=extend_schema(summary="One variance of a closed order"),
)
class ProductionVarianceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ProductionVariance.objects.select_related("order__item", "journal_entry").order_by(
        "-date", "order__number", "kind"
    )
    serializer_class = ProductionVarianceSerializer
    filterset_class = ProductionVarianceFilterSet
    ordering_fields = ["date", "amount", "kind", "order__number"]

    @extend_schema(
        summary="Variances summed per item and month of closing, per kind",
        parameters=[VarianceSummaryQuerySerializer],
        responses=VarianceSummarySerializer(many=True),
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request):
        query = VarianceSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = variance_summary(**query.validated_data)
        return Response(VarianceSummarySerializer(rows, many=True).data)


def register(router) -> None:
    """Add this area's viewsets to the ERP router."""
    router.register("production-orders", ProductionOrderViewSet)
    router.register("production-operations", ProductionOperationViewSet)
    router.register("production-variances", ProductionVarianceViewSet)
