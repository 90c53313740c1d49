"""The sales API over HTTP with tokens: a customer's order from draft to closed (the warehouse ships
through WMS in between), 400s that name field, code and reason, price lists, forecasts and the price
lookup."""

import datetime
from decimal import Decimal

import pytest

from core.models import DomainEvent
from core.roles import Role
from erp.choices import SalesOrderState
from erp.models import Invoice, PriceList, SalesForecast, SalesOrder
from erp.services.invoices import payment_register
from erp.services.pricing import price_list_item_set
from erp.services.sales import SALES_ORDER_CONFIRMED
from tests.erp.conftest import TODAY
from tests.erp.test_sales import ship_all
from wms.models import Quant

pytestmark = pytest.mark.django_db

API = "/api/v1/erp"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


@pytest.fixture
def shop(company, customer, warehouse, item, bin_, receive, vat):
    kettle, toaster = item("KT-200"), item("TS-400")
    general = PriceList.objects.create(code="STD", name="Standard", currency=company.currency)
    price_list_item_set(price_list=general, item=kettle, unit_price=Decimal(100))
    price_list_item_set(price_list=general, item=kettle, min_quantity=Decimal(10), unit_price=Decimal(90))
    price_list_item_set(price_list=general, item=toaster, unit_price=Decimal(50))
    receive(kettle, 20, bin_("A-01"))
    receive(toaster, 5, bin_("A-02"))
    return {"kettle": kettle, "toaster": toaster}


def new_order(**changes) -> dict:
    return {
        "customer": "MEDIAHOME",
        "warehouse": "MAIN",
        "order_date": TODAY.isoformat(),
        "requested_date": "2026-12-10",
        "customer_reference": "PO-9001",
        "lines": [
            {"item": "KT-200", "quantity": "12", "tax_rate": "VAT13"},
            {"item": "TS-400", "quantity": "2", "unit_price": "48", "discount_pct": "5"},
        ],
        **changes,
    }


