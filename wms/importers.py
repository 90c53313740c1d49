"""wms's file of the import format: stock.csv (see docs/import.md and docs/wms.md).

The file is a plant's opening stock (the format moves a plant into Takt). Each row brings the on-hand
of one item (and lot) in one location up to `qty` through a real move: an opening-stock gain from the
inventory location, never a raw overwrite of the quant, so the ledger explains every unit, and ERP
books it against opening balance equity (what the plant owned before it came), not as a count's
profit. A row equal to what is on hand posts nothing, so re-importing the same file (or an export)
changes nothing; a row below what is on hand is refused: stock that went missing after the plant moved
in is a count's loss, made in WMS. Quants the file does not name are left as they are.

Warehouses and locations are not part of the format: set them up first (screens, admin or API).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import F

from core.choices import Tracking
from core.models import Item
from core.services.dataio import BATCH_SIZE, CsvFile, FileHandler, register
from wms.choices import LocationKind
from wms.models import Location, Lot, Quant, Warehouse
from wms.selectors.stock import DEFAULT_WAREHOUSE
from wms.services.adjustments import CountRefused, StockCount, inventory_adjust_bulk

STOCK_COLUMNS = ("item", "qty", "warehouse", "location", "lot")
QTY_FIELD = Quant._meta.get_field("quantity")
LOT_CODE_FIELD = Lot._meta.get_field("code")
REFERENCE = "stock.csv"
# The service names the field it refuses; the file has its own column names.
COLUMN_OF = {"counted": "qty", "lot": "lot", "location": "location", "item": "item"}


def stock_load(data: CsvFile) -> dict[str, int]:
    items = {item.code: item for item in Item.objects.select_related("uom")}
    warehouses = {warehouse.code: warehouse for warehouse in Warehouse.objects.select_related("stock_location")}
    locations = {location.code: location for location in Location.objects.all()}
    lot_codes = {row.cells["lot"] for row in data.rows if row.cells.get("lot")}
    lots = {(lot.item_id, lot.code): lot for lot in Lot.objects.filter(code__in=lot_codes)}
    new_lots: list[Lot] = []
    counts: list[StockCount] = []
    seen: dict[tuple, int] = {}
    for row in data.rows:
        item = row.lookup("item", items, "item")
        qty = row.value("qty", QTY_FIELD)
        if qty < 0:
            raise row.error("qty", f"a count cannot be negative: '{row.cells['qty']}'")
        warehouse_code = row.cells.get("warehouse") or DEFAULT_WAREHOUSE
        if warehouse_code not in warehouses:
            default = "" if row.cells.get("warehouse") else " (the default when the column is empty)"
            raise row.error("warehouse", f"unknown warehouse '{warehouse_code}'{default}")
        warehouse = warehouses[warehouse_code]
        location = _location(row, warehouse, locations)
        lot = None
        code = row.value("lot", LOT_CODE_FIELD, default="")
        if item.tracking == Tracking.NONE:
            if code:
                raise row.error("lot", f"{item.code} is not tracked by lot; leave the lot empty")
        elif not code:
            what = "serial number" if item.tracking == Tracking.SERIAL else "lot"
            raise row.error("lot", f"{item.code} is tracked by {what}: a {what} is required")
        else:
            lot = lots.get((item.pk, code))
            if lot is None:
                lot = lots[(item.pk, code)] = Lot(item=item, code=code)
                new_lots.append(lot)
        what = f"{item.code}{f' lot {lot.code}' if lot else ''} in {location.code}"
        row.once(seen, "item", (item.pk, location.pk, code), what)
        counts.append(StockCount(item=item, location=location, lot=lot, counted=qty))
    Lot.objects.bulk_create(new_lots, batch_size=BATCH_SIZE)
    try:
        moves = inventory_adjust_bulk(
            counts=counts, reference=REFERENCE, reason="Imported from stock.csv", opening=True
        )
    except CountRefused as exc:
        raise data.rows[exc.index].error(COLUMN_OF.get(exc.field, exc.field), " ".join(exc.messages)) from None
    return {
        "rows": len(data.rows),
        "lots_created": len(new_lots),
        "adjusted": len(moves),
        "unchanged": len(data.rows) - len(moves),
    }


def _location(row, warehouse: Warehouse, locations: dict[str, Location]) -> Location:
    if not row.cells.get("location"):
        default = warehouse.stock_location
        if default is None:
            raise row.error("location", f"warehouse {warehouse.code} has no stock location; name the bin")
        if default.kind != LocationKind.INTERNAL or not default.active:
            # A zone (put-away spreads receipts over its bins); an opening balance names its bin.
            reason = f"the stock location of warehouse {warehouse.code}, {default.code}, is a zone; name the bin"
            raise row.error("location", reason)
        return default
    location = row.lookup("location", locations, "location")
    if location.warehouse_id != warehouse.pk:
        raise row.error("location", f"location {location.code} is not in warehouse {warehouse.code}")
    if location.kind != LocationKind.INTERNAL or not location.active:
        raise row.error("location", f"location {location.code} cannot hold stock; name a bin")
    return location


def stock_export() -> Iterable[Sequence[Any]]:
    """Every quant with stock, in the warehouses' internal locations, by item, warehouse, location and lot."""
    return (
        Quant.objects.filter(quantity__gt=0, location__kind=LocationKind.INTERNAL)
        .order_by("item__code", "location__warehouse__code", "location__code", F("lot__code").asc(nulls_first=True))
        .values_list("item__code", "quantity", "location__warehouse__code", "location__code", "lot__code")
    )


register(
    FileHandler(
        name="stock.csv",
        columns=STOCK_COLUMNS,
        required=frozenset({"item", "qty"}),
        load=stock_load,
        export=stock_export,
    )
)
