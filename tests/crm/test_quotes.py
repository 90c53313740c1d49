"""Quotes through their life: drafts priced from the customer's price list (quantity breaks, the general list
behind it, prices set by hand), promised by capable-to-promise, sent, revised into versions, rejected, expired,
and accepted into a confirmed sales order in one step, or, when ERP refuses (the credit limit), not at all."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from core.models import DomainEvent, NumberSequence
from crm.events import QUOTE_ACCEPTED
from crm.models import Opportunity, OpportunityState, Quote, QuoteLine, QuoteState
from crm.quote_pdf import quote_pdf
from crm.selectors.quotes import quote_document, quote_versions
from crm.services import quotes as services
from crm.services.opportunities import opportunity_create
from crm.tasks import quotes_expire as quotes_expire_task
from erp.choices import SalesOrderState
from erp.models import SalesOrder, SalesOrderLine
from erp.selectors.sales import lines_totals
from tests.crm.quoting import TODAY, day, field_codes
from tests.pdf import font_of_each_string, fonts_drawn_with, page_count, pdf_text
from wms.models import StockRequest

pytestmark = pytest.mark.django_db

S = QuoteState


# --- Pricing ---------------------------------------------------------------------------------------------------


def test_lines_are_priced_from_the_customers_list_at_the_break_reached_then_from_the_general_one(quote_of, goods):
    quote = quote_of((goods["kettle"], 5), (goods["kettle"], 20), (goods["kettle"], 150), (goods["toaster"], 3))
    assert quote.number.startswith("QT-2026-") and (quote.version, quote.state) == (1, S.DRAFT)
    assert (quote.quote_date, quote.valid_until, quote.currency.code) == (TODAY, day(30), "CNY")
    lines = list(quote.lines.order_by("position"))
    # MediaHome's own breaks (95, from 20: 85, from 100: 75); toasters only the general list prices.
    assert [(line.position, line.unit_price, line.priced_from_list) for line in lines] == [
        (10, 95, True),
        (20, 85, True),
        (30, 75, True),
        (40, 50, True),
    ]


def test_a_new_quantity_reprices_a_list_price_and_a_price_set_by_hand_stays(quote_of, goods):
    quote = quote_of((goods["kettle"], 5))
    line = quote.lines.get()
    line = services.quote_line_update(line=line, quantity=Decimal(25))
    assert (line.unit_price, line.priced_from_list) == (85, True)  # the break from 20
    line = services.quote_line_update(line=line, unit_price=Decimal("80.5"))
    assert (line.unit_price, line.priced_from_list) == (Decimal("80.5"), False)
    line = services.quote_line_update(line=line, quantity=Decimal(120))
    assert line.unit_price == Decimal("80.5")  # set by hand: kept
    line = services.quote_line_update(line=line, unit_price=None)
    assert (line.unit_price, line.priced_from_list) == (75, True)  # back to the list, at the break from 100


def test_a_chosen_price_list_prices_the_quote_and_must_fit_it(quote_of, goods, prices, usd, other_customer):
    quote = quote_of((goods["kettle"], 12), price_list=prices["general"])
    assert quote.lines.get().unit_price == 90  # the general list's break from 10, not MediaHome's 95
    with pytest.raises(ValidationError) as error:
        quote_of((goods["kettle"], 1), price_list=prices["general"], currency=usd)
    assert field_codes(error.value) == {"price_list": ["other_currency"]}
    with pytest.raises(ValidationError) as error:
        quote_of((goods["kettle"], 1), price_list=prices["own"], account=other_customer)
    assert field_codes(error.value) == {"price_list": ["other_account"]}
    # Switching the draft to MediaHome's list prices its list-priced lines again.
    quote = services.quote_update(quote=quote, price_list=prices["own"])
    assert quote.lines.get().unit_price == 95


def test_a_line_no_list_prices_is_refused_naming_it_and_nothing_is_saved(quote_of, goods, item, usd):
    blender = item("BL-100")
    with pytest.raises(ValidationError) as error:
        quote_of((goods["kettle"], 2), (blender, 1))
    assert field_codes(error.value) == {"lines.1.unit_price": ["no_price"]}
    assert "BL-100" in error.value.error_dict["lines.1.unit_price"][0].messages[0]
    with pytest.raises(ValidationError) as error:
        quote_of((goods["kettle"], 0, {"discount_pct": Decimal(120)}))
    assert field_codes(error.value) == {"lines.0.quantity": ["min_value"], "lines.0.discount_pct": ["invalid"]}
    assert not Quote.objects.exists() and not QuoteLine.objects.exists()
    # A price given by hand needs no list.
    assert quote_of((blender, 1, {"unit_price": Decimal(30)})).lines.get().unit_price == 30


def test_totals_are_the_sales_orders_net_tax_and_total(sent_quote):
    document = quote_document(quote=sent_quote)
    # 30 x 85 less 10 % = 2,295.00; 4 x 48 = 192.00; VAT 13 % on each line: 298.35 + 24.96.
    assert [(row.net, row.tax) for row in document.lines] == [
        (Decimal("2295.00"), Decimal("298.35")),
        (Decimal("192.00"), Decimal("24.96")),
    ]
    assert (document.totals.net, document.totals.tax, document.totals.total) == (
        Decimal("2487.00"),
        Decimal("323.31"),
        Decimal("2810.31"),
    )


# --- Drafts, promising and sending ---------------------------------------------------------------------------


def test_lines_change_on_drafts_only_and_sending_needs_lines_and_a_validity_ahead(quote_of, goods, clock):
    empty = quote_of()
    with pytest.raises(ValidationError) as error:
        services.quote_send(quote=empty)
    assert field_codes(error.value) == {"lines": ["required"]}
    lapsed = quote_of((goods["kettle"], 1), valid_until=day(2))
    clock.move_to(datetime.datetime.combine(day(3), datetime.time(9), tzinfo=datetime.UTC))
    with pytest.raises(ValidationError) as error:
        services.quote_send(quote=lapsed)
    assert field_codes(error.value) == {"valid_until": ["in_past"]}
    lapsed = services.quote_update(quote=lapsed, valid_until=day(20))
    sent = services.quote_send(quote=lapsed)
    assert sent.state == S.SENT and sent.sent_at is not None
    for change in (
        lambda: services.quote_line_add(quote=sent, item=goods["toaster"], quantity=Decimal(1)),
        lambda: services.quote_line_update(line=sent.lines.get(), quantity=Decimal(2)),
        lambda: services.quote_line_remove(line=sent.lines.get()),
        lambda: services.quote_update(quote=sent, notes="changed"),
        lambda: services.quote_promise(quote=sent),
    ):
        with pytest.raises(ValidationError) as error:
            change()
        assert error.value.code == "wrong_state"
    assert sent.lines.get().quantity == 1


def test_promising_asks_capable_to_promise_per_line_and_the_quote_takes_the_latest(
    quote_of,
    goods,
    bin_,
    receive,
):
    goods["toaster"].lead_time_days = 12
    goods["toaster"].save()
    receive(goods["kettle"], 50, bin_("A-01"))
    quote = quote_of((goods["kettle"], 30), (goods["toaster"], 5))
    quote = services.quote_promise(quote=quote)
    kettles, toasters = quote.lines.order_by("position")
    # Kettles are on hand; toasters are bought in 12 days (no MRP run: nothing else is known).
    assert (kettles.promised_date, toasters.promised_date, quote.promised_date) == (TODAY, day(12), day(12))
    # A new quantity voids that line's promise, and with it the quote's.
    services.quote_line_update(line=kettles, quantity=Decimal(60))
    quote.refresh_from_db()
    assert quote.lines.get(position=10).promised_date is None and quote.promised_date is None
    assert services.quote_promise(quote=quote).promised_date == day(12)


# --- Versions ------------------------------------------------------------------------------------------------


def test_revising_makes_a_new_draft_version_and_supersedes_the_old_one(sent_quote, clock):
    clock.move_to(datetime.datetime.combine(day(5), datetime.time(9), tzinfo=datetime.UTC))
    v2 = services.quote_revise(quote=sent_quote)
    sent_quote.refresh_from_db()
    assert (v2.number, v2.version, v2.state) == (sent_quote.number, 2, S.DRAFT)
    assert (sent_quote.state, sent_quote.superseded_by) == (S.SUPERSEDED, v2)
    assert (v2.quote_date, v2.valid_until) == (day(5), day(35))  # as long valid as v1 was
    assert [(line.item.code, line.quantity, line.unit_price, line.discount_pct) for line in v2.lines.all()] == [
        (line.item.code, line.quantity, line.unit_price, line.discount_pct) for line in sent_quote.lines.all()
    ]
    for refused in (sent_quote, v2):  # superseded; a draft
        with pytest.raises(ValidationError) as error:
            services.quote_revise(quote=refused)
        assert error.value.code == "wrong_state"
    services.quote_send(quote=v2)
    services.quote_reject(quote=v2, reason="Too expensive")
    v3 = services.quote_revise(quote=v2)
    assert [(q.version, q.state) for q in quote_versions(quote=v3)] == [
        (3, S.DRAFT),
        (2, S.SUPERSEDED),
        (1, S.SUPERSEDED),
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=v3.pk).update(version=2)


def test_only_a_first_draft_is_deleted(quote_of, sent_quote, goods):
    draft = quote_of((goods["kettle"], 1))
    services.quote_delete(quote=draft)
    assert not Quote.objects.filter(pk=draft.pk).exists()
    v2 = services.quote_revise(quote=sent_quote)
    with pytest.raises(ValidationError) as error:
        services.quote_delete(quote=v2)
    assert error.value.code == "revision"


def test_rejecting_needs_a_reason_and_a_sent_quote(sent_quote, quote_of, goods):
    with pytest.raises(ValidationError) as error:
        services.quote_reject(quote=sent_quote, reason="  ")
    assert field_codes(error.value) == {"reason": ["required"]}
    with pytest.raises(ValidationError) as error:
        services.quote_reject(quote=quote_of((goods["kettle"], 1)), reason="No")
    assert error.value.code == "wrong_state"
    rejected = services.quote_reject(quote=sent_quote, reason="Bought elsewhere")
    assert (rejected.state, rejected.rejected_reason) == (S.REJECTED, "Bought elsewhere")


# --- Expiry --------------------------------------------------------------------------------------------------


def test_the_daily_task_expires_sent_quotes_past_their_validity(quote_of, goods):
    ending = services.quote_send(quote=quote_of((goods["kettle"], 1), valid_until=day(3)))
    later = services.quote_send(quote=quote_of((goods["kettle"], 1), valid_until=day(10)))
    draft = quote_of((goods["kettle"], 1), valid_until=day(1))
    assert quotes_expire_task(day(3).isoformat()) == 0  # valid through its last day
    assert quotes_expire_task(day(4).isoformat()) == 1
    states = dict(Quote.objects.values_list("pk", "state"))
    assert (states[ending.pk], states[later.pk], states[draft.pk]) == (S.EXPIRED, S.SENT, S.DRAFT)
    assert settings.CELERY_BEAT_SCHEDULE["crm-quotes-expire"]["task"] == "crm.tasks.quotes_expire"
    # An expired quote is not accepted; revising it makes a new one to send.
    with pytest.raises(ValidationError) as error:
        services.quote_accept(quote=ending)
    assert error.value.code == "wrong_state"
    assert services.quote_revise(quote=ending).version == 2


# --- Acceptance ----------------------------------------------------------------------------------------------


def test_acceptance_makes_the_linked_confirmed_sales_order_and_wins_the_opportunity(
    sent_quote,
    customer,
    bin_,
    receive,
    goods,
    make_user,
):
    receive(goods["kettle"], 40, bin_("A-01"))
    owner = make_user("sales")
    opportunity = opportunity_create(
        account=customer,
        name="Kettles for the winter",
        owner=owner,
        expected_revenue=Decimal(3000),
        currency=customer.currency,
        close_date=day(20),
    )
    Quote.objects.filter(pk=sent_quote.pk).update(opportunity=opportunity, promised_date=day(9))
    QuoteLine.objects.filter(quote=sent_quote, position=10).update(promised_date=day(4))
    QuoteLine.objects.filter(quote=sent_quote, position=20).update(promised_date=day(9))

    quote = services.quote_accept(quote=sent_quote, user=owner, customer_reference="PO-4711")
    order = quote.sales_order
    assert (quote.state, quote.customer_reference) == (S.ACCEPTED, "PO-4711") and quote.accepted_at
    assert order.quote == quote
    assert (order.state, order.customer, order.customer_reference) == (SalesOrderState.CONFIRMED, customer, "PO-4711")
    assert (order.order_date, order.requested_date, order.promised_date) == (TODAY, day(14), day(9))
    fields = ("position", "item__code", "quantity", "unit_price", "discount_pct", "tax_rate__code", "promised_date")
    assert list(order.lines.order_by("position").values_list(*fields)) == [
        (10, "KT-200", 30, 85, 10, "VAT13", day(4)),
        (20, "TS-400", 4, 48, 0, "VAT13", day(9)),
    ]
    assert lines_totals(order.lines.all()) == quote_document(quote=quote).totals
    assert order.stock_request.reference == order.number  # WMS was asked for the shipment
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.WON
    with pytest.raises(ValidationError) as error:
        services.quote_accept(quote=quote)
    assert error.value.code == "wrong_state"
    # Won once, told once: partners and upper apps hear of it with the order it became.
    event = DomainEvent.objects.get(name=QUOTE_ACCEPTED)
    totals = quote_document(quote=quote).totals
    assert event.payload == {
        "quote": quote.number,
        "version": 1,
        "customer": customer.code,
        "opportunity": str(opportunity.pk),
        "sales_order": order.number,
        "currency": quote.currency.code,
        "net": str(totals.net),
        "total": str(totals.total),
        "promised_date": day(9).isoformat(),
        "customer_reference": "PO-4711",
        "accepted_at": quote.accepted_at.isoformat(),
    }
    assert (event.aggregate_id, event.actor) == (str(quote.pk), owner)


def _footprint() -> dict[str, object]:
    return {
        "orders": SalesOrder.objects.count(),
        "order lines": SalesOrderLine.objects.count(),
        "events": DomainEvent.objects.count(),
        "stock requests": StockRequest.objects.count(),
        "order numbers": list(NumberSequence.objects.filter(doc_type="SO").values_list("year", "last_value")),
        "opportunities won": Opportunity.objects.filter(state=OpportunityState.WON).count(),
    }


def test_acceptance_failing_the_credit_check_leaves_no_sales_order_and_no_half_write(
    sent_quote,
    customer,
    make_user,
):
    opportunity = opportunity_create(
        account=customer,
        name="Kettles",
        owner=make_user("sales"),
        expected_revenue=Decimal(3000),
        currency=customer.currency,
        close_date=day(20),
    )
    Quote.objects.filter(pk=sent_quote.pk).update(opportunity=opportunity)
    customer.credit_limit = Decimal("2000")  # the quote is 2,810.31 with tax
    customer.save()
    before = _footprint()

    with pytest.raises(ValidationError) as error:
        services.quote_accept(quote=sent_quote, customer_reference="PO-1")
    assert error.value.code == "credit_limit"
    message = error.value.messages[0]
    assert f"{sent_quote} was not accepted" in message and "credit limit" in message and "2,810.31" in message

    assert _footprint() == before
    sent_quote.refresh_from_db()
    assert (sent_quote.state, sent_quote.sales_order, sent_quote.accepted_at, sent_quote.customer_reference) == (
        S.SENT,
        None,
        None,
        "",
    )
    opportunity.refresh_from_db()
    assert opportunity.state == OpportunityState.OPEN

    # Within the limit it goes through, with the first order number: none was used up by the failure.
    customer.credit_limit = Decimal("5000")
    customer.save()
    order = services.quote_accept(quote=sent_quote).sales_order
    assert order.number == "SO-2026-00001" and order.state == SalesOrderState.CONFIRMED


def test_a_quote_past_its_validity_or_its_promise_is_not_accepted(sent_quote, clock):
    QuoteLine.objects.filter(quote=sent_quote, position=10).update(promised_date=day(1))
    clock.move_to(datetime.datetime.combine(day(2), datetime.time(9), tzinfo=datetime.UTC))
    with pytest.raises(ValidationError) as error:
        services.quote_accept(quote=sent_quote)
    assert error.value.code == "promise_lapsed" and day(1).isoformat() in error.value.messages[0]
    clock.move_to(datetime.datetime.combine(day(31), datetime.time(9), tzinfo=datetime.UTC))
    with pytest.raises(ValidationError) as error:
        services.quote_accept(quote=sent_quote)
    assert error.value.code == "expired"
    assert not SalesOrder.objects.exists()


def test_a_refusal_of_the_customer_is_named_on_the_quotes_account(sent_quote, customer):
    customer.active = False
    customer.save()
    with pytest.raises(ValidationError) as error:
        services.quote_accept(quote=sent_quote)
    assert field_codes(error.value) == {"account": ["inactive"]}
    assert not SalesOrder.objects.exists()


# --- The PDF -------------------------------------------------------------------------------------------------


def test_the_pdf_is_a_document_with_header_address_lines_totals_and_terms(sent_quote, customer, company):
    customer.street, customer.city, customer.postal_code, customer.country = "1 Market St", "Lyon", "69001", "FR"
    customer.save()
    company.address = "88 Kettle Road, Ningbo"
    company.save()
    pdf = quote_pdf(quote_document(quote=sent_quote))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) == 1
    text = pdf_text(pdf)
    for expected in (
        "SmartAppliance Co.",
        "88 Kettle Road, Ningbo",
        "QUOTATION",
        sent_quote.number,
        "MediaHome",
        "1 Market St",
        "69001 Lyon",
        TODAY.isoformat(),
        day(30).isoformat(),
        "KT-200",
        "2,295.00",
        "323.31",
        "2,810.31",
        "VAT13",
        "Payment: 30 days",
    ):
        assert expected in text, expected


def test_a_long_quote_runs_over_pages(quote_of, goods):
    quote = quote_of(*[(goods["kettle"], n) for n in range(1, 81)])
    pdf = quote_pdf(quote_document(quote=quote))
    pages = page_count(pdf)
    assert pages >= 2
    assert f"Page 2 of {pages}" in pdf_text(pdf)


def test_the_pdf_prints_in_chinese_and_a_chinese_customer_name_in_the_cjk_font(sent_quote, customer):
    with translation.override("zh-hans"):
        pdf = quote_pdf(quote_document(quote=sent_quote))
    assert fonts_drawn_with(pdf) == {"STSong-Light"} and "报价单" in pdf_text(pdf)

    customer.name = "宁波美家电器有限公司"
    customer.save()
    fonts = font_of_each_string(quote_pdf(quote_document(quote=sent_quote)))
    assert fonts["宁波美家电器有限公司"] == "STSong-Light" and fonts["QUOTATION"].startswith("Helvetica")
