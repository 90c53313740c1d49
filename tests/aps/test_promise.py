"""Capable-to-promise: material from the MRP plan, capacity from the published schedule."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from aps.choices import ExceptionKind
from aps.filtersets.mrp import PlannedOrderFilterSet
from aps.models import MrpException, PlanDemand, PlannedOrder
from aps.selectors.promise import capable_to_promise
from aps.services.firming import planned_orders_firm
from aps.services.mrp import mrp_run
from aps.services.scheduling import schedule_publish
from plm.choices import RevisionState
from plm.models import RoutingOperation, RoutingRevision
from tests.aps.conftest import TODAY, day
from tests.aps.scheduling_plant import NOW

pytestmark = pytest.mark.django_db


def routing(item, work_center, minutes_per_unit):
    revision = RoutingRevision.objects.create(item=item, revision="A", state=RevisionState.RELEASED)
    RoutingOperation.objects.create(
        routing=revision, seq=10, work_center=work_center, run_minutes_per_unit=Decimal(minutes_per_unit)
    )


def test_stock_not_committed_elsewhere_is_promised_at_once(plant):
    bike = plant.item("BIKE", make=True)
    plant.stock(bike, 10)
    plant.sale(bike, 4, day(3))
    mrp_run(today=TODAY)

    promise = capable_to_promise(item=bike, quantity=Decimal(6), requested_date=day(1), now=NOW)
    assert (promise.date, promise.from_stock, promise.on_time) == (TODAY, Decimal(6), True)

    # 7 would take one the confirmed order needs: that one has to be made.
    short = capable_to_promise(item=bike, quantity=Decimal(7), requested_date=day(1), now=NOW)
    assert short.from_stock == Decimal(6)


def test_a_short_component_and_the_machines_set_the_date(plant, shop):
    press = shop.work_center("PRESS")  # no calendar: around the clock
    frame = plant.item("FRAME", make=True)
    tube = plant.item("TUBE", lead=10)
    plant.bom(frame, [(tube, 2, 0)])
    routing(frame, press, 60)  # an hour a frame
    plant.stock(tube, 4)  # two frames' worth
    mrp_run(today=TODAY)

    promise = capable_to_promise(item=frame, quantity=Decimal(2), requested_date=day(1), now=NOW)
    assert promise.material_date == TODAY
    assert promise.production_end == NOW + datetime.timedelta(hours=2)
    assert promise.date == TODAY and promise.on_time

    # Five frames need tubes bought (10 days), then 5 hours of pressing.
    later = capable_to_promise(item=frame, quantity=Decimal(5), requested_date=day(1), now=NOW)
    assert later.material_date == day(10) and [c.from_stock for c in later.components] == [False]
    assert later.date == day(10) and later.days_late == 9

    # The published schedule has the press busy for two days: the frames come after.
    shop.order(shop.item("OTHER"), 1, day(5), [(press, 48 * 60)])
    schedule_publish(schedule=shop.solve())
    busy = capable_to_promise(item=frame, quantity=Decimal(2), requested_date=day(1), now=NOW)
    assert busy.production_end == NOW + datetime.timedelta(hours=50)
    assert busy.date == day(2)


def test_sales_ask_through_the_api_and_bad_input_is_a_400(plant, api_as):
    bike = plant.item("BIKE", make=True)
    plant.stock(bike, 10)
    mrp_run(today=TODAY)
    sales = api_as("sales")
    url = "/api/v1/aps/capable-to-promise/"

    with time_machine.travel(NOW, tick=False):  # the day MRP planned for
        answer = sales.post(url, {"item": "BIKE", "quantity": "4", "requested_date": str(day(2))}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["on_time"] is True and answer.json()["from_stock"] == "4.000000"

    wrong = sales.post(url, {"item": "NOPE", "quantity": "0", "requested_date": "soon"}, format="json")
    assert wrong.status_code == 400
    assert {error["field"] for error in wrong.json()["errors"]} == {"item", "quantity", "requested_date"}
    assert api_as("hr").post(url, {}, format="json").status_code == 403


def test_a_promise_inside_the_lead_time_is_planned_from_today_and_flagged_late_not_started_in_the_past(plant, shop):
    """Capable-to-promise places the routing on the machines (two hours); MRP's fixed lead time is five days:
    the order for the promised date should have started four days ago. It starts today, flagged late."""
    press = shop.work_center("PRESS")
    frame = plant.item("FRAME", make=True, lead=5)
    tube = plant.item("TUBE", lead=10)
    plant.bom(frame, [(tube, 2, 0)])
    routing(frame, press, 60)
    plant.stock(tube, 4)
    mrp_run(today=TODAY)
    promise = capable_to_promise(item=frame, quantity=Decimal(2), requested_date=day(1), now=NOW)
    assert promise.date == TODAY

    plant.sale(frame, 2, promise.date)
    mrp_run(today=TODAY)
    order = PlannedOrder.objects.get(item=frame)
    assert (order.start_date, order.due_date) == (TODAY, TODAY)
    [late] = MrpException.objects.filter(kind=ExceptionKind.START_LATE)
    assert (late.planned_order, late.due_date, late.suggested_date) == (order, TODAY, day(5))
    ready = f"with its lead time of 5 days it starts today and is ready {day(5)}."
    assert late.message == f"{order.number} cannot be ready by {TODAY}: {ready}"
    late_orders = PlannedOrderFilterSet({"start_late": "true"}, queryset=PlannedOrder.objects.all()).qs
    assert list(late_orders) == [order]  # the planned orders list's "Start late" filter
    # Its components are needed from today, not from a day gone by.
    assert set(PlanDemand.objects.filter(item=tube).values_list("due_date", flat=True)) == {TODAY}

    with time_machine.travel(NOW, tick=False):
        [production] = planned_orders_firm(orders=[order])
    assert (production.start_date, production.due_date) == (TODAY, TODAY)
    # Firmed two days after the run, a plan starting on its run's day starts on the day it is firmed.
    plant.sale(frame, 3, day(6))
    mrp_run(today=TODAY)
    later = PlannedOrder.objects.get(item=frame, state="planned")
    assert later.start_date == day(1)
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        [production] = planned_orders_firm(orders=[later])
    assert (production.start_date, production.due_date) == (day(2), day(6))
