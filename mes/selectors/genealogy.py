"""Genealogy: the lots that went into a lot (backward), the lots made from a lot (forward), and for a
suspect lot, where everything made from it is now (the recall list).

The links (mes.LotLink, written by the consume and produce services) are walked by one recursive query
whatever the depth; what is known of each lot on the way (the orders that made it, their machines,
operators, events and inspections, the supplier receipts and customer shipments in the stock ledger)
is read for all the lots at once, so a trace costs the same dozen queries over two levels or twenty.
"""

import datetime
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Q, QuerySet, TextChoices, Value, When
from django.utils.translation import gettext_lazy as _

from core.models import Machine, Partner
from erp.models import Employee, LaborBooking, ProductionOrder
from mes.choices import EventKind
from mes.models import Inspection, LotLink, ProductionEvent
from wms.choices import LocationKind, RequestKind
from wms.models import Lot, Quant, Receipt, StockMove, StockRequest

ZERO = Decimal("0")
# What a trace shows of an order's production record. Counts are left out: a machine may report one a
# second, and the operation's totals say how many were made; who and where are in the events kept.
TRACE_EVENT_KINDS = (
    EventKind.START,
    EventKind.PAUSE,
    EventKind.RESUME,
    EventKind.COMPLETE,
    EventKind.CONSUME,
    EventKind.PRODUCE,
    EventKind.DOWNTIME_START,
)
SEARCH_LIMIT = 50


class TraceDirection(TextChoices):
    BACKWARD = "backward", _("Backward: what it was made from")
    FORWARD = "forward", _("Forward: what was made from it")


@dataclass(frozen=True)
class Link:
    """A row of mes_lotlink as the walk returns it."""

    produced_lot_id: int
    consumed_lot_id: int
    order_id: int
    consumed_qty: Decimal


@dataclass(frozen=True)
class SupplierReceipt:
    """Stock of the lot that came in from a supplier."""

    reference: str  # the purchase order, or the receipt's own number when it had none
    receipt: str
    supplier: Partner | None
    quantity: Decimal
    received_at: datetime.datetime


@dataclass(frozen=True)
class CustomerShipment:
    """Stock of the lot that went out to a customer."""

    reference: str  # the sales order, or the stock request's number when it had none
    delivery_note: str
    customer: Partner | None
    quantity: Decimal
    shipped_at: datetime.datetime


@dataclass
class LotRecord:
    """Everything known of one lot: who made it where and when, how it was checked, where it came from
    and where it went. One per lot, shared by every node of the tree that shows the lot."""

    lot: Lot
    orders: list[ProductionOrder] = field(default_factory=list)  # the orders that made it
    produced_qty: Decimal = ZERO
    machines: list[Machine] = field(default_factory=list)
    operators: list[Employee] = field(default_factory=list)
    events: list[ProductionEvent] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)
    receipts: list[SupplierReceipt] = field(default_factory=list)
    shipments: list[CustomerShipment] = field(default_factory=list)


@dataclass
class TraceNode:
    """A lot in the tree. `order` and `quantity` are of the link to its parent: backward, the order of the
    parent that consumed `quantity` of this lot; forward, the order that made this lot from `quantity` of
    the parent. A lot reached a second time (a lot used in two places) is `repeated`, without children."""

    record: LotRecord
    depth: int = 0
    order: ProductionOrder | None = None
    quantity: Decimal | None = None
    repeated: bool = False
    children: list["TraceNode"] = field(default_factory=list)

    @property
    def lot(self) -> Lot:
        return self.record.lot


@dataclass
class Trace:
    direction: str
    root: TraceNode
    records: dict[int, LotRecord]  # by lot id, every lot of the tree
    depths: dict[int, int]  # by lot id, the fewest links from the root
    links: list[Link]

    @property
    def lots(self) -> list[Lot]:
        return [record.lot for record in self.records.values()]


# --- Finding a lot ------------------------------------------------------------------------------------------


def lot_search(*, text: str) -> QuerySet[Lot]:
    """Lots and serial numbers whose code contains `text`, exact matches first."""
    text = text.strip()
    if not text:
        return Lot.objects.none()
    return (
        Lot.objects.filter(code__icontains=text)
        .select_related("item")
        .annotate(exact=Case(When(code__iexact=text, then=Value(True)), default=Value(False)))
        .order_by("-exact", "code", "item__code")[:SEARCH_LIMIT]
    )


