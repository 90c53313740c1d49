"""Customer order tracking: where each line of a sales order stands, live from ERP, MES and WMS.

A line is confirmed, in production (with the % of its production orders' good units out of their last
operation, as MES reports them), ready (what is left to ship is reserved in the warehouse, or everything
made for it is completed), partially shipped, shipped, or invoiced. The order's shipments carry the
carrier and tracking numbers.

Any number of orders is tracked in a fixed number of queries (orders, lines, production orders and their
operations, reservations, shipments), so lists of orders do not query per order.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from core.models import Partner
from erp.choices import ProductionOrderState, SalesOrderState
from erp.models import ProductionOrder, SalesOrder, SalesOrderLine
from erp.selectors.production import ProductionProgress, production_progress
from wms.models import Shipment, StockRequestLine

ZERO = Decimal(0)
HUNDRED = Decimal(100)
SO = SalesOrderState
# Orders the customer is still waiting on: confirmed and not invoiced in full.
OPEN_STATES = (SO.CONFIRMED, SO.IN_PRODUCTION, SO.PARTIALLY_SHIPPED, SO.SHIPPED)
# What a customer sees of its orders: everything past the draft.
CUSTOMER_VISIBLE_STATES = tuple(state for state in SO if state != SO.DRAFT)
FINISHED_PRODUCTION = (ProductionOrderState.COMPLETED, ProductionOrderState.CLOSED)


class TrackingState(models.TextChoices):
    """Where a line stands, from the customer's side; in the order the goods go through them."""

    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PRODUCTION = "in_production", _("In production")
    READY = "ready", _("Ready to ship")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    INVOICED = "invoiced", _("Invoiced")
    CANCELLED = "cancelled", _("Cancelled")


# The least advanced line sets the order's status.
PROGRESS_ORDER = list(TrackingState)


@dataclass
class LineTracking:
    line: SalesOrderLine
    state: TrackingState
    promised_date: datetime.date | None  # the line's promise, else the order's
    reserved: Decimal = ZERO
    production: list[ProductionProgress] = field(default_factory=list)

    @property
    def ordered(self) -> Decimal:
        return self.line.quantity

    @property
    def shipped(self) -> Decimal:
        return self.line.shipped_qty

    @property
    def invoiced(self) -> Decimal:
        return self.line.invoiced_qty

    @property
    def percent_done(self) -> Decimal | None:
        """Good units made of what its production orders make, in %; None when nothing is made for it."""
        planned = sum((entry.order.quantity for entry in self.production), ZERO)
        if not planned:
            return None
        good = sum((min(entry.good_qty, entry.order.quantity) for entry in self.production), ZERO)
        return (good / planned * HUNDRED).quantize(Decimal(1), ROUND_HALF_UP)

    @property
    def state_label(self) -> str:
        return str(self.state.label)


@dataclass
class OrderTracking:
    order: SalesOrder
    lines: list[LineTracking]
    shipments: list[Shipment]

    @property
    def status(self) -> TrackingState:
        """The least advanced line's state (a cancelled order is cancelled, a draft a draft)."""
        if self.order.state == SO.CANCELLED:
            return TrackingState.CANCELLED
        if not self.lines:
            return TrackingState.DRAFT if self.order.state == SO.DRAFT else TrackingState.CONFIRMED
        return min((entry.state for entry in self.lines), key=PROGRESS_ORDER.index)

    @property
    def status_label(self) -> str:
        return str(self.status.label)

    @property
    def percent_done(self) -> Decimal | None:
        """Of the whole order's production, in %; None when nothing is made for it."""
        planned = sum((p.order.quantity for entry in self.lines for p in entry.production), ZERO)
        if not planned:
            return None
        good = sum((min(p.good_qty, p.order.quantity) for entry in self.lines for p in entry.production), ZERO)
        return (good / planned * HUNDRED).quantize(Decimal(1), ROUND_HALF_UP)

    @property
    def shipped_with(self) -> list[Shipment]:
        """The shipments that have left, with their carrier and tracking number."""
        return [shipment for shipment in self.shipments if shipment.shipped_at]


