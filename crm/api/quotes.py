"""The staff API of quotes and order tracking.

Quotes are created with their lines (customer, items, tax rates by code), their header and lines changed
while drafts, and moved on by their commands: promise, send, revise, accept (into a confirmed sales order),
reject. Order tracking lists sales orders with the live status of each line.

Views are thin: each write is one service call, whose refusals the exception handler turns into 400s
naming field, code and reason.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Contact, Currency, Item, Partner
from crm.filtersets.quotes import QuoteFilterSet
from crm.models import Opportunity, Quote, QuoteLine
from crm.selectors.quotes import NET_VALUE, quote_details, quote_versions
from crm.selectors.tracking import (
    OPEN_STATES,
    OrderTracking,
    TrackingState,
    order_tracking,
    orders_tracked,
    tracked_orders,
)
from crm.services import quotes as services
from erp.choices import SalesOrderState
from erp.filtersets.sales import SalesOrderFilterSet
from erp.models import PriceList, TaxRate
from erp.selectors.sales import lines_totals
from wms.models import Warehouse

QUANTITY = {"max_digits": 18, "decimal_places": 6}
MONEY = {"max_digits": 18, "decimal_places": 2}
POSITIVE = Decimal("0.000001")
MANAGE = ["crm.change_quote"]
# Accepting makes and confirms a sales order: the seller needs the right to do that too.
ACCEPT = [*MANAGE, "erp.add_salesorder", "erp.change_salesorder"]


# --- Quotes: reading ----------------------------------------------------------------------------------------


class QuoteLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    tax_rate = shown_by_code()
    net_unit_price = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("After discount."))
    net_amount = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = QuoteLine
        fields = (
            "id",
            "position",
            "item",
            "item_name",
            "unit",
            "quantity",
            "unit_price",
            "priced_from_list",
            "discount_pct",
            "net_unit_price",
            "tax_rate",
            "net_amount",
            "promised_date",
        )
        read_only_fields = fields


# What the customer sees of a quote too (the portal's answer).
CUSTOMER_FIELDS = (
    "id",
    "number",
    "version",
    "account",
    "account_name",
    "currency",
    "quote_date",
    "valid_until",
    "requested_date",
    "promised_date",
    "state",
    "customer_reference",
    "notes",
    "sales_order",
    "sent_at",
    "accepted_at",
    "rejected_reason",
)
QUOTE_FIELDS = (
    *CUSTOMER_FIELDS,
    "contact",
    "opportunity",
    "price_list",
    "warehouse",
    "salesperson",
    "superseded_by",
    "created_at",
    "updated_at",
)


class QuoteSerializer(serializers.ModelSerializer):
    account = shown_by_code()
    account_name = serializers.CharField(source="account.name", read_only=True)
    currency = shown_by_code()
    contact = serializers.PrimaryKeyRelatedField(read_only=True)
    opportunity = serializers.SlugRelatedField(slug_field="number", read_only=True)
    price_list = shown_by_code()
    warehouse = shown_by_code()
    salesperson = serializers.SlugRelatedField(slug_field="username", read_only=True)
    sales_order = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text=_("The order the accepted quote became.")
    )
    superseded_by = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("The version that revised it."))

    class Meta:
        model = Quote
        fields = QUOTE_FIELDS
        read_only_fields = QUOTE_FIELDS


class QuoteTotalsSerializer(serializers.Serializer):
    net = serializers.DecimalField(**MONEY)
    tax = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)


class QuoteVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Quote
        fields = ("id", "version", "quote_date", "valid_until", "state")
        read_only_fields = fields


class QuoteDocumentMixin(serializers.Serializer):
    lines = QuoteLineSerializer(many=True, read_only=True)
    totals = serializers.SerializerMethodField(help_text=_("In the quote currency, tax rounded per line."))

    @extend_schema_field(QuoteTotalsSerializer)
    def get_totals(self, quote) -> dict:
        totals = lines_totals(quote.lines.all())
        return QuoteTotalsSerializer({"net": totals.net, "tax": totals.tax, "total": totals.total}).data


class QuoteDetailSerializer(QuoteDocumentMixin, QuoteSerializer):
    versions = serializers.SerializerMethodField(help_text=_("Every version of the quote's number, newest first."))

    class Meta(QuoteSerializer.Meta):
        fields = (*QUOTE_FIELDS, "totals", "lines", "versions")
        read_only_fields = fields

    @extend_schema_field(QuoteVersionSerializer(many=True))
    def get_versions(self, quote) -> list:
        return QuoteVersionSerializer(quote_versions(quote=quote), many=True).data


# --- Quotes: writing ----------------------------------------------------------------------------------------


class QuoteLineInputSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=POSITIVE)
    unit_price = serializers.DecimalField(
        **QUANTITY,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("In the quote currency, before discount. Null or left out: from the price list."),
    )
    discount_pct = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=Decimal(0), max_value=Decimal(100), required=False
    )
    tax_rate = by_code(TaxRate, required=False, allow_null=True)
    promised_date = serializers.DateField(required=False, allow_null=True)
    position = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class QuoteHeaderSerializer(StrictInputMixin, serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), required=False, allow_null=True)
    opportunity = serializers.SlugRelatedField(
        slug_field="number", queryset=Opportunity.objects.all(), required=False, allow_null=True
    )
    price_list = by_code(
        PriceList, required=False, allow_null=True, help_text=_("Null: the customer's lists, then the general ones.")
    )
    currency = by_code(
        Currency, required=False, help_text=_("Default: the price list's, the customer's, the company's.")
    )
    warehouse = by_code(Warehouse, required=False, help_text=_("Where the order ships from. Default: the first."))
    quote_date = serializers.DateField(required=False, help_text=_("Default: today."))
    valid_until = serializers.DateField(required=False, help_text=_("Default: 30 days from the quote date."))
    requested_date = serializers.DateField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class QuoteCreateSerializer(QuoteHeaderSerializer):
    account = by_code(Partner)
    requested_date = serializers.DateField()
    lines = QuoteLineInputSerializer(many=True, required=False, default=list)


class AcceptSerializer(StrictInputMixin, serializers.Serializer):
    customer_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text=_("The customer's PO number.")
    )


class RejectSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(help_text=_("Why the customer said no."))


QUOTE_COMMAND = command_actions(record="quote", responses=QuoteDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary="Quotes; filters account, state, latest, item, quote date and validity"),
    retrieve=extend_schema(summary="A quote with its lines, totals and versions"),
    create=extend_schema(
        summary="A draft quote with its lines; prices left out come from the price list at the quantity break",
        request=QuoteCreateSerializer,
        responses={201: QuoteDetailSerializer},
    ),
    update=extend_schema(summary="Change a draft's header", request=QuoteHeaderSerializer),
    partial_update=extend_schema(summary="Change a draft's header", request=QuoteHeaderSerializer),
    destroy=extend_schema(summary="Delete a first draft (a revision is kept)"),
)
class QuoteViewSet(ServiceWritesMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = quote_details().annotate(net_value=NET_VALUE)
    serializer_class = QuoteSerializer
    detail_serializer_class = QuoteDetailSerializer
    filterset_class = QuoteFilterSet
    ordering_fields = ["number", "version", "quote_date", "valid_until", "requested_date", "state", "account__code"]
    action_permissions = {
        "promise": MANAGE,
        "send": MANAGE,
        "revise": MANAGE,
        "accept": ACCEPT,
        "reject": MANAGE,
        "lines": MANAGE,
        "line": MANAGE,
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.order_by("-number", "-version") if self.action == "list" else queryset

    def get_serializer_class(self):
        return {
            "retrieve": QuoteDetailSerializer,
            "create": QuoteCreateSerializer,
            "update": QuoteHeaderSerializer,
            "partial_update": QuoteHeaderSerializer,
        }.get(self.action, self.serializer_class)

    def create(self, request, *args, **kwargs):
        quote = services.quote_create(**self.validated(QuoteCreateSerializer), salesperson=request.user)
        return self.answer(quote, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        quote = self.get_object()
        return self.answer(services.quote_update(quote=quote, **self.validated(QuoteHeaderSerializer)))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.quote_delete(quote=instance)

    promise = QUOTE_COMMAND(
        "promise",
        services.quote_promise,
        "Promise each line of a draft by capable-to-promise; the quote's promise is the latest",
        with_user=False,
    )
    send = QUOTE_COMMAND("send", services.quote_send, "Send a draft: it needs lines and a validity in the future")

    @extend_schema(
        summary="Revise a sent, rejected or expired quote: a new draft version, the old one superseded",
        request=None,
        responses={201: QuoteDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        revision = services.quote_revise(quote=self.get_object(), user=request.user)
        return self.answer(revision, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept a sent, valid quote: a confirmed sales order (credit check included), or nothing at all",
        request=AcceptSerializer,
        responses=QuoteDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        quote = self.get_object()
        data = self.validated(AcceptSerializer)
        return self.answer(services.quote_accept(quote=quote, user=request.user, **data))

    @extend_schema(summary="Reject a sent quote, saying why", request=RejectSerializer, responses=QuoteDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        quote = self.get_object()
        data = self.validated(RejectSerializer)
        return self.answer(services.quote_reject(quote=quote, user=request.user, **data))

    @extend_schema(
        summary="Add a line to a draft", request=QuoteLineInputSerializer, responses={201: QuoteDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def lines(self, request, pk=None):
        return self.line_added(QuoteLineInputSerializer, services.quote_line_add, record="quote")

    @extend_schema(
        summary="Change (PATCH) or remove (DELETE) a line of a draft; a unit_price of null prices it from the list",
        request=QuoteLineInputSerializer,
        responses=QuoteDetailSerializer,
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"lines/(?P<line_id>[0-9]+)")
    def line(self, request, pk=None, line_id=None):
        return self.line_changed(
            QuoteLineInputSerializer, line_id, update=services.quote_line_update, remove=services.quote_line_remove
        )


# --- Order tracking -----------------------------------------------------------------------------------------


class ProductionTrackingSerializer(serializers.Serializer):
    order = serializers.CharField(source="order.number", help_text=_("The production order."))
    quantity = serializers.DecimalField(source="order.quantity", **QUANTITY)
    good_qty = serializers.DecimalField(**QUANTITY, help_text=_("Good units out of its last operation so far."))
    operations = serializers.IntegerField()
    operations_done = serializers.IntegerField()
    percent_done = serializers.DecimalField(max_digits=5, decimal_places=0)


class LineTrackingSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="line.position")
    item = serializers.CharField(source="line.item.code")
    item_name = serializers.CharField(source="line.item.name")
    unit = serializers.CharField(source="line.item.uom.code")
    ordered = serializers.DecimalField(**QUANTITY)
    promised_date = serializers.DateField(allow_null=True, help_text=_("The line's promise, else the order's."))
    state = serializers.ChoiceField(choices=TrackingState.choices)
    percent_done = serializers.DecimalField(
        max_digits=5, decimal_places=0, allow_null=True, help_text=_("Of its production; null when none is made.")
    )
    reserved = serializers.DecimalField(**QUANTITY, help_text=_("Held in the warehouse for it."))
    shipped = serializers.DecimalField(**QUANTITY)
    invoiced = serializers.DecimalField(**QUANTITY)
    production = ProductionTrackingSerializer(many=True)


class ShipmentTrackingSerializer(serializers.Serializer):
    number = serializers.CharField(help_text=_("The delivery note."))
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True, help_text=_("Null: packed, not shipped yet."))


class OrderTrackingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="order.pk")
    number = serializers.CharField(source="order.number")
    customer = serializers.CharField(source="order.customer.code")
    customer_reference = serializers.CharField(source="order.customer_reference")
    currency = serializers.CharField(source="order.currency.code")
    order_date = serializers.DateField(source="order.order_date")
    requested_date = serializers.DateField(source="order.requested_date")
    promised_date = serializers.DateField(source="order.promised_date", allow_null=True)
    state = serializers.ChoiceField(source="order.state", choices=SalesOrderState.choices)
    status = serializers.ChoiceField(choices=TrackingState.choices, help_text=_("The least advanced line's."))
    percent_done = serializers.DecimalField(max_digits=5, decimal_places=0, allow_null=True)
    lines = LineTrackingSerializer(many=True)
    shipments = ShipmentTrackingSerializer(many=True)


class TrackingMixin:
    # For a read-only viewset of sales orders answered as their tracking (`OrderTrackingSerializer`): the
    # page's orders are tracked together, in a fixed number of queries.

    serializer_class = OrderTrackingSerializer

    def list(self, request, *args, **kwargs):
        orders = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(orders)
        trackings = orders_tracked(page if page is not None else orders)
        data = OrderTrackingSerializer(trackings, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        tracking: OrderTracking = order_tracking(sales_order=self.get_object())
        return Response(OrderTrackingSerializer(tracking).data)


@extend_schema_view(
    list=extend_schema(summary="Open sales orders (or those of the states filtered for) with their live status"),
    retrieve=extend_schema(summary="A sales order's live status, line by line, with its shipments"),
)
class OrderTrackingViewSet(TrackingMixin, viewsets.ReadOnlyModelViewSet):
    queryset = tracked_orders().order_by("-number")
    filterset_class = SalesOrderFilterSet
    ordering_fields = ["number", "order_date", "requested_date", "promised_date"]

    def get_queryset(self):
        orders = super().get_queryset()
        if self.action == "list" and not self.request.query_params.getlist("state"):
            orders = orders.filter(state__in=OPEN_STATES)
        return orders


def register(router) -> None:
    """Add this area's viewsets to the CRM router."""
    router.register("quotes", QuoteViewSet)
    router.register("order-tracking", OrderTrackingViewSet, basename="order-tracking")
