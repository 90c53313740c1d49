"""One item's stock at a glance: totals, per warehouse and per location (the item stock page and the API)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F

from core.models import Item
from wms.choices import LocationKind
from wms.models import Quant, Warehouse

ZERO = Decimal(0)


@dataclass
class StockTotals:
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    quality_hold: Decimal = ZERO  # free stock waiting for inspection: on hand, not available
    available: Decimal = ZERO

    def add(self, quant: Quant) -> None:
        self.on_hand += quant.quantity
        self.reserved += quant.reserved
        if quant.location.quality_hold:
            self.quality_hold += quant.quantity - quant.reserved
        else:
            self.available += quant.quantity - quant.reserved


@dataclass
class ItemStock:
    item: Item
    totals: StockTotals
    warehouses: dict[Warehouse, StockTotals] = field(default_factory=dict)
    quants: list[Quant] = field(default_factory=list)


def item_stock(*, item: Item, warehouse: Warehouse | None = None) -> ItemStock:
    """Quants of the item with stock, in warehouse and bin order, and their sums (one query).

    The totals agree with wms.selectors.stock.on_hand and available: available leaves out what is
    reserved and what waits in quality hold.
    """
    quants = (
        Quant.objects.filter(item=item, quantity__gt=0, location__kind=LocationKind.INTERNAL)
        .select_related("location__warehouse", "lot")
        .annotate(free=F("quantity") - F("reserved"))
        .order_by("location__warehouse__code", "location__pick_sequence", "location__code", "lot__code")
    )
    if warehouse is not None:
        quants = quants.filter(location__warehouse=warehouse)
    stock = ItemStock(item=item, totals=StockTotals(), quants=list(quants))
    for quant in stock.quants:
        stock.totals.add(quant)
        stock.warehouses.setdefault(quant.location.warehouse, StockTotals()).add(quant)
    return stock
