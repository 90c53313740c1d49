"""The sales API: sales orders created with their lines (customer, warehouse, currency, items and tax rates
by code), lines added, changed and removed on drafts, and orders moved on by their commands: confirm,
cancel, invoice, close. Price lists and their quantity breaks, sales forecasts, and a price lookup.

Views are thin: each write of an order is one service call, whose refusals the exception handler turns
into 400s naming field, code and reason.
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Currency, Item, Partner
from core.selectors.currencies import company_currency
from erp.filtersets.sales import (
    PriceListFilterSet,
    PriceListItemFilterSet,
    SalesForecastFilterSet,
    SalesOrderFilterSet,
)
from erp.models import Invoice, PriceList, PriceListItem, SalesForecast, SalesOrder, SalesOrderLine, TaxRate
from erp.selectors.sales import lines_totals, sales_orders_listed
from erp.services import pricing
from erp.services import sales as services
from wms.models import Warehouse

QUANTITY = {"max_digits": 18, "decimal_places": 6}
POSITIVE = Decimal("0.000001")
MANAGE = ["erp.change_salesorder"]


# --- Sales orders: reading ----------------------------------------------------------------------------------


class SalesOrderLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    tax_rate = shown_by_code()
    net_unit_price = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("After discount."))
    net_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = SalesOrderLine
        fields = (
            "id",
            "position",
            "item",
            "item_name",
            "unit",
            "quantity",
            "unit_price",
            "discount_pct",
            "net_unit_price",
            "tax_rate",
            "net_amount",
            "requested_date",
            "promised_date",
            "shipped_qty",
            "invoiced_qty",
        )
        read_only_fields = fields


ORDER_FIELDS = (
    "id",
    "number",
    "customer",
    "customer_name",
    "customer_reference",
    "currency",
    "exchange_rate",
    "order_date",
    "requested_date",
    "promised_date",
    "warehouse",
    "state",
    "stock_request",
    "salesperson",
    "confirmed_at",
    "notes",
    "created_at",
    "updated_at",
)


class SalesOrderSerializer(serializers.ModelSerializer):
    customer = shown_by_code()
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    currency = shown_by_code()
    warehouse = shown_by_code()
    stock_request = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text=_("The WMS shipment request made on confirmation.")
    )
    salesperson = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SalesOrder
        fields = ORDER_FIELDS
        read_only_fields = ORDER_FIELDS


class InvoiceSummarySerializer(serializers.ModelSerializer):
    currency = shown_by_code()

    class Meta:
        model = Invoice
        fields = (
            "id",  # to pay it: POST /api/v1/erp/invoices/{id}/pay/
            "number",
            "invoice_date",
            "due_date",
            "currency",
            "net_amount",
            "tax_amount",
            "total_amount",
            "paid_amount",
            "state",
        )
        read_only_fields = fields


class TotalsSerializer(serializers.Serializer):
    net = serializers.DecimalField(max_digits=18, decimal_places=2)
    tax = serializers.DecimalField(max_digits=18, decimal_places=2)
    total = serializers.DecimalField(max_digits=18, decimal_places=2)


class SalesOrderDetailSerializer(SalesOrderSerializer):
    lines = SalesOrderLineSerializer(many=True, read_only=True)
    totals = serializers.SerializerMethodField(help_text=_("In the order currency, tax rounded per line."))
    invoices = InvoiceSummarySerializer(many=True, read_only=True)

    class Meta(SalesOrderSerializer.Meta):
        fields = (*ORDER_FIELDS, "totals", "lines", "invoices")
        read_only_fields = fields

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, order) -> dict:
        totals = lines_totals(order.lines.all())
        return TotalsSerializer({"net": totals.net, "tax": totals.tax, "total": totals.total}).data


def sales_order_details():
    return (
        sales_orders_listed()
        .select_related("salesperson")
        .prefetch_related(
            Prefetch(
                "lines", queryset=SalesOrderLine.objects.select_related("item__uom", "tax_rate").order_by("position")
            ),
            Prefetch("invoices", queryset=Invoice.objects.select_related("currency").order_by("number")),
        )
    )


# --- Sales orders: writing ----------------------------------------------------------------------------------


class SalesOrderLineInputSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    unit_price = serializers.DecimalField(
        **QUANTITY,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("In the order currency, before discount. Null or left out: from the price lists."),
    )
    discount_pct = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=Decimal(0), max_value=Decimal(100), required=False
    )
    tax_rate = by_code(TaxRate, required=False, allow_null=True)
    requested_date = serializers.DateField(required=False, allow_null=True)
    promised_date = serializers.DateField(required=False, allow_null=True)
    position = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class SalesOrderCreateSerializer(StrictInputMixin, serializers.Serializer):
    customer = by_code(Partner)
    warehouse = by_code(Warehouse)
    currency = by_code(
        Currency, required=False, allow_null=True, help_text=_("Default: the customer's, else the company's.")
    )
    order_date = serializers.DateField(required=False, allow_null=True, help_text=_("Default: today."))
    requested_date = serializers.DateField()
    promised_date = serializers.DateField(required=False, allow_null=True)
    customer_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = SalesOrderLineInputSerializer(many=True, required=False, default=list)


class SalesOrderUpdateSerializer(StrictInputMixin, serializers.Serializer):
    """A draft's header; once confirmed only customer_reference and notes."""

    customer = by_code(Partner, required=False)
    warehouse = by_code(Warehouse, required=False)
    currency = by_code(Currency, required=False)
    order_date = serializers.DateField(required=False)
    requested_date = serializers.DateField(required=False)
    promised_date = serializers.DateField(required=False, allow_null=True)
    customer_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    notes = serializers.CharField(required=False, allow_blank=True)


