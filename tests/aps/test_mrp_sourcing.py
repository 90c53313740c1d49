"""MRP's planned purchases pick their source from SRM (the preferred approved one, else the cheapest approved at
the order's quantity, the item's default supplier only without an SRM source), with its lead time, minimum and
multiple; firming prices the purchase order lines at that source's price break."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aps.models import MrpException, PlannedOrder
from aps.services.firming import planned_orders_firm
from aps.services.mrp import mrp_run
from core.models import BlockPurpose, Currency, ExchangeRate, Partner, PartnerBlock
from erp.models import PurchaseOrder
from srm.models import Approval
from srm.services.suppliers import supplier_item_set, supplier_price_set
from tests.aps.conftest import TODAY, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def therma(company):
    return Partner.objects.create(code="THERMA", name="Therma Parts", kind="supplier", currency=company.currency)


def source(supplier, item, prices=(), approval=Approval.APPROVED, **terms):
    """A supplier item with price breaks [(min_quantity, unit_price)], through the SRM services."""
    supplier_item = supplier_item_set(supplier=supplier, item=item, approval=approval, **terms)
    for minimum, price in prices:
        supplier_price_set(supplier_item=supplier_item, min_quantity=Decimal(minimum), unit_price=Decimal(price))
    return supplier_item


def planned(code):
    """(supplier code, quantity, start, due) of the item's planned orders."""
    return [
        (order.supplier.code if order.supplier else None, order.quantity, order.start_date, order.due_date)
        for order in PlannedOrder.objects.filter(item__code=code).select_related("supplier").order_by("due_date")
    ]


def test_the_preferred_approved_source_gives_supplier_lead_time_minimum_and_multiple(plant, therma):
    element = plant.item("HE", lead=5)  # HeatCo by default
    source(therma, element, lead_time_days=3, min_order_qty=Decimal(50), order_multiple=Decimal(20), preferred=True)
    plant.sale(element, 12, day(10))
    plant.sale(element, 70, day(20))
    mrp_run(today=TODAY)
    # 12 raised to the minimum 50, then to the multiple 60; 70 - 48 left over = 22 -> 50 -> 60.
    assert planned("HE") == [("THERMA", Decimal(60), day(7), day(10)), ("THERMA", Decimal(60), day(17), day(20))]


def test_the_item_lot_policy_still_applies_before_the_sources_terms(plant, therma):
    element = plant.item("HE", lead=5, policy="fixed", lot_qty=Decimal(30))
    source(therma, element, lead_time_days=2, order_multiple=Decimal(25), preferred=True)
    plant.sale(element, 10, day(10))
    mrp_run(today=TODAY)
    assert planned("HE") == [("THERMA", Decimal(50), day(8), day(10))]  # one lot of 30, in 25s: 50


def test_the_default_supplier_only_when_there_is_no_srm_source(plant, therma):
    element = plant.item("HE", lead=5)
    source(therma, element, lead_time_days=1, approval=Approval.PENDING)
    source(plant.supplier, element, lead_time_days=1, approval=Approval.DISQUALIFIED)
    plant.sale(element, 4, day(10))
    mrp_run(today=TODAY)
    assert planned("HE") == [("HEATCO", Decimal(4), day(5), day(10))]


def test_without_a_preferred_source_each_order_goes_to_the_cheapest_at_its_quantity(plant, therma):
    element = plant.item("HE", lead=5)
    source(plant.supplier, element, [(0, "10"), (100, "6")], lead_time_days=4)
    source(therma, element, [(0, "8")], lead_time_days=2)
    plant.sale(element, 20, day(10))
    plant.sale(element, 150, day(20))
    mrp_run(today=TODAY)
    assert planned("HE") == [("THERMA", Decimal(20), day(8), day(10)), ("HEATCO", Decimal(150), day(16), day(20))]


def test_a_conditional_source_is_used_only_without_approved_ones(plant, therma):
    element = plant.item("HE", lead=5)
    source(therma, element, [(0, "1")], approval=Approval.CONDITIONAL, lead_time_days=2)
    plant.sale(element, 4, day(10))
    mrp_run(today=TODAY)
    assert planned("HE")[0][0] == "THERMA"
    source(plant.supplier, element, [(0, "9")], lead_time_days=2)
    mrp_run(today=TODAY)
    assert planned("HE")[0][0] == "HEATCO"


def test_a_supplier_blocked_on_the_planning_date_is_passed_over(plant, therma):
    element = plant.item("HE", lead=5)
    source(therma, element, [(0, "5")], preferred=True, lead_time_days=2)
    source(plant.supplier, element, [(0, "9")], lead_time_days=4)
    PartnerBlock.objects.create(
        partner=therma, purpose=BlockPurpose.PURCHASING, source="test", reason="Expired", effective_from=TODAY
    )
    plant.sale(element, 4, day(10))
    mrp_run(today=TODAY)
    assert planned("HE") == [("HEATCO", Decimal(4), day(6), day(10))]


