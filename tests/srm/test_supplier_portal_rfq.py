"""The supplier portal's RFQs: a supplier's own login sees the RFQs it is invited to (once sent), without the
other suppliers asked or their quotes, and submits, replaces, withdraws or declines its own quote; another
supplier's RFQ is a 404 on every endpoint, and staff or customer logins are refused."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.models import Partner
from core.roles import Role
from srm.models import QuoteState, SupplierQuote
from srm.services import sourcing
from tests.srm.sourcing_fixtures import *  # noqa: F403  (fixtures)
from tests.srm.sourcing_fixtures import day, quote_of

pytestmark = pytest.mark.django_db

API = "/api/v1/srm/portal/rfqs"


def errors(response) -> set[tuple[str | None, str]]:
    assert response.status_code == 400, response.content
    return {(error["field"], error["code"]) for error in response.json()["errors"]}


def test_a_supplier_sees_only_the_rfqs_it_is_invited_to(supplier_api, make_rfq, supplier, therma, euroheat):
    own = make_rfq(suppliers=[supplier, therma])
    make_rfq(suppliers=[therma])  # not asked
    make_rfq(suppliers=[supplier], send=False)  # a draft: not out yet
    api = supplier_api(supplier)
    listed = api.get(f"{API}/").json()
    assert [rfq["number"] for rfq in listed["results"]] == [own.number]
    assert listed["results"][0] == {
        "id": own.pk,
        "number": own.number,
        "title": own.title,
        "state": "sent",
        "issued_on": own.issued_on.isoformat(),
        "respond_by": own.respond_by.isoformat(),
        "currency": "CNY",
        "notes": "",
        "declined": False,
        "quote_state": None,
    }


def test_it_never_learns_who_else_is_asked_nor_what_they_quoted(supplier_api, quoted_rfq, supplier):
    response = supplier_api(supplier).get(f"{API}/{quoted_rfq.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "THERMA" not in body and "EUROHEAT" not in body and "11.00" not in body
    rfq = response.json()
    assert [line["item"] for line in rfq["lines"]] == ["HE-2000", "TH-01"]
    assert rfq["quote"]["lines"][0]["unit_price"] == "10.000000" and rfq["quote_state"] == "submitted"
    assert set(rfq) == {
        "id",
        "number",
        "title",
        "state",
        "issued_on",
        "respond_by",
        "currency",
        "notes",
        "declined",
        "quote_state",
        "lines",
        "quote",
    }


def test_another_suppliers_rfq_is_a_404_everywhere(supplier_api, make_rfq, supplier, therma):
    others = make_rfq(suppliers=[therma])
    api = supplier_api(supplier)
    quote = {"lines": [{"line": 1, "unit_price": "9", "lead_time_days": 5}]}
    assert api.get(f"{API}/{others.pk}/").status_code == 404
    assert api.post(f"{API}/{others.pk}/quote/", quote, format="json").status_code == 404
    assert api.post(f"{API}/{others.pk}/withdraw/").status_code == 404
    assert api.post(f"{API}/{others.pk}/decline/").status_code == 404
    assert not SupplierQuote.objects.exists()
    assert not others.invitations.filter(declined=True).exists()


def test_staff_and_customer_logins_are_refused(api_as, supplier_api, quoted_rfq, customer):
    assert api_as(Role.BUYER).get(f"{API}/").status_code == 403
    assert api_as(Role.PARTNER).get(f"{API}/").status_code == 403  # a partner role without a partner
    assert supplier_api(customer).get(f"{API}/").status_code == 403


def test_a_supplier_submits_replaces_and_withdraws_its_quote(supplier_api, make_rfq, supplier, usd):
    rfq = make_rfq(suppliers=[supplier])
    api = supplier_api(supplier)
    submitted = api.post(
        f"{API}/{rfq.pk}/quote/",
        {
            "reference": "Q-77",
            "valid_until": day(30).isoformat(),
            "lines": [
                {"line": 1, "unit_price": "9.80", "lead_time_days": 12, "min_order_qty": "50"},
                {"line": 2, "unit_price": "2.95", "lead_time_days": 12, "quantity": "150"},
            ],
        },
        format="json",
    )
    assert submitted.status_code == 200, submitted.content
    quote = SupplierQuote.objects.get()
    assert quote.submitted_by.partner_link.partner == supplier and quote.reference == "Q-77"
    assert submitted.json()["quote"]["lines"][1]["quantity"] == "150.000000"

    replaced = api.post(
        f"{API}/{rfq.pk}/quote/",
        {"currency": "USD", "lines": [{"line": 1, "unit_price": "1.40", "lead_time_days": 20}]},
        format="json",
    )
    assert replaced.status_code == 200
    quote = SupplierQuote.objects.get()
    assert (quote.currency, quote.lines.get().unit_price, quote.reference) == (usd, Decimal("1.4"), "")

    withdrawn = api.post(f"{API}/{rfq.pk}/withdraw/")
    assert withdrawn.json()["quote_state"] == "withdrawn"
    assert errors(api.post(f"{API}/{rfq.pk}/withdraw/")) == {(None, "invalid_state")}


def test_a_quote_outside_the_rules_is_a_400(supplier_api, make_rfq, supplier):
    rfq = make_rfq(suppliers=[supplier], respond_by=day(3))
    api = supplier_api(supplier)
    url = f"{API}/{rfq.pk}/quote/"
    assert errors(api.post(url, {"lines": [{"line": 9, "unit_price": "1", "lead_time_days": 1}]}, format="json")) == {
        ("lines.0.line", "does_not_exist")
    }
    assert errors(api.post(url, {"lines": [{"line": 1, "unit_price": "-1", "lead_time_days": 1}]}, format="json")) == {
        ("lines.0.unit_price", "not_positive")
    }
    assert errors(api.post(url, {"lines": [], "supplier": "THERMA"}, format="json")) == {("supplier", "read_only")}
    late = datetime.datetime.combine(day(4), datetime.time(9), tzinfo=datetime.UTC)
    with time_machine.travel(late, tick=False):
        too_late = api.post(url, {"lines": [{"line": 1, "unit_price": "1", "lead_time_days": 1}]}, format="json")
    assert errors(too_late) == {(None, "too_late")}
    assert not SupplierQuote.objects.exists()


def test_declining_is_seen_by_the_buyer_and_undone_by_quoting(supplier_api, make_rfq, supplier):
    rfq = make_rfq(suppliers=[supplier])
    api = supplier_api(supplier)
    quote_of(rfq, supplier, {1: ("9", 5)})
    declined = api.post(f"{API}/{rfq.pk}/decline/").json()
    assert declined["declined"] is True and declined["quote_state"] == "withdrawn"
    assert rfq.invitations.get().declined
    api.post(f"{API}/{rfq.pk}/quote/", {"lines": [{"line": 1, "unit_price": "9", "lead_time_days": 5}]}, format="json")
    assert not rfq.invitations.get().declined


def test_after_the_award_a_supplier_sees_whether_it_won(supplier_api, quoted_rfq, supplier, therma, warehouse):
    therma_line = SupplierQuote.objects.get(supplier=therma).lines.get(rfq_line__position=1)
    sourcing.rfq_award(rfq=quoted_rfq, choices=[therma_line], warehouse=warehouse)
    assert supplier_api(supplier).get(f"{API}/{quoted_rfq.pk}/").json()["quote_state"] == QuoteState.LOST
    won = supplier_api(therma).get(f"{API}/{quoted_rfq.pk}/").json()
    assert won["state"] == "awarded" and won["quote_state"] == QuoteState.AWARDED
    assert won["quote"]["lines"][0]["purchase_order_line"].endswith("/1")
    assert "HEATCO" not in str(won)


def test_a_partner_of_both_kinds_may_quote_as_a_supplier(supplier_api, make_rfq, company):
    both = Partner.objects.create(code="BOTH", name="Both ways", kind="both", currency=company.currency)
    rfq = make_rfq(suppliers=[both])
    response = supplier_api(both).post(
        f"{API}/{rfq.pk}/quote/", {"lines": [{"line": 2, "unit_price": "3", "lead_time_days": 2}]}, format="json"
    )
    assert response.status_code == 200, response.content
