"""RFQs through the services: a draft with lines and invited suppliers, sending, the suppliers' quotes (who
may quote, until when, what a quote line must say, re-submission replacing the earlier quote), withdrawal,
declining, and the side-by-side comparison with its ranking."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.models import ExchangeRate, Partner, PartnerBlock
from srm.models import QuoteState, RfqState, Scorecard, SupplierQuote, SupplierQuoteLine
from srm.selectors import sourcing as selectors
from srm.selectors.scorecards import month_bounds
from srm.services import sourcing
from tests.srm.sourcing_fixtures import *  # noqa: F403  (fixtures)
from tests.srm.sourcing_fixtures import codes, day, quote_of, refused, today

pytestmark = pytest.mark.django_db


def travel_to(date: datetime.date):
    return time_machine.travel(datetime.datetime.combine(date, datetime.time(12), tzinfo=datetime.UTC), tick=False)


# --- The draft ----------------------------------------------------------------------------------------------------


def test_a_draft_is_numbered_priced_in_the_company_currency_and_sent_to_its_suppliers(make_rfq, supplier, therma):
    rfq = make_rfq(suppliers=[supplier, therma], send=False)
    assert rfq.number.startswith(f"RFQ-{today().year}-") and rfq.state == RfqState.DRAFT
    assert rfq.currency.code == "CNY"
    assert [(line.position, line.item.code, line.quantity) for line in rfq.lines.order_by("position")] == [
        (1, "HE-2000", Decimal(100)),
        (2, "TH-01", Decimal(200)),
    ]
    assert set(rfq.invitations.values_list("sent_at", flat=True)) == {None}

    sent = sourcing.rfq_send(rfq=rfq)
    assert sent.state == RfqState.SENT and sent.issued_on == today()
    assert None not in set(rfq.invitations.values_list("sent_at", flat=True))
    assert codes(refused(sourcing.rfq_send, rfq=rfq)) == {(None, "invalid_state")}


def test_a_draft_refuses_bad_input_naming_each_line(company, parts):
    element, _thermostat = parts
    error = refused(
        sourcing.rfq_create,
        title=" ",
        respond_by=day(-1),
        lines=[{"item": element, "quantity": Decimal(0)}, {"item": element, "quantity": 5, "required_date": day(-2)}],
    )
    assert codes(error) == {("title", "required"), ("respond_by", "past")}
    error = refused(
        sourcing.rfq_create,
        title="Elements",
        respond_by=day(3),
        lines=[{"item": element, "quantity": Decimal(0)}, {"item": element, "quantity": 5, "required_date": day(-2)}],
    )
    assert codes(error) == {("lines.0.quantity", "not_positive"), ("lines.1.required_date", "past")}


def test_nothing_to_ask_or_nobody_to_ask_is_not_sent(make_rfq, parts):
    error = refused(make_rfq, suppliers=[], send=False)
    assert codes(error) == {("suppliers", "required")}
    rfq = sourcing.rfq_create(title="Empty", respond_by=day(3))
    assert codes(refused(sourcing.rfq_send, rfq=rfq)) == {("lines", "required"), ("suppliers", "required")}


def test_only_active_unblocked_suppliers_are_invited(make_rfq, supplier, therma, company):
    customer = Partner.objects.create(code="SHOP", name="A shop", kind="customer")
    PartnerBlock.objects.create(
        partner=therma, purpose="purchasing", source="test", reason="ISO 9001 expired", effective_from=day(-1)
    )
    rfq = make_rfq(suppliers=[supplier], send=False)
    error = refused(sourcing.rfq_invite, rfq=rfq, suppliers=[customer, therma])
    assert codes(error) == {("suppliers", "not_a_supplier"), ("suppliers", "blocked")}
    assert "ISO 9001 expired" in str(error)
    assert list(rfq.invitations.values_list("supplier__code", flat=True)) == ["HEATCO"]


def test_a_supplier_invited_after_sending_is_sent_its_invitation_at_once(make_rfq, supplier, therma):
    rfq = make_rfq(suppliers=[supplier])
    [invitation] = sourcing.rfq_invite(rfq=rfq, suppliers=[therma, supplier])
    assert invitation.supplier == therma and invitation.sent_at is not None
    assert rfq.invitations.count() == 2


def test_lines_change_only_on_a_draft(make_rfq, parts):
    element, _thermostat = parts
    draft = make_rfq(send=False)
    line = sourcing.rfq_line_add(rfq=draft, item=element, quantity=Decimal(5))
    assert line.position == 3
    sourcing.rfq_line_remove(line=line)
    assert draft.lines.count() == 2
    sent = make_rfq()
    assert codes(refused(sourcing.rfq_line_add, rfq=sent, item=element, quantity=Decimal(5))) == {
        (None, "invalid_state")
    }


def test_a_sent_rfq_may_give_more_time_not_less(make_rfq):
    rfq = make_rfq()
    later = sourcing.rfq_update(rfq=rfq, title=rfq.title, respond_by=day(10), notes="More time")
    assert later.respond_by == day(10)
    error = refused(sourcing.rfq_update, rfq=rfq, title="Other", respond_by=day(8))
    assert codes(error) == {("title", "sent"), ("respond_by", "sent")}


# --- Quotes -------------------------------------------------------------------------------------------------------


def test_an_invited_supplier_quotes_in_the_rfq_currency_by_default(make_rfq, supplier, euroheat, usd, make_user):
    rfq = make_rfq()
    portal_user = make_user()
    quote = quote_of(rfq, supplier, {1: ("10.00", 25), 2: ("3.00", 10, "250", "500")}, user=portal_user)
    assert (quote.state, quote.currency.code, quote.submitted_by, quote.invitation.supplier) == (
        QuoteState.SUBMITTED,
        "CNY",
        portal_user,
        supplier,
    )
    lines = {line.rfq_line.position: line for line in quote.lines.all()}
    assert (lines[1].quantity, lines[1].min_order_qty) == (Decimal(100), Decimal(0))  # the quantity asked
    assert (lines[2].quantity, lines[2].min_order_qty) == (Decimal(500), Decimal(250))
    in_dollars = quote_of(rfq, euroheat, {1: ("1.50", 14)}, currency=usd)
    assert in_dollars.currency == usd


def test_only_invited_suppliers_quote_and_only_the_rfq_lines(make_rfq, supplier, therma, parts):
    rfq = make_rfq(suppliers=[supplier])
    error = refused(quote_of, rfq, therma, {1: ("10", 5)})
    assert codes(error) == {("supplier", "not_invited")}

    other = make_rfq(suppliers=[supplier])
    foreign_line = other.lines.get(position=1)
    error = refused(
        sourcing.supplier_quote_submit,
        rfq=rfq,
        supplier=supplier,
        lines=[{"rfq_line": foreign_line, "unit_price": Decimal(10), "lead_time_days": 5}],
    )
    assert codes(error) == {("lines.0.rfq_line", "wrong_rfq")}
    assert not SupplierQuote.objects.exists()


def test_a_quote_line_needs_a_positive_price_a_lead_time_and_its_own_minimum(make_rfq, supplier):
    rfq = make_rfq(suppliers=[supplier])
    error = refused(quote_of, rfq, supplier, {1: ("0", -1), 2: ("2.5", 3, "300", "200")}, valid_until=day(-1))
    assert codes(error) == {
        ("lines.0.unit_price", "not_positive"),
        ("lines.0.lead_time_days", "invalid"),
        ("lines.1.quantity", "below_minimum"),
        ("valid_until", "past"),
    }
    line = rfq.lines.get(position=1)
    twice = [{"rfq_line": line, "unit_price": Decimal(1), "lead_time_days": 1}] * 2
    error = refused(sourcing.supplier_quote_submit, rfq=rfq, supplier=supplier, lines=twice)
    assert codes(error) == {("lines.1.rfq_line", "duplicate_line")}
    error = refused(sourcing.supplier_quote_submit, rfq=rfq, supplier=supplier, lines=[])
    assert codes(error) == {("lines", "required")}
    assert not SupplierQuote.objects.exists()


def test_quotes_are_taken_until_the_answer_day_and_while_the_rfq_is_out(make_rfq, supplier):
    draft = make_rfq(send=False)
    assert codes(refused(quote_of, draft, supplier, {1: ("10", 5)})) == {(None, "invalid_state")}
    rfq = make_rfq(respond_by=day(3))
    with travel_to(day(3)):
        quote_of(rfq, supplier, {1: ("10", 5)})
    with travel_to(day(4)):
        assert codes(refused(quote_of, rfq, supplier, {1: ("9", 5)})) == {(None, "too_late")}
    sourcing.rfq_close(rfq=rfq)
    assert codes(refused(quote_of, rfq, supplier, {1: ("9", 5)})) == {(None, "invalid_state")}
    assert SupplierQuoteLine.objects.get().unit_price == Decimal(10)


def test_submitting_again_replaces_the_earlier_quote(make_rfq, supplier):
    rfq = make_rfq()
    first = quote_of(rfq, supplier, {1: ("10.00", 25), 2: ("3.00", 10)}, reference="Q-1")
    second = quote_of(rfq, supplier, {1: ("9.40", 20)}, reference="Q-2")
    assert second.pk == first.pk and second.reference == "Q-2"
    assert SupplierQuote.objects.count() == 1
    assert [(line.rfq_line.position, line.unit_price) for line in second.lines.all()] == [(1, Decimal("9.40"))]


def test_a_withdrawn_quote_can_be_given_again_before_the_answer_day(make_rfq, supplier):
    rfq = make_rfq()
    quote = quote_of(rfq, supplier, {1: ("10.00", 25)})
    withdrawn = sourcing.supplier_quote_withdraw(quote=quote)
    assert withdrawn.state == QuoteState.WITHDRAWN
    assert codes(refused(sourcing.supplier_quote_withdraw, quote=quote)) == {(None, "invalid_state")}
    again = quote_of(rfq, supplier, {1: ("9.90", 25)})
    assert again.state == QuoteState.SUBMITTED


def test_declining_withdraws_the_quote_and_quoting_again_undoes_it(make_rfq, supplier):
    rfq = make_rfq()
    quote_of(rfq, supplier, {1: ("10.00", 25)})
    invitation = sourcing.rfq_decline(rfq=rfq, supplier=supplier)
    assert invitation.declined and SupplierQuote.objects.get().state == QuoteState.WITHDRAWN
    quote_of(rfq, supplier, {1: ("10.00", 25)})
    invitation.refresh_from_db()
    assert not invitation.declined


def test_cancelling_an_rfq_leaves_its_quotes_lost(quoted_rfq):
    cancelled = sourcing.rfq_cancel(rfq=quoted_rfq)
    assert cancelled.state == RfqState.CANCELLED
    assert set(quoted_rfq.quotes.values_list("state", flat=True)) == {QuoteState.LOST}
    assert codes(refused(sourcing.rfq_cancel, rfq=quoted_rfq)) == {(None, "invalid_state")}


# --- The comparison -----------------------------------------------------------------------------------------------


def cells_of(row) -> dict[str, selectors.Cell]:
    return {cell.quote.supplier.code: cell for cell in row.cells if cell is not None}


def scored(supplier: Partner, score: str) -> None:
    """A scorecard of last month with this score (EUROHEAT has none: it is new)."""
    start, end = month_bounds(today().replace(day=1) - datetime.timedelta(days=1))
    Scorecard.objects.create(
        supplier=supplier, period_start=start, period_end=end, score=Decimal(score), computed_at=timezone.now()
    )


def test_the_comparison_ranks_each_line_in_the_company_currency(quoted_rfq, supplier, therma):
    scored(supplier, "60")
    scored(therma, "95")
    comparison = selectors.comparison(rfq=quoted_rfq)
    assert [column.supplier.code for column in comparison.suppliers] == ["EUROHEAT", "HEATCO", "THERMA"]
    elements, thermostats = comparison.lines

    cells = cells_of(elements)
    assert cells["EUROHEAT"].unit_price_company == Decimal("10.65")  # 1.50 USD at 7.1
    assert cells["EUROHEAT"].total_company == Decimal("1065.00") and cells["EUROHEAT"].total == Decimal("150.00")
    assert cells["HEATCO"].delivery_date == day(25) and cells["HEATCO"].meets_required_date is False
    assert cells["THERMA"].meets_required_date is True
    assert elements.cheapest.quote.supplier.code == "HEATCO"
    assert elements.fastest.quote.supplier.code == "THERMA"
    # HEATCO: 0.5 x 100 + 0.3 x 30.8 (100 x 8/26: late) + 0.2 x 60 = 71.2; THERMA: 0.5 x 90.9 + 0.3 x 100 (in
    # time) + 0.2 x 95 = 94.5; EUROHEAT: 0.5 x 93.9 + 0.3 x 100 + 0.2 x 50 (no score: neutral) = 87.0.
    assert (cells["HEATCO"].overall, cells["THERMA"].overall, cells["EUROHEAT"].overall) == (
        Decimal("71.2"),
        Decimal("94.5"),
        Decimal("87.0"),
    )
    assert elements.best.quote.supplier.code == "THERMA" and cells["THERMA"].best
    # Nobody asked a date of thermostats: THERMA is cheaper and faster. EUROHEAT did not quote them.
    assert thermostats.cells[0] is None
    assert thermostats.cheapest is thermostats.fastest is thermostats.best
    assert thermostats.best.quote.supplier.code == "THERMA"
    totals = {column.supplier.code: column.total_company for column in comparison.suppliers}
    assert totals == {"EUROHEAT": Decimal("1065.00"), "HEATCO": Decimal("1600.00"), "THERMA": Decimal("1660.00")}


def test_cells_that_cannot_be_bought_as_offered_are_shown_but_not_ranked(make_rfq, supplier, therma, euroheat):
    rfq = make_rfq()
    quote_of(rfq, supplier, {1: ("8.00", 5, "150", "150")})  # cheapest, but a minimum above the 100 asked
    quote_of(rfq, therma, {1: ("9.00", 5, "0", "60")}, valid_until=day(3))  # 60 of the 100 only
    quote_of(rfq, euroheat, {1: ("1.50", 5)}, currency=euroheat.currency)
    comparison = selectors.comparison(rfq=rfq)
    cells = cells_of(comparison.lines[0])
    assert cells["HEATCO"].problems == ["minimum order 150"] and cells["HEATCO"].order_qty == Decimal(150)
    assert cells["THERMA"].problems == ["offers 60 only"] and cells["THERMA"].order_qty == Decimal(60)
    assert comparison.lines[0].best.quote.supplier.code == "EUROHEAT"
    # A quote past its validity is not ranked either; nor a price without an exchange rate.
    with travel_to(day(4)):
        cells = cells_of(selectors.comparison(rfq=rfq).lines[0])
    assert cells["THERMA"].problems == [f"valid until {day(3)}", "offers 60 only"]
    ExchangeRate.objects.filter(currency=euroheat.currency).delete()
    row = selectors.comparison(rfq=rfq).lines[0]
    assert cells_of(row)["EUROHEAT"].problems == ["no exchange rate for USD"]
    assert cells_of(row)["EUROHEAT"].unit_price_company is None
    assert row.best is None and row.cheapest is None
