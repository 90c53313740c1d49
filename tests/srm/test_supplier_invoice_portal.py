"""A supplier submits its invoice through the portal and ERP matches it three ways (ordered, received,
billed): a matching invoice is posted and the supplier follows its payment; a mismatch is a 400 naming
the field and the reason, and nothing is posted."""

import datetime
from decimal import Decimal

import pytest

from erp.choices import InvoiceState, PurchaseOrderState
from erp.models import ErpSettings, Invoice
from erp.services.invoices import payment_register
from tests.srm.portal_fixtures import *  # noqa: F403
from tests.srm.portal_fixtures import api_errors, receive_line

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
URL = "/api/v1/srm/portal/invoices/"


@pytest.fixture
def received_order(make_order):
    """100 elements at 10 ordered, 60 received; 50 cables at 4 ordered, 50 received (lot CB-L1)."""
    order = make_order()
    receive_line(order, 1, 60)
    receive_line(order, 2, 50, lot_code="CB-L1")
    order.refresh_from_db()
    return order


def invoice_body(order, lines, reference="HC-INV-0001"):
    return {
        "purchase_order": order.number,
        "supplier_reference": reference,
        "invoice_date": TODAY.isoformat(),
        "lines": [
            {"position": position, "quantity": str(quantity), "unit_price": str(price)}
            for position, quantity, price in lines
        ],
    }


def test_a_matching_invoice_is_posted_and_its_payment_followed(portal_api, supplier, received_order, vat):
    api = portal_api(supplier)
    response = api.post(URL, invoice_body(received_order, [(1, 60, "10.00"), (2, 50, "4.00")]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["supplier_reference"] == "HC-INV-0001" and body["purchase_order"] == received_order.number
    assert body["state"] == InvoiceState.POSTED
    assert (body["net_amount"], body["total_amount"], body["paid_amount"], body["open_amount"]) == (
        "800.00",
        "800.00",
        "0.00",
        "800.00",
    )
    assert [(line["position"], line["quantity"]) for line in body["lines"]] == [(1, "60.000000"), (2, "50.000000")]
    assert body["due_date"] == (TODAY + datetime.timedelta(days=supplier.payment_terms_days)).isoformat()
    received_order.refresh_from_db()
    assert [line.billed_qty for line in received_order.lines.order_by("position")] == [60, 50]
    # Billed what was received; 40 elements still to come.
    assert received_order.state == PurchaseOrderState.PARTIALLY_RECEIVED

    invoice = Invoice.objects.get(pk=body["id"])
    payment_register(invoice=invoice, amount=Decimal("300.00"), date=TODAY, reference="TT-1")
    shown = api.get(f"{URL}{invoice.pk}/").json()
    assert (shown["state"], shown["paid_amount"], shown["open_amount"]) == (InvoiceState.POSTED, "300.00", "500.00")
    payment_register(invoice=invoice, amount=Decimal("500.00"), date=TODAY, reference="TT-2")
    assert api.get(f"{URL}{invoice.pk}/").json()["state"] == InvoiceState.PAID


def test_a_price_off_the_order_is_refused_with_the_line_and_reason(portal_api, supplier, received_order):
    tolerance = ErpSettings.load().invoice_price_tolerance_pct
    too_dear = (Decimal("10.00") * (1 + (tolerance + 1) / 100)).quantize(Decimal("0.01"))
    response = portal_api(supplier).post(URL, invoice_body(received_order, [(1, 60, too_dear)]), format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("lines", "price_mismatch")
    assert f"{received_order.number}/1" in error["message"] and "ordered at 10" in error["message"]
    assert not Invoice.objects.exists()
    assert received_order.lines.get(position=1).billed_qty == 0


def test_billing_more_than_was_received_is_refused_and_every_mismatch_named(portal_api, supplier, received_order):
    response = portal_api(supplier).post(
        URL, invoice_body(received_order, [(1, 61, "10.00"), (2, 50, "9.00")]), format="json"
    )
    assert response.status_code == 400
    assert api_errors(response) == {("lines", "over_billed"), ("lines", "price_mismatch")}
    assert not Invoice.objects.exists()


def test_lines_and_numbers_the_order_does_not_have_are_refused(portal_api, supplier, received_order, make_order):
    api = portal_api(supplier)
    no_line = api.post(URL, invoice_body(received_order, [(7, 1, "10.00")]), format="json")
    assert api_errors(no_line) == {("lines.0.position", "does_not_exist")}
    nothing_received = make_order()
    early = api.post(URL, invoice_body(nothing_received, [(1, 1, "10.00")], reference="HC-INV-9"), format="json")
    assert api_errors(early) == {("lines", "not_received")}
    assert api.post(URL, invoice_body(received_order, [(1, 10, "10.00")]), format="json").status_code == 201
    twice = api.post(URL, invoice_body(received_order, [(1, 10, "10.00")]), format="json")
    assert api_errors(twice) == {("supplier_reference", "duplicate")}
    assert Invoice.objects.count() == 1
