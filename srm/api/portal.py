"""The supplier portal: what a supplier's own login (core.PartnerUser) reads and writes, under
/api/v1/srm/portal/. Every list and record is its own: another supplier's is a 404, and staff logins are
refused (403); they use the staff endpoints. Purchase orders it may confirm, ASNs it announces (feeding
the order's WMS receipt), invoices it submits (matched three ways by ERP), and its scorecards.

Writes are one service call each; a refusal is a 400 naming the field and the reason. Creating an ASN or
an invoice twice is refused by its number (the supplier's ASN number, its invoice number), so a retried
request cannot make a second one.
"""

from decimal import Decimal

import django_filters
from django.db.models import DecimalField, Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action

from core.api.portal import PartnerScopedMixin, request_partner
from core.api.serializers import StrictInputMixin, shown_by_code
from core.api.viewsets import ServiceWritesMixin
from erp.choices import InvoiceKind, PurchaseOrderState
from erp.models import Invoice, InvoiceLine, PurchaseOrder, PurchaseOrderLine
from erp.selectors.purchasing import purchase_orders
from erp.services.purchasing import supplier_invoice_create
from srm.models import Asn, AsnLine, Scorecard
from srm.selectors.portal import open_to_announce
from srm.services.portal import asn_create, purchase_order_supplier_confirm

QUANTITY = {"max_digits": 18, "decimal_places": 6}
QUANTITY_FIELD = DecimalField(**QUANTITY)
ZERO = Decimal(0)


# --- Reading ---------------------------------------------------------------------------------------------------


class PortalOrderLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    expected_date = serializers.SerializerMethodField(help_text=_("The line's date, else the order's."))
    announced_qty = serializers.DecimalField(**QUANTITY, read_only=True, help_text=_("Announced on your ASNs so far."))
    open_qty = serializers.DecimalField(
        **QUANTITY,
        read_only=True,
        help_text=_("What may still be announced: ordered, less what is received or announced."),
    )

    class Meta:
        model = PurchaseOrderLine
        fields = (
            "position",
            "item",
            "item_name",
            "unit",
            "quantity",
            "unit_price",
            "expected_date",
            "received_qty",
            "billed_qty",
            "announced_qty",
            "open_qty",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.DateField())
    def get_expected_date(self, line):
        return line.expected_date or line.order.expected_date


ORDER_FIELDS = (
    "id",
    "number",
    "supplier_reference",
    "currency",
    "order_date",
    "expected_date",
    "state",
    "net_amount",
    "sent_at",
)


class PortalOrderSerializer(serializers.ModelSerializer):
    currency = shown_by_code()
    net_amount = serializers.DecimalField(
        max_digits=30, decimal_places=2, read_only=True, help_text=_("In the order currency, before tax.")
    )

    class Meta:
        model = PurchaseOrder
        fields = ORDER_FIELDS
        read_only_fields = fields


class PortalOrderDetailSerializer(PortalOrderSerializer):
    lines = PortalOrderLineSerializer(many=True, read_only=True)

    class Meta(PortalOrderSerializer.Meta):
        fields = (*ORDER_FIELDS, "lines")
        read_only_fields = fields


class PortalAsnLineSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(source="po_line.position", read_only=True)
    item = serializers.CharField(source="po_line.item.code", read_only=True)

    class Meta:
        model = AsnLine
        fields = ("position", "item", "quantity", "lot_code", "expiry_date")
        read_only_fields = fields


class PortalAsnSerializer(serializers.ModelSerializer):
    purchase_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    receipt = serializers.CharField(
        source="purchase_order.receipt.number", read_only=True, help_text=_("The receipt our dock receives it on.")
    )
    lines = PortalAsnLineSerializer(many=True, read_only=True)

    class Meta:
        model = Asn
        fields = (
            "id",
            "number",
            "asn_number",
            "purchase_order",
            "receipt",
            "ship_date",
            "expected_date",
            "carrier",
            "tracking",
            "created_at",
            "lines",
        )
        read_only_fields = fields


class PortalInvoiceLineSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(source="purchase_order_line.position", read_only=True)
    item = shown_by_code()

    class Meta:
        model = InvoiceLine
        fields = ("position", "item", "quantity", "unit_price", "net_amount", "tax_amount")
        read_only_fields = fields


class PortalInvoiceSerializer(serializers.ModelSerializer):
    purchase_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    currency = shown_by_code()
    open_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    lines = PortalInvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = (
            "id",
            "number",
            "supplier_reference",
            "purchase_order",
            "currency",
            "invoice_date",
            "due_date",
            "state",
            "net_amount",
            "tax_amount",
            "total_amount",
            "paid_amount",
            "open_amount",
            "lines",
        )
        read_only_fields = fields


class PortalScorecardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Scorecard
        fields = (
            "id",
            "period_start",
            "period_end",
            "deliveries",
            "on_time_deliveries",
            "ordered_qty",
            "received_qty",
            "receipts_qty",
            "rejected_qty",
            "on_time_pct",
            "quantity_accuracy_pct",
            "reject_rate_pct",
            "price_variance_pct",
            "score",
            "rating",
            "rating_reason",
            "computed_at",
        )
        read_only_fields = fields


