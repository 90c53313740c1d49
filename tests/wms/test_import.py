"""stock.csv of docs/import.md: a plant's opening stock set through opening-stock moves, errors by
file/line/column, round trip."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.choices import Tracking
from core.models import DomainEvent
from core.services.dataio import ImportFileError, export_folder, file_handlers, import_folder
from tests.dataio import PLANT, table_counts, write_folder
from wms import events
from wms.choices import LocationKind, MoveKind, RequestKind
from wms.locations import virtual_location
from wms.models import Location, Lot, Quant, StockMove, Warehouse
from wms.selectors.stock import ledger_mismatches
from wms.services.moves import stock_transfer
from wms.services.requests import stock_request_create, stock_request_reserve

pytestmark = pytest.mark.django_db

HEADER = "item,qty,warehouse,location,lot\n"


@pytest.fixture
def goods(item, warehouse):
    """A plain part, a lot-tracked part, a serial-numbered product and one counted in kg; MAIN's default bin A-01."""
    warehouse.stock_location = Location.objects.get(code="MAIN/STOCK/A-01")
    warehouse.save()
    return {
        "CB-EU": item("CB-EU", standard_cost=Decimal("4.6")),
        "HE-2000": item("HE-2000", tracking=Tracking.LOT),
        "KT-200": item("KT-200", tracking=Tracking.SERIAL),
        "SS-304": item("SS-304", uom="kg", tracking=Tracking.LOT),
    }


def load(tmp_path: Path, text: str, name: str = "plant") -> dict:
    return import_folder(write_folder(tmp_path / name, {"stock.csv": text}))["stock.csv"]


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ImportFileError) as failure:
        load(tmp_path, text, "bad")
    return str(failure.value)


def on_hand() -> dict[tuple[str, str, str | None], Decimal]:
    return {
        (q.item.code, q.location.code, q.lot.code if q.lot else None): q.quantity
        for q in Quant.objects.select_related("item", "location", "lot").filter(quantity__gt=0)
    }


def test_stock_csv_loads_after_the_engineering_files():
    names = [handler.name for handler in file_handlers()]
    assert names.index("stock.csv") == names.index("routings.csv") + 1


def test_rows_set_on_hand_through_opening_stock_moves_with_defaults_and_new_lots(tmp_path, goods):
    text = HEADER + (
        "CB-EU,120,,,\n"  # MAIN, its stock location
        "CB-EU,30,MAIN,MAIN/STOCK/B-01,\n"
        "HE-2000,500,,MAIN/STOCK/A-02,L-2401\n"
        "SS-304,12.5,MAIN,MAIN/QC,C-88\n"
        "KT-200,1,,,SN-0001\n"
    )

    counts = load(tmp_path, text)

    assert counts == {"rows": 5, "lots_created": 3, "adjusted": 5, "unchanged": 0}
    assert on_hand() == {
        ("CB-EU", "MAIN/STOCK/A-01", None): 120,
        ("CB-EU", "MAIN/STOCK/B-01", None): 30,
        ("HE-2000", "MAIN/STOCK/A-02", "L-2401"): 500,
        ("SS-304", "MAIN/QC", "C-88"): Decimal("12.5"),
        ("KT-200", "MAIN/STOCK/A-01", "SN-0001"): 1,
    }
    loss = virtual_location(LocationKind.INVENTORY)
    moves = StockMove.objects.filter(item__code="CB-EU").order_by("quantity")
    assert [(m.kind, m.from_location, m.quantity, m.unit_cost, m.reference) for m in moves] == [
        (MoveKind.OPENING, loss, 30, Decimal("4.6"), "stock.csv"),
        (MoveKind.OPENING, loss, 120, Decimal("4.6"), "stock.csv"),
    ]
    assert set(StockMove.objects.values_list("kind", flat=True)) == {MoveKind.OPENING}
    assert DomainEvent.objects.filter(name=events.STOCK_MOVED).count() == 5
    assert ledger_mismatches() == []


def test_a_reimport_of_the_same_file_changes_nothing(tmp_path, goods):
    text = HEADER + "CB-EU,120,,,\nHE-2000,500,,,L-1\n"
    load(tmp_path, text, "first")
    moved = DomainEvent.objects.filter(name=events.STOCK_MOVED)
    before = (StockMove.objects.count(), moved.count(), Lot.objects.count())

    counts = load(tmp_path, text, "again")

    assert counts == {"rows": 2, "lots_created": 0, "adjusted": 0, "unchanged": 2}
    assert (StockMove.objects.count(), moved.count(), Lot.objects.count()) == before


