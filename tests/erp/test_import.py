"""demand.csv, purchase_orders.csv and production_orders.csv of docs/import.md: open orders, made through
the services, kept by their references, refused with file/line/column, and exported back losslessly."""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.models import Currency, ExchangeRate
from core.services.dataio import ImportFileError, export_folder, import_folder
from erp.choices import ProductionOrderState, PurchaseOrderState, SalesOrderState
from erp.models import ProductionOrder, PurchaseOrder, SalesForecast, SalesOrder
from tests.dataio import PLANT, csv_text, table_counts, write_folder
from wms.models import Quant

pytestmark = pytest.mark.django_db

DUE = datetime.date.today() + datetime.timedelta(days=20)
OPEN_ORDERS = {
    "stock.csv": """
        item,qty,warehouse,location
        KTL,4,MAIN,MAIN/STOCK/A-01
    """,
    "demand.csv": f"""
        reference,item,qty,due_date,customer,kind
        SO-1001,KTL,10,{DUE},C-SHOP,sales_order
        SO-1001,LID,25,{DUE},C-SHOP,
        SO-1002,KTL,3,{DUE},,sales_order
        FC-2026-12,KTL,120,{DUE},,forecast
    """,
    "purchase_orders.csv": f"""
        reference,item,qty,due_date,supplier
        PO-77,SHEET,400,{DUE},
        PO-77,LID,100,{DUE},S-STEEL
    """,
    "production_orders.csv": f"""
        reference,item,qty,due_date
        MO-5,KTL,50,{DUE}
    """,
}


@pytest.fixture
def plant(company, warehouse):
    for code, rate in (("EUR", "7.8"), ("USD", "7.1")):
        ExchangeRate.objects.create(currency=Currency.objects.get(code=code), valid_from="2026-01-01", rate=rate)
    return warehouse


def load(tmp_path: Path, files: dict[str, str], name: str = "plant") -> dict:
    return import_folder(write_folder(tmp_path / name, files))


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_open_orders_are_made_through_the_services_under_their_own_numbers(tmp_path, plant):
    counts = load(tmp_path, {**PLANT, **OPEN_ORDERS})

    assert counts["demand.csv"]["sales orders created"] == 2 and counts["demand.csv"]["forecasts created"] == 1
    order = SalesOrder.objects.get(number="SO-1001")
    assert order.state == SalesOrderState.CONFIRMED and order.customer.code == "C-SHOP"
    assert [(line.item.code, line.quantity) for line in order.lines.all()] == [("KTL", 10), ("LID", 25)]
    # Confirmed means reserved: the 4 kettles on hand are held for the first order.
    assert Quant.objects.get(item__code="KTL").reserved == 4
    assert SalesOrder.objects.get(number="SO-1002").customer.code == "UNSPECIFIED"
    assert SalesForecast.objects.get(reference="FC-2026-12").quantity == 120

    purchase = PurchaseOrder.objects.get(number="PO-77")
    assert purchase.state == PurchaseOrderState.SENT and purchase.supplier.code == "S-STEEL"
    assert purchase.receipt.lines.count() == 2 and purchase.currency.code == "EUR"
    # No price in the file: the line takes the item's standard cost.
    assert purchase.lines.get(item__code="SHEET").unit_price == Decimal("1.25")

    production = ProductionOrder.objects.get(number="MO-5")
    assert production.state == ProductionOrderState.FIRM and production.bom_revision.revision == "A"
    assert sorted(production.components.values_list("item__code", flat=True)) == ["BODY", "LID"]
    assert list(production.operations.values_list("seq", flat=True)) == [10, 20]


def test_importing_the_same_folder_again_changes_nothing(tmp_path, plant):
    folder = write_folder(tmp_path / "plant", {**PLANT, **OPEN_ORDERS})
    import_folder(folder)
    before = table_counts()

    counts = import_folder(folder)

    assert counts["demand.csv"]["sales orders unchanged"] == 2
    assert counts["demand.csv"]["forecasts unchanged"] == 1
    assert counts["purchase_orders.csv"]["purchase orders unchanged"] == 1
    assert counts["production_orders.csv"]["production orders unchanged"] == 1
    after = table_counts()
    assert after.pop("core.DomainEvent") == before.pop("core.DomainEvent") + 1  # "data imported", nothing else
    assert after == before


