"""The quote screens: the list, a new draft from its form, lines edited on its page, the buttons of its life
(a refusal is a message, never an error page), its versions, its sales order, and its PDF."""

import html
from decimal import Decimal

import pytest

from core.roles import Role
from crm.models import Quote, QuoteState
from crm.services.opportunities import opportunity_create
from erp.models import SalesOrder
from tests.crm.quoting import day

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_new_draft_gets_lines_priced_from_the_list_on_its_page(
    clock, prices, goods, customer, vat, warehouse, client_as
):
    client = client_as(Role.SALES)
    assert "Requested delivery" in page(client.get("/crm/quotes/add/?account=MEDIAHOME"))
    response = client.post(
        "/crm/quotes/add/", {"account": "MEDIAHOME", "requested_date": day(10).isoformat(), "notes": "Winter"}
    )
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == quote.get_absolute_url()

    response = client.post(
        f"/crm/quotes/{quote.pk}/lines/add/", {"item": "KT-200", "quantity": "30", "tax_rate": vat.pk}, follow=True
    )
    assert messages_of(response) == [f"Saved {quote}.", "Line added."]  # the first from the "New" page
    line = quote.lines.get()
    assert line.unit_price == 85
    text = page(response)
    assert "KT-200" in text and "2,550.00" in text and "2,881.50" in text  # 30 x 85, and with 13 % VAT
    # The row posts every field: a price typed in overrides the list's.
    response = client.post(
        f"/crm/quotes/{quote.pk}/lines/{line.pk}/edit/",
        {"item": "KT-200", "quantity": "30", "unit_price": "80", "discount_pct": "0", "tax_rate": vat.pk},
        follow=True,
    )
    line.refresh_from_db()
    assert (line.unit_price, line.priced_from_list) == (80, False)
    response = client.post(f"/crm/quotes/{quote.pk}/lines/add/", {"item": "NOPE", "quantity": "1"}, follow=True)
    assert "There is no active item NOPE." in " ".join(messages_of(response))

    response = client.post(f"/crm/quotes/{quote.pk}/edit/", {"requested_date": day(12).isoformat(), "notes": "Spring"})
    quote.refresh_from_db()
    assert (response.status_code, quote.requested_date, quote.notes, quote.valid_until) == (
        302,
        day(12),
        "Spring",
        day(30),
    )

    listing = page(client.get("/crm/quotes/?state=draft"))
    assert quote.number in listing and "2,400.00" in listing


def test_the_buttons_send_revise_reject_and_accept_with_refusals_as_messages(
    sent_quote, customer, client_as, make_user
):
    opportunity = opportunity_create(
        account=customer,
        name="Winter kettles",
        owner=make_user(Role.SALES),
        expected_revenue=Decimal(3000),
        currency=customer.currency,
        close_date=day(20),
    )
    Quote.objects.filter(pk=sent_quote.pk).update(opportunity=opportunity)
    client = client_as(Role.SALES)
    text = page(client.get(sent_quote.get_absolute_url()))
    for button in ("Accept", "Reject", "Revise", "PDF", opportunity.number):
        assert button in text
    assert "Mark as sent" not in text and "Add a line" not in text

    customer.credit_limit = Decimal("10")
    customer.save()
    response = client.post(f"/crm/quotes/{sent_quote.pk}/accept/", {"customer_reference": "PO-9"}, follow=True)
    assert "was not accepted" in messages_of(response)[0] and "credit limit" in messages_of(response)[0]
    assert not SalesOrder.objects.exists()

    customer.credit_limit = Decimal(0)  # no limit
    customer.save()
    response = client.post(f"/crm/quotes/{sent_quote.pk}/accept/", {"customer_reference": "PO-9"}, follow=True)
    order = SalesOrder.objects.get()
    assert messages_of(response) == [f"Accepted: sales order {order.number} is confirmed."]
    text = page(response)
    assert order.number in text and f"/crm/orders/{order.pk}/" in text
    assert f"/crm/quotes/{sent_quote.pk}/accept/" not in text  # no more buttons but the PDF
    opportunity.refresh_from_db()
    assert opportunity.state == "won"

    response = client.post(f"/crm/quotes/{sent_quote.pk}/reject/", {"reason": "late"}, follow=True)
    assert "only a sent quote can be rejected" in messages_of(response)[0]


def test_a_revision_shows_its_versions_and_a_draft_offers_promise_and_send(sent_quote, client_as):
    client = client_as(Role.SALES)
    response = client.post(f"/crm/quotes/{sent_quote.pk}/revise/", follow=True)
    assert messages_of(response) == ["Version 2 is a draft to edit and send."]
    v2 = Quote.objects.get(number=sent_quote.number, version=2)
    text = page(client.get(v2.get_absolute_url()))
    assert "Promise dates" in text and "Mark as sent" in text and "Add a line" in text
    assert f'href="{sent_quote.get_absolute_url()}">v1' in text
    text = page(client.get(sent_quote.get_absolute_url()))
    assert "Superseded by" in text and str(v2) in text
    response = client.post(f"/crm/quotes/{v2.pk}/promise/", follow=True)
    assert "Promised for" in messages_of(response)[0]
    response = client.post(f"/crm/quotes/{v2.pk}/send/", follow=True)
    v2.refresh_from_db()
    assert v2.state == QuoteState.SENT


def test_the_pdf_is_served_to_who_may_see_the_quote(sent_quote, client_as):
    response = client_as(Role.PLANNER).get(f"/crm/quotes/{sent_quote.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f'filename="{sent_quote.number}-v1.pdf"' in response["Content-Disposition"]
    assert client_as(Role.WAREHOUSE).get(f"/crm/quotes/{sent_quote.pk}/pdf/").status_code == 403
    assert client_as(Role.PLANNER).post(f"/crm/quotes/{sent_quote.pk}/accept/", follow=True).status_code == 200
    sent_quote.refresh_from_db()
    assert sent_quote.state == QuoteState.SENT  # the planner reads quotes, does not accept them


def test_the_list_is_not_one_query_per_quote(quote_of, goods, client_as, django_assert_max_num_queries):
    for quantity in range(1, 6):
        quote_of((goods["kettle"], quantity))
    client = client_as(Role.SALES)
    with django_assert_max_num_queries(12):
        text = page(client.get("/crm/quotes/"))
    assert text.count("QT-2026-") >= 5
