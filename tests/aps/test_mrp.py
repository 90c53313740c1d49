"""MRP's rules (docs/mrp.md), each on a case small enough to compute by hand."""

import datetime
import json
from decimal import Decimal

import psycopg2
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aps.choices import PlannedOrderState
from aps.models import MrpException, MrpRun, Pegging, PlanDemand, PlannedOrder
from aps.services.mrp import MRP_LOCK, mrp_run
from core.choices import LotPolicy
from erp.choices import ProductionOrderState, PurchaseOrderState
from tests.aps.conftest import TODAY, day

pytestmark = pytest.mark.django_db


def plan(**kwargs):
    return mrp_run(today=TODAY, **kwargs).as_json()


def orders_of(result, code):
    """(qty, start, due) of an item's planned orders, as strings and dates."""
    return [
        (order["qty"], datetime.date.fromisoformat(order["start"]), datetime.date.fromisoformat(order["due"]))
        for order in result["planned_orders"]
        if order["item"] == code
    ]


def exceptions_of(result, kind):
    return [(e["item"], e["reference"]) for e in result["exceptions"] if e["kind"] == kind]


# --- Netting and lot sizing ------------------------------------------------------------------------------


def test_lot_for_lot_nets_stock_and_offsets_by_lead_time(plant):
    element = plant.item("HE", lead=3)
    plant.stock(element, 4)
    plant.sale(element, 10, day(10))
    plant.sale(element, 5, day(12))
    result = plan()
    # Day 10: 4 on hand, 10 wanted: 6 short. Day 12: 5 short.
    assert orders_of(result, "HE") == [("6", day(7), day(10)), ("5", day(9), day(12))]
    assert [o["kind"] for o in result["planned_orders"]] == ["buy", "buy"]


def test_safety_stock_is_restored_on_the_planning_date(plant):
    element = plant.item("HE", safety=8)
    plant.stock(element, 5)
    plant.sale(element, 10, day(5))
    result = plan()
    # Today projected 5 < 8: 3 due today. Day 5: 8 - 10 = -2 < 8: the whole 10.
    assert orders_of(result, "HE") == [("3", TODAY, TODAY), ("10", day(5), day(5))]


def test_fixed_lot_orders_whole_lots_and_carries_the_rest(plant):
    body = plant.item("BODY", policy=LotPolicy.FIXED, lot_qty=25)
    for offset in (1, 2, 3):
        plant.sale(body, 10, day(offset))
    result = plan()
    # Day 1: 25 (15 left); day 2: 5 left; day 3: 5 short -> another 25.
    assert orders_of(result, "BODY") == [("25", day(1), day(1)), ("25", day(3), day(3))]


def test_fixed_lot_covers_a_shortfall_bigger_than_one_lot(plant):
    body = plant.item("BODY", policy=LotPolicy.FIXED, lot_qty=25)
    plant.sale(body, 60, day(1))
    assert orders_of(plan(), "BODY") == [("75", day(1), day(1))]


def test_min_multiple_takes_the_minimum_then_rounds_to_the_multiple(plant):
    lid = plant.item("LID", policy=LotPolicy.MIN_MULTIPLE, min_qty=30, multiple_qty=12)
    plant.sale(lid, 7, day(1))
    plant.sale(lid, 40, day(2))
    result = plan()
    # Day 1: max(7, 30) = 30 -> 36 (3 x 12); 29 left. Day 2: 11 short -> 30 -> 36.
    assert orders_of(result, "LID") == [("36", day(1), day(1)), ("36", day(2), day(2))]


def test_quality_held_stock_is_not_counted(plant):
    element = plant.item("HE")
    plant.stock(element, 10, hold=True)
    plant.stock(element, 3)
    plant.sale(element, 5, day(1))
    assert orders_of(plan(), "HE") == [("2", day(1), day(1))]


def test_a_day_with_several_demands_gets_one_planned_order(plant):
    element = plant.item("HE")
    plant.sale(element, 5, day(4))
    plant.sale(element, 7, day(4))
    plant.forecast(element, 20, day(4))  # the orders take 12 of it: 8 left
    assert orders_of(plan(), "HE") == [("20", day(4), day(4))]


# --- Dependent demand ------------------------------------------------------------------------------------