def test_a_row_below_what_is_on_hand_is_refused_and_a_higher_one_adds_the_difference(tmp_path, goods, receive, bin_):
    # Opening stock only adds: stock that went missing after the plant moved in is a count's loss in WMS.
    receive(goods["CB-EU"], 100, bin_("A-01"))
    before = table_counts()

    message = error_of(tmp_path, HEADER + "CB-EU,120,,MAIN/STOCK/A-02,\nCB-EU,93,,,\n")

    assert message == (
        "stock.csv, line 3, column qty: Opening stock only adds to what is on hand: 100 ea of CB-EU are in"
        " MAIN/STOCK/A-01, 93 would lower it. Count the difference as an inventory adjustment."
    )
    assert table_counts() == before
    assert load(tmp_path, HEADER + "CB-EU,130,,,\n")["adjusted"] == 1
    added = StockMove.objects.get(kind=MoveKind.OPENING)
    assert (added.from_location, added.to_location.code, added.quantity) == (
        virtual_location(LocationKind.INVENTORY),
        "MAIN/STOCK/A-01",
        30,
    )
    assert ledger_mismatches() == []


def test_quants_the_file_does_not_name_are_left_alone(tmp_path, goods, receive, bin_):
    receive(goods["CB-EU"], 10, bin_("B-01"))
    load(tmp_path, HEADER + "CB-EU,5,,,\n")
    assert on_hand() == {("CB-EU", "MAIN/STOCK/A-01", None): 5, ("CB-EU", "MAIN/STOCK/B-01", None): 10}


@pytest.fixture
def elsewhere(warehouse):
    """A second warehouse with a bin, and an inactive bin in MAIN."""
    other = Warehouse.objects.create(code="WH2", name="Overflow")
    Location.objects.create(code="WH2/A", warehouse=other)
    Location.objects.create(code="MAIN/STOCK/OLD", warehouse=warehouse, active=False)
    return other


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "CB-EU,1,,,\nNOPE,1,,,\n", "stock.csv, line 3, column item: unknown item 'NOPE'", id="unknown item"
        ),
        pytest.param(
            "CB-EU,1,WH9,,\n", "stock.csv, line 2, column warehouse: unknown warehouse 'WH9'", id="unknown warehouse"
        ),
        pytest.param(
            "CB-EU,1,,MAIN/STOCK/Z-99,\n",
            "stock.csv, line 2, column location: unknown location 'MAIN/STOCK/Z-99'",
            id="unknown location",
        ),
        pytest.param(
            "CB-EU,1,,WH2/A,\n",
            "stock.csv, line 2, column location: location WH2/A is not in warehouse MAIN",
            id="location of another warehouse",
        ),
        pytest.param(
            "CB-EU,1,MAIN,VIRTUAL/SCRAP,\n",
            "stock.csv, line 2, column location: location VIRTUAL/SCRAP is not in warehouse MAIN",
            id="virtual location",
        ),
        pytest.param(
            "CB-EU,1,,MAIN/STOCK,\n",
            "stock.csv, line 2, column location: location MAIN/STOCK cannot hold stock; name a bin",
            id="view location",
        ),
        pytest.param(
            "CB-EU,1,,MAIN/STOCK/OLD,\n",
            "stock.csv, line 2, column location: location MAIN/STOCK/OLD cannot hold stock; name a bin",
            id="inactive bin",
        ),
        pytest.param(
            "CB-EU,1,,,L-1\n",
            "stock.csv, line 2, column lot: CB-EU is not tracked by lot; leave the lot empty",
            id="lot for an untracked item",
        ),
        pytest.param(
            "HE-2000,1,,,\n",
            "stock.csv, line 2, column lot: HE-2000 is tracked by lot: a lot is required",
            id="tracked item without a lot",
        ),
        pytest.param(
            "KT-200,1,,,\n",
            "stock.csv, line 2, column lot: KT-200 is tracked by serial number: a serial number is required",
            id="serial item without a serial number",
        ),
        pytest.param(
            "KT-200,2,,,SN-1\n",
            "stock.csv, line 2, column qty: KT-200 is serial-numbered: a serial number is counted 0 or 1, not 2.",
            id="serial number counted twice",
        ),
        pytest.param("CB-EU,-4,,,\n", "stock.csv, line 2, column qty: a count cannot be negative: '-4'", id="negative"),
        pytest.param(
            'CB-EU,"1,5",,,\n',
            "stock.csv, line 2, column qty: not a number: '1,5' (the decimal point is '.')",
            id="bad number",
        ),
        pytest.param(
            "CB-EU,1.5,,,\n",
            "stock.csv, line 2, column qty: CB-EU is counted in ea to 0 decimal places; 1.5 is not.",
            id="fraction of a discrete unit",
        ),
        pytest.param(
            "SS-304,0.0000001,,,C-1\n",
            "stock.csv, line 2, column qty: Ensure that there are no more than 6 decimal places.",
            id="more decimals than the ledger keeps",
        ),
        pytest.param(
            "CB-EU,1,,,\nCB-EU,2,MAIN,MAIN/STOCK/A-01,\n",
            "stock.csv, line 3, column item: CB-EU in MAIN/STOCK/A-01 appears twice in this file (first on line 2)",
            id="duplicate row",
        ),
        pytest.param("CB-EU,,,,\n", "stock.csv, line 2, column qty: a value is required", id="missing quantity"),
    ],
)
def test_each_error_names_file_line_column_and_reason(tmp_path, goods, elsewhere, text, message):
    assert error_of(tmp_path, HEADER + text) == message