def _line_state(
    order: SalesOrder, line: SalesOrderLine, reserved: Decimal, production: list[ProductionProgress]
) -> TrackingState:
    if order.state == SO.CANCELLED:
        return TrackingState.CANCELLED
    if order.state == SO.DRAFT:
        return TrackingState.DRAFT
    if line.invoiced_qty >= line.quantity:
        return TrackingState.INVOICED
    if line.shipped_qty >= line.quantity:
        return TrackingState.SHIPPED
    if line.shipped_qty > 0:
        return TrackingState.PARTIALLY_SHIPPED
    if reserved >= line.quantity - line.shipped_qty:
        return TrackingState.READY
    if production:
        if all(entry.order.state in FINISHED_PRODUCTION for entry in production):
            return TrackingState.READY
        return TrackingState.IN_PRODUCTION
    return TrackingState.CONFIRMED


def _production_by_line(line_ids: list[int]) -> dict[int, list[ProductionProgress]]:
    """The production orders made for the lines, with their progress as erp reads it, for many at once."""
    by_line: dict[int, list[ProductionProgress]] = defaultdict(list)
    for progress in production_progress(ProductionOrder.objects.filter(sales_order_line_id__in=line_ids)):
        by_line[progress.order.sales_order_line_id].append(progress)
    return by_line


def _reserved_by_line(orders: list[SalesOrder]) -> dict[int, Decimal]:
    """What is reserved for each order line on its order's stock request.

    Confirmation makes one request line per order line, in position order, so the two are paired in that
    order (as erp's order_progress pairs them); a request line of another item pairs with nothing.
    """
    request_ids = [order.stock_request_id for order in orders if order.stock_request_id]
    request_lines: dict[int, list[StockRequestLine]] = defaultdict(list)
    for request_line in (
        StockRequestLine.objects.filter(request_id__in=request_ids)
        .annotate(held=Sum("reservations__quantity"))
        .order_by("request_id", "pk")
    ):
        request_lines[request_line.request_id].append(request_line)
    reserved: dict[int, Decimal] = {}
    for order in orders:
        pairs = zip(order.lines.all(), request_lines.get(order.stock_request_id, []), strict=False)
        for line, request_line in pairs:
            if request_line.item_id == line.item_id:
                reserved[line.pk] = request_line.held or ZERO
    return reserved


def _shipments_by_request(orders: list[SalesOrder]) -> dict[int, list[Shipment]]:
    request_ids = [order.stock_request_id for order in orders if order.stock_request_id]
    shipments: dict[int, list[Shipment]] = defaultdict(list)
    for shipment in Shipment.objects.filter(request_id__in=request_ids).order_by("number"):
        shipments[shipment.request_id].append(shipment)
    return shipments


def tracked_orders() -> QuerySet[SalesOrder]:
    """Sales orders with what tracking reads of them (pass a page of this to `orders_tracked`)."""
    return SalesOrder.objects.select_related("customer", "currency").prefetch_related(
        Prefetch("lines", queryset=SalesOrderLine.objects.select_related("item__uom").order_by("position"))
    )


def orders_tracked(orders: Iterable[SalesOrder]) -> list[OrderTracking]:
    """The tracking of each order, in the order given; the orders should come from `tracked_orders()`."""
    orders = list(orders)
    if not orders:
        return []
    line_ids = [line.pk for order in orders for line in order.lines.all()]
    production = _production_by_line(line_ids)
    reserved = _reserved_by_line(orders)
    shipments = _shipments_by_request(orders)
    result = []
    for order in orders:
        lines = []
        for line in order.lines.all():
            made = production.get(line.pk, [])
            held = reserved.get(line.pk, ZERO)
            lines.append(
                LineTracking(
                    line=line,
                    state=_line_state(order, line, held, made),
                    promised_date=line.promised_date or order.promised_date,
                    reserved=held,
                    production=made,
                )
            )
        result.append(OrderTracking(order=order, lines=lines, shipments=shipments.get(order.stock_request_id, [])))
    return result


def order_tracking(*, sales_order: SalesOrder) -> OrderTracking:
    """Where one sales order and each of its lines stand."""
    (tracking,) = orders_tracked(tracked_orders().filter(pk=sales_order.pk))
    return tracking


def orders_tracking(*, customer: Partner | None = None, open_only: bool = False) -> list[OrderTracking]:
    """The tracking of a customer's orders past the draft (or everyone's), newest first; `open_only`: those
    confirmed and not invoiced in full."""
    orders = tracked_orders().filter(state__in=OPEN_STATES if open_only else CUSTOMER_VISIBLE_STATES)
    if customer is not None:
        orders = orders.filter(customer=customer)
    return orders_tracked(orders.order_by("-number"))