# --- Writing ---------------------------------------------------------------------------------------------------


def _line_at(order: PurchaseOrder, position: int) -> PurchaseOrderLine | None:
    return next((line for line in order.lines.all() if line.position == position), None)


def _lines_by_position(order: PurchaseOrder, lines: list[dict], *, named: bool = True) -> list[dict]:
    """Each input line with its order line (`po_line`) for its `position`; a 400 naming the ones not on the order."""
    problems, found = [], []
    for line in lines:
        order_line = _line_at(order, line["position"])
        if order_line is None:
            message = _("%(order)s has no line %(position)s.") % {"order": order.number, "position": line["position"]}
            problems.append({"position": [serializers.ErrorDetail(str(message), code="does_not_exist")]})
        else:
            problems.append({})
            found.append({**{k: v for k, v in line.items() if k != "position"}, "po_line": order_line})
    if any(problems):
        # From validate_lines() DRF files the list under "lines"; from validate() it is named here.
        raise serializers.ValidationError({"lines": problems} if named else problems)
    return found


@extend_schema_field(OpenApiTypes.STR)
class OwnOrderField(serializers.SlugRelatedField):
    """A purchase order of the caller's, by number: another supplier's is as unknown as one that does not exist."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="number", **kwargs)

    def get_queryset(self):
        partner = request_partner(self.context["request"])
        return PurchaseOrder.objects.filter(supplier=partner).exclude(state=PurchaseOrderState.DRAFT)


class PortalConfirmLineSerializer(StrictInputMixin, serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    confirmed_date = serializers.DateField()
    confirmed_quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal(0))


class PortalConfirmSerializer(StrictInputMixin, serializers.Serializer):
    supplier_reference = serializers.CharField(max_length=100, help_text=_("Your order confirmation's number."))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lines = PortalConfirmLineSerializer(many=True, required=False, default=list)

    def validate_lines(self, lines):
        return _lines_by_position(self.context["order"], lines, named=False)


class PortalAsnLineInputSerializer(StrictInputMixin, serializers.Serializer):
    position = serializers.IntegerField(min_value=1, help_text=_("The order line shipped."))
    quantity = serializers.DecimalField(**QUANTITY)
    lot_code = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)


class PortalAsnInputSerializer(StrictInputMixin, serializers.Serializer):
    purchase_order = OwnOrderField(help_text=_("Your purchase order, by its number."))
    asn_number = serializers.CharField(max_length=100, help_text=_("Your shipping notice's number."))
    ship_date = serializers.DateField()
    expected_date = serializers.DateField(help_text=_("When it arrives at our dock."))
    carrier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    tracking = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    lines = PortalAsnLineInputSerializer(many=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["lines"] = _lines_by_position(attrs["purchase_order"], attrs["lines"])
        return attrs


class PortalInvoiceLineInputSerializer(StrictInputMixin, serializers.Serializer):
    position = serializers.IntegerField(min_value=1, help_text=_("The order line billed."))
    quantity = serializers.DecimalField(**QUANTITY)
    unit_price = serializers.DecimalField(**QUANTITY, help_text=_("In the order currency."))


class PortalInvoiceInputSerializer(StrictInputMixin, serializers.Serializer):
    purchase_order = OwnOrderField(help_text=_("Your purchase order, by its number."))
    supplier_reference = serializers.CharField(max_length=100, help_text=_("Your invoice's number."))
    invoice_date = serializers.DateField()
    lines = PortalInvoiceLineInputSerializer(many=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["lines"] = [
            (line["po_line"], line["quantity"], line["unit_price"])
            for line in _lines_by_position(attrs["purchase_order"], attrs["lines"])
        ]
        return attrs


# --- The endpoints ---------------------------------------------------------------------------------------------


class PortalOrderFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=PurchaseOrderState.choices)

    class Meta:
        model = PurchaseOrder
        fields = ["state"]


def _order_lines():
    """An order's lines with what is announced on ASNs and what may still be announced."""
    announced = Coalesce(Sum("asn_lines__quantity"), Value(ZERO), output_field=QUANTITY_FIELD)
    return (
        PurchaseOrderLine.objects.select_related("item__uom", "order")
        .annotate(announced_qty=announced, open_qty=open_to_announce())
        .order_by("position")
    )


class SupplierPortalMixin(PartnerScopedMixin):
    portal_kind = "supplier"


