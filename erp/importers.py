"""erp's files of the import format: demand.csv, purchase_orders.csv, production_orders.csv.

A plant moves in with its open orders. Each `reference` is one document that keeps the plant's own
number (its rows are the document's lines) and is made through the same services as the screens, so an
imported sales order is confirmed and reserves stock, a purchase order is sent and WMS expects its goods,
and a production order is firm with the BOM and routing effective on its start date copied onto it.

Prices are not part of the format: a sales line takes the customer's price (price lists), or 0 when no
list prices it; a purchase line takes the item's standard cost. Re-importing the same file changes
nothing: a document already in Takt with the same open lines is left as it is, one whose lines differ is
refused (change it in Takt, where its reservations, receipts and history are).
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F

from core.choices import PartnerKind
from core.models import Item, Partner
from core.services.dataio import CsvFile, FileHandler, ImportFileError, Row, register
from erp.choices import DemandKind, ProductionOrderState, PurchaseOrderState, SalesOrderState
from erp.models import (
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesForecast,
    SalesOrder,
    SalesOrderLine,
)
from erp.services.pricing import price_for
from erp.services.production import production_order_create, production_order_firm
from erp.services.purchasing import purchase_order_create, purchase_order_send
from erp.services.sales import sales_order_confirm, sales_order_create
from wms.models import Warehouse
from wms.selectors.stock import DEFAULT_WAREHOUSE, default_warehouse

DEMAND_COLUMNS = ("reference", "item", "qty", "due_date", "customer", "kind")
PURCHASE_COLUMNS = ("reference", "item", "qty", "due_date", "supplier")
PRODUCTION_COLUMNS = ("reference", "item", "qty", "due_date")
# Demand rows may leave the customer empty (planning data); their orders go to this customer.
UNSPECIFIED_CUSTOMER = "UNSPECIFIED"
QTY_FIELD = SalesOrderLine._meta.get_field("quantity")
DATE_FIELD = SalesOrderLine._meta.get_field("requested_date")
REFERENCE_FIELD = SalesForecast._meta.get_field("reference")

OPEN_SALES = [SalesOrderState.CONFIRMED, SalesOrderState.IN_PRODUCTION, SalesOrderState.PARTIALLY_SHIPPED]
OPEN_PURCHASES = [PurchaseOrderState.SENT, PurchaseOrderState.CONFIRMED, PurchaseOrderState.PARTIALLY_RECEIVED]
OPEN_PRODUCTION = [ProductionOrderState.FIRM, ProductionOrderState.RELEASED, ProductionOrderState.IN_PROGRESS]
# The services name their fields; the files have their own columns.
COLUMN_OF = {
    "quantity": "qty",
    "requested_date": "due_date",
    "expected_date": "due_date",
    "due_date": "due_date",
    "start_date": "due_date",
    "item": "item",
    "customer": "customer",
    "supplier": "supplier",
    "unit_price": "item",
    "bom_revision": "item",
    "routing_revision": "item",
}

Line = tuple[str, Decimal, datetime.date]  # item code, open quantity, due date


class _Document:
    """The rows of one reference: its lines as the file states them."""

    def __init__(self, reference: str):
        self.reference = reference
        self.rows: list[Row] = []
        self.lines: list[tuple[Item, Decimal, datetime.date]] = []

    @property
    def first(self) -> Row:
        return self.rows[0]

    def key(self) -> list[Line]:
        return sorted((item.code, qty, due) for item, qty, due in self.lines)

    def refused(self, exc: ValidationError) -> ImportFileError:
        """A service's refusal, on the row (and column) of the line it names."""
        if not hasattr(exc, "error_dict"):
            return self.first.error(None, " ".join(exc.messages))
        field, messages = next(iter(exc.message_dict.items()))
        row = self.first
        parts = field.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(self.rows):
            row, field = self.rows[int(parts[1])], parts[2]
        return row.error(COLUMN_OF.get(field), " ".join(messages))

    def unchanged_or_refused(self, what: str, existing: list[Line]) -> None:
        if sorted(existing) != self.key():
            reason = f"{what} {self.reference} is already in Takt with other open lines; change it there"
            raise self.first.error("reference", reason)