def lots_by_code(*, code: str, item_code: str | None = None) -> list[Lot]:
    """The lots with exactly this code (of the item with `item_code`, when given): one, none, or several
    when items share the code."""
    lots = Lot.objects.filter(code=code).select_related("item")
    if item_code:
        lots = lots.filter(item__code=item_code)
    return list(lots.order_by("item__code"))


# --- Walking the links --------------------------------------------------------------------------------------

# (the column the walk starts from, the column it continues from), per direction.
_WALK = {
    TraceDirection.BACKWARD: ("produced_lot_id", "consumed_lot_id"),
    TraceDirection.FORWARD: ("consumed_lot_id", "produced_lot_id"),
}


def lot_links(*, lot_id: int, direction: str) -> list[Link]:
    """Every link reachable from the lot, any depth, in one recursive query. UNION (not UNION ALL) drops a
    link met again, so a cycle in the data (a lot reworked into itself through another lot) ends the walk
    instead of looping."""
    start, onward = _WALK[TraceDirection(direction)]
    table = LotLink._meta.db_table
    query = (
        f"WITH RECURSIVE walk (produced_lot_id, consumed_lot_id, order_id, consumed_qty) AS ("  # noqa: S608 (names are the model's)
        f" SELECT produced_lot_id, consumed_lot_id, order_id, consumed_qty FROM {table} WHERE {start} = %s"
        f" UNION"
        f" SELECT link.produced_lot_id, link.consumed_lot_id, link.order_id, link.consumed_qty"
        f" FROM {table} AS link JOIN walk ON link.{start} = walk.{onward}"
        f") SELECT produced_lot_id, consumed_lot_id, order_id, consumed_qty FROM walk"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [lot_id])
        return [Link(*row) for row in cursor.fetchall()]


# --- What is known of the lots ------------------------------------------------------------------------------


def _unique(values: Iterable) -> list:
    return list(dict.fromkeys(value for value in values if value is not None))


def _supplier_receipts(moves: list[StockMove]) -> dict[int, list[SupplierReceipt]]:
    """Receipts from suppliers by lot. A receipt's move carries its purchase order's number (or, without
    one, the receipt's number): that names the receipt, and the receipt its supplier."""
    references = {move.reference for move in moves if move.reference}
    receipts: dict[str, Receipt] = {}
    if references:
        for receipt in Receipt.objects.filter(Q(reference__in=references) | Q(number__in=references)).select_related(
            "supplier"
        ):
            receipts.setdefault(receipt.number, receipt)
            if receipt.reference:
                receipts.setdefault(receipt.reference, receipt)
    found: dict[int, list[SupplierReceipt]] = defaultdict(list)
    for move in moves:
        receipt = receipts.get(move.reference)
        found[move.lot_id].append(
            SupplierReceipt(
                reference=move.reference,
                receipt=receipt.number if receipt else "",
                supplier=receipt.supplier if receipt else None,
                quantity=move.quantity,
                received_at=move.moved_at,
            )
        )
    return found


def _customer_shipments(moves: list[StockMove]) -> dict[int, list[CustomerShipment]]:
    """Shipments to customers by lot. A shipment's move carries its sales order's number (or its stock
    request's): the request names the customer; its delivery note is the first one shipped with the move."""
    references = {move.reference for move in moves if move.reference}
    requests: dict[str, StockRequest] = {}
    if references:
        for request in (
            StockRequest.objects.filter(kind=RequestKind.SHIPMENT)
            .filter(Q(reference__in=references) | Q(number__in=references))
            .select_related("partner")
            .prefetch_related("shipments")
        ):
            requests.setdefault(request.number, request)
            if request.reference:
                requests.setdefault(request.reference, request)
    found: dict[int, list[CustomerShipment]] = defaultdict(list)
    for move in moves:
        request = requests.get(move.reference)
        notes = (
            sorted(
                (s for s in request.shipments.all() if s.shipped_at and s.shipped_at >= move.moved_at),
                key=lambda s: s.shipped_at,
            )
            if request
            else []
        )
        found[move.lot_id].append(
            CustomerShipment(
                reference=move.reference,
                delivery_note=notes[0].number if notes else "",
                customer=request.partner if request else None,
                quantity=move.quantity,
                shipped_at=move.moved_at,
            )
        )
    return found