def test_dependent_demand_applies_scrap_and_rounds_discrete_units_up(plant):
    kettle = plant.item("KT", make=True, lead=5)
    element = plant.item("HE", lead=2)
    powder = plant.item("POWDER", uom="kg")
    plant.bom(kettle, [(element, "0.5", "10"), (powder, "0.25", "10")])
    plant.sale(kettle, 3, day(20))
    result = plan()
    assert orders_of(result, "KT") == [("3", day(15), day(20))]
    # 3 x 0.5 x 1.1 = 1.65 -> 2 ea, required on the kettle order's start (day 15).
    assert orders_of(result, "HE") == [("2", day(13), day(15))]
    # 3 x 0.25 x 1.1 = 0.825 kg: a continuous unit keeps its decimals.
    assert orders_of(result, "POWDER") == [("0.825", day(15), day(15))]


def test_the_bom_effective_on_the_parent_start_is_exploded(plant):
    kettle = plant.item("KT", make=True, lead=2)
    old_element, new_element = plant.item("HE-OLD"), plant.item("HE-NEW")
    plant.bom(kettle, [(old_element, "1", "0")], revision="A", effective_to=day(10))
    plant.bom(kettle, [(new_element, "1", "0")], revision="B", effective_from=day(10))
    plant.sale(kettle, 4, day(11))  # starts day 9: revision A
    plant.sale(kettle, 6, day(12))  # starts day 10: revision B
    result = plan()
    assert orders_of(result, "HE-OLD") == [("4", day(9), day(9))]
    assert orders_of(result, "HE-NEW") == [("6", day(10), day(10))]


def test_open_production_orders_require_their_own_components_and_planned_ones_the_bom(plant):
    kettle = plant.item("KT", make=True)
    element, powder = plant.item("HE"), plant.item("POWDER", uom="kg")
    plant.bom(kettle, [(element, "1", "0"), (powder, "0.2", "0")])
    # A released order: 10 elements required, 4 issued -> 6 still needed on its start.
    plant.production(
        kettle, 10, day(3), day(6), state=ProductionOrderState.RELEASED, components=[(element, 10, 4), (powder, 2, 2)]
    )
    # An order still planned in ERP has no components of its own: the BOM says 5 and 1 kg.
    plant.production(kettle, 5, day(8), day(9), state=ProductionOrderState.PLANNED)
    result = plan()
    assert orders_of(result, "HE") == [("6", day(3), day(3)), ("5", day(8), day(8))]
    assert orders_of(result, "POWDER") == [("1", day(8), day(8))]
    # Their output is a scheduled receipt nobody needs: MRP says so.
    assert sorted(ref for item, ref in exceptions_of(result, "cancel") if item == "KT") == ["MO-1", "MO-2"]


def test_pegging_reaches_the_sales_order_line_through_three_levels(plant):
    kettle = plant.item("KT", make=True, lead=2)
    base = plant.item("BASE", make=True, lead=3)
    board = plant.item("PCB", make=True, lead=4)
    chip = plant.item("CHIP", lead=5)
    plant.bom(kettle, [(base, "1", "0")])
    plant.bom(base, [(board, "2", "0")])
    plant.bom(board, [(chip, "3", "0")])
    line = plant.sale(kettle, 5, day(30))
    result = plan()
    assert orders_of(result, "CHIP") == [("30", day(16), day(21))]
    chip_order = PlannedOrder.objects.get(item__code="CHIP")
    chain = []
    order = chip_order
    while order is not None:
        peg = Pegging.objects.select_related("demand__parent_order", "demand__sales_order_line").get(
            planned_order=order
        )
        chain.append((order.item.code, peg.quantity, peg.demand.reference))
        order = peg.demand.parent_order
        if order is None:
            assert peg.demand.sales_order_line == line
    numbers = {o.item.code: o.number for o in PlannedOrder.objects.all()}
    assert chain == [
        ("CHIP", Decimal(30), numbers["PCB"]),
        ("PCB", Decimal(10), numbers["BASE"]),
        ("BASE", Decimal(5), numbers["KT"]),
        ("KT", Decimal(5), "SO-1/1"),
    ]
    kettle_json = next(o for o in result["planned_orders"] if o["item"] == "KT")
    assert kettle_json["pegging"] == [{"demand": "SO-1/1", "qty": "5"}]


def test_a_bom_loop_is_refused_with_the_loop_named(plant):
    a, b = plant.item("A", make=True), plant.item("B", make=True)
    plant.bom(a, [(b, "1", "0")])
    plant.bom(b, [(a, "1", "0")])
    with pytest.raises(ValidationError, match=r"A > B > A|B > A > B"):
        mrp_run(today=TODAY)