def _documents(rows: Iterable[Row], items: dict[str, Item]) -> dict[str, _Document]:
    documents: dict[str, _Document] = {}
    seen: dict[Any, int] = {}
    for row in rows:
        reference = row.value("reference", REFERENCE_FIELD)
        item = row.lookup("item", items, "item")
        qty = row.value("qty", QTY_FIELD)
        if qty <= 0:
            raise row.error("qty", f"an open quantity is more than zero: '{row.cells['qty']}'")
        due = _due(row)
        row.once(seen, "item", (reference, item.pk, due), f"{item.code} due {due} on {reference}")
        document = documents.setdefault(reference, _Document(reference))
        document.rows.append(row)
        document.lines.append((item, qty, due))
    return documents


def _warehouse(row: Row) -> Warehouse:
    """Where a file's open orders ship from, receive to and produce in: MAIN, or the only warehouse."""
    warehouse = default_warehouse()
    if warehouse is None:
        raise row.error(None, f"open orders need a warehouse: set up {DEFAULT_WAREHOUSE} (or exactly one) first")
    return warehouse


def _partner(document: _Document, column: str, partners: dict[str, Partner], default: Callable[[Item], Any]) -> Any:
    """The document's partner: the same code on every row (or empty rows taking the default)."""
    chosen = None
    for row, (item, _qty, _due) in zip(document.rows, document.lines, strict=True):
        partner = row.lookup(column, partners, column) or default(item)
        if chosen is not None and partner != chosen:
            raise row.error(column, f"{document.reference} names two {column}s: {chosen.code} and {partner.code}")
        chosen = partner
    return chosen


def _lookups() -> tuple[dict[str, Item], dict[str, Partner]]:
    items = {item.code: item for item in Item.objects.select_related("uom", "default_supplier")}
    partners = {partner.code: partner for partner in Partner.objects.all()}
    return items, partners


# --- demand.csv ------------------------------------------------------------------------------------------------


def _unspecified_customer(partners: dict[str, Partner]) -> Partner:
    """Made on first use, then found among the file's partners like any other."""
    if UNSPECIFIED_CUSTOMER not in partners:
        partners[UNSPECIFIED_CUSTOMER], _created = Partner.objects.get_or_create(
            code=UNSPECIFIED_CUSTOMER,
            defaults={"name": "Demand without a customer (imported)", "kind": PartnerKind.CUSTOMER},
        )
    return partners[UNSPECIFIED_CUSTOMER]


def _sales_price(customer: Partner, item: Item, qty: Decimal, order_date: datetime.date) -> Decimal:
    currency = customer.currency
    if currency is None:
        return Decimal(0)
    try:
        return price_for(customer=customer, item=item, quantity=qty, currency=currency, on=order_date)
    except ValidationError:
        return Decimal(0)


def _sales_order_load(
    document: _Document, partners: dict[str, Partner], warehouse: Warehouse, counts: dict[str, int]
) -> None:
    customer = _partner(document, "customer", partners, lambda _item: _unspecified_customer(partners))
    existing = SalesOrder.objects.filter(number=document.reference).first()
    if existing is not None:
        if existing.state not in OPEN_SALES:
            raise document.first.error("reference", f"sales order {document.reference} is {existing.state} in Takt")
        open_lines = [
            (line.item.code, line.quantity - line.shipped_qty, line.requested_date or existing.requested_date)
            for line in existing.lines.select_related("item").filter(quantity__gt=F("shipped_qty"))
        ]
        document.unchanged_or_refused("sales order", open_lines)
        counts["sales orders unchanged"] += 1
        return
    today = datetime.date.today()
    try:
        order = sales_order_create(
            number=document.reference,
            customer=customer,
            warehouse=warehouse,
            order_date=today,
            requested_date=min(due for _item, _qty, due in document.lines),
            lines=[
                {
                    "item": item,
                    "quantity": qty,
                    "requested_date": due,
                    "unit_price": _sales_price(customer, item, qty, today),
                }
                for item, qty, due in document.lines
            ],
        )
        sales_order_confirm(order=order)
    except ValidationError as exc:
        raise document.refused(exc) from None
    counts["sales orders created"] += 1