def test_an_order_from_draft_to_closed(api_as, shop, customer, bin_):
    sales, finance = api_as(Role.SALES), api_as(Role.FINANCE)
    order = ok(sales.post(f"{API}/sales-orders/", new_order(), format="json"), 201)
    assert order["number"].startswith("SO-2026-") and order["state"] == "draft"
    assert (order["customer"], order["currency"], order["exchange_rate"]) == ("MEDIAHOME", "CNY", "1.00000000")
    assert [(line["item"], line["unit_price"], line["net_unit_price"]) for line in order["lines"]] == [
        ("KT-200", "90.000000", "90.000000"),
        ("TS-400", "48.000000", "45.600000"),
    ]
    assert order["totals"] == {"net": "1171.20", "tax": "140.40", "total": "1311.60"}
    url = f"{API}/sales-orders/{order['id']}/"

    # Lines on the draft: one added, one changed (priced again below the break), one removed.
    order = ok(sales.post(f"{url}lines/", {"item": "TS-400", "quantity": "1"}, format="json"), 201)
    assert [line["position"] for line in order["lines"]] == [10, 20, 30]
    kettles, _toasters, extra = order["lines"]
    order = ok(sales.patch(f"{url}lines/{kettles['id']}/", {"quantity": "5", "unit_price": None}, format="json"))
    assert order["lines"][0]["unit_price"] == "100.000000"
    order = ok(sales.delete(f"{url}lines/{extra['id']}/"))
    assert len(order["lines"]) == 2
    order = ok(sales.patch(url, {"promised_date": "2026-12-08"}, format="json"))
    assert order["promised_date"] == "2026-12-08"

    order = ok(sales.post(f"{url}confirm/"))
    assert order["state"] == "confirmed" and order["stock_request"].startswith("SR-")
    assert Quant.objects.get(item=shop["kettle"], location=bin_("A-01")).reserved == 5
    assert DomainEvent.objects.filter(name=SALES_ORDER_CONFIRMED, payload__order=order["number"]).exists()
    assert errors(sales.post(f"{url}lines/", {"item": "TS-400", "quantity": "1"}, format="json")) == {
        (None, "wrong_state"): f"{order['number']} is confirmed: only a draft order can be changed."
    }

    ship_all(SalesOrder.objects.get(pk=order["id"]), bin_)
    order = ok(sales.get(url))
    assert order["state"] == "shipped"
    assert [line["shipped_qty"] for line in order["lines"]] == ["5.000000", "2.000000"]

    assert sales.post(f"{url}invoice/").status_code == 403  # the books are finance's
    invoice = ok(finance.post(f"{url}invoice/", {"invoice_date": "2026-11-30"}, format="json"), 201)
    # 5 x 100 + 13% = 565.00; 2 x 45.60 = 91.20
    assert (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"]) == ("591.20", "65.00", "656.20")
    assert invoice["due_date"] == "2026-12-30" and invoice["state"] == "posted"
    assert ok(finance.get(f"/api/v1/erp/invoices/{invoice['id']}/"))["number"] == invoice["number"]
    order = ok(sales.get(url))
    assert order["state"] == "invoiced" and [i["number"] for i in order["invoices"]] == [invoice["number"]]
    assert errors(sales.post(f"{url}close/"))[(None, "unpaid")].startswith(f"{order['number']} has unpaid invoices")
    payment_register(
        invoice=Invoice.objects.get(number=invoice["number"]), amount=Decimal("656.20"), date=datetime.date(2026, 12, 1)
    )
    assert ok(sales.post(f"{url}close/"))["state"] == "closed"


def test_bad_orders_are_refused_naming_field_code_and_reason(api_as, shop, supplier, usd):
    sales = api_as(Role.SALES)
    url = f"{API}/sales-orders/"
    problems = errors(
        sales.post(
            url,
            new_order(
                customer="NOBODY",
                lines=[
                    {"item": "NOPE", "quantity": "1"},
                    {"item": "KT-200", "quantity": "0"},
                    {"item": "KT-200", "quantity": "1", "colour": "red"},
                ],
            ),
            format="json",
        )
    )
    assert set(problems) == {
        ("customer", "does_not_exist"),
        ("lines.0.item", "does_not_exist"),
        ("lines.1.quantity", "min_value"),
        ("lines.2.colour", "read_only"),
    }
    assert errors(sales.post(url, new_order(customer="HEATCO"), format="json")) == {
        ("customer", "not_a_customer"): "HEATCO is not a customer."
    }
    problems = errors(sales.post(url, new_order(currency="USD"), format="json"))
    assert set(problems) == {("lines.0.unit_price", "no_price")}  # the toaster has its price given
    assert "KT-200" in problems[("lines.0.unit_price", "no_price")]
    problems = errors(sales.post(url, new_order(requested_date="2026-11-01"), format="json"))
    assert set(problems) == {("requested_date", "before_order_date")}
    assert not SalesOrder.objects.exists()

    order = ok(sales.post(url, new_order(lines=[]), format="json"), 201)
    assert errors(sales.post(f"{url}{order['id']}/confirm/")) == {
        ("lines", "required"): "An order needs at least one line."
    }
    assert sales.delete(f"{url}{order['id']}/lines/999999/").status_code == 404
    assert api_as(Role.OPERATOR).post(f"{url}{order['id']}/confirm/").status_code == 403
    assert api_as(Role.OPERATOR).post(url, new_order(), format="json").status_code == 403


def test_confirmation_past_the_credit_limit_is_a_400_that_says_why(api_as, shop, customer):
    customer.credit_limit = Decimal(1000)
    customer.save()
    sales = api_as(Role.SALES)
    order = ok(sales.post(f"{API}/sales-orders/", new_order(), format="json"), 201)
    ((field, code), message) = next(iter(errors(sales.post(f"{API}/sales-orders/{order['id']}/confirm/")).items()))
    assert (field, code) == (None, "credit_limit")
    assert "1,311.60" in message and "1,000.00" in message and "exposure 0.00 CNY" in message
    assert SalesOrder.objects.get(pk=order["id"]).state == SalesOrderState.DRAFT


def test_cancelling_through_the_api_releases_the_reservations(api_as, shop, bin_):
    sales = api_as(Role.SALES)
    order = ok(sales.post(f"{API}/sales-orders/", new_order(), format="json"), 201)
    ok(sales.post(f"{API}/sales-orders/{order['id']}/confirm/"))
    assert Quant.objects.get(item=shop["kettle"], location=bin_("A-01")).reserved == 12
    order = ok(sales.post(f"{API}/sales-orders/{order['id']}/cancel/"))
    assert order["state"] == "cancelled"
    assert Quant.objects.get(item=shop["kettle"], location=bin_("A-01")).reserved == 0
    assert Quant.objects.get(item=shop["toaster"], location=bin_("A-02")).reserved == 0
    listed = ok(sales.get(f"{API}/sales-orders/", {"state": "cancelled", "customer": "MEDIAHOME"}))
    assert [row["number"] for row in listed["results"]] == [order["number"]]
    listed = ok(sales.get(f"{API}/sales-orders/", {"item": "TS-400"}))
    assert [row["number"] for row in listed["results"]] == [order["number"]]
    assert ok(sales.get(f"{API}/sales-orders/", {"state": "draft"}))["results"] == []
    assert ("item", "invalid_choice") in errors(sales.get(f"{API}/sales-orders/", {"item": "NOPE"}))


def test_price_lists_their_breaks_and_the_lookup(api_as, shop, customer, company, supplier):
    sales = api_as(Role.SALES)
    own = ok(
        sales.post(
            f"{API}/price-lists/",
            {"code": "MH", "name": "MediaHome", "currency": "CNY", "customer": "MEDIAHOME"},
            format="json",
        ),
        201,
    )
    row = ok(
        sales.post(
            f"{API}/price-list-items/",
            {"price_list": "MH", "item": "KT-200", "min_quantity": "50", "unit_price": "75"},
            format="json",
        ),
        201,
    )
    assert row["price_list"] == "MH"
    duplicate = sales.post(
        f"{API}/price-list-items/",
        {"price_list": "MH", "item": "KT-200", "min_quantity": "50", "unit_price": "70"},
        format="json",
    )
    assert duplicate.status_code == 400
    assert ok(sales.get(f"{API}/price-lists/{own['id']}/"))["items"] == [
        {"id": row["id"], "item": "KT-200", "min_quantity": "50.000000", "unit_price": "75.000000"}
    ]
    problems = errors(
        sales.post(
            f"{API}/price-lists/",
            {
                "code": "X",
                "name": "X",
                "currency": "CNY",
                "customer": "HEATCO",
                "valid_from": "2026-02-01",
                "valid_to": "2026-01-01",
            },
            format="json",
        )
    )
    assert {("customer", "not_a_customer"), ("valid_to", "invalid_period")} <= set(problems)

    def lookup(**query):
        return sales.get(f"{API}/prices/", {"item": "KT-200", **query})

    assert ok(lookup(customer="MEDIAHOME", quantity="60"))["unit_price"] == "75.000000"
    price = ok(lookup(customer="MEDIAHOME", quantity="20"))  # its own list starts at 50: the general one answers
    assert (price["unit_price"], price["price_list"], price["min_quantity"], price["currency"]) == (
        "90.000000",
        "STD",
        "10.000000",
        "CNY",
    )
    assert ok(lookup())["unit_price"] == "100.000000"
    assert set(errors(lookup(currency="USD"))) == {("item", "no_price")}
    assert set(errors(lookup(quantity="-1"))) == {("quantity", "min_value")}
    assert api_as(Role.OPERATOR).get(f"{API}/prices/", {"item": "KT-200"}).status_code == 403


def test_forecasts(api_as, shop, supplier):
    planner = api_as(Role.PLANNER)
    created = ok(
        planner.post(
            f"{API}/sales-forecasts/",
            {
                "reference": "FC-2027-Q1",
                "item": "KT-200",
                "customer": "MEDIAHOME",
                "due_date": "2027-03-31",
                "quantity": "800",
            },
            format="json",
        ),
        201,
    )
    assert SalesForecast.objects.get(pk=created["id"]).quantity == 800
    bad = {"reference": "FC-X", "item": "KT-200", "customer": "HEATCO", "due_date": "2027-03-31", "quantity": "1"}
    assert set(errors(planner.post(f"{API}/sales-forecasts/", bad, format="json"))) == {("customer", "not_a_customer")}
    bad.update(customer="MEDIAHOME", quantity="0")
    assert set(errors(planner.post(f"{API}/sales-forecasts/", bad, format="json"))) == {("quantity", "min_value")}
    listed = ok(planner.get(f"{API}/sales-forecasts/", {"item": "KT-200", "due_date_after": "2027-01-01"}))
    assert [row["reference"] for row in listed["results"]] == ["FC-2027-Q1"]
    assert (
        ok(planner.patch(f"{API}/sales-forecasts/{created['id']}/", {"quantity": "750"}, format="json"))["quantity"]
        == "750.000000"
    )
    assert api_as(Role.OPERATOR).get(f"{API}/sales-forecasts/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/sales-orders/",
        "/sales-orders/1/",
        "/sales-orders/1/confirm/",
        "/price-lists/",
        "/price-list-items/",
        "/sales-forecasts/",
        "/prices/",
    ],
)
def test_anonymous_calls_are_refused(client, url):
    assert client.get(f"{API}{url}").status_code == 401
    assert client.post(f"{API}{url}").status_code == 401


def test_the_same_order_for_a_foreign_currency_customer_is_priced_in_its_currency(api_as, shop, customer, usd):
    customer.currency = usd
    customer.save()
    usd_list = PriceList.objects.create(code="STD-USD", name="Standard USD", currency=usd)
    price_list_item_set(price_list=usd_list, item=shop["kettle"], unit_price=Decimal("14.5"))
    order = ok(
        api_as(Role.SALES).post(
            f"{API}/sales-orders/", new_order(lines=[{"item": "KT-200", "quantity": "2"}]), format="json"
        ),
        201,
    )
    assert (order["currency"], order["exchange_rate"], order["totals"]["total"]) == ("USD", "7.10000000", "29.00")
    assert datetime.date.fromisoformat(order["order_date"]) == TODAY