@extend_schema_view(
    list=extend_schema(summary="Your purchase orders (sent to you, in any state since), newest first"),
    retrieve=extend_schema(summary="One of your purchase orders with its lines: ordered, received, billed, open"),
)
class PortalPurchaseOrderViewSet(SupplierPortalMixin, ServiceWritesMixin, viewsets.ReadOnlyModelViewSet):
    queryset = purchase_orders().exclude(state=PurchaseOrderState.DRAFT).order_by("-number")
    partner_field = "supplier"
    serializer_class = PortalOrderSerializer
    detail_serializer_class = PortalOrderDetailSerializer
    filterset_class = PortalOrderFilterSet
    ordering_fields = ["number", "order_date", "expected_date", "state"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(Prefetch("lines", queryset=_order_lines()))
        return queryset

    def detail_queryset(self):
        return self.get_queryset().prefetch_related(Prefetch("lines", queryset=_order_lines()))

    def get_serializer_class(self):
        return PortalOrderDetailSerializer if self.action == "retrieve" else PortalOrderSerializer

    @extend_schema(
        summary="Confirm the order: your reference and, per line, the date and quantity you promise",
        request=PortalConfirmSerializer,
        responses=PortalOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        order = self.get_object()
        data = self.validated(PortalConfirmSerializer, order=order)
        purchase_order_supplier_confirm(
            order=order,
            supplier=self.partner,
            supplier_reference=data["supplier_reference"],
            lines=data["lines"],
            note=data["note"],
            user=request.user,
        )
        return self.answer(order)


def _asns():
    return Asn.objects.select_related("purchase_order__receipt").prefetch_related(
        Prefetch("lines", queryset=AsnLine.objects.select_related("po_line__item").order_by("po_line__position", "pk"))
    )


@extend_schema_view(
    list=extend_schema(summary="Your advance shipping notices, newest first"),
    retrieve=extend_schema(summary="One of your ASNs with its lines"),
    create=extend_schema(
        summary="Announce a shipment of one of your orders: our dock expects it lot by lot on the order's receipt",
        request=PortalAsnInputSerializer,
        responses={201: PortalAsnSerializer},
    ),
)
class PortalAsnViewSet(SupplierPortalMixin, ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = _asns().order_by("-number")
    partner_field = "supplier"
    serializer_class = PortalAsnSerializer
    detail_serializer_class = PortalAsnSerializer
    ordering_fields = ["number", "ship_date", "expected_date"]

    def get_serializer_class(self):
        return PortalAsnInputSerializer if self.action == "create" else PortalAsnSerializer

    def create(self, request, *args, **kwargs):
        data = self.validated(PortalAsnInputSerializer)
        asn = asn_create(
            supplier=self.partner,
            order=data["purchase_order"],
            asn_number=data["asn_number"],
            ship_date=data["ship_date"],
            expected_date=data["expected_date"],
            carrier=data["carrier"],
            tracking=data["tracking"],
            lines=data["lines"],
            user=request.user,
        )
        return self.answer(asn, status.HTTP_201_CREATED)


def _invoices():
    lines = InvoiceLine.objects.select_related("item", "purchase_order_line").order_by("position")
    return (
        Invoice.objects.filter(kind=InvoiceKind.SUPPLIER)
        .select_related("purchase_order", "currency")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )


@extend_schema_view(
    list=extend_schema(summary="Your invoices with what is paid of them, newest first"),
    retrieve=extend_schema(summary="One of your invoices with its lines and what is paid"),
    create=extend_schema(
        summary="Submit your invoice for one of your orders, matched three ways: billed within what was "
        "received, priced as ordered (within the tolerances); every mismatch is answered with a 400",
        request=PortalInvoiceInputSerializer,
        responses={201: PortalInvoiceSerializer},
    ),
)
class PortalInvoiceViewSet(
    SupplierPortalMixin, ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = _invoices().order_by("-invoice_date", "-number")
    partner_field = "partner"
    serializer_class = PortalInvoiceSerializer
    detail_serializer_class = PortalInvoiceSerializer
    ordering_fields = ["number", "invoice_date", "due_date", "state"]

    def get_serializer_class(self):
        return PortalInvoiceInputSerializer if self.action == "create" else PortalInvoiceSerializer

    def create(self, request, *args, **kwargs):
        data = self.validated(PortalInvoiceInputSerializer)
        invoice = supplier_invoice_create(
            order=data["purchase_order"],
            supplier_reference=data["supplier_reference"],
            invoice_date=data["invoice_date"],
            lines=data["lines"],
            user=request.user,
        )
        return self.answer(invoice, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Your monthly scorecards, newest first"),
    retrieve=extend_schema(summary="One month's scorecard: deliveries, quantities, rejects, prices, score"),
)
class PortalScorecardViewSet(SupplierPortalMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Scorecard.objects.order_by("-period_start")
    partner_field = "supplier"
    serializer_class = PortalScorecardSerializer
    ordering_fields = ["period_start", "score"]


def register(router) -> None:
    """Add the supplier portal's viewsets to the SRM router."""
    router.register("portal/purchase-orders", PortalPurchaseOrderViewSet, basename="portal-purchase-order")
    router.register("portal/asns", PortalAsnViewSet, basename="portal-asn")
    router.register("portal/invoices", PortalInvoiceViewSet, basename="portal-invoice")
    router.register("portal/scorecards", PortalScorecardViewSet, basename="portal-scorecard")
