"""The award of an RFQ: one draft ERP purchase order per supplier chosen, at the quoted prices, quantities
and lead times; quotes awarded or lost; all or nothing when ERP refuses an order; the prices kept as the
supplier's when asked."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.models import PartnerBlock
from erp.choices import PurchaseOrderState
from erp.models import PurchaseOrder
from srm.models import Approval, QuoteState, RfqState, SupplierItem, SupplierPrice, SupplierQuoteLine
from srm.selectors.sourcing import rfq_purchase_orders
from srm.services import sourcing
from srm.services.suppliers import supplier_item_set, supplier_price_set
from tests.srm.sourcing_fixtures import *  # noqa: F403  (fixtures)
from tests.srm.sourcing_fixtures import codes, day, quote_of, refused, today

pytestmark = pytest.mark.django_db


def quote_line(rfq, supplier_code: str, position: int) -> SupplierQuoteLine:
    return SupplierQuoteLine.objects.get(
        quote__rfq=rfq, quote__supplier__code=supplier_code, rfq_line__position=position
    )


def test_the_award_makes_one_order_per_supplier_at_the_quoted_prices_and_lead_times(quoted_rfq, warehouse, make_user):
    buyer = make_user("buyer")
    orders = sourcing.rfq_award(
        rfq=quoted_rfq,
        choices=[quote_line(quoted_rfq, "EUROHEAT", 1), quote_line(quoted_rfq, "THERMA", 2)],
        warehouse=warehouse,
        user=buyer,
    )
    assert [(order.supplier.code, order.currency.code, order.state) for order in orders] == [
        ("EUROHEAT", "USD", PurchaseOrderState.DRAFT),
        ("THERMA", "CNY", PurchaseOrderState.DRAFT),
    ]
    dollars, yuan = orders
    assert dollars.exchange_rate == Decimal("7.1") and dollars.buyer == buyer and dollars.warehouse == warehouse
    assert [(line.item.code, line.quantity, line.unit_price, line.expected_date) for line in dollars.lines.all()] == [
        ("HE-2000", Decimal(100), Decimal("1.50"), day(14))
    ]
    assert [(line.item.code, line.quantity, line.unit_price, line.expected_date) for line in yuan.lines.all()] == [
        ("TH-01", Decimal(200), Decimal("2.80"), day(7))
    ]
    assert yuan.order_date == today() and yuan.expected_date == day(7)
    assert quoted_rfq.number in yuan.notes

    quoted_rfq.refresh_from_db()
    assert quoted_rfq.state == RfqState.AWARDED
    states = dict(quoted_rfq.quotes.values_list("supplier__code", "state"))
    assert states == {"EUROHEAT": QuoteState.AWARDED, "THERMA": QuoteState.AWARDED, "HEATCO": QuoteState.LOST}
    assert quote_line(quoted_rfq, "THERMA", 2).purchase_order_line == yuan.lines.get()
    assert list(rfq_purchase_orders(rfq=quoted_rfq)) == sorted(orders, key=lambda order: order.number)


def test_both_lines_from_one_supplier_make_one_order(quoted_rfq, warehouse):
    [order] = sourcing.rfq_award(
        rfq=quoted_rfq,
        choices=[quote_line(quoted_rfq, "HEATCO", 2), quote_line(quoted_rfq, "HEATCO", 1)],
        warehouse=warehouse,
    )
    assert [(line.position, line.item.code, line.expected_date) for line in order.lines.all()] == [
        (1, "HE-2000", day(25)),
        (2, "TH-01", day(10)),
    ]
    assert order.expected_date == day(10)  # the first one due


def test_the_quantity_ordered_is_raised_to_the_minimum_and_held_to_the_offer(make_rfq, supplier, therma, warehouse):
    rfq = make_rfq(suppliers=[supplier, therma])
    quote_of(rfq, supplier, {1: ("8.00", 5, "150", "500")})  # 100 asked, a minimum of 150
    quote_of(rfq, therma, {2: ("2.50", 5, "0", "120")})  # 200 asked, 120 offered
    [heatco, therma_order] = sourcing.rfq_award(
        rfq=rfq, choices=[quote_line(rfq, "HEATCO", 1), quote_line(rfq, "THERMA", 2)], warehouse=warehouse
    )
    assert heatco.lines.get().quantity == Decimal(150)
    assert therma_order.lines.get().quantity == Decimal(120)


def test_a_blocked_supplier_refused_by_erp_leaves_nothing_written(quoted_rfq, euroheat, warehouse):
    PartnerBlock.objects.create(
        partner=euroheat,
        purpose="purchasing",
        source="srm.certificate:1",
        reason="RoHS expired",
        effective_from=today(),
    )
    error = refused(
        sourcing.rfq_award,
        rfq=quoted_rfq,
        # THERMA's order is made first (by code EUROHEAT comes first, HEATCO last): the refusal undoes it.
        choices=[quote_line(quoted_rfq, "THERMA", 2), quote_line(quoted_rfq, "EUROHEAT", 1)],
        warehouse=warehouse,
    )
    assert codes(error) == {("supplier", "blocked")} and "RoHS expired" in str(error)
    assert not PurchaseOrder.objects.exists()
    quoted_rfq.refresh_from_db()
    assert quoted_rfq.state == RfqState.SENT
    assert set(quoted_rfq.quotes.values_list("state", flat=True)) == {QuoteState.SUBMITTED}
    assert not SupplierQuoteLine.objects.filter(purchase_order_line__isnull=False).exists()


def test_an_order_refused_after_the_first_is_made_undoes_the_first(quoted_rfq, therma, warehouse):
    PartnerBlock.objects.create(
        partner=therma, purpose="purchasing", source="test", reason="Audit failed", effective_from=today()
    )
    error = refused(
        sourcing.rfq_award,
        rfq=quoted_rfq,
        choices=[quote_line(quoted_rfq, "HEATCO", 1), quote_line(quoted_rfq, "THERMA", 2)],
        warehouse=warehouse,
    )
    assert codes(error) == {("supplier", "blocked")}
    assert not PurchaseOrder.objects.exists()
    assert not SupplierQuoteLine.objects.filter(purchase_order_line__isnull=False).exists()


def test_what_cannot_be_awarded_is_refused(quoted_rfq, make_rfq, supplier, warehouse):
    heatco = quote_line(quoted_rfq, "HEATCO", 1)
    twice = refused(
        sourcing.rfq_award, rfq=quoted_rfq, choices=[heatco, quote_line(quoted_rfq, "THERMA", 1)], warehouse=warehouse
    )
    assert codes(twice) == {("choices", "duplicate_line")}
    assert codes(refused(sourcing.rfq_award, rfq=quoted_rfq, choices=[], warehouse=warehouse)) == {
        ("choices", "required")
    }
    other = make_rfq(suppliers=[supplier])
    foreign = quote_of(other, supplier, {1: ("9", 5)}).lines.get()
    assert codes(refused(sourcing.rfq_award, rfq=quoted_rfq, choices=[foreign], warehouse=warehouse)) == {
        ("choices", "wrong_rfq")
    }
    sourcing.supplier_quote_withdraw(quote=heatco.quote)
    assert codes(refused(sourcing.rfq_award, rfq=quoted_rfq, choices=[heatco], warehouse=warehouse)) == {
        ("choices", "quote_not_open")
    }
    draft = make_rfq(send=False)
    assert codes(refused(sourcing.rfq_award, rfq=draft, choices=[foreign], warehouse=warehouse)) == {
        (None, "invalid_state")
    }
    assert not PurchaseOrder.objects.exists()


def test_an_expired_quote_is_not_awarded(make_rfq, supplier, warehouse):
    rfq = make_rfq(suppliers=[supplier])
    quote_of(rfq, supplier, {1: ("9", 5)}, valid_until=day(2))
    sourcing.rfq_close(rfq=rfq)
    moment = datetime.datetime.combine(day(3), datetime.time(12), tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        error = refused(sourcing.rfq_award, rfq=rfq, choices=[quote_line(rfq, "HEATCO", 1)], warehouse=warehouse)
    assert codes(error) == {("choices", "quote_expired")}


def test_an_awarded_rfq_is_awarded_once(quoted_rfq, warehouse):
    choice = quote_line(quoted_rfq, "THERMA", 1)
    sourcing.rfq_award(rfq=quoted_rfq, choices=[choice], warehouse=warehouse)
    assert codes(refused(sourcing.rfq_award, rfq=quoted_rfq, choices=[choice], warehouse=warehouse)) == {
        (None, "invalid_state")
    }
    assert PurchaseOrder.objects.count() == 1


def test_the_prices_bought_can_be_kept_as_the_suppliers_prices(quoted_rfq, supplier, therma, parts, warehouse):
    element, thermostat = parts
    # THERMA already sells thermostats, at 3.10 from 0 since last month: superseded from today.
    source = supplier_item_set(supplier=therma, item=thermostat, approval=Approval.APPROVED)
    old = supplier_price_set(
        supplier_item=source, min_quantity=Decimal(0), unit_price=Decimal("3.10"), valid_from=day(-30)
    )
    sourcing.rfq_award(
        rfq=quoted_rfq,
        choices=[quote_line(quoted_rfq, "THERMA", 1), quote_line(quoted_rfq, "THERMA", 2)],
        warehouse=warehouse,
        register_prices=True,
    )
    old.refresh_from_db()
    assert old.valid_to == day(-1)
    new = SupplierPrice.objects.get(supplier_item=source, valid_from=today())
    assert (new.min_quantity, new.unit_price, new.valid_to) == (Decimal(0), Decimal("2.80"), None)
    # Elements were not bought from THERMA before: a new source, pending approval, with the price.
    new_source = SupplierItem.objects.get(supplier=therma, item=element)
    assert (new_source.approval, new_source.lead_time_days, new_source.currency.code) == (Approval.PENDING, 7, "CNY")
    assert list(new_source.prices.values_list("unit_price", flat=True)) == [Decimal("11.00")]


def test_a_price_kept_in_another_currency_than_the_source_refuses_the_award(
    quoted_rfq, euroheat, parts, company, warehouse
):
    element, _thermostat = parts
    supplier_item_set(supplier=euroheat, item=element, currency=company.currency)
    error = refused(
        sourcing.rfq_award,
        rfq=quoted_rfq,
        choices=[quote_line(quoted_rfq, "EUROHEAT", 1)],
        warehouse=warehouse,
        register_prices=True,
    )
    assert codes(error) == {("register_prices", "currency_mismatch")}
    assert not PurchaseOrder.objects.exists()
