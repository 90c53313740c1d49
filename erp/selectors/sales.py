"""Reads of sales: order totals, a customer's credit exposure, and an order's progress through WMS."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum

from core.models import Partner
from erp.choices import InvoiceKind, InvoiceState, SalesOrderState
from erp.models import Invoice, SalesOrder, SalesOrderLine
from erp.services.journal import to_cents

ZERO = Decimal(0)

# Committed to the customer and not yet fully invoiced: what counts against the credit limit beside
# the open invoices (an "invoiced" order is all in receivables by then).
COMMITTED_STATES = (
    SalesOrderState.CONFIRMED,
    SalesOrderState.IN_PRODUCTION,
    SalesOrderState.PARTIALLY_SHIPPED,
    SalesOrderState.SHIPPED,
)


@dataclass(frozen=True)
class Totals:
    """Money of an order (or part of it) in its own currency."""

    net: Decimal = ZERO
    tax: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


def line_tax(line: SalesOrderLine, net: Decimal | None = None) -> Decimal:
    """The tax on a line's net amount (or on `net`), rounded to cents as the invoice rounds it."""
    net = line.net_amount if net is None else net
    return to_cents(net * line.tax_rate.rate_pct / 100) if line.tax_rate_id else ZERO


def lines_totals(lines: Iterable[SalesOrderLine]) -> Totals:
    net = tax = ZERO
    for line in lines:
        net += line.net_amount
        tax += line_tax(line)
    return Totals(net=net, tax=tax)


def uninvoiced_value(line: SalesOrderLine) -> Decimal:
    """What the part of a line not invoiced yet is worth, tax included, in the order currency."""
    remaining = max(line.quantity - line.invoiced_qty, ZERO)
    if not remaining:
        return ZERO
    net = to_cents(remaining * line.net_unit_price)
    return net + line_tax(line, net)


@dataclass(frozen=True)
class CreditExposure:
    """What a customer owes and has been promised, in the company currency."""

    receivables: Decimal
    open_orders: Decimal

    @property
    def total(self) -> Decimal:
        return self.receivables + self.open_orders


def credit_exposure(*, customer: Partner, exclude: SalesOrder | None = None) -> CreditExposure:
    """Open receivables (posted, not fully paid customer invoices) plus the tax-inclusive value of the
    customer's other confirmed orders not invoiced yet, both in the company currency."""
    open_invoices = Invoice.objects.filter(kind=InvoiceKind.CUSTOMER, partner=customer, state=InvoiceState.POSTED)
    receivables = sum(
        (
            to_cents((total - paid) * rate)
            for total, paid, rate in open_invoices.values_list("total_amount", "paid_amount", "exchange_rate")
        ),
        ZERO,
    )
    orders = SalesOrder.objects.filter(customer=customer, state__in=COMMITTED_STATES).prefetch_related(
        Prefetch("lines", queryset=SalesOrderLine.objects.select_related("tax_rate"))
    )
    if exclude is not None:
        orders = orders.exclude(pk=exclude.pk)
    open_orders = sum(
        (
            to_cents(sum((uninvoiced_value(line) for line in order.lines.all()), ZERO) * order.exchange_rate)
            for order in orders
        ),
        ZERO,
    )
    return CreditExposure(receivables=receivables, open_orders=open_orders)


def sales_orders_listed() -> QuerySet:
    """Orders for lists, with what each list row shows."""
    return SalesOrder.objects.select_related("customer", "currency", "warehouse", "stock_request")


@dataclass
class LineProgress:
    """An order line with what the warehouse holds for it, and its money."""

    line: SalesOrderLine
    reserved: Decimal = ZERO
    net: Decimal = ZERO
    tax: Decimal = ZERO


def order_progress(*, order: SalesOrder) -> list[LineProgress]:
    """Each line with the quantity reserved for it on its stock request.

    Confirmation makes one request line per order line, in position order, so the two are paired in
    that order; a request line of another item (changed in WMS by hand) pairs with nothing.
    """
    lines = list(order.lines.select_related("item__uom", "tax_rate").order_by("position"))
    progress = [LineProgress(line=line, net=line.net_amount, tax=line_tax(line)) for line in lines]
    if order.stock_request_id:
        request_lines = list(order.stock_request.lines.annotate(held=Sum("reservations__quantity")).order_by("pk"))
        for entry, request_line in zip(progress, request_lines, strict=False):
            if request_line.item_id == entry.line.item_id:
                entry.reserved = request_line.held or ZERO
    return progress