def _due(row: Row) -> datetime.date:
    due = row.value("due_date", DATE_FIELD, default=None)
    if due is None:
        raise row.error("due_date", "a value is required")
    return due


def _forecast_load(row: Row, items: dict[str, Item], partners: dict[str, Partner], counts: dict[str, int]) -> None:
    item = row.lookup("item", items, "item")
    qty = row.value("qty", QTY_FIELD)
    if qty <= 0:
        raise row.error("qty", f"a forecast quantity is more than zero: '{row.cells['qty']}'")
    reference, due = row.value("reference", REFERENCE_FIELD), _due(row)
    forecast = SalesForecast.objects.filter(reference=reference, item=item, due_date=due).first()
    if forecast is None:
        forecast, outcome = SalesForecast(reference=reference, item=item, due_date=due), "forecasts created"
    else:
        outcome = "forecasts updated"
    before = (forecast.quantity, forecast.customer_id)
    forecast.quantity, forecast.customer = qty, row.lookup("customer", partners, "customer")
    if before == (forecast.quantity, forecast.customer_id):
        counts["forecasts unchanged"] += 1
        return
    try:
        forecast.full_clean()
    except ValidationError as exc:
        raise row.error("customer", " ".join(exc.messages)) from None
    forecast.save()
    counts[outcome] += 1


def demand_load(data: CsvFile) -> dict[str, int]:
    items, partners = _lookups()
    counts = dict.fromkeys(
        (
            "sales orders created",
            "sales orders unchanged",
            "forecasts created",
            "forecasts updated",
            "forecasts unchanged",
        ),
        0,
    )
    orders = []
    for row in data.rows:
        kind = row.cells.get("kind") or DemandKind.SALES_ORDER
        if kind not in DemandKind.values:
            raise row.error("kind", f"'{kind}' is not one of {', '.join(DemandKind.values)}")
        if kind == DemandKind.FORECAST:
            _forecast_load(row, items, partners, counts)
        else:
            orders.append(row)
    documents = list(_documents(orders, items).values())
    warehouse = _warehouse(documents[0].first) if documents else None
    for document in documents:
        _sales_order_load(document, partners, warehouse, counts)
    return {"rows": len(data.rows), **counts}


def demand_export() -> Iterable[Sequence[Any]]:
    """Open lines of confirmed sales orders (what is left to ship), then the forecasts."""
    lines = (
        SalesOrderLine.objects.filter(order__state__in=OPEN_SALES, quantity__gt=F("shipped_qty"))
        .select_related("order__customer", "item")
        .order_by("order__number", "position")
    )
    for line in lines:
        due = line.requested_date or line.order.requested_date
        customer = line.order.customer.code
        yield (line.order.number, line.item.code, line.quantity - line.shipped_qty, due, customer, "sales_order")
    forecasts = SalesForecast.objects.select_related("item", "customer").order_by("reference", "due_date", "item")
    for forecast in forecasts:
        customer = forecast.customer.code if forecast.customer else ""
        yield (forecast.reference, forecast.item.code, forecast.quantity, forecast.due_date, customer, "forecast")


# --- purchase_orders.csv ---------------------------------------------------------------------------------------


