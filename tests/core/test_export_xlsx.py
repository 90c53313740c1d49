"""Every list page exports to Excel as it does to CSV: the same columns, rows and filters, typed cells."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import XLSX_CONTENT_TYPE
from core.models import Currency, ExchangeRate, Item, Partner, Unit
from core.roles import Role

pytestmark = pytest.mark.django_db


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def csv_lines(response) -> list[str]:
    return b"".join(response.streaming_content).decode().splitlines()


@pytest.fixture
def items():
    ea = Unit.objects.get(code="ea")
    made = [
        Item.objects.create(code="KT-200", name="Kettle", uom=ea, procurement="make", standard_cost=Decimal("12.345")),
        Item.objects.create(code="CB-EU", name='=HYPERLINK("http://evil.example","x")', uom=ea, procurement="buy"),
        Item.objects.create(code="WS-2", name="-2 mm washer\x07", uom=ea, procurement="buy"),
    ]
    return {item.code: item for item in made}


def test_the_workbook_has_the_csv_header_and_rows_with_numbers_as_numbers(client_as, items):
    client = client_as(Role.PLANNER)
    response = client.get("/core/items/", {"export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="items.xlsx"'
    rows = workbook_rows(response)
    header = csv_lines(client.get("/core/items/", {"export": "csv"}))[0]
    assert ",".join(rows[0]) == header
    by_code = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_code) == {"KT-200", "CB-EU", "WS-2"}
    kettle = by_code["KT-200"]
    assert kettle["Name"] == "Kettle" and kettle["Unit of measure"] == "ea"
    assert isinstance(kettle["Standard cost"], float) and kettle["Standard cost"] == pytest.approx(12.345)
    assert kettle["Lead time days"] == 0 and kettle["Active"] is True


def test_user_text_that_starts_like_a_formula_is_prefixed_and_control_characters_dropped(client_as, items):
    rows = workbook_rows(client_as(Role.PLANNER).get("/core/items/", {"export": "xlsx"}))
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["CB-EU"] == '\'=HYPERLINK("http://evil.example","x")'
    assert names["WS-2"] == "'-2 mm washer"


def test_the_filters_of_the_page_apply_to_every_row_not_one_page(client_as, items):
    ea = Unit.objects.get(code="ea")
    Item.objects.bulk_create(Item(code=f"BUY-{n:03d}", name="Bought", uom=ea, procurement="buy") for n in range(60))
    client = client_as(Role.PLANNER)
    rows = workbook_rows(client.get("/core/items/", {"export": "xlsx", "procurement": "buy", "page": 1}))
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == 62 and "KT-200" not in codes
    # Invalid filters show nothing on the page, and export nothing either.
    assert workbook_rows(client.get("/core/items/", {"export": "xlsx", "category": "not-an-id"}))[1:] == []


def test_the_page_sort_order_is_kept(client_as, items):
    rows = workbook_rows(client_as(Role.PLANNER).get("/core/items/", {"export": "xlsx", "sort": "-code"}))
    assert [row[0] for row in rows[1:]] == ["WS-2", "KT-200", "CB-EU"]


def test_dates_are_date_cells(client_as):
    usd = Currency.objects.get_or_create(code="USD", defaults={"name": "US dollar"})[0]
    ExchangeRate.objects.create(currency=usd, valid_from=datetime.date(2026, 3, 1), rate=Decimal("7.1"))
    rows = workbook_rows(client_as(Role.FINANCE).get("/core/exchange-rates/", {"export": "xlsx"}))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Valid from"] == datetime.datetime(2026, 3, 1) and row["Rate"] == pytest.approx(7.1)


def test_exports_need_the_list_permission(client_as):
    assert client_as(Role.OPERATOR).get("/core/exchange-rates/", {"export": "xlsx"}).status_code == 403


def test_list_pages_outside_the_generic_screens_export_too(client_as):
    client = client_as(Role.PLANNER)
    for url in ("/aps/schedules/", "/aps/machine-windows/"):
        page = client.get(url).content.decode()
        assert "export=xlsx" in page and "export=csv" in page
        rows = workbook_rows(client.get(url, {"export": "xlsx"}))
        assert rows[0][0]  # the header, first column named
        assert csv_lines(client.get(url, {"export": "csv"}))[0] == ",".join(str(cell or "") for cell in rows[0])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


REPORT_PAGES = [
    ("erp:trial_balance", {}),
    ("erp:aging", {"kind": "customer"}),
    ("erp:stock_valuation", {}),
    ("erp:labor_report", {"by": "department"}),
    ("erp:qualification_expiring", {}),
    ("mes:maintenance_reliability", {}),
    ("erp:variance_report", {}),
    ("crm:order_tracking", {}),
]


@pytest.mark.parametrize(("url_name", "query"), REPORT_PAGES)
def test_reports_offer_the_workbook_beside_their_csv(client_as, url_name, query):
    client = client_as(Role.ADMIN)
    url = reverse(url_name)
    assert "export=xlsx" in client.get(url, query).content.decode()
    workbook = workbook_rows(client.get(url, {**query, "export": "xlsx"}))
    csv_header = body(client.get(url, {**query, "export": "csv"})).decode().splitlines()[0]
    assert ",".join(str(cell) for cell in workbook[0]) == csv_header


def test_report_money_is_a_number_cell(client_as):
    rows = workbook_rows(client_as(Role.ADMIN).get(reverse("erp:trial_balance"), {"export": "xlsx"}))
    total = rows[-1]
    assert total[1] == "Total" and total[3:] == (0, 0, 0)


def test_a_supplier_scorecards_page_exports_its_table(client_as):
    supplier = Partner.objects.create(code="S-ONE", name="Supplier One", kind="supplier")
    client = client_as(Role.BUYER)
    url = reverse("srm:supplier_scorecards", args=[supplier.pk])
    assert "export=xlsx" in client.get(url).content.decode()
    rows = workbook_rows(client.get(url, {"export": "xlsx"}))
    assert rows[0][0] and len(rows) == 1  # no month computed yet: the header only
