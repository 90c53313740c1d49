from decimal import Decimal

import pytest

from core.models import Item, Unit
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Lot, Warehouse
from wms.services.moves import stock_move_post


def warehouse_make() -> Warehouse:
    """MAIN: bins A-01, A-02 and B-01 under MAIN/STOCK, a quality hold, receiving and output locations."""
    warehouse = Warehouse.objects.create(code="MAIN", name="Main warehouse")
    root = Location.objects.create(code="MAIN", kind=LocationKind.VIEW, warehouse=warehouse)
    stock = Location.objects.create(code="MAIN/STOCK", kind=LocationKind.VIEW, warehouse=warehouse, parent=root)
    for n, code in enumerate(["A-01", "A-02", "B-01"], start=1):
        Location.objects.create(code=f"MAIN/STOCK/{code}", warehouse=warehouse, parent=stock, pick_sequence=n * 10)
    warehouse.quality_location = Location.objects.create(
        code="MAIN/QC", warehouse=warehouse, parent=root, quality_hold=True
    )
    warehouse.receiving_location = Location.objects.create(code="MAIN/RECV", warehouse=warehouse, parent=root)
    warehouse.output_location = Location.objects.create(code="MAIN/OUT", warehouse=warehouse, parent=root)
    warehouse.stock_location = stock
    warehouse.save()
    return warehouse


@pytest.fixture
def warehouse(db):
    return warehouse_make()


def bin_of(code: str) -> Location:
    return Location.objects.get(code=f"MAIN/STOCK/{code}")


@pytest.fixture
def bin_(warehouse):
    return bin_of


@pytest.fixture
def item(db):
    def make(code: str, uom: str = "ea", **fields) -> Item:
        return Item.objects.create(code=code, name=code, uom=Unit.objects.get(code=uom), **fields)

    return make


@pytest.fixture
def receive(db):
    """Stock in from suppliers, as a receipt posts it."""

    def post(item: Item, quantity, location: Location, lot: str | None = None, expiry=None):
        lot_obj = Lot.objects.get_or_create(item=item, code=lot, defaults={"expiry_date": expiry})[0] if lot else None
        return stock_move_post(
            item=item,
            quantity=Decimal(str(quantity)),
            from_location=virtual_location(LocationKind.SUPPLIER),
            to_location=location,
            kind=MoveKind.RECEIPT,
            lot=lot_obj,
            unit_cost=Decimal("1.5"),
            reference="PO-TEST",
        )

    return post