def test_an_item_whose_only_source_is_blocked_and_no_default_is_flagged(plant, therma):
    element = plant.item("HE", lead=5)
    element.default_supplier = None
    element.save()
    source(therma, element, preferred=True)
    PartnerBlock.objects.create(
        partner=therma, purpose=BlockPurpose.PURCHASING, source="test", reason="Expired", effective_from=TODAY
    )
    plant.sale(element, 4, day(10))
    mrp_run(today=TODAY)
    assert planned("HE") == [(None, Decimal(4), day(5), day(10))]
    assert "no approved source and no default supplier" in MrpException.objects.get(kind="no_supplier").message


def test_reduce_keeps_the_sources_minimum(plant, therma):
    element = plant.item("HE")
    source(therma, element, min_order_qty=Decimal(40), preferred=True)
    plant.purchase(element, 100, day(2))
    plant.sale(element, 23, day(2))
    mrp_run(today=TODAY)
    assert MrpException.objects.get(kind="reduce").quantity == Decimal(60)


def test_the_read_stays_a_fixed_number_of_queries_with_sources(plant, therma):
    def queries_for(count: int) -> int:
        for n in range(count):
            component = plant.item(f"C{count}-{n}", lead=2)
            source(therma, component, [(0, "1"), (10, "0.5")], preferred=n % 2 == 0)
            source(plant.supplier, component, [(0, "2")])
            plant.sale(component, 3, day(5 + n))
        with CaptureQueriesContext(connection) as queries:
            mrp_run(today=TODAY)
        return len(queries)

    assert queries_for(2) == queries_for(6)


# --- Firming -----------------------------------------------------------------------------------------------


def test_firming_prices_the_lines_at_the_sources_break_else_at_standard_cost(plant, therma, usd):
    element = plant.item("HE", lead=1, standard_cost=Decimal("12"))
    lid = plant.item("LID", lead=1, standard_cost=Decimal("3"))
    cable = plant.item("CB", lead=1, standard_cost=Decimal("2"))
    source(therma, element, [(0, "10"), (100, "9")], preferred=True, lead_time_days=1)
    source(therma, lid, [(500, "1")], preferred=True, lead_time_days=1)  # no break for 40: standard cost
    source(therma, cable, [(0, "0.5")], preferred=True, lead_time_days=1, currency=usd)  # 0.5 USD = 3.55 CNY
    for part, quantity in ((element, 120), (lid, 40), (cable, 10)):
        plant.sale(part, quantity, day(10))
    mrp_run(today=TODAY)
    planned_orders_firm(orders=PlannedOrder.objects.all())
    order = PurchaseOrder.objects.get()
    assert order.supplier == therma
    assert sorted((line.item.code, line.quantity, line.unit_price) for line in order.lines.all()) == [
        ("CB", Decimal(10), Decimal("3.55")),
        ("HE", Decimal(120), Decimal(9)),
        ("LID", Decimal(40), Decimal(3)),
    ]


def test_firming_uses_the_default_suppliers_standard_cost_without_srm(plant):
    element = plant.item("HE", lead=1, standard_cost=Decimal("12"))
    plant.sale(element, 5, day(10))
    mrp_run(today=TODAY)
    planned_orders_firm(orders=PlannedOrder.objects.all())
    line = PurchaseOrder.objects.get(supplier=plant.supplier).lines.get()
    assert (line.quantity, line.unit_price) == (Decimal(5), Decimal(12))


def test_firming_prices_at_the_break_valid_on_the_firming_day(plant, therma):
    today = timezone.localdate()
    element = plant.item("HE", lead=1, standard_cost=Decimal("12"))
    supplier_item = source(therma, element, preferred=True, lead_time_days=1)
    supplier_price_set(supplier_item=supplier_item, min_quantity=Decimal(0), unit_price=Decimal(7), valid_to=today)
    supplier_price_set(
        supplier_item=supplier_item,
        min_quantity=Decimal(0),
        unit_price=Decimal(8),
        valid_from=today + datetime.timedelta(days=1),
    )
    plant.sale(element, 5, day(10))
    mrp_run(today=TODAY)
    planned_orders_firm(orders=PlannedOrder.objects.all())
    assert PurchaseOrder.objects.get().lines.get().unit_price == Decimal(7)


@pytest.fixture
def usd(company):
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(currency=usd, valid_from=datetime.date(2020, 1, 1), rate=Decimal("7.1"))
    return usd