def _orders_attach(records: dict[int, LotRecord], links: Iterable[Link]) -> dict[int, list[int]]:
    """Each lot's orders (those of the links that produced it and of its produce events) and quantity
    produced; returns the lots each order made."""
    made_by: dict[int, set[int]] = defaultdict(set)
    for link in links:
        if link.produced_lot_id in records:
            made_by[link.produced_lot_id].add(link.order_id)
    for lot_id, order_id, quantity in ProductionEvent.objects.filter(
        kind=EventKind.PRODUCE, lot_id__in=records.keys()
    ).values_list("lot_id", "operation__order_id", "quantity"):
        made_by[lot_id].add(order_id)
        records[lot_id].produced_qty += quantity or ZERO
    orders = ProductionOrder.objects.select_related("item").in_bulk({o for found in made_by.values() for o in found})
    lots_of_order: dict[int, list[int]] = defaultdict(list)
    for lot_id, order_ids in made_by.items():
        records[lot_id].orders = sorted((orders[o] for o in order_ids), key=lambda order: order.number)
        for order_id in order_ids:
            lots_of_order[order_id].append(lot_id)
    return lots_of_order


def _production_attach(records: dict[int, LotRecord], lots_of_order: dict[int, list[int]]) -> None:
    """The events, machines, operators and inspections of the orders that made the lots."""
    events = (
        ProductionEvent.objects.filter(operation__order_id__in=lots_of_order.keys(), kind__in=TRACE_EVENT_KINDS)
        .select_related("machine", "employee", "operation", "lot")
        .order_by("at", "id")
    )
    by_order: dict[int, list[ProductionEvent]] = defaultdict(list)
    for event in events:
        by_order[event.operation.order_id].append(event)
    workers: dict[int, list[Employee]] = defaultdict(list)
    for booking in LaborBooking.objects.filter(operation__order_id__in=lots_of_order.keys()).select_related(
        "employee", "operation"
    ):
        workers[booking.operation.order_id].append(booking.employee)
    for order_id, lot_ids in lots_of_order.items():
        for lot_id in lot_ids:
            record = records[lot_id]
            # The order's events, but of its output only this lot's: a serial's siblings are other units.
            record.events.extend(e for e in by_order[order_id] if e.kind != EventKind.PRODUCE or e.lot_id == lot_id)
            record.machines = _unique([*record.machines, *(e.machine for e in by_order[order_id])])
            record.operators = _unique(
                [*record.operators, *(e.employee for e in by_order[order_id]), *workers[order_id]]
            )
    inspections = (
        Inspection.objects.filter(
            Q(lot_id__in=records.keys()) | Q(operation__order_id__in=lots_of_order.keys(), lot__isnull=True)
        )
        .select_related("plan", "machine", "inspector", "operation", "lot")
        .order_by("inspected_at", "pk")
    )
    for inspection in inspections:
        if inspection.lot_id is not None:
            records[inspection.lot_id].inspections.append(inspection)
        else:
            for lot_id in lots_of_order[inspection.operation.order_id]:
                records[lot_id].inspections.append(inspection)


def _ledger_attach(records: dict[int, LotRecord]) -> None:
    """The lots' receipts from suppliers and shipments to customers, from the stock ledger."""
    moves = list(
        StockMove.objects.filter(lot_id__in=records.keys())
        .filter(Q(from_location__kind=LocationKind.SUPPLIER) | Q(to_location__kind=LocationKind.CUSTOMER))
        .select_related("from_location", "to_location")
        .order_by("moved_at", "id")
    )
    receipts = _supplier_receipts([m for m in moves if m.from_location.kind == LocationKind.SUPPLIER])
    shipments = _customer_shipments([m for m in moves if m.to_location.kind == LocationKind.CUSTOMER])
    for lot_id, record in records.items():
        record.receipts = receipts.get(lot_id, [])
        record.shipments = shipments.get(lot_id, [])


def lot_records(*, lot_ids: Iterable[int], links: Iterable[Link] = ()) -> dict[int, LotRecord]:
    """What is known of each lot, read for all of them at once (a fixed number of queries). `links` already
    walked name the orders that made the lots; produce events name those of lots made of nothing tracked."""
    lots = Lot.objects.filter(pk__in=set(lot_ids)).select_related("item__uom")
    records = {lot.pk: LotRecord(lot=lot) for lot in lots}
    _production_attach(records, _orders_attach(records, links))
    _ledger_attach(records)
    return records


