"""The supplier portal's object-level permission, asserted on every endpoint: a supplier's login reads and
writes only its own records (another supplier's are 404, as if they did not exist), staff and customer
logins are refused (403), anonymous callers are asked to sign in; and confirming an order through it."""

import datetime
from decimal import Decimal

import pytest

from core.roles import Role
from erp.choices import PurchaseOrderState
from erp.services.purchasing import supplier_invoice_create
from srm.models import Asn, PoConfirmation, Scorecard
from srm.services.portal import asn_create
from tests.srm.portal_fixtures import *  # noqa: F403
from tests.srm.portal_fixtures import api_errors, receive_line

pytestmark = pytest.mark.django_db

PORTAL = "/api/v1/srm/portal"
ENDPOINTS = ["purchase-orders", "asns", "invoices", "scorecards"]
TODAY = datetime.date.today()


@pytest.fixture
def records(make_order, supplier, other_supplier, parts):
    """For each supplier: a sent order received in part, an ASN, an invoice and a scorecard; and a draft
    of HEATCO's, which the supplier never sees."""
    element, _cable = parts
    made = {}
    for partner in (supplier, other_supplier):
        order = make_order(
            supplier=partner, lines=[{"item": element, "quantity": Decimal(100), "unit_price": Decimal("10.00")}]
        )
        receive_line(order, 1, 40)
        asn = asn_create(
            supplier=partner,
            order=order,
            asn_number=f"{partner.code}-ASN-1",
            ship_date=TODAY,
            expected_date=TODAY,
            lines=[{"po_line": order.lines.get(), "quantity": Decimal(60)}],
        )
        invoice = supplier_invoice_create(
            order=order,
            supplier_reference=f"{partner.code}-INV-1",
            invoice_date=TODAY,
            lines=[(order.lines.get(), Decimal(40), Decimal("10.00"))],
        )
        scorecard = Scorecard.objects.create(
            supplier=partner,
            period_start=TODAY.replace(day=1),
            period_end=TODAY.replace(day=1),
            score=Decimal("90"),
            computed_at=datetime.datetime.now(datetime.UTC),
        )
        made[partner.code] = {
            "purchase-orders": order,
            "asns": asn,
            "invoices": invoice,
            "scorecards": scorecard,
        }
    made["draft"] = make_order(send=False)
    return made