def test_the_default_warehouse_must_exist(tmp_path, item):
    item("CB-EU")
    message = error_of(tmp_path, "item,qty\nCB-EU,1\n")
    assert message == (
        "stock.csv, line 2, column warehouse: unknown warehouse 'MAIN' (the default when the column is empty)"
    )


def test_a_warehouse_without_a_stock_location_needs_the_location_named(tmp_path, goods):
    Warehouse.objects.create(code="WH3", name="No default")
    message = error_of(tmp_path, HEADER + "CB-EU,1,WH3,,\n")
    assert message == "stock.csv, line 2, column location: warehouse WH3 has no stock location; name the bin"


def test_a_stock_location_that_is_a_zone_needs_the_bin_named(tmp_path, goods, warehouse):
    warehouse.stock_location = Location.objects.get(code="MAIN/STOCK")  # put-away spreads over its bins
    warehouse.save()
    message = error_of(tmp_path, HEADER + "CB-EU,1,,,\n")
    assert message == (
        "stock.csv, line 2, column location: the stock location of warehouse MAIN, MAIN/STOCK, is a zone; name the bin"
    )
    assert load(tmp_path, HEADER + "CB-EU,1,,MAIN/STOCK/B-01,\n")["adjusted"] == 1


def test_a_missing_required_column_is_named(tmp_path, goods):
    assert error_of(tmp_path, "item,warehouse\nCB-EU,MAIN\n") == (
        "stock.csv, line 1, column qty: this required column is missing from the header"
    )


def test_reserved_stock_is_refused_as_a_lower_row_like_any_other(tmp_path, goods, warehouse, receive, bin_):
    receive(goods["CB-EU"], 10, bin_("A-01"))
    request = stock_request_create(
        kind=RequestKind.SHIPMENT,
        warehouse=warehouse,
        destination=virtual_location(LocationKind.CUSTOMER),
        lines=[(goods["CB-EU"], Decimal(8), None)],
    )
    stock_request_reserve(request=request)

    message = error_of(tmp_path, HEADER + "CB-EU,8,,,\n")

    assert message.startswith("stock.csv, line 2, column qty: Opening stock only adds to what is on hand: 10 ea")
    assert Quant.objects.get(item=goods["CB-EU"]).reserved == 8
    assert load(tmp_path, HEADER + "CB-EU,12,,,\n")["adjusted"] == 1  # more on top of the reserved is fine
    assert Quant.objects.get(item=goods["CB-EU"]).quantity == 12


def test_a_full_bin_is_refused(tmp_path, goods, bin_):
    Location.objects.filter(pk=bin_("B-01").pk).update(capacity_qty=100)
    message = error_of(tmp_path, HEADER + "CB-EU,60,,MAIN/STOCK/B-01,\nHE-2000,50,,MAIN/STOCK/B-01,L-1\n")
    assert message == (
        "stock.csv, line 2, column location: MAIN/STOCK/B-01 holds at most 100 units; this would make 110."
    )


