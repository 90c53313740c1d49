"""Where to buy an item: the price break for a quantity on a day, and the source picked (preferred approved and
not blocked, else the cheapest approved, conditional only without approved ones, never pending or
disqualified)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import BlockPurpose, Currency, ExchangeRate, Partner, PartnerBlock
from srm.models import Approval
from srm.selectors.sources import preferred_source, price_at, sources_for_items
from srm.services.suppliers import supplier_price_set
from tests.srm.suppliers_fixtures import TODAY, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def third_supplier(company):
    return Partner.objects.create(code="WARMIX", name="Warmix", kind="both", currency=company.currency)


def test_the_price_is_the_break_for_the_quantity_valid_that_day(make_source):
    source = make_source(prices={0: "10", 100: "9", 500: "8"})
    assert price_at(supplier_item=source, quantity=Decimal(99), on=TODAY) == Decimal(10)
    assert price_at(supplier_item=source, quantity=Decimal(100), on=TODAY) == Decimal(9)
    assert price_at(supplier_item=source, quantity=Decimal(1000), on=TODAY) == Decimal(8)


@pytest.fixture
def dated_source(make_source):
    source = make_source()
    supplier_price_set(supplier_item=source, min_quantity=Decimal(10), unit_price=Decimal(10), valid_to=day(9))
    supplier_price_set(supplier_item=source, min_quantity=Decimal(10), unit_price=Decimal(11), valid_from=day(10))
    return source


def test_a_price_applies_within_its_validity_and_not_below_the_first_break(dated_source):
    assert price_at(supplier_item=dated_source, quantity=Decimal(10), on=day(9)) == Decimal(10)
    assert price_at(supplier_item=dated_source, quantity=Decimal(10), on=day(10)) == Decimal(11)
    assert price_at(supplier_item=dated_source, quantity=Decimal(9), on=day(10)) is None


def test_the_preferred_approved_source_is_picked_even_when_dearer(make_source, second_supplier, element):
    preferred = make_source(prices={0: "10"}, preferred=True, lead_time_days=7, min_order_qty=Decimal(50))
    make_source(supplier=second_supplier, prices={0: "5"})
    source = preferred_source(item=element, quantity=Decimal(20), on=TODAY)
    assert source.supplier_item == preferred and source.supplier == preferred.supplier
    assert (source.unit_price, source.lead_time_days, source.min_order_qty) == (Decimal(10), 7, Decimal(50))
    assert source.currency == preferred.currency


def test_without_a_preferred_one_the_cheapest_approved_at_the_quantity_wins(
    make_source, second_supplier, third_supplier, element
):
    make_source(prices={0: "10", 100: "6"})
    therma = make_source(supplier=second_supplier, prices={0: "8"})
    make_source(supplier=third_supplier, prices={0: "1"}, approval=Approval.CONDITIONAL)
    assert preferred_source(item=element, quantity=Decimal(20), on=TODAY).supplier_item == therma
    cheap_in_bulk = preferred_source(item=element, quantity=Decimal(100), on=TODAY)
    assert (cheap_in_bulk.supplier.code, cheap_in_bulk.unit_price) == ("HEATCO", Decimal(6))


def test_the_minimum_order_quantity_prices_a_source_at_what_would_be_ordered(make_source, second_supplier, element):
    # HeatCo sells from 100 only, at its 100 break: cheaper than Therma for 20 since 20 cannot be bought there.
    make_source(prices={0: "10", 100: "6"}, min_order_qty=Decimal(100))
    make_source(supplier=second_supplier, prices={0: "8"})
    source = preferred_source(item=element, quantity=Decimal(20), on=TODAY)
    assert (source.supplier.code, source.unit_price) == ("HEATCO", Decimal(6))


def test_prices_in_other_currencies_are_compared_in_the_company_currency(make_source, second_supplier, element, usd):
    make_source(prices={0: "50"})  # CNY
    make_source(supplier=second_supplier, prices={0: "8"}, currency=usd)  # 8 USD = 56.8 CNY
    assert preferred_source(item=element, quantity=Decimal(1), on=TODAY).supplier.code == "HEATCO"
    ExchangeRate.objects.create(currency=usd, valid_from=day(-1), rate=Decimal("6"))  # now 48 CNY
    source = preferred_source(item=element, quantity=Decimal(1), on=TODAY)
    assert (source.supplier.code, source.currency) == ("THERMA", usd)


def test_a_source_without_a_price_or_rate_comes_after_the_priced_ones(make_source, second_supplier, element):
    make_source(lead_time_days=1)
    make_source(supplier=second_supplier, prices={0: "99"}, currency=Currency.objects.get(code="EUR"))
    priced = make_source(supplier=Partner.objects.create(code="ZETA", name="Zeta", kind="supplier"), prices={0: "80"})
    assert preferred_source(item=element, quantity=Decimal(1), on=TODAY).supplier_item == priced


def test_conditional_sources_only_when_no_approved_and_never_pending_or_disqualified(
    make_source, second_supplier, third_supplier, element
):
    make_source(prices={0: "1"}, approval=Approval.PENDING)
    make_source(supplier=second_supplier, prices={0: "1"}, approval=Approval.DISQUALIFIED)
    assert preferred_source(item=element, quantity=Decimal(1), on=TODAY) is None
    conditional = make_source(supplier=third_supplier, prices={0: "5"}, approval=Approval.CONDITIONAL)
    assert preferred_source(item=element, quantity=Decimal(1), on=TODAY).supplier_item == conditional


def test_a_blocked_preferred_supplier_is_passed_over_from_the_day_its_block_is_in_force(
    make_source, supplier, second_supplier, element
):
    make_source(prices={0: "10"}, preferred=True)
    fallback = make_source(supplier=second_supplier, prices={0: "12"})
    PartnerBlock.objects.create(
        partner=supplier,
        purpose=BlockPurpose.PURCHASING,
        source="test",
        reason="Certificate expired",
        effective_from=day(5),
    )
    assert preferred_source(item=element, quantity=Decimal(1), on=day(4)).supplier.code == "HEATCO"
    assert preferred_source(item=element, quantity=Decimal(1), on=day(5)).supplier_item == fallback


def test_inactive_sources_and_suppliers_do_not_count(make_source, second_supplier, element):
    make_source(prices={0: "10"}, active=False)
    make_source(supplier=second_supplier, prices={0: "12"})
    second_supplier.active = False
    second_supplier.save()
    assert preferred_source(item=element, quantity=Decimal(1), on=TODAY) is None


def test_sources_for_items_reads_every_item_in_one_query(make_source, second_supplier, item):
    parts = [item(f"P{n}") for n in range(5)]
    for part in parts:
        make_source(item=part, prices={0: "3", 10: "2"})
        make_source(item=part, supplier=second_supplier, prices={0: "4"}, approval=Approval.CONDITIONAL)
    with CaptureQueriesContext(connection) as queries:
        sources = sources_for_items(parts, TODAY)
        breaks = [option.breaks for option in sources[parts[0].pk]]
        codes = [option.supplier_item.supplier.code for option in sources[parts[4].pk]]
    assert len(queries) == 1
    assert breaks == [((Decimal(0), Decimal(3)), (Decimal(10), Decimal(2))), ((Decimal(0), Decimal(4)),)]
    assert codes == ["HEATCO", "THERMA"]
    assert set(sources_for_items(None, TODAY)) == {part.pk for part in parts}


def test_prices_out_of_their_validity_are_not_read(make_source, element):
    source = make_source()
    supplier_price_set(supplier_item=source, min_quantity=Decimal(0), unit_price=Decimal(5), valid_to=day(-1))
    supplier_price_set(
        supplier_item=source, min_quantity=Decimal(0), unit_price=Decimal(6), valid_from=TODAY + datetime.timedelta(1)
    )
    assert sources_for_items([element], TODAY)[element.pk][0].breaks == ()