def test_export_writes_back_what_is_open(tmp_path, plant):
    load(tmp_path, {**PLANT, **OPEN_ORDERS})

    export_folder(tmp_path / "out")

    demand = rows_of(tmp_path / "out" / "demand.csv")
    assert [(r["reference"], r["item"], r["qty"], r["customer"], r["kind"]) for r in demand] == [
        ("SO-1001", "KTL", "10", "C-SHOP", "sales_order"),
        ("SO-1001", "LID", "25", "C-SHOP", "sales_order"),
        ("SO-1002", "KTL", "3", "UNSPECIFIED", "sales_order"),
        ("FC-2026-12", "KTL", "120", "", "forecast"),
    ]
    assert all(r["due_date"] == DUE.isoformat() for r in demand)
    assert rows_of(tmp_path / "out" / "purchase_orders.csv") == [
        {"reference": "PO-77", "item": "SHEET", "qty": "400", "due_date": DUE.isoformat(), "supplier": "S-STEEL"},
        {"reference": "PO-77", "item": "LID", "qty": "100", "due_date": DUE.isoformat(), "supplier": "S-STEEL"},
    ]
    assert rows_of(tmp_path / "out" / "production_orders.csv") == [
        {"reference": "MO-5", "item": "KTL", "qty": "50", "due_date": DUE.isoformat()}
    ]


def refusal(tmp_path, files: dict[str, str]) -> str:
    before = table_counts()
    with pytest.raises(ImportFileError) as failure:
        load(tmp_path, files, "bad")
    assert table_counts() == before  # one bad row and nothing is written
    return str(failure.value)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "demand.csv",
            f"reference,item,qty,due_date,customer\nSO-1,KTL,2,{DUE},C-SHOP\nSO-1,NOPE,1,{DUE},C-SHOP\n",
            "demand.csv, line 3, column item: unknown item 'NOPE'",
        ),
        (
            "demand.csv",
            f"reference,item,qty,due_date,customer\nSO-1,KTL,2,{DUE},C-SHOP\nSO-1,LID,1,{DUE},S-PARTS\n",
            "line 3, column customer: SO-1 names two customers: C-SHOP and S-PARTS",
        ),
        (
            "demand.csv",
            f"reference,item,qty,due_date,customer\nSO-1,KTL,2,{DUE},S-STEEL\n",
            "line 2, column customer:",
        ),
        (
            "demand.csv",
            "reference,item,qty,due_date,kind\nFC-1,KTL,5,2026-13-01,forecast\n",
            "line 2, column due_date: not a date (YYYY-MM-DD): '2026-13-01'",
        ),
        (
            "purchase_orders.csv",
            f"reference,item,qty,due_date\nPO-1,BODY,5,{DUE}\n",
            "line 2, column supplier: name the supplier: the item has no default supplier",
        ),
        (
            "purchase_orders.csv",
            f"reference,item,qty,due_date,supplier\nPO-1,LID,0,{DUE},S-PARTS\n",
            "line 2, column qty: an open quantity is more than zero",
        ),
        (
            "production_orders.csv",
            f"reference,item,qty,due_date\nMO-1,LID,5,{DUE}\n",
            "line 2, column item: LID is bought, not made",
        ),
        (
            "production_orders.csv",
            f"reference,item,qty,due_date\nMO-1,KTL,5,{DUE}\nMO-1,KTL,6,{DUE}\n",
            "line 3, column",
        ),
    ],
)
def test_a_bad_row_is_refused_by_file_line_and_column_and_nothing_is_written(tmp_path, plant, name, text, expected):
    load(tmp_path, PLANT)
    message = refusal(tmp_path, {name: text})
    assert name in message and expected in message


def test_a_made_item_without_a_released_routing_cannot_be_a_firm_order(tmp_path, plant):
    routings = csv_text(PLANT["routings.csv"]).replace("BODY,10,PRESS,30,0.5\n", "")
    load(tmp_path, {**PLANT, "routings.csv": routings})
    message = refusal(tmp_path, {"production_orders.csv": f"reference,item,qty,due_date\nMO-9,BODY,5,{DUE}\n"})
    assert "production_orders.csv, line 2, column item:" in message and "routing" in message


def test_an_open_order_changed_in_the_file_is_refused_not_overwritten(tmp_path, plant):
    load(tmp_path, {**PLANT, **OPEN_ORDERS})
    changed = OPEN_ORDERS["demand.csv"].replace("SO-1002,KTL,3", "SO-1002,KTL,30")
    message = refusal(tmp_path, {"demand.csv": changed})
    assert "sales order SO-1002 is already in Takt with other open lines; change it there" in message
    assert SalesOrder.objects.get(number="SO-1002").lines.get().quantity == 3
