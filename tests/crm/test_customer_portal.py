"""The customer portal: a customer's own login lists and reads only its own orders (with their live status) and
its own sent and accepted quotes, and accepts or rejects its own quotes. Another customer's record is a 404
on every endpoint and command; staff logins get a 403."""

from decimal import Decimal

import pytest

from core.models import Partner
from core.roles import Role
from crm.models import Quote, QuoteState
from crm.services import quotes as services
from erp.models import SalesOrder
from tests.crm.quoting import api_errors

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/crm/portal/orders/"
QUOTES = "/api/v1/crm/portal/quotes/"


@pytest.fixture
def quotes(quote_of, goods, customer, other_customer, prices):
    """MediaHome's sent quote and draft; KitchenCo's sent quote."""
    return {
        "sent": services.quote_send(quote=quote_of((goods["kettle"], 3))),
        "draft": quote_of((goods["kettle"], 4)),
        "theirs": services.quote_send(quote=quote_of((goods["toaster"], 2), account=other_customer)),
    }


def test_a_customer_sees_its_own_sent_and_accepted_quotes_only(quotes, customer, portal_api):
    api = portal_api(customer)
    listed = api.get(QUOTES).json()
    assert [row["id"] for row in listed["results"]] == [quotes["sent"].pk]  # not the draft, not KitchenCo's
    quote = api.get(f"{QUOTES}{quotes['sent'].pk}/").json()
    assert (quote["number"], quote["state"], quote["totals"]["net"]) == (quotes["sent"].number, "sent", "285.00")
    assert "salesperson" not in quote and "price_list" not in quote  # what the customer sees, not our workings
    for other in (quotes["draft"], quotes["theirs"]):
        assert api.get(f"{QUOTES}{other.pk}/").status_code == 404


def test_a_customer_accepts_its_quote_into_an_order_it_then_tracks(quotes, customer, portal_api):
    api = portal_api(customer)
    response = api.post(f"{QUOTES}{quotes['sent'].pk}/accept/", {"customer_reference": "PO-88"}, format="json")
    assert response.status_code == 200, response.content
    order = SalesOrder.objects.get()
    assert (response.json()["state"], response.json()["sales_order"]) == ("accepted", order.number)
    assert (order.customer, order.customer_reference, order.state, order.salesperson) == (
        customer,
        "PO-88",
        "confirmed",
        None,  # the portal login is no salesperson
    )
    assert [row["number"] for row in api.get(ORDERS).json()["results"]] == [order.number]
    tracking = api.get(f"{ORDERS}{order.pk}/").json()
    assert (tracking["status"], tracking["customer_reference"], tracking["lines"][0]["ordered"]) == (
        "confirmed",
        "PO-88",
        "3.000000",
    )
    # Accepted once: again is refused, nothing more is made.
    response = api.post(f"{QUOTES}{quotes['sent'].pk}/accept/", {}, format="json")
    assert api_errors(response) == {(None, "wrong_state")}
    assert SalesOrder.objects.count() == 1


def test_a_customer_rejects_its_quote_saying_why(quotes, customer, portal_api):
    api = portal_api(customer)
    assert api_errors(api.post(f"{QUOTES}{quotes['sent'].pk}/reject/", {}, format="json")) == {("reason", "required")}
    response = api.post(f"{QUOTES}{quotes['sent'].pk}/reject/", {"reason": "Found cheaper"}, format="json")
    assert (response.status_code, response.json()["state"]) == (200, "rejected")
    assert api.get(QUOTES).json()["count"] == 0  # rejected: no longer the customer's to act on


def test_a_refused_acceptance_tells_the_customer_why_and_leaves_nothing(quotes, customer, portal_api):
    customer.credit_limit = Decimal("50")
    customer.save()
    response = portal_api(customer).post(f"{QUOTES}{quotes['sent'].pk}/accept/", {}, format="json")
    assert api_errors(response) == {(None, "credit_limit")}
    assert not SalesOrder.objects.exists()
    assert Quote.objects.get(pk=quotes["sent"].pk).state == QuoteState.SENT


def test_another_customers_records_are_404_on_every_endpoint(quotes, customer, other_customer, portal_api):
    services.quote_accept(quote=quotes["theirs"])
    their_order = SalesOrder.objects.get(customer=other_customer)
    api = portal_api(customer)
    assert api.get(ORDERS).json()["count"] == 0
    assert api.get(f"{ORDERS}{their_order.pk}/").status_code == 404
    assert api.get(f"{QUOTES}{quotes['theirs'].pk}/").status_code == 404
    for command in ("accept", "reject"):
        response = api.post(f"{QUOTES}{quotes['theirs'].pk}/{command}/", {"reason": "x"}, format="json")
        assert response.status_code == 404
    # And KitchenCo's own login sees its order, and nothing of MediaHome's.
    theirs = portal_api(other_customer)
    assert [row["number"] for row in theirs.get(ORDERS).json()["results"]] == [their_order.number]
    assert [row["id"] for row in theirs.get(QUOTES).json()["results"]] == [quotes["theirs"].pk]


def test_staff_suppliers_and_strangers_are_refused(quotes, customer, api_as, portal_api, company):
    for role in (Role.SALES, Role.ADMIN):
        api = api_as(role)
        assert api.get(ORDERS).status_code == 403
        assert api.get(QUOTES).status_code == 403
        assert api.post(f"{QUOTES}{quotes['sent'].pk}/accept/", {}, format="json").status_code == 403
    supplier = Partner.objects.create(code="HEATCO", name="HeatCo", kind="supplier", currency=company.currency)
    assert portal_api(supplier).get(QUOTES).status_code == 403
    customer.active = False
    customer.save()
    assert portal_api(customer).get(ORDERS).status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get(ORDERS).status_code == 401
    assert Quote.objects.get(pk=quotes["sent"].pk).state == QuoteState.SENT


def test_a_customers_orders_show_production_and_shipping(tracked, customer, portal_api):
    api = portal_api(customer)
    numbers = {row["number"]: row for row in api.get(ORDERS).json()["results"]}
    assert set(numbers) == {tracked[name].number for name in ("making", "shipped", "waiting")}
    making = numbers[tracked["making"].number]
    assert (making["status"], making["percent_done"], making["lines"][0]["percent_done"]) == (
        "in_production",
        "40",
        "40",
    )
    shipped = api.get(f"{ORDERS}{tracked['shipped'].pk}/").json()
    assert shipped["lines"][0]["state"] == "invoiced"
    assert [(s["carrier"], s["tracking_number"]) for s in shipped["shipments"]] == [("DHL", "JD-0001")]
    assert api.get(f"{ORDERS}{tracked['theirs'].pk}/").status_code == 404
