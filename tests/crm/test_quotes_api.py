"""The quotes API: drafts created with their lines by code, lines changed on drafts, and the commands (promise,
send, revise, accept, reject); refusals are 400s naming field and code, and a refused acceptance writes nothing."""

from decimal import Decimal

import pytest

from core.roles import Role
from crm.models import Quote, QuoteState
from erp.models import SalesOrder, SalesOrderLine
from tests.crm.quoting import api_errors, day

pytestmark = pytest.mark.django_db

URL = "/api/v1/crm/quotes/"


def test_a_draft_is_created_with_its_lines_and_priced_from_the_list(
    clock, prices, goods, customer, vat, warehouse, api_as
):
    api = api_as(Role.SALES)
    response = api.post(
        URL,
        {
            "account": "MEDIAHOME",
            "requested_date": day(14).isoformat(),
            "lines": [
                {"item": "KT-200", "quantity": "25", "tax_rate": "VAT13", "discount_pct": "5"},
                {"item": "TS-400", "quantity": "2", "unit_price": "47.50"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    quote = response.json()
    assert (quote["number"][:8], quote["version"], quote["state"], quote["currency"]) == ("QT-2026-", 1, "draft", "CNY")
    assert [(line["item"], line["unit_price"], line["priced_from_list"]) for line in quote["lines"]] == [
        ("KT-200", "85.000000", True),
        ("TS-400", "47.500000", False),
    ]
    # 25 x 85 less 5 % = 2,018.75 + 13 % = 262.44; 2 x 47.50 = 95.00.
    assert quote["totals"] == {"net": "2113.75", "tax": "262.44", "total": "2376.19"}
    assert quote["salesperson"].startswith("sales") and [v["version"] for v in quote["versions"]] == [1]

    line_id = quote["lines"][0]["id"]
    response = api.patch(f"{URL}{quote['id']}/lines/{line_id}/", {"quantity": "120"}, format="json")
    assert response.json()["lines"][0]["unit_price"] == "75.000000"  # the break from 100
    response = api.post(f"{URL}{quote['id']}/lines/", {"item": "KT-200", "quantity": "1"}, format="json")
    assert response.status_code == 201 and len(response.json()["lines"]) == 3
    response = api.delete(f"{URL}{quote['id']}/lines/{line_id}/")
    assert [line["position"] for line in response.json()["lines"]] == [20, 30]
    response = api.patch(f"{URL}{quote['id']}/", {"notes": "Delivery to Hamburg"}, format="json")
    assert response.json()["notes"] == "Delivery to Hamburg"


def test_a_line_edit_moves_the_quotes_etag(quote_of, goods, api_as):
    """A line is part of its quote: If-Match read before a line was added, changed or removed is stale (412)."""
    quote = quote_of((goods["kettle"], 30))
    api = api_as(Role.SALES)
    detail = f"{URL}{quote.pk}/"
    first = quote.lines.get()

    def last_line() -> str:
        return f"{detail}lines/{quote.lines.order_by('position').last().pk}/"

    for edit in (
        lambda: api.post(f"{detail}lines/", {"item": "TS-400", "quantity": "2"}, format="json"),
        lambda: api.patch(last_line(), {"quantity": "3"}, format="json"),
        lambda: api.delete(last_line()),
    ):
        stale = api.get(detail)["ETag"]
        edited = edit()
        assert edited.status_code in (200, 201), edited.content
        assert edited["ETag"] != stale and edited["ETag"] == api.get(detail)["ETag"]
        refused = api.patch(detail, {"notes": "Mine"}, format="json", HTTP_IF_MATCH=stale)
        assert refused.status_code == 412, refused.content
        refused = api.patch(f"{detail}lines/{first.pk}/", {"quantity": "5"}, format="json", HTTP_IF_MATCH=stale)
        assert refused.status_code == 412, refused.content
    quote.refresh_from_db()
    assert quote.notes == "" and list(quote.lines.values_list("quantity", flat=True)) == [30]


def test_bad_input_is_a_400_naming_field_and_code(clock, prices, goods, customer, warehouse, api_as):
    api = api_as(Role.SALES)
    response = api.post(
        URL,
        {
            "account": "MEDIAHOME",
            "requested_date": day(-1).isoformat(),
            "lines": [{"item": "KT-200", "quantity": "1"}],
        },
        format="json",
    )
    assert api_errors(response) == {("requested_date", "before_quote_date")}
    response = api.post(
        URL,
        {"account": "MEDIAHOME", "requested_date": day(3).isoformat(), "lines": [{"item": "NOPE", "quantity": "0"}]},
        format="json",
    )
    assert api_errors(response) == {("lines.0.item", "does_not_exist"), ("lines.0.quantity", "min_value")}
    response = api.post(URL, {"account": "MEDIAHOME", "requested_date": day(3).isoformat(), "state": "sent"})
    assert api_errors(response) == {("state", "read_only")}
    assert not Quote.objects.exists()


def test_the_commands_move_a_quote_through_its_life(sent_quote, api_as, bin_, receive, goods):
    receive(goods["toaster"], 10, bin_("A-01"))
    api = api_as(Role.SALES)
    base = f"{URL}{sent_quote.pk}/"
    assert api_errors(api.post(f"{base}promise/")) == {(None, "wrong_state")}
    assert api_errors(api.post(f"{base}reject/", {}, format="json")) == {("reason", "required")}
    response = api.post(f"{base}reject/", {"reason": "Too dear"}, format="json")
    assert (response.json()["state"], response.json()["rejected_reason"]) == ("rejected", "Too dear")

    response = api.post(f"{base}revise/")
    assert response.status_code == 201
    v2 = response.json()
    assert (v2["number"], v2["version"], v2["state"]) == (sent_quote.number, 2, "draft")
    assert [(v["version"], v["state"]) for v in v2["versions"]] == [(2, "draft"), (1, "superseded")]
    response = api.post(f"{URL}{v2['id']}/promise/")
    assert response.status_code == 200 and response.json()["promised_date"] is not None
    assert api.post(f"{URL}{v2['id']}/send/").json()["state"] == "sent"

    response = api.post(f"{URL}{v2['id']}/accept/", {"customer_reference": "PO-77"}, format="json")
    assert response.status_code == 200, response.content
    accepted = response.json()
    order = SalesOrder.objects.get(number=accepted["sales_order"])
    assert (accepted["state"], order.customer_reference, order.state) == ("accepted", "PO-77", "confirmed")
    assert api.get(f"{URL}?state=accepted").json()["count"] == 1
    assert api.get(f"{URL}?latest=true").json()["count"] == 1


def test_a_refused_acceptance_is_a_400_and_leaves_nothing(sent_quote, customer, api_as):
    customer.credit_limit = Decimal("100")
    customer.save()
    response = api_as(Role.SALES).post(f"{URL}{sent_quote.pk}/accept/", {}, format="json")
    assert api_errors(response) == {(None, "credit_limit")}
    assert not SalesOrder.objects.exists() and not SalesOrderLine.objects.exists()
    sent_quote.refresh_from_db()
    assert sent_quote.state == QuoteState.SENT and sent_quote.sales_order is None


def test_who_may_do_what(sent_quote, quote_of, goods, api_as):
    assert api_as(Role.PLANNER).get(URL).status_code == 200  # the office reads quotes
    assert api_as(Role.PLANNER).post(f"{URL}{sent_quote.pk}/revise/").status_code == 403
    assert api_as(Role.WAREHOUSE).get(URL).status_code == 403
    assert api_as(Role.PARTNER).get(URL).status_code == 403  # customers use the portal
    draft = quote_of((goods["kettle"], 1))
    api = api_as(Role.SALES)
    assert api.delete(f"{URL}{draft.pk}/").status_code == 204
    assert api_errors(api.delete(f"{URL}{sent_quote.pk}/")) == {(None, "wrong_state")}