def purchase_orders_load(data: CsvFile) -> dict[str, int]:
    items, partners = _lookups()
    counts = {"purchase orders created": 0, "purchase orders unchanged": 0}
    documents = list(_documents(data.rows, items).values())
    warehouse = _warehouse(documents[0].first) if documents else None
    for document in documents:
        supplier = _partner(document, "supplier", partners, lambda item: item.default_supplier)
        if supplier is None:
            raise document.first.error("supplier", "name the supplier: the item has no default supplier")
        existing = PurchaseOrder.objects.filter(number=document.reference).first()
        if existing is not None:
            if existing.state not in OPEN_PURCHASES:
                reason = f"purchase order {document.reference} is {existing.state} in Takt"
                raise document.first.error("reference", reason)
            open_lines = [
                (line.item.code, line.quantity - line.received_qty, line.expected_date or existing.expected_date)
                for line in existing.lines.select_related("item").filter(quantity__gt=F("received_qty"))
            ]
            document.unchanged_or_refused("purchase order", open_lines)
            counts["purchase orders unchanged"] += 1
            continue
        try:
            order = purchase_order_create(
                number=document.reference,
                supplier=supplier,
                warehouse=warehouse,
                order_date=datetime.date.today(),
                expected_date=min(due for _item, _qty, due in document.lines),
                lines=[
                    {"item": item, "quantity": qty, "unit_price": item.standard_cost, "expected_date": due}
                    for item, qty, due in document.lines
                ],
            )
            purchase_order_send(order=order)
        except ValidationError as exc:
            raise document.refused(exc) from None
        counts["purchase orders created"] += 1
    return {"rows": len(data.rows), **counts}


def purchase_orders_export() -> Iterable[Sequence[Any]]:
    """What is still to come on sent and confirmed orders."""
    lines = (
        PurchaseOrderLine.objects.filter(order__state__in=OPEN_PURCHASES, quantity__gt=F("received_qty"))
        .select_related("order__supplier", "item")
        .order_by("order__number", "position")
    )
    for line in lines:
        due = line.expected_date or line.order.expected_date
        yield (line.order.number, line.item.code, line.quantity - line.received_qty, due, line.order.supplier.code)


# --- production_orders.csv -------------------------------------------------------------------------------------


def production_orders_load(data: CsvFile) -> dict[str, int]:
    items, _partners = _lookups()
    counts = {"production orders created": 0, "production orders unchanged": 0}
    documents = list(_documents(data.rows, items).values())
    warehouse = _warehouse(documents[0].first) if documents else None
    for document in documents:
        if len(document.rows) > 1:
            reason = f"{document.reference} appears twice in this file (first on line {document.first.line})"
            raise document.rows[1].error("reference", reason)
        item, qty, due = document.lines[0]
        existing = ProductionOrder.objects.filter(number=document.reference).select_related("item").first()
        if existing is not None:
            if existing.state not in OPEN_PRODUCTION:
                reason = f"production order {document.reference} is {existing.state} in Takt"
                raise document.first.error("reference", reason)
            open_qty = existing.quantity - existing.completed_qty
            document.unchanged_or_refused("production order", [(existing.item.code, open_qty, existing.due_date)])
            counts["production orders unchanged"] += 1
            continue
        try:
            order = production_order_create(
                number=document.reference, item=item, quantity=qty, due_date=due, warehouse=warehouse
            )
            production_order_firm(order=order)
        except ValidationError as exc:
            raise document.refused(exc) from None
        counts["production orders created"] += 1
    return {"rows": len(data.rows), **counts}


def production_orders_export() -> Iterable[Sequence[Any]]:
    """Firm and running orders, for what they still have to make."""
    orders = (
        ProductionOrder.objects.filter(state__in=OPEN_PRODUCTION, quantity__gt=F("completed_qty"))
        .select_related("item")
        .order_by("number")
    )
    for order in orders:
        yield (order.number, order.item.code, order.quantity - order.completed_qty, order.due_date)


register(
    FileHandler(
        name="demand.csv",
        columns=DEMAND_COLUMNS,
        required=frozenset({"reference", "item", "qty", "due_date"}),
        load=demand_load,
        export=demand_export,
    )
)
register(
    FileHandler(
        name="purchase_orders.csv",
        columns=PURCHASE_COLUMNS,
        required=frozenset({"reference", "item", "qty", "due_date"}),
        load=purchase_orders_load,
        export=purchase_orders_export,
    )
)
register(
    FileHandler(
        name="production_orders.csv",
        columns=PRODUCTION_COLUMNS,
        required=frozenset({"reference", "item", "qty", "due_date"}),
        load=production_orders_load,
        export=production_orders_export,
    )
)