def listed(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_supplier_lists_and_reads_only_its_own_records(portal_api, supplier, records, endpoint):
    api = portal_api(supplier)
    own, others = records["HEATCO"][endpoint], records["COILTEC"][endpoint]
    assert [row["id"] for row in listed(api.get(f"{PORTAL}/{endpoint}/"))] == [own.pk]
    assert api.get(f"{PORTAL}/{endpoint}/{own.pk}/").status_code == 200
    assert api.get(f"{PORTAL}/{endpoint}/{others.pk}/").status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", [Role.BUYER, Role.ADMIN, Role.WAREHOUSE, Role.PARTNER])
def test_staff_logins_and_partners_without_a_link_are_refused(api_as, records, endpoint, role):
    # A staff login has no partner; a PARTNER-role login without core.PartnerUser has none either.
    api = api_as(role)
    assert api.get(f"{PORTAL}/{endpoint}/").status_code == 403
    assert api.get(f"{PORTAL}/{endpoint}/{records['HEATCO'][endpoint].pk}/").status_code == 403


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_customers_login_is_refused_and_anonymous_callers_must_sign_in(
    portal_api, customer, client, records, endpoint
):
    assert portal_api(customer).get(f"{PORTAL}/{endpoint}/").status_code == 403
    assert client.get(f"{PORTAL}/{endpoint}/").status_code in (401, 403)


def test_an_inactive_suppliers_login_is_refused(portal_api, supplier, records):
    api = portal_api(supplier)
    supplier.active = False
    supplier.save()
    assert api.get(f"{PORTAL}/purchase-orders/").status_code == 403


def test_drafts_are_not_shown_and_an_order_shows_its_lines_with_what_is_open(portal_api, supplier, records):
    api = portal_api(supplier)
    order = records["HEATCO"]["purchase-orders"]
    assert api.get(f"{PORTAL}/purchase-orders/{records['draft'].pk}/").status_code == 404
    body = api.get(f"{PORTAL}/purchase-orders/{order.pk}/").json()
    assert body["number"] == order.number and body["state"] == PurchaseOrderState.PARTIALLY_RECEIVED
    assert "buyer" not in body and "notes" not in body  # the buyer's side stays ours
    (line,) = body["lines"]
    assert (line["position"], line["item"], line["quantity"], line["received_qty"]) == (
        1,
        "HE-2000",
        "100.000000",
        "40.000000",
    )
    # 100 ordered, 40 received, the other 60 announced: nothing is left to announce.
    assert (line["announced_qty"], line["open_qty"]) == ("60.000000", "0.000000")
    listed_states = {row["state"] for row in listed(api.get(f"{PORTAL}/purchase-orders/?state=draft"))}
    assert listed_states == set()


def test_read_only_endpoints_take_no_writes(portal_api, supplier, records):
    api = portal_api(supplier)
    own = records["HEATCO"]
    assert api.post(f"{PORTAL}/scorecards/", {}, format="json").status_code == 405
    assert api.patch(f"{PORTAL}/scorecards/{own['scorecards'].pk}/", {"score": "100"}, format="json").status_code == 405
    assert api.delete(f"{PORTAL}/asns/{own['asns'].pk}/").status_code == 405
    assert api.put(f"{PORTAL}/invoices/{own['invoices'].pk}/", {}, format="json").status_code == 405
    assert api.post(f"{PORTAL}/purchase-orders/", {}, format="json").status_code == 405


# --- Writes on its own records only ------------------------------------------------------------------------------


def test_a_supplier_confirms_its_order_with_dates_and_quantities(portal_api, supplier, make_order):
    order = make_order()
    promised = order.order_date + datetime.timedelta(days=20)
    response = portal_api(supplier).post(
        f"{PORTAL}/purchase-orders/{order.pk}/confirm/",
        {
            "supplier_reference": "OC-771",
            "note": "Cables ship in two lots.",
            "lines": [
                {"position": 1, "confirmed_date": promised.isoformat(), "confirmed_quantity": "100"},
                {"position": 2, "confirmed_date": promised.isoformat(), "confirmed_quantity": "45"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == PurchaseOrderState.CONFIRMED and body["supplier_reference"] == "OC-771"
    assert [line["expected_date"] for line in body["lines"]] == [promised.isoformat()] * 2
    order.refresh_from_db()
    assert order.supplier_reference == "OC-771" and order.state == PurchaseOrderState.CONFIRMED
    assert set(order.lines.values_list("expected_date", flat=True)) == {promised}
    confirmation = PoConfirmation.objects.get(purchase_order=order)
    assert (
        confirmation.note == "Cables ship in two lots." and confirmation.confirmed_by.partner_link.partner == supplier
    )
    assert [
        (line.po_line.position, line.requested_date, line.confirmed_date, line.confirmed_quantity)
        for line in confirmation.lines.order_by("po_line__position")
    ] == [(1, order.expected_date, promised, Decimal(100)), (2, order.expected_date, promised, Decimal(45))]


def test_a_confirmation_beyond_the_order_is_refused_and_changes_nothing(portal_api, supplier, make_order):
    order = make_order()
    api = portal_api(supplier)
    day = (order.order_date + datetime.timedelta(days=3)).isoformat()
    too_many = api.post(
        f"{PORTAL}/purchase-orders/{order.pk}/confirm/",
        {"supplier_reference": "OC-1", "lines": [{"position": 2, "confirmed_date": day, "confirmed_quantity": "51"}]},
        format="json",
    )
    assert too_many.status_code == 400 and api_errors(too_many) == {("lines.0.confirmed_quantity", "over_ordered")}
    no_line = api.post(
        f"{PORTAL}/purchase-orders/{order.pk}/confirm/",
        {"supplier_reference": "OC-1", "lines": [{"position": 9, "confirmed_date": day, "confirmed_quantity": "1"}]},
        format="json",
    )
    assert api_errors(no_line) == {("lines.0.position", "does_not_exist")}
    before_order = api.post(
        f"{PORTAL}/purchase-orders/{order.pk}/confirm/",
        {
            "supplier_reference": "OC-1",
            "lines": [{"position": 1, "confirmed_date": "2000-01-01", "confirmed_quantity": "100"}],
        },
        format="json",
    )
    assert before_order.status_code == 400 and ("lines", "before_order") in api_errors(before_order)
    unknown_field = api.post(
        f"{PORTAL}/purchase-orders/{order.pk}/confirm/",
        {"supplier_reference": "OC-1", "state": "closed"},
        format="json",
    )
    assert api_errors(unknown_field) == {("state", "read_only")}
    order.refresh_from_db()
    assert order.state == PurchaseOrderState.SENT and order.supplier_reference == ""
    assert not PoConfirmation.objects.exists()


def test_another_suppliers_order_cannot_be_confirmed_announced_or_billed(
    portal_api, supplier, other_supplier, make_order
):
    theirs = make_order(supplier=other_supplier)
    receive_line(theirs, 1, 10)
    api = portal_api(supplier)
    day = TODAY.isoformat()
    confirm = api.post(f"{PORTAL}/purchase-orders/{theirs.pk}/confirm/", {"supplier_reference": "OC-X"}, format="json")
    assert confirm.status_code == 404
    asn = api.post(
        f"{PORTAL}/asns/",
        {
            "purchase_order": theirs.number,
            "asn_number": "X-1",
            "ship_date": day,
            "expected_date": day,
            "lines": [{"position": 1, "quantity": "5"}],
        },
        format="json",
    )
    invoice = api.post(
        f"{PORTAL}/invoices/",
        {
            "purchase_order": theirs.number,
            "supplier_reference": "X-INV",
            "invoice_date": day,
            "lines": [{"position": 1, "quantity": "10", "unit_price": "10"}],
        },
        format="json",
    )
    missing = api.post(
        f"{PORTAL}/asns/",
        {
            "purchase_order": "PO-1999-00001",
            "asn_number": "X-2",
            "ship_date": day,
            "expected_date": day,
            "lines": [{"position": 1, "quantity": "5"}],
        },
        format="json",
    )
    # Another supplier's order reads exactly as one that does not exist.
    assert api_errors(asn) == api_errors(missing) == {("purchase_order", "does_not_exist")}
    assert api_errors(invoice) == {("purchase_order", "does_not_exist")}
    theirs.refresh_from_db()
    assert theirs.state == PurchaseOrderState.PARTIALLY_RECEIVED and theirs.supplier_reference == ""
    assert not Asn.objects.exists() and not theirs.invoices.exists()


def test_a_supplier_announces_a_shipment_of_its_own_order(portal_api, supplier, make_order):
    order = make_order()
    ship = TODAY + datetime.timedelta(days=1)
    response = portal_api(supplier).post(
        f"{PORTAL}/asns/",
        {
            "purchase_order": order.number,
            "asn_number": "HC-ASN-0042",
            "ship_date": ship.isoformat(),
            "expected_date": (ship + datetime.timedelta(days=2)).isoformat(),
            "carrier": "SF Express",
            "tracking": "SF1234567",
            "lines": [
                {"position": 1, "quantity": "100"},
                {"position": 2, "quantity": "30", "lot_code": "CB-L1", "expiry_date": "2028-01-31"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["asn_number"] == "HC-ASN-0042" and body["purchase_order"] == order.number
    assert body["receipt"] == order.receipt.number and body["number"].startswith("ASN-")
    assert [(line["position"], line["quantity"], line["lot_code"]) for line in body["lines"]] == [
        (1, "100.000000", ""),
        (2, "30.000000", "CB-L1"),
    ]
    asn = Asn.objects.get(pk=body["id"])
    assert asn.supplier == supplier and asn.created_by.partner_link.partner == supplier