# --- The traces ---------------------------------------------------------------------------------------------


def _tree(lot: Lot, direction: str, links: list[Link], records: dict[int, LotRecord]) -> Trace:
    """The links as a tree, breadth first: each lot is expanded where it is nearest the root; where it
    is met again it is shown `repeated`, so the tree stays as large as the links however they join."""
    backward = direction == TraceDirection.BACKWARD
    onward: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        onward[link.produced_lot_id if backward else link.consumed_lot_id].append(link)
    orders = {order.pk: order for record in records.values() for order in record.orders}
    root = TraceNode(record=records[lot.pk])
    depths = {lot.pk: 0}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        node.children = sorted(
            (
                TraceNode(
                    record=records[link.consumed_lot_id if backward else link.produced_lot_id],
                    depth=node.depth + 1,
                    order=orders.get(link.order_id),
                    quantity=link.consumed_qty,
                )
                for link in onward[node.lot.pk]
            ),
            key=lambda child: (child.lot.item.code, child.lot.code, child.order.number if child.order else ""),
        )
        # In that order, so which of two places expands a lot does not depend on the query's row order.
        for child in node.children:
            child.repeated = child.lot.pk in depths
            if not child.repeated:
                depths[child.lot.pk] = child.depth
                queue.append(child)
    return Trace(direction=direction, root=root, records=records, depths=depths, links=links)


def lot_trace(*, lot: Lot, direction: str) -> Trace:
    """The lot's tree in a `TraceDirection`."""
    links = lot_links(lot_id=lot.pk, direction=direction)
    lot_ids = {lot.pk} | {i for link in links for i in (link.produced_lot_id, link.consumed_lot_id)}
    return _tree(lot, direction, links, lot_records(lot_ids=lot_ids, links=links))


def trace_backward(*, lot: Lot) -> Trace:
    """A lot or serial back to every lot it was made from, down to the supplier lots."""
    return lot_trace(lot=lot, direction=TraceDirection.BACKWARD)


def trace_forward(*, lot: Lot) -> Trace:
    """A lot (a supplier's, say) forward to every lot and serial made from it, up to the finished units,
    with the customers they were shipped to."""
    return lot_trace(lot=lot, direction=TraceDirection.FORWARD)


# --- The recall list ----------------------------------------------------------------------------------------


@dataclass
class RecallLine:
    """A lot made from the suspect one (or the suspect lot itself, at depth 0) and where it is now."""

    record: LotRecord
    depth: int
    finished: bool  # nothing tracked was made from it
    on_hand: list[Quant]

    @property
    def lot(self) -> Lot:
        return self.record.lot

    @property
    def shipments(self) -> list[CustomerShipment]:
        return self.record.shipments


@dataclass
class Recall:
    lot: Lot
    lines: list[RecallLine]

    @property
    def customers(self) -> list[Partner]:
        found = _unique(s.customer for line in self.lines for s in line.shipments)
        return sorted(found, key=lambda partner: partner.code)


def recall_list(*, lot: Lot) -> Recall:
    """For a suspect lot, everything made from it that is still somewhere: the finished lots and serials
    (nothing tracked was made from them), and any lot with stock on hand or shipped to a customer, each with
    its stock by location and its shipments. Lots used up entirely in later lots are left out: those later
    lots carry them."""
    trace = trace_forward(lot=lot)
    made_into = {link.consumed_lot_id for link in trace.links}
    quants: dict[int, list[Quant]] = defaultdict(list)
    for quant in (
        Quant.objects.filter(lot_id__in=trace.records.keys(), quantity__gt=0)
        .select_related("location")
        .order_by("location__code")
    ):
        quants[quant.lot_id].append(quant)
    lines = []
    for lot_id, record in trace.records.items():
        finished = lot_id not in made_into
        line = RecallLine(
            record=record,
            depth=trace.depths[lot_id],
            finished=finished,
            on_hand=quants[lot_id],
        )
        if finished or line.on_hand or line.shipments:
            lines.append(line)
    lines.sort(key=lambda line: (line.depth, line.lot.item.code, line.lot.code))
    return Recall(lot=lot, lines=lines)
