from decimal import Decimal

from django.db import connection
from django.db.models import F, Q, QuerySet, Sum

from core.models import Item
from wms.choices import LocationKind, RemovalStrategy
from wms.models import Quant, StockPolicy, Warehouse

ZERO = Decimal(0)


def _policy(item: Item, field: str, default):
    """A stock policy setting: the item's own, else its category's (walking up), else the default."""
    policies = {
        (p.item_id, p.category_id): getattr(p, field)
        for p in StockPolicy.objects.filter(Q(item=item) | Q(category__isnull=False))
    }
    if (item.pk, None) in policies:
        return policies[(item.pk, None)]
    category = item.category
    while category is not None:
        if (None, category.pk) in policies:
            return policies[(None, category.pk)]
        category = category.parent
    return default


def removal_strategy_for(item: Item) -> str:
    return _policy(item, "removal_strategy", RemovalStrategy.FIFO)


def requires_inspection(item: Item) -> bool:
    """Receipts of the item wait in quality hold."""
    return _policy(item, "requires_inspection", False)


def _stock(item: Item, warehouse: Warehouse | None) -> QuerySet[Quant]:
    quants = Quant.objects.filter(item=item, location__kind=LocationKind.INTERNAL)
    return quants.filter(location__warehouse=warehouse) if warehouse else quants


def on_hand(*, item: Item, warehouse: Warehouse | None = None) -> Decimal:
    """Everything physically in stock, quality hold included."""
    return _stock(item, warehouse).aggregate(total=Sum("quantity"))["total"] or ZERO


def available(*, item: Item, warehouse: Warehouse | None = None) -> Decimal:
    """On hand less reserved, less what waits for inspection: what a new demand can still have."""
    free = (
        _stock(item, warehouse).filter(location__quality_hold=False).aggregate(free=Sum(F("quantity") - F("reserved")))
    )
    return free["free"] or ZERO


LEDGER_MISMATCHES = """
WITH ledger AS (
    SELECT item_id, location_id, lot_id, SUM(quantity) AS quantity FROM (
        SELECT m.item_id, m.to_location_id AS location_id, m.lot_id, m.quantity
          FROM wms_stockmove m JOIN wms_location l ON l.id = m.to_location_id WHERE l.kind = %(internal)s
        UNION ALL
        SELECT m.item_id, m.from_location_id, m.lot_id, -m.quantity
          FROM wms_stockmove m JOIN wms_location l ON l.id = m.from_location_id WHERE l.kind = %(internal)s
    ) flows GROUP BY item_id, location_id, lot_id
), reserved AS (
    SELECT quant_id, SUM(quantity) AS quantity FROM wms_reservation GROUP BY quant_id
)
SELECT COALESCE(q.item_id, g.item_id), COALESCE(q.location_id, g.location_id), COALESCE(q.lot_id, g.lot_id),
       COALESCE(q.quantity, 0), COALESCE(g.quantity, 0), COALESCE(q.reserved, 0), COALESCE(r.quantity, 0)
  FROM wms_quant q
  FULL OUTER JOIN ledger g
    ON q.item_id = g.item_id AND q.location_id = g.location_id AND q.lot_id IS NOT DISTINCT FROM g.lot_id
  LEFT JOIN reserved r ON r.quant_id = q.id
 WHERE COALESCE(q.quantity, 0) <> COALESCE(g.quantity, 0)
    OR COALESCE(q.quantity, 0) < 0
    OR COALESCE(q.reserved, 0) <> COALESCE(r.quantity, 0)
"""


def ledger_mismatches() -> list[dict]:
    """Quants that differ from the sum of their moves, or whose reserved differs from their reservations."""
    with connection.cursor() as cursor:
        cursor.execute(LEDGER_MISMATCHES, {"internal": LocationKind.INTERNAL})
        rows = cursor.fetchall()
    return [
        {
            "item_id": r[0],
            "location_id": r[1],
            "lot_id": r[2],
            "quant": r[3],
            "ledger": r[4],
            "reserved": r[5],
            "reservations": r[6],
        }
        for r in rows
    ]


STOCK_AS_OF = """
SELECT item_id, location_id, lot_id, SUM(quantity) AS quantity FROM (
    SELECT m.item_id, m.to_location_id AS location_id, m.lot_id, m.quantity
      FROM wms_stockmove m JOIN wms_location l ON l.id = m.to_location_id
     WHERE l.kind = %(internal)s AND m.moved_at <= %(at)s {warehouse}
    UNION ALL
    SELECT m.item_id, m.from_location_id, m.lot_id, -m.quantity
      FROM wms_stockmove m JOIN wms_location l ON l.id = m.from_location_id
     WHERE l.kind = %(internal)s AND m.moved_at <= %(at)s {warehouse}
) flows GROUP BY item_id, location_id, lot_id HAVING SUM(quantity) <> 0
ORDER BY item_id, location_id, lot_id
"""


def stock_as_of(*, at, warehouse: Warehouse | None = None) -> list[dict]:
    """On hand per item, location and lot at a past moment, from the ledger: ERP's valuation snapshot.

    WMS knows quantities (and the cost each move carried); ERP prices them. One query, whatever the date.
    """
    params = {"internal": LocationKind.INTERNAL, "at": at}
    if warehouse is not None:
        params["warehouse"] = warehouse.pk
    sql = STOCK_AS_OF.format(warehouse="AND l.warehouse_id = %(warehouse)s" if warehouse is not None else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            {"item_id": item, "location_id": location, "lot_id": lot, "quantity": quantity}
            for item, location, lot, quantity in cursor.fetchall()
        ]


DEFAULT_WAREHOUSE = "MAIN"


def default_warehouse() -> Warehouse | None:
    """Where documents made without a warehouse go (imported or planned orders): MAIN, else the only one."""
    warehouse = Warehouse.objects.filter(code=DEFAULT_WAREHOUSE).first()
    if warehouse is None and Warehouse.objects.count() == 1:
        warehouse = Warehouse.objects.get()
    return warehouse
