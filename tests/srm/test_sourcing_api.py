"""The sourcing API over HTTP with tokens: an RFQ created with its lines and suppliers by code, sent, quoted by
buyers, compared and awarded into purchase orders; contracts created, activated and called off; each refusal
a 400 naming field, code and reason, and nothing half written."""

from decimal import Decimal

import pytest

from core.models import PartnerBlock
from core.roles import Role
from erp.models import PurchaseOrder
from srm.models import CallOff, ContractLine, Rfq, SupplierQuote
from tests.srm.sourcing_fixtures import *  # noqa: F403  (fixtures)
from tests.srm.sourcing_fixtures import day, today

pytestmark = pytest.mark.django_db

API = "/api/v1/srm"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, response.content
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def new_rfq(api, **fields):
    payload = {
        "title": "Kettle elements",
        "respond_by": day(7).isoformat(),
        "lines": [
            {"item": "HE-2000", "quantity": "100", "required_date": day(20).isoformat()},
            {"item": "TH-01", "quantity": "200"},
        ],
        "suppliers": ["HEATCO", "THERMA", "EUROHEAT"],
        **fields,
    }
    return api.post(f"{API}/rfqs/", payload, format="json")


def buyer_quote(api, rfq_number: str, supplier: str, lines: list[dict], **fields):
    payload = {"rfq": rfq_number, "supplier": supplier, "lines": lines, **fields}
    return api.post(f"{API}/quotes/", payload, format="json")


def test_anonymous_roles_and_partners_are_refused(client, api_as, parts, supplier, therma, euroheat, make_contract):
    assert client.get(f"{API}/rfqs/").status_code in (401, 403)
    assert new_rfq(api_as(Role.PLANNER)).status_code == 403  # the office reads
    assert api_as(Role.PLANNER).get(f"{API}/rfqs/").status_code == 200
    assert api_as(Role.PARTNER).get(f"{API}/rfqs/").status_code == 403  # suppliers use the portal
    assert api_as(Role.PARTNER).get(f"{API}/contracts/").status_code == 403
    created = new_rfq(api_as(Role.BUYER))
    assert created.status_code == 201, created.content
    send = f"{API}/rfqs/{created.json()['id']}/send/"
    assert api_as(Role.WAREHOUSE).post(send).status_code == 403
    contract = make_contract()
    call_off = f"{API}/contracts/{contract.pk}/call-off/"
    assert api_as(Role.PLANNER).post(call_off, {}, format="json").status_code == 403