# --- Time: past due and late starts ------------------------------------------------------------------------


def test_a_requirement_before_today_is_due_today_and_past_due(plant):
    element = plant.item("HE", lead=4)
    plant.sale(element, 5, day(-3))
    result = plan()
    assert orders_of(result, "HE") == [("5", TODAY, TODAY)]
    assert exceptions_of(result, "past_due") == [("HE", "SO-1/1")]
    # Due today with four days of lead time: it should have started four days ago. It starts today, late.
    number = PlannedOrder.objects.get().number
    assert exceptions_of(result, "start_late") == [("HE", number)]
    demand = PlanDemand.objects.get(kind="sales_order")
    assert (demand.due_date, demand.requested_date) == (TODAY, day(-3))


def test_forecast_before_today_is_ignored(plant):
    element = plant.item("HE")
    plant.forecast(element, 5, day(-1))
    assert plan()["planned_orders"] == []


# --- Forecast, orders and the master schedule ----------------------------------------------------------------


def test_orders_consume_the_forecast_of_their_month(plant):
    kettle = plant.item("KT")
    plant.forecast(kettle, 100, datetime.date(2026, 12, 15))
    plant.forecast(kettle, 40, datetime.date(2027, 1, 15))
    plant.sale(kettle, 30, datetime.date(2026, 12, 3))
    plant.sale(kettle, 50, datetime.date(2027, 1, 20))  # more than January's forecast: none left
    result = plan()
    assert orders_of(result, "KT") == [
        ("30", datetime.date(2026, 12, 3), datetime.date(2026, 12, 3)),
        ("70", datetime.date(2026, 12, 15), datetime.date(2026, 12, 15)),
        ("50", datetime.date(2027, 1, 20), datetime.date(2027, 1, 20)),
    ]


def test_master_schedule_replaces_the_forecast_of_its_months_and_is_consumed_too(plant):
    kettle = plant.item("KT")
    plant.forecast(kettle, 100, datetime.date(2026, 12, 15))
    plant.schedule(kettle, datetime.date(2026, 12, 7), 50)
    plant.schedule(kettle, datetime.date(2026, 11, 16), 99)  # last week: over
    plant.sale(kettle, 30, datetime.date(2026, 12, 3))
    result = plan()
    assert orders_of(result, "KT") == [
        ("30", datetime.date(2026, 12, 3), datetime.date(2026, 12, 3)),
        ("20", datetime.date(2026, 12, 7), datetime.date(2026, 12, 7)),
    ]
    assert PlanDemand.objects.get(kind="mps").reference == "MPS KT 2026-12-07"


def test_this_weeks_schedule_entry_is_due_today(plant):
    kettle = plant.item("KT")
    plant.schedule(kettle, TODAY, 10)
    later = TODAY + datetime.timedelta(days=2)
    result = mrp_run(today=later).as_json()
    assert orders_of(result, "KT") == [("10", later, later)]


# --- Open orders and what MRP says about them ---------------------------------------------------------------------


def test_an_open_order_covers_demand_from_its_due_date(plant):
    element = plant.item("HE")
    plant.purchase(element, 10, day(5), received=2)  # 8 open
    plant.sale(element, 8, day(6))
    result = plan()
    assert result["planned_orders"] == []
    assert result["exceptions"] == []


def test_expedite_when_the_item_falls_short_before_an_open_order(plant):
    element = plant.item("HE")
    plant.purchase(element, 10, day(8))
    plant.sale(element, 4, day(3))
    plant.sale(element, 6, day(9))
    result = plan()
    assert orders_of(result, "HE") == [("4", day(3), day(3))]
    assert exceptions_of(result, "expedite") == [("HE", "PO-1/1")]
    assert MrpException.objects.get(kind="expedite").suggested_date == day(3)


def test_defer_when_an_open_order_is_first_needed_later(plant):
    element = plant.item("HE")
    plant.purchase(element, 10, day(2))
    plant.sale(element, 10, day(20))
    result = plan()
    assert exceptions_of(result, "defer") == [("HE", "PO-1/1")]
    assert MrpException.objects.get().suggested_date == day(20)


def test_cancel_an_open_order_nothing_needs(plant):
    element = plant.item("HE")
    plant.purchase(element, 10, day(2))
    assert exceptions_of(plan(), "cancel") == [("HE", "PO-1/1")]


