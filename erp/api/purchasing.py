"""The purchasing API: purchase orders created with their lines (supplier, warehouse, items and tax rates
by code) and moved on by their commands: send, confirm, cancel, invoice (the supplier's invoice,
matched three ways) and close. Views are thin: each write is one service call, whose refusals the
exception handler turns into 400s naming field, code and reason."""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import StrictInputMixin, by_code, shown_by_code
from core.api.viewsets import ServiceWritesMixin, command_actions
from core.models import Currency, Item, Partner
from erp.filtersets.purchasing import PurchaseOrderFilterSet
from erp.models import Invoice, InvoiceLine, PurchaseOrder, PurchaseOrderLine, TaxRate
from erp.selectors.purchasing import purchase_orders
from erp.services import purchasing as services
from wms.models import Warehouse

QUANTITY = {"max_digits": 18, "decimal_places": 6}
MANAGE = ["erp.change_purchaseorder"]


# --- Reading ------------------------------------------------------------------------------------------------


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    unit = serializers.CharField(source="item.uom.code", read_only=True)
    tax_rate = shown_by_code()
    reference = serializers.CharField(read_only=True, help_text=_("How the WMS receipt line names it."))

    class Meta:
        model = PurchaseOrderLine
        fields = (
            "position",
            "reference",
            "item",
            "unit",
            "quantity",
            "unit_price",
            "tax_rate",
            "expected_date",
            "received_qty",
            "billed_qty",
        )
        read_only_fields = fields


ORDER_FIELDS = (
    "id",
    "number",
    "supplier",
    "supplier_reference",
    "warehouse",
    "currency",
    "exchange_rate",
    "order_date",
    "expected_date",
    "state",
    "receipt",
    "receipt_state",
    "net_amount",
    "buyer",
    "notes",
    "sent_at",
    "created_at",
    "updated_at",
)


class PurchaseOrderSerializer(serializers.ModelSerializer):
    supplier = shown_by_code()
    warehouse = shown_by_code()
    currency = shown_by_code()
    receipt = serializers.SlugRelatedField(slug_field="number", read_only=True)
    receipt_state = serializers.CharField(source="receipt.state", read_only=True, allow_null=True, default=None)
    net_amount = serializers.DecimalField(
        max_digits=30, decimal_places=2, read_only=True, help_text=_("In the order currency, before tax.")
    )
    buyer = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = ORDER_FIELDS
        read_only_fields = ORDER_FIELDS


class PurchaseOrderDetailSerializer(PurchaseOrderSerializer):
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)
    invoices = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta(PurchaseOrderSerializer.Meta):
        fields = (*ORDER_FIELDS, "lines", "invoices")
        read_only_fields = fields


# --- Writing ------------------------------------------------------------------------------------------------


class LineInputSerializer(StrictInputMixin, serializers.Serializer):
    item = by_code(Item)
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal("0.000001"))
    unit_price = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), help_text=_("In the order currency."))
    tax_rate = by_code(TaxRate, required=False, allow_null=True)
    expected_date = serializers.DateField(required=False, allow_null=True)