def test_an_rfq_from_creation_to_the_award(api_as, parts, supplier, therma, euroheat, usd, warehouse):
    buyer = api_as(Role.BUYER)
    created = new_rfq(buyer)
    assert created.status_code == 201, created.content
    rfq = created.json()
    assert (rfq["state"], rfq["currency"], rfq["line_count"], rfq["invited_count"]) == ("draft", "CNY", 2, 3)
    assert [invitation["supplier"] for invitation in rfq["invitations"]] == ["EUROHEAT", "HEATCO", "THERMA"]
    url = f"{API}/rfqs/{rfq['id']}"
    assert buyer.post(f"{url}/send/").json()["state"] == "sent"

    entered = buyer_quote(
        buyer,
        rfq["number"],
        "HEATCO",
        [
            {"line": 1, "unit_price": "10.00", "lead_time_days": 25},
            {"line": 2, "unit_price": "3.00", "lead_time_days": 10, "min_order_qty": "100"},
        ],
        reference="HC-881",
    )
    assert entered.status_code == 201, entered.content
    assert entered.json()["lines"][1] == {
        "line": 2,
        "item": "TH-01",
        "unit_price": "3.000000",
        "lead_time_days": 10,
        "min_order_qty": "100.000000",
        "quantity": "200.000000",
        "purchase_order_line": None,
    }
    buyer_quote(buyer, rfq["number"], "THERMA", [{"line": 1, "unit_price": "11", "lead_time_days": 7}])
    buyer_quote(
        buyer, rfq["number"], "EUROHEAT", [{"line": 1, "unit_price": "1.5", "lead_time_days": 14}], currency="USD"
    )

    comparison = buyer.get(f"{url}/comparison/").json()
    assert [column["supplier"] for column in comparison["suppliers"]] == ["EUROHEAT", "HEATCO", "THERMA"]
    elements = comparison["lines"][0]
    assert elements["cells"][0]["unit_price_company"] == "10.650000"
    assert [cell["cheapest"] for cell in elements["cells"]] == [False, True, False]
    assert [cell["fastest"] for cell in elements["cells"]] == [False, False, True]
    assert sum(cell["best"] for cell in elements["cells"]) == 1
    assert comparison["lines"][1]["cells"][0] is None  # EUROHEAT did not quote thermostats

    awarded = buyer.post(
        f"{url}/award/",
        {
            "warehouse": "MAIN",
            "choices": [{"line": 1, "supplier": "EUROHEAT"}, {"line": 2, "supplier": "HEATCO"}],
        },
        format="json",
    )
    assert awarded.status_code == 200, awarded.content
    body = awarded.json()
    assert body["state"] == "awarded" and len(body["purchase_orders"]) == 2
    states = {quote["supplier"]: quote["state"] for quote in body["quotes"]}
    assert states == {"EUROHEAT": "awarded", "HEATCO": "awarded", "THERMA": "lost"}
    dollars = PurchaseOrder.objects.get(supplier__code="EUROHEAT")
    assert (dollars.currency.code, dollars.lines.get().unit_price, dollars.lines.get().expected_date) == (
        "USD",
        Decimal("1.5"),
        day(14),
    )
    heatco = next(quote for quote in body["quotes"] if quote["supplier"] == "HEATCO")
    assert heatco["lines"][1]["purchase_order_line"].endswith("/1")


def test_bad_rfq_input_is_a_400_naming_each_problem(api_as, parts, supplier, company):
    buyer = api_as(Role.BUYER)
    bad = errors(
        new_rfq(
            buyer,
            lines=[{"item": "NOPE", "quantity": "1"}, {"item": "HE-2000", "quantity": "0"}],
            suppliers=["HEATCO", "NOBODY"],
        )
    )
    assert set(bad) == {
        ("lines.0.item", "does_not_exist"),
        ("lines.1.quantity", "min_value"),
        ("suppliers", "does_not_exist"),
    }
    assert set(errors(new_rfq(buyer, state="sent"))) == {("state", "read_only")}
    late = errors(new_rfq(buyer, respond_by=day(-1).isoformat(), suppliers=[]))
    assert set(late) == {("respond_by", "past")}
    assert not Rfq.objects.exists()


def test_quotes_outside_the_rules_are_400s(api_as, make_rfq, supplier, therma, parts):
    buyer = api_as(Role.BUYER)
    rfq = make_rfq(suppliers=[supplier])
    uninvited = errors(buyer_quote(buyer, rfq.number, "THERMA", [{"line": 1, "unit_price": "9", "lead_time_days": 3}]))
    assert set(uninvited) == {("supplier", "not_invited")}
    bad = errors(
        buyer_quote(
            buyer,
            rfq.number,
            "HEATCO",
            [{"line": 3, "unit_price": "9", "lead_time_days": 3}, {"line": 1, "unit_price": "0", "lead_time_days": 3}],
        )
    )
    assert set(bad) == {("lines.0.line", "does_not_exist")}
    bad = errors(buyer_quote(buyer, rfq.number, "HEATCO", [{"line": 1, "unit_price": "0", "lead_time_days": -2}]))
    assert set(bad) == {("lines.0.unit_price", "not_positive"), ("lines.0.lead_time_days", "invalid")}
    assert not SupplierQuote.objects.exists()


