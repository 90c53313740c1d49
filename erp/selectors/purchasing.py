"""Reads of purchasing: orders for the lists, an order's lines with what is open, received and billed,
and what a supplier invoice for an order would most likely say."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.models import Currency, Partner
from core.selectors.currencies import company_currency
from erp.choices import InvoiceKind, InvoiceState
from erp.models import Invoice, PurchaseOrder, PurchaseOrderLine

ZERO = Decimal(0)
# Company-currency unit costs carry the scale of the receipt line's unit_cost (and of the stock move's).
UNIT_COST_PLACES = Decimal("0.000001")
MONEY_FIELD = DecimalField(max_digits=30, decimal_places=12)


def default_currency(*, supplier: Partner) -> Currency:
    """What an order from this supplier is priced in unless told: the supplier's currency, else the books'."""
    return supplier.currency if supplier.currency_id else company_currency()


def company_unit_cost(*, unit_price: Decimal, exchange_rate: Decimal) -> Decimal:
    """A price in the order currency as the company-currency unit cost the receipt carries to the stock move."""
    return (Decimal(unit_price) * Decimal(exchange_rate)).quantize(UNIT_COST_PLACES)


def purchase_orders() -> QuerySet[PurchaseOrder]:
    """Orders for lists and the API, with their net amount (order currency, before tax)."""
    net = (
        PurchaseOrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum(ExpressionWrapper(F("quantity") * F("unit_price"), output_field=MONEY_FIELD)))
        .values("total")
    )
    return PurchaseOrder.objects.select_related("supplier", "currency", "warehouse", "receipt", "buyer").annotate(
        net_amount=Coalesce(Subquery(net, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)
    )


def purchase_order_lines(*, order: PurchaseOrder) -> list[PurchaseOrderLine]:
    """An order's lines, each with `open_qty` (still to come), `unbilled_qty` (received, not billed yet),
    `net_amount` (order currency) and `unit_cost` (company currency, as the receipt carries it)."""
    lines = list(order.lines.select_related("item__uom", "tax_rate").order_by("position"))
    for line in lines:
        line.open_qty = max(line.quantity - line.received_qty, ZERO)
        line.unbilled_qty = max(line.received_qty - line.billed_qty, ZERO)
        line.net_amount = (line.quantity * line.unit_price).quantize(Decimal("0.01"))
        line.unit_cost = company_unit_cost(unit_price=line.unit_price, exchange_rate=order.exchange_rate)
    return lines


def purchase_order_line_for_reference(reference: str) -> QuerySet[PurchaseOrderLine]:
    """The line a WMS receipt line names by its `order_line_ref` ("PO-2026-00012/3"); empty when none does."""
    number, _slash, position = (reference or "").rpartition("/")
    if not number or not position.isdigit():
        return PurchaseOrderLine.objects.none()
    return PurchaseOrderLine.objects.filter(order__number=number, position=int(position))


@dataclass(frozen=True)
class InvoiceProposal:
    """One line of a supplier invoice as it most likely reads: what was received and not billed, at the order price."""

    line: PurchaseOrderLine
    quantity: Decimal
    unit_price: Decimal


def supplier_invoice_proposal(*, order: PurchaseOrder) -> list[InvoiceProposal]:
    """Every line of the order, with the received-not-billed quantity (zero for nothing to bill) and its price."""
    return [
        InvoiceProposal(line=line, quantity=line.unbilled_qty, unit_price=line.unit_price)
        for line in purchase_order_lines(order=order)
    ]


def purchase_order_invoices(*, order: PurchaseOrder) -> QuerySet[Invoice]:
    return Invoice.objects.filter(purchase_order=order, kind=InvoiceKind.SUPPLIER).order_by("invoice_date", "number")


def unpaid_invoices(*, order: PurchaseOrder) -> QuerySet[Invoice]:
    """The order's supplier invoices still waiting for money (drafts and posted ones not paid in full)."""
    return purchase_order_invoices(order=order).exclude(state__in=(InvoiceState.PAID, InvoiceState.CANCELLED))