def test_reduce_an_open_order_bigger_than_its_need(plant):
    element = plant.item("HE", policy=LotPolicy.MIN_MULTIPLE, min_qty=0, multiple_qty=10)
    plant.purchase(element, 100, day(2))
    plant.sale(element, 23, day(2))
    result = plan()
    # 23 needed, in multiples of 10: 30; 70 too many.
    assert exceptions_of(result, "reduce") == [("HE", "PO-1/1")]
    assert MrpException.objects.get().quantity == Decimal(70)


def test_increase_an_order_not_started_instead_of_a_new_one_on_its_day(plant):
    element = plant.item("HE")
    plant.purchase(element, 10, day(4), state=PurchaseOrderState.CONFIRMED)
    plant.sale(element, 15, day(4))
    result = plan()
    assert orders_of(result, "HE") == [("5", day(4), day(4))]
    assert exceptions_of(result, "increase") == [("HE", "PO-1/1")]


def test_an_open_order_past_due_counts_today_and_is_flagged(plant):
    element = plant.item("HE")
    plant.purchase(element, 10, day(-2))
    plant.sale(element, 10, day(1))
    result = plan()
    assert result["planned_orders"] == []
    assert exceptions_of(result, "past_due") == [("HE", "PO-1/1")]


def test_a_buy_item_without_supplier_is_still_planned_and_flagged(plant):
    element = plant.item("HE")
    element.default_supplier = None
    element.save()
    plant.sale(element, 1, day(1))
    result = plan()
    assert orders_of(result, "HE") == [("1", day(1), day(1))]
    assert exceptions_of(result, "no_supplier") == [("HE", PlannedOrder.objects.get().number)]


# --- The run: replacing the plan, the command, the lock --------------------------------------------------------


def test_a_new_run_replaces_the_plan_but_keeps_firmed_orders(plant):
    element = plant.item("HE")
    plant.sale(element, 5, day(1))
    plan()
    first = PlannedOrder.objects.get()
    first.state = PlannedOrderState.FIRMED
    first.save()
    plant.sale(element, 7, day(2))
    plan()
    assert MrpRun.objects.count() == 2
    latest = MrpRun.objects.first()
    assert set(PlanDemand.objects.values_list("run", flat=True)) == {latest.pk}
    # The firmed order is kept (it is not an open order of ERP in this test, so the new run plans both).
    assert PlannedOrder.objects.filter(state=PlannedOrderState.FIRMED).get() == first
    assert sorted(PlannedOrder.objects.filter(state="planned").values_list("quantity", flat=True)) == [5, 7]


def test_query_count_does_not_grow_with_the_plant(plant):
    def queries_for(count: int) -> int:
        for n in range(count):
            parent = plant.item(f"P{count}-{n}", make=True, lead=1)
            component = plant.item(f"C{count}-{n}", lead=2)
            plant.bom(parent, [(component, "2", "0")])
            plant.sale(parent, 3, day(5 + n))
            plant.purchase(component, 1, day(1))
        with CaptureQueriesContext(connection) as queries:
            mrp_run(today=TODAY)
        return len(queries)

    assert queries_for(2) == queries_for(6)


def test_command_writes_the_documented_json(plant, tmp_path):
    element = plant.item("HE", lead=1)
    plant.sale(element, 2, day(3))
    target = tmp_path / "plan.json"
    call_command("mrp_run", "--today", TODAY.isoformat(), "--json", str(target))
    document = json.loads(target.read_text())
    assert document["planned_orders"] == [
        {
            "number": PlannedOrder.objects.get().number,
            "item": "HE",
            "kind": "buy",
            "qty": "2",
            "start": "2026-11-25",
            "due": "2026-11-26",
            "pegging": [{"demand": "SO-1/1", "qty": "2"}],
        }
    ]
    assert document["exceptions"] == []
    assert document["stats"]["items"] == 1 and document["stats"]["planned_orders"] == 1


def test_command_refuses_a_bad_date_with_exit_code_2(db):
    with pytest.raises(CommandError, match="not a date") as caught:
        call_command("mrp_run", "--today", "23/11/2026")
    assert caught.value.returncode == 2


def test_a_second_run_is_refused_while_one_is_running(plant, settings):
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MRP_LOCK])
        with pytest.raises(ValidationError, match="Another MRP run is in progress"):
            mrp_run(today=TODAY)
    finally:
        other.close()