class PurchaseOrderCreateSerializer(StrictInputMixin, serializers.Serializer):
    supplier = by_code(Partner)
    warehouse = by_code(Warehouse)
    currency = by_code(
        Currency, required=False, allow_null=True, help_text=_("Default: the supplier's, else the company's.")
    )
    order_date = serializers.DateField(required=False, allow_null=True, help_text=_("Default: today."))
    expected_date = serializers.DateField(
        required=False, allow_null=True, help_text=_("Default: the order date plus the supplier's lead time.")
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = LineInputSerializer(many=True)


class ConfirmLineSerializer(StrictInputMixin, serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    expected_date = serializers.DateField()


class ConfirmSerializer(StrictInputMixin, serializers.Serializer):
    supplier_reference = serializers.CharField(max_length=100)
    expected_date = serializers.DateField(required=False, allow_null=True)
    lines = ConfirmLineSerializer(many=True, required=False, default=list)


class InvoiceLineInputSerializer(StrictInputMixin, serializers.Serializer):
    position = serializers.IntegerField(min_value=1, help_text=_("The order line billed."))
    quantity = serializers.DecimalField(**QUANTITY)
    unit_price = serializers.DecimalField(**QUANTITY, help_text=_("In the order currency."))


class SupplierInvoiceInputSerializer(StrictInputMixin, serializers.Serializer):
    supplier_reference = serializers.CharField(max_length=100, help_text=_("The supplier's invoice number."))
    invoice_date = serializers.DateField()
    lines = InvoiceLineInputSerializer(many=True)

    def validate_lines(self, lines):
        order = self.context["order"]
        by_position = {line.position: line for line in order.lines.all()}
        problems, found = [], []
        for line in lines:
            order_line = by_position.get(line["position"])
            if order_line is None:
                message = _("%(order)s has no line %(position)s.") % {
                    "order": order.number,
                    "position": line["position"],
                }
                problems.append({"position": [serializers.ErrorDetail(message, code="does_not_exist")]})
            else:
                problems.append({})
                found.append((order_line, line["quantity"], line["unit_price"]))
        if any(problems):
            raise serializers.ValidationError(problems)
        return found


class SupplierInvoiceLineSerializer(serializers.ModelSerializer):
    item = shown_by_code()
    order_line = serializers.IntegerField(source="purchase_order_line.position", read_only=True)
    tax_rate = shown_by_code()
    account = shown_by_code()

    class Meta:
        model = InvoiceLine
        fields = (
            "position",
            "order_line",
            "item",
            "quantity",
            "unit_price",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "account",
        )
        read_only_fields = fields


class SupplierInvoiceSerializer(serializers.ModelSerializer):
    supplier = serializers.SlugRelatedField(source="partner", slug_field="code", read_only=True)
    currency = shown_by_code()
    purchase_order = serializers.SlugRelatedField(slug_field="number", read_only=True)
    journal_entry = serializers.SlugRelatedField(slug_field="number", read_only=True)
    lines = SupplierInvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = (
            "id",
            "number",
            "supplier",
            "supplier_reference",
            "purchase_order",
            "currency",
            "exchange_rate",
            "invoice_date",
            "due_date",
            "state",
            "net_amount",
            "tax_amount",
            "total_amount",
            "paid_amount",
            "journal_entry",
            "lines",
        )
        read_only_fields = fields


# --- The endpoints --------------------------------------------------------------------------------------------


def orders_with_lines():
    lines = PurchaseOrderLine.objects.select_related("item__uom", "tax_rate").order_by("position")
    return purchase_orders().prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("invoices", queryset=Invoice.objects.order_by("number"))
    )


ORDER_COMMAND = command_actions(record="order", responses=PurchaseOrderDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary="Purchase orders, newest first"),
    retrieve=extend_schema(summary="A purchase order with its lines: ordered, received and billed"),
    create=extend_schema(
        summary="A draft purchase order with its lines; supplier, warehouse, items and tax rates by code",
        request=PurchaseOrderCreateSerializer,
        responses={201: PurchaseOrderDetailSerializer},
    ),
)
class PurchaseOrderViewSet(ServiceWritesMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Orders are created here as drafts and moved on by their commands; they are cancelled, never deleted."""

    queryset = purchase_orders().order_by("-number")
    serializer_class = PurchaseOrderSerializer
    detail_serializer_class = PurchaseOrderDetailSerializer
    filterset_class = PurchaseOrderFilterSet
    ordering_fields = [field.name for field in PurchaseOrder._meta.fields] + ["supplier__code", "net_amount"]
    action_permissions = {
        "send": MANAGE,
        "confirm": MANAGE,
        "cancel": MANAGE,
        "close": MANAGE,
        # Accounts payable enters the supplier's invoice: it posts to the books.
        "invoice": ["erp.view_purchaseorder", "erp.add_invoice"],
    }

    def get_queryset(self):
        return orders_with_lines() if self.action == "retrieve" else super().get_queryset()

    def get_serializer_class(self):
        return {"retrieve": PurchaseOrderDetailSerializer, "create": PurchaseOrderCreateSerializer}.get(
            self.action, self.serializer_class
        )

    def detail_queryset(self):
        return orders_with_lines()

    def create(self, request, *args, **kwargs):
        data = self.validated(PurchaseOrderCreateSerializer)
        order = services.purchase_order_create(
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            currency=data.get("currency"),
            order_date=data.get("order_date"),
            expected_date=data.get("expected_date"),
            notes=data["notes"],
            lines=[dict(line) for line in data["lines"]],
            buyer=request.user,
        )
        return self.answer(order, status.HTTP_201_CREATED)

    send = ORDER_COMMAND(
        "send",
        services.purchase_order_send,
        "Send the draft: WMS expects its goods on a receipt, one line per order line",
    )

    @extend_schema(
        summary="Record the supplier's confirmation: its reference, and the dates it promises (per line by position)",
        request=ConfirmSerializer,
        responses=PurchaseOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        order = self.get_object()
        data = self.validated(ConfirmSerializer)
        confirmed = services.purchase_order_confirm(
            order=order,
            supplier_reference=data["supplier_reference"],
            expected_date=data.get("expected_date"),
            line_dates={line["position"]: line["expected_date"] for line in data["lines"]},
            user=request.user,
        )
        return self.answer(confirmed)

    cancel = ORDER_COMMAND(
        "cancel",
        services.purchase_order_cancel,
        "Cancel the order (and its WMS receipt) while nothing is received",
    )
    close = ORDER_COMMAND(
        "close", services.purchase_order_close, "Close a billed order whose supplier invoices are paid"
    )

    @extend_schema(
        summary="Post the supplier's invoice, matched three ways: billed within received, priced as ordered "
        "(within the tolerances); every mismatch is reported and nothing is posted",
        request=SupplierInvoiceInputSerializer,
        responses={201: SupplierInvoiceSerializer},
    )
    @action(detail=True, methods=["post"])
    def invoice(self, request, pk=None):
        order = self.get_object()
        data = self.validated(SupplierInvoiceInputSerializer, order=order)
        invoice = services.supplier_invoice_create(
            order=order,
            supplier_reference=data["supplier_reference"],
            invoice_date=data["invoice_date"],
            lines=data["lines"],
            user=request.user,
        )
        invoice = (
            Invoice.objects.select_related("partner", "currency", "purchase_order", "journal_entry")
            .prefetch_related(
                Prefetch(
                    "lines",
                    queryset=InvoiceLine.objects.select_related(
                        "item", "tax_rate", "account", "purchase_order_line"
                    ).order_by("position"),
                )
            )
            .get(pk=invoice.pk)
        )
        return Response(SupplierInvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this area's viewsets to the ERP router."""
    router.register("purchase-orders", PurchaseOrderViewSet)