class InvoiceRequestSerializer(StrictInputMixin, serializers.Serializer):
    invoice_date = serializers.DateField(required=False, allow_null=True, help_text=_("Default: today."))


ORDER_COMMAND = command_actions(record="order", responses=SalesOrderDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary="Sales orders; filters customer, state, item, warehouse, order and requested dates"),
    retrieve=extend_schema(summary="A sales order with its lines, totals and invoices"),
    create=extend_schema(
        summary="A draft order with its lines; prices left out come from the customer's price lists",
        request=SalesOrderCreateSerializer,
        responses={201: SalesOrderDetailSerializer},
    ),
    update=extend_schema(summary="Change a draft's header", request=SalesOrderUpdateSerializer),
    partial_update=extend_schema(summary="Change a draft's header", request=SalesOrderUpdateSerializer),
)
class SalesOrderViewSet(ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    """Orders are created here and moved on by their commands; they are cancelled, never deleted."""

    queryset = sales_orders_listed().select_related("salesperson")
    serializer_class = SalesOrderSerializer
    detail_serializer_class = SalesOrderDetailSerializer
    filterset_class = SalesOrderFilterSet
    ordering_fields = [field.name for field in SalesOrder._meta.fields] + ["customer__code"]
    action_permissions = {
        "confirm": MANAGE,
        "cancel": MANAGE,
        "close": MANAGE,
        # Invoicing posts to the books: finance's job (or an administrator's).
        "invoice": ["erp.view_salesorder", "erp.add_invoice"],
        "lines": MANAGE,
        "line": MANAGE,
    }

    def get_queryset(self):
        return sales_order_details() if self.action != "list" else super().get_queryset()

    def get_serializer_class(self):
        return {
            "retrieve": SalesOrderDetailSerializer,
            "create": SalesOrderCreateSerializer,
            "update": SalesOrderUpdateSerializer,
            "partial_update": SalesOrderUpdateSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        order = services.sales_order_create(**self.validated(SalesOrderCreateSerializer), salesperson=request.user)
        return self.answer(order, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        order = self.get_object()
        return self.answer(services.sales_order_update(order=order, **self.validated(SalesOrderUpdateSerializer)))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    confirm = ORDER_COMMAND(
        "confirm",
        services.sales_order_confirm,
        "Confirm: credit limit checked, shipment asked of WMS, stock on hand reserved",
    )
    cancel = ORDER_COMMAND(
        "cancel",
        services.sales_order_cancel,
        "Cancel an order nothing has shipped from; its reservations are released",
    )

    @extend_schema(
        summary="Invoice what has shipped and is not invoiced yet, and post it",
        request=InvoiceRequestSerializer,
        responses={201: InvoiceSummarySerializer},
    )
    @action(detail=True, methods=["post"])
    def invoice(self, request, pk=None):
        order = self.get_object()
        data = self.validated(InvoiceRequestSerializer)
        invoice = services.sales_order_invoice(order=order, invoice_date=data.get("invoice_date"), user=request.user)
        invoice = Invoice.objects.select_related("currency").get(pk=invoice.pk)
        return Response(InvoiceSummarySerializer(invoice).data, status=status.HTTP_201_CREATED)

    close = ORDER_COMMAND(
        "close", services.sales_order_close, "Close an order invoiced in full whose invoices are all paid"
    )

    @extend_schema(
        summary="Add a line to a draft",
        request=SalesOrderLineInputSerializer,
        responses={201: SalesOrderDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        return self.line_added(SalesOrderLineInputSerializer, services.sales_order_line_add, record="order")

    @extend_schema(
        summary="Change (PATCH) or remove (DELETE) a line of a draft; a unit_price of null prices it again",
        request=SalesOrderLineInputSerializer,
        responses=SalesOrderDetailSerializer,
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"lines/(?P<line_id>[0-9]+)")
    def line(self, request, pk=None, line_id=None):
        return self.line_changed(
            SalesOrderLineInputSerializer,
            line_id,
            update=services.sales_order_line_update,
            remove=services.sales_order_line_remove,
        )


# --- Price lists, forecasts and the price lookup ------------------------------------------------------------


class PriceListRowSerializer(serializers.ModelSerializer):
    item = shown_by_code()

    class Meta:
        model = PriceListItem
        fields = ("id", "item", "min_quantity", "unit_price")
        read_only_fields = fields


class PriceListSerializer(StrictInputMixin, FullCleanSerializer):
    currency = by_code(Currency)
    customer = by_code(Partner, required=False, allow_null=True, help_text=_("Null: a list for every customer."))
    items = PriceListRowSerializer(many=True, read_only=True, help_text=_("Its prices; written at price-list-items."))

    class Meta:
        model = PriceList
        fields = ("id", "code", "name", "currency", "customer", "valid_from", "valid_to", "active", "items")


class PriceListViewSet(viewsets.ModelViewSet):
    queryset = (
        PriceList.objects.select_related("currency", "customer")
        .prefetch_related(Prefetch("items", queryset=PriceListItem.objects.select_related("item")))
        .order_by("code")
    )
    serializer_class = PriceListSerializer
    filterset_class = PriceListFilterSet
    ordering_fields = ["code", "name", "valid_from", "valid_to", "customer__code"]


class PriceListItemSerializer(StrictInputMixin, FullCleanSerializer):
    price_list = serializers.SlugRelatedField(slug_field="code", queryset=PriceList.objects.all())
    item = by_code(Item)
    min_quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), required=False)
    unit_price = serializers.DecimalField(**QUANTITY, min_value=Decimal(0))

    class Meta:
        model = PriceListItem
        fields = ("id", "price_list", "item", "min_quantity", "unit_price")


@extend_schema_view(list=extend_schema(summary="Prices: an item from a quantity on, per price list"))
class PriceListItemViewSet(viewsets.ModelViewSet):
    queryset = PriceListItem.objects.select_related("price_list", "item").order_by(
        "price_list__code", "item__code", "min_quantity"
    )
    serializer_class = PriceListItemSerializer
    filterset_class = PriceListItemFilterSet
    ordering_fields = ["min_quantity", "unit_price", "item__code", "price_list__code"]


class SalesForecastSerializer(StrictInputMixin, FullCleanSerializer):
    item = by_code(Item)
    customer = by_code(Partner, required=False, allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)

    class Meta:
        model = SalesForecast
        fields = ("id", "reference", "item", "customer", "due_date", "quantity")


class SalesForecastViewSet(viewsets.ModelViewSet):
    """Expected demand not yet ordered, per item and due date (optionally per customer)."""

    queryset = SalesForecast.objects.select_related("item", "customer").order_by("due_date", "item__code", "pk")
    serializer_class = SalesForecastSerializer
    filterset_class = SalesForecastFilterSet
    ordering_fields = ["due_date", "quantity", "reference", "item__code"]


class PriceQuerySerializer(serializers.Serializer):
    item = by_code(Item)
    customer = by_code(Partner, required=False, allow_null=True, help_text=_("Left out: the general lists only."))
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE, required=False, default=Decimal(1))
    currency = by_code(
        Currency, required=False, allow_null=True, help_text=_("Default: the customer's, else the company's.")
    )
    on = serializers.DateField(required=False, allow_null=True, help_text=_("Default: today."))


@extend_schema_serializer(many=False)  # one price, though a viewset's `list` answers it
class PriceSerializer(serializers.Serializer):
    item = serializers.CharField()
    customer = serializers.CharField(allow_null=True)
    quantity = serializers.DecimalField(**QUANTITY)
    currency = serializers.CharField()
    on = serializers.DateField()
    unit_price = serializers.DecimalField(**QUANTITY)
    price_list = serializers.CharField(help_text=_("The list that gave the price."))
    min_quantity = serializers.DecimalField(**QUANTITY, help_text=_("The quantity break applied."))


class PriceLookupViewSet(viewsets.GenericViewSet):
    """What a customer pays for a quantity of an item: its own lists first, then the general ones."""

    queryset = PriceList.objects.none()
    filter_backends: list = []
    pagination_class = None
    action_permissions = {"list": ["erp.view_pricelist"]}

    @extend_schema(
        summary="The unit price of an item for a customer, quantity, currency and day",
        parameters=[PriceQuerySerializer],
        responses=PriceSerializer,
    )
    def list(self, request):
        query = PriceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        customer = data.get("customer")
        currency = data.get("currency") or (customer.currency if customer else None) or company_currency()
        on = data.get("on") or timezone.localdate()
        row = pricing.price_lookup(
            customer=customer, item=data["item"], quantity=data["quantity"], currency=currency, on=on
        )
        result = {
            "item": data["item"].code,
            "customer": customer.code if customer else None,
            "quantity": data["quantity"],
            "currency": currency.code,
            "on": on,
            "unit_price": row.unit_price,
            "price_list": row.price_list.code,
            "min_quantity": row.min_quantity,
        }
        return Response(PriceSerializer(result).data)


def register(router) -> None:
    """Add this area's viewsets to the ERP router."""
    router.register("sales-orders", SalesOrderViewSet)
    router.register("price-lists", PriceListViewSet)
    router.register("price-list-items", PriceListItemViewSet)
    router.register("sales-forecasts", SalesForecastViewSet)
    router.register("prices", PriceLookupViewSet, basename="price")