def test_a_serial_number_already_in_stock_elsewhere_is_refused(tmp_path, goods):
    load(tmp_path, HEADER + "KT-200,1,,MAIN/STOCK/A-01,SN-7\n", "first")
    message = error_of(tmp_path, HEADER + "KT-200,1,,MAIN/STOCK/A-02,SN-7\n")
    assert message == "stock.csv, line 2, column lot: Serial number SN-7 is already in MAIN/STOCK/A-01."
    # Nor can an opening load move it: a count of 0 where it is would lower stock.
    message = error_of(tmp_path, HEADER + "KT-200,0,,MAIN/STOCK/A-01,SN-7\nKT-200,1,,MAIN/STOCK/A-02,SN-7\n")
    assert message.startswith("stock.csv, line 2, column qty: Opening stock only adds to what is on hand")
    assert on_hand() == {("KT-200", "MAIN/STOCK/A-01", "SN-7"): 1}


def test_one_bad_row_writes_nothing(tmp_path, goods):
    before = table_counts()
    message = error_of(tmp_path, HEADER + "CB-EU,5,,,\nHE-2000,7,,,NEW-LOT\nKT-200,3,,,SN-1\n")
    assert message.startswith("stock.csv, line 4, column qty:")
    assert table_counts() == before


def test_a_plant_folder_with_items_and_stock_loads_in_one_go(tmp_path, warehouse):
    warehouse.stock_location = Location.objects.get(code="MAIN/STOCK/A-01")
    warehouse.save()
    files = {name: PLANT[name] for name in ("partners.csv", "items.csv")}
    files["stock.csv"] = "item,qty,location\nSHEET,250.5,MAIN/STOCK/B-01\nLID,40,\n"
    counts = import_folder(write_folder(tmp_path / "plant", files))
    assert counts["stock.csv"] == {"rows": 2, "lots_created": 0, "adjusted": 2, "unchanged": 0}
    assert on_hand() == {("SHEET", "MAIN/STOCK/B-01", None): Decimal("250.5"), ("LID", "MAIN/STOCK/A-01", None): 40}


def test_an_export_reads_back_as_the_same_stock(tmp_path, goods, receive, bin_):
    load(tmp_path, HEADER + "SS-304,12.5,,MAIN/QC,C-88\nCB-EU,120,,,\nHE-2000,500,,MAIN/STOCK/A-02,L-2401\n")
    receive(goods["HE-2000"], 20, bin_("A-02"), lot="L-2399")
    receive(goods["CB-EU"], 5, bin_("A-02"))
    stock_transfer(item=goods["CB-EU"], quantity=Decimal(5), from_location=bin_("A-02"), to_location=bin_("B-01"))

    export_folder(tmp_path / "export")
    exported = (tmp_path / "export" / "stock.csv").read_text()

    assert exported == (
        "item,qty,warehouse,location,lot\n"
        "CB-EU,120,MAIN,MAIN/STOCK/A-01,\n"
        "CB-EU,5,MAIN,MAIN/STOCK/B-01,\n"
        "HE-2000,20,MAIN,MAIN/STOCK/A-02,L-2399\n"
        "HE-2000,500,MAIN,MAIN/STOCK/A-02,L-2401\n"
        "SS-304,12.5,MAIN,MAIN/QC,C-88\n"
    )
    moves = StockMove.objects.count()
    again = import_folder(write_folder(tmp_path / "again", {"stock.csv": exported}))["stock.csv"]
    assert again == {"rows": 5, "lots_created": 0, "adjusted": 0, "unchanged": 5}
    assert StockMove.objects.count() == moves
    export_folder(tmp_path / "export2")
    assert (tmp_path / "export2" / "stock.csv").read_text() == exported


def test_the_queries_of_an_unchanged_reimport_do_not_grow_with_the_rows(tmp_path, goods, item):
    def queries_for(count: int) -> int:
        for n in range(count):
            item(f"P-{count}-{n}")
        text = HEADER + "".join(f"P-{count}-{n},{n + 1},,,\n" for n in range(count))
        load(tmp_path, text, f"first-{count}")
        with CaptureQueriesContext(connection) as queries:
            assert load(tmp_path, text, f"again-{count}")["unchanged"] == count
        return len(queries)

    assert queries_for(10) == queries_for(300)


def test_the_command_prints_the_stock_counts(tmp_path, goods, capsys):
    folder = write_folder(tmp_path / "plant", {"stock.csv": HEADER + "CB-EU,3,,,\n"})
    call_command("import_data", str(folder))
    assert "stock.csv: rows 1, lots created 0, adjusted 1, unchanged 0" in capsys.readouterr().out