def test_an_award_erp_refuses_is_a_400_and_nothing_is_written(api_as, quoted_rfq, therma, warehouse):
    PartnerBlock.objects.create(
        partner=therma, purpose="purchasing", source="test", reason="Audit failed", effective_from=today()
    )
    buyer = api_as(Role.BUYER)
    url = f"{API}/rfqs/{quoted_rfq.pk}/award/"
    refused = errors(
        buyer.post(
            url,
            {"warehouse": "MAIN", "choices": [{"line": 1, "supplier": "HEATCO"}, {"line": 2, "supplier": "THERMA"}]},
            format="json",
        )
    )
    assert refused == {("supplier", "blocked"): "Purchasing from THERMA is blocked: Audit failed"}
    assert not PurchaseOrder.objects.exists()
    unknown = errors(
        buyer.post(url, {"warehouse": "MAIN", "choices": [{"line": 2, "supplier": "EUROHEAT"}]}, format="json")
    )
    assert set(unknown) == {("choices.0.supplier", "does_not_exist")}
    assert buyer.get(f"{API}/rfqs/{quoted_rfq.pk}/").json()["state"] == "sent"


def test_a_buyer_withdraws_a_quote_for_the_supplier(api_as, quoted_rfq):
    buyer = api_as(Role.BUYER)
    quote = SupplierQuote.objects.get(supplier__code="HEATCO")
    withdrawn = buyer.post(f"{API}/quotes/{quote.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert set(errors(buyer.post(f"{API}/quotes/{quote.pk}/withdraw/"))) == {(None, "invalid_state")}
    listed = buyer.get(f"{API}/quotes/", {"rfq__number": quoted_rfq.number, "state": "submitted"}).json()
    assert sorted(quote["supplier"] for quote in listed["results"]) == ["EUROHEAT", "THERMA"]


def test_a_contract_from_creation_to_call_offs(api_as, supplier, parts, warehouse, company):
    buyer = api_as(Role.BUYER)
    created = buyer.post(
        f"{API}/contracts/",
        {
            "supplier": "HEATCO",
            "valid_from": day(0).isoformat(),
            "valid_to": day(365).isoformat(),
            "terms": "DDP Ningbo",
            "lines": [
                {"item": "HE-2000", "quantity": "1000", "unit_price": "9.50"},
                {"item": "TH-01", "quantity": "500", "unit_price": "2.90"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    contract = created.json()
    assert (contract["state"], contract["currency"], contract["agreed_value"]) == ("draft", "CNY", "10950.00")
    url = f"{API}/contracts/{contract['id']}"
    call = {"warehouse": "MAIN", "lines": [{"item": "HE-2000", "quantity": "300"}]}
    assert set(errors(buyer.post(f"{url}/call-off/", call, format="json"))) == {(None, "invalid_state")}
    assert buyer.post(f"{url}/activate/").json()["state"] == "active"

    called = buyer.post(f"{url}/call-off/", call, format="json")
    assert called.status_code == 201, called.content
    call_off = called.json()
    order = PurchaseOrder.objects.get()
    assert call_off["purchase_order"] == order.number and call_off["purchase_order_state"] == "draft"
    assert call_off["lines"] == [{"item": "HE-2000", "quantity": "300.000000", "po_line": f"{order.number}/1"}]
    assert order.lines.get().unit_price == Decimal("9.5")

    unknown = {"warehouse": "MAIN", "lines": [{"item": "CB-EU", "quantity": "1"}]}
    assert set(errors(buyer.post(f"{url}/call-off/", unknown, format="json"))) == {("lines.0.item", "does_not_exist")}
    too_much = {
        "warehouse": "MAIN",
        "lines": [{"item": "TH-01", "quantity": "5"}, {"item": "HE-2000", "quantity": "701"}],
    }
    refused = errors(buyer.post(f"{url}/call-off/", too_much, format="json"))
    assert refused == {
        ("lines.1.quantity", "exceeds_remaining"): "701 of HE-2000 asked, 700 remain of the 1000 agreed."
    }
    assert CallOff.objects.count() == 1

    detail = buyer.get(f"{url}/").json()
    lines = {line["item"]: line["remaining_qty"] for line in detail["lines"]}
    assert lines == {"HE-2000": "700.000000", "TH-01": "500.000000"}
    assert [entry["purchase_order"] for entry in detail["call_offs"]] == [order.number]
    cancelled = buyer.post(f"/api/v1/erp/purchase-orders/{order.pk}/cancel/")
    assert cancelled.status_code == 200
    assert ContractLine.objects.get(item__code="HE-2000").called_off_qty == 0
