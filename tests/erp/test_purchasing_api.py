"""The purchasing API over HTTP with tokens: an order created with its lines by codes, sent, confirmed,
received in WMS, invoiced three ways and closed; each refusal a 400 naming field, code and reason."""

from decimal import Decimal

import pytest

from core.roles import Role
from erp.choices import InvoiceState, PurchaseOrderState
from erp.models import Invoice, PurchaseOrder
from erp.services.invoices import payment_register
from tests.erp.conftest import TODAY
from wms.services.receipts import receipt_receive

pytestmark = pytest.mark.django_db

API = "/api/v1/erp/purchase-orders"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, response.content
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


@pytest.fixture
def parts(item):
    return item("HE-2000"), item("CB-EU")


def new_order(api, **fields):
    payload = {
        "supplier": "HEATCO",
        "warehouse": "MAIN",
        "order_date": TODAY.isoformat(),
        "lines": [
            {"item": "HE-2000", "quantity": "100", "unit_price": "10", "tax_rate": "VAT13"},
            {"item": "CB-EU", "quantity": "50", "unit_price": "4", "expected_date": "2026-12-15"},
        ],
        **fields,
    }
    return api.post(f"{API}/", payload, format="json")


def test_anonymous_and_roles_without_the_permission_are_refused(client, api_as, supplier, warehouse, parts, vat):
    assert client.get(f"{API}/").status_code in (401, 403)
    assert new_order(api_as(Role.PLANNER)).status_code == 403
    created = new_order(api_as(Role.BUYER))
    assert created.status_code == 201
    send = f"{API}/{created.json()['id']}/send/"
    assert api_as(Role.WAREHOUSE).post(send).status_code == 403
    assert api_as(Role.WAREHOUSE).get(f"{API}/").status_code == 200  # staff read orders
    # A supplier's login reads its own orders through the portal, not every supplier's here.
    assert api_as(Role.PARTNER).get(f"{API}/").status_code == 403
    assert api_as(Role.PARTNER).get(f"{API}/{created.json()['id']}/").status_code == 403
    invoice = f"{API}/{created.json()['id']}/invoice/"
    assert api_as(Role.BUYER).post(invoice, {}, format="json").status_code == 403  # accounts payable's work


def test_an_order_runs_from_draft_to_closed(api_as, supplier, warehouse, parts, vat, company):
    buyer = api_as(Role.BUYER)
    created = new_order(buyer)
    assert created.status_code == 201, created.content
    order = created.json()
    assert (order["supplier"], order["currency"], order["state"], order["exchange_rate"]) == (
        "HEATCO",
        "CNY",
        "draft",
        "1.00000000",
    )
    assert [(line["reference"], line["item"], line["tax_rate"]) for line in order["lines"]] == [
        (f"{order['number']}/1", "HE-2000", "VAT13"),
        (f"{order['number']}/2", "CB-EU", None),
    ]
    assert order["net_amount"] == "1200.00"
    url = f"{API}/{order['id']}"

    sent = buyer.post(f"{url}/send/").json()
    assert sent["state"] == "sent" and sent["receipt"].startswith("RC-") and sent["receipt_state"] == "expected"
    refused = errors(buyer.post(f"{url}/send/"))
    assert refused == {(None, "invalid_state"): f"{order['number']} is sent: it cannot be sent."}

    bad = errors(
        buyer.post(
            f"{url}/confirm/",
            {"supplier_reference": "OC-1", "lines": [{"position": 7, "expected_date": "2026-12-01"}]},
            format="json",
        )
    )
    assert bad == {("lines", "does_not_exist"): f"{order['number']} has no line 7."}
    confirmed = buyer.post(
        f"{url}/confirm/",
        {"supplier_reference": "OC-1", "lines": [{"position": 1, "expected_date": "2026-12-01"}]},
        format="json",
    ).json()
    assert confirmed["state"] == "confirmed" and confirmed["lines"][0]["expected_date"] == "2026-12-01"

    po = PurchaseOrder.objects.get(pk=order["id"])
    for receipt_line in po.receipt.lines.all():
        receipt_receive(line=receipt_line, quantity=receipt_line.expected_qty)
    assert buyer.get(f"{url}/").json()["state"] == "received"

    finance = api_as(Role.FINANCE)
    mismatch = errors(
        finance.post(
            f"{url}/invoice/",
            {
                "supplier_reference": "HC-77",
                "invoice_date": TODAY.isoformat(),
                "lines": [
                    {"position": 1, "quantity": "101", "unit_price": "10"},
                    {"position": 2, "quantity": "50", "unit_price": "4.5"},
                ],
            },
            format="json",
        )
    )
    assert set(mismatch) == {("lines", "over_billed"), ("lines", "price_mismatch")}
    assert "101 billed now and 0 before is more than the 100 received" in mismatch[("lines", "over_billed")]
    assert "invoiced at 4.5, ordered at 4" in mismatch[("lines", "price_mismatch")]
    unknown = errors(
        finance.post(
            f"{url}/invoice/",
            {
                "supplier_reference": "HC-77",
                "invoice_date": TODAY.isoformat(),
                "lines": [{"position": 9, "quantity": "1", "unit_price": "1"}],
            },
            format="json",
        )
    )
    assert list(unknown) == [("lines.0.position", "does_not_exist")]

    billed = finance.post(
        f"{url}/invoice/",
        {
            "supplier_reference": "HC-77",
            "invoice_date": TODAY.isoformat(),
            "lines": [
                {"position": 1, "quantity": "100", "unit_price": "10.1"},
                {"position": 2, "quantity": "50", "unit_price": "4"},
            ],
        },
        format="json",
    )
    assert billed.status_code == 201, billed.content
    invoice = billed.json()
    assert (invoice["state"], invoice["purchase_order"], invoice["net_amount"], invoice["tax_amount"]) == (
        "posted",
        order["number"],
        "1210.00",
        "131.30",
    )
    assert [(line["order_line"], line["account"]) for line in invoice["lines"]] == [(1, "2100"), (2, "2100")]
    assert buyer.get(f"{url}/").json()["state"] == "billed"

    unpaid = errors(buyer.post(f"{url}/close/"))
    assert list(unpaid) == [(None, "unpaid_invoices")]
    posted = Invoice.objects.get(number=invoice["number"])
    payment_register(invoice=posted, amount=posted.total_amount, date=TODAY)
    closed = buyer.post(f"{url}/close/").json()
    assert closed["state"] == "closed" and closed["invoices"] == [invoice["number"]]
    assert Invoice.objects.get(pk=posted.pk).state == InvoiceState.PAID


def test_bad_input_is_named_by_field_and_line(api_as, supplier, customer, warehouse, parts, usd, vat):
    buyer = api_as(Role.BUYER)
    assert errors(new_order(buyer, supplier="MEDIAHOME")) == {
        ("supplier", "not_a_supplier"): "MEDIAHOME is not a supplier."
    }
    bad_lines = errors(
        new_order(
            buyer,
            lines=[
                {"item": "NOPE", "quantity": "1", "unit_price": "1"},
                {"item": "CB-EU", "quantity": "0", "unit_price": "1"},
                {"item": "CB-EU", "quantity": "1", "unit_price": "1", "discount": "5"},
            ],
        )
    )
    assert set(bad_lines) == {
        ("lines.0.item", "does_not_exist"),
        ("lines.1.quantity", "min_value"),
        ("lines.2.discount", "read_only"),
    }
    early = errors(
        new_order(buyer, lines=[{"item": "CB-EU", "quantity": "1", "unit_price": "1", "expected_date": "2026-01-01"}])
    )
    assert list(early) == [("lines.0.expected_date", "before_order")]
    no_rate = errors(new_order(buyer, currency="USD", order_date="2025-06-30"))
    assert list(no_rate) == [("currency", "no_exchange_rate")]
    assert not PurchaseOrder.objects.exists()

    usd_order = new_order(buyer, currency="USD").json()
    assert (usd_order["currency"], usd_order["exchange_rate"]) == ("USD", "7.10000000")


def test_cancel_is_refused_once_goods_are_in(api_as, supplier, warehouse, parts, vat, company):
    buyer = api_as(Role.BUYER)
    first, second = new_order(buyer).json(), new_order(buyer).json()
    for order in (first, second):
        buyer.post(f"{API}/{order['id']}/send/")
    cancelled = buyer.post(f"{API}/{first['id']}/cancel/").json()
    assert (cancelled["state"], cancelled["receipt_state"]) == ("cancelled", "cancelled")

    po = PurchaseOrder.objects.get(pk=second["id"])
    receipt_receive(line=po.receipt.lines.first(), quantity=Decimal(1))
    refused = errors(buyer.post(f"{API}/{second['id']}/cancel/"))
    assert refused == {(None, "invalid_state"): f"{second['number']} is partially received: it cannot be cancelled."}
    listing = buyer.get(f"{API}/", {"state": "partially_received"}).json()
    assert [row["number"] for row in listing["results"]] == [second["number"]]
    assert listing["results"][0]["state"] == PurchaseOrderState.PARTIALLY_RECEIVED
