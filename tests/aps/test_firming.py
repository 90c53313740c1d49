"""Firming turns planned orders into real ERP orders, all or nothing, and the next run builds on them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aps.choices import PlannedOrderState
from aps.events import PLANNED_ORDER_FIRMED
from aps.models import MrpRun, PlannedOrder
from aps.services.firming import planned_orders_firm
from aps.services.mrp import mrp_run, mrp_run_start
from core.choices import TaskRunStatus
from core.models import DomainEvent
from erp.choices import ProductionOrderState, PurchaseOrderState
from erp.models import ProductionOrder, PurchaseOrder
from tests.aps.conftest import TODAY, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle_plan(plant):
    kettle = plant.item("KT", make=True, lead=2)
    element, lid = plant.item("HE", lead=5), plant.item("LID", lead=5)
    plant.bom(kettle, [(element, "1", "0"), (lid, "1", "0")])
    plant.routing(kettle)
    line = plant.sale(kettle, 4, day(20))
    mrp_run(today=TODAY)
    return line


def test_firming_makes_a_firm_production_order_and_one_purchase_order_per_supplier(kettle_plan, plant):
    created = planned_orders_firm(orders=PlannedOrder.objects.all())
    production = ProductionOrder.objects.get()
    purchase = PurchaseOrder.objects.get()
    assert set(created) == {production, purchase}
    assert (production.item.code, production.quantity, production.start_date, production.due_date) == (
        "KT",
        Decimal(4),
        day(18),
        day(20),
    )
    assert production.state == ProductionOrderState.FIRM
    # Planned for one customer line and nothing else: the order carries it (make-to-order).
    assert production.sales_order_line == kettle_plan
    assert purchase.state == PurchaseOrderState.DRAFT and purchase.supplier == plant.supplier
    assert sorted((line.item.code, line.quantity, line.expected_date) for line in purchase.lines.all()) == [
        ("HE", Decimal(4), day(18)),
        ("LID", Decimal(4), day(18)),
    ]
    assert set(PlannedOrder.objects.values_list("state", flat=True)) == {PlannedOrderState.FIRMED}
    # One event a planned order, naming the order it became.
    firmed = {event.payload["planned_order"]: event for event in DomainEvent.objects.filter(name=PLANNED_ORDER_FIRMED)}
    kettle = PlannedOrder.objects.get(item__code="KT")
    assert sorted(firmed) == sorted(PlannedOrder.objects.values_list("number", flat=True))
    assert firmed[kettle.number].payload == {
        "planned_order": kettle.number,
        "kind": "make",
        "item": "KT",
        "quantity": "4.000000",
        "start_date": day(18).isoformat(),
        "due_date": day(20).isoformat(),
        "production_order": production.number,
        "purchase_order": None,
        "firmed_at": kettle.firmed_at.isoformat(),
    }
    assert {firmed[order.number].payload["purchase_order"] for order in PlannedOrder.objects.exclude(pk=kettle.pk)} == {
        purchase.number
    }

    # The next run sees the real orders as scheduled receipts: nothing more to plan, nothing to change.
    result = mrp_run(today=TODAY).as_json()
    assert result["planned_orders"] == []
    assert result["exceptions"] == []
    assert PlannedOrder.objects.filter(state=PlannedOrderState.FIRMED).count() == 3


def test_one_refusal_firms_nothing(kettle_plan, plant):
    kettle = PlannedOrder.objects.get(item__code="KT")
    kettle.item.routing_revisions.all().delete()
    with pytest.raises(ValidationError) as refused:
        planned_orders_firm(orders=PlannedOrder.objects.all())
    assert kettle.number in str(refused.value)
    assert not ProductionOrder.objects.exists() and not PurchaseOrder.objects.exists()
    assert set(PlannedOrder.objects.values_list("state", flat=True)) == {PlannedOrderState.PLANNED}
    assert not DomainEvent.objects.filter(name=PLANNED_ORDER_FIRMED).exists()


def test_firming_twice_is_refused(kettle_plan):
    element = PlannedOrder.objects.filter(item__code="HE")
    planned_orders_firm(orders=element)
    with pytest.raises(ValidationError, match="already firmed"):
        planned_orders_firm(orders=element)


def test_an_order_replaced_by_a_newer_run_cannot_be_firmed(kettle_plan):
    stale = list(PlannedOrder.objects.all())
    mrp_run(today=TODAY)
    with pytest.raises(ValidationError, match="newer MRP run"):
        planned_orders_firm(orders=stale)


def test_nothing_chosen_is_refused(db):
    with pytest.raises(ValidationError, match="at least one"):
        planned_orders_firm(orders=[])


def test_a_real_worker_runs_mrp_with_progress(celery_worker, plant):
    from tests.core.test_progress import finished

    plant.sale(plant.item("HE"), 3, day(2))
    run = finished(mrp_run_start(today=TODAY))
    assert run.status == TaskRunStatus.SUCCEEDED, run.error
    assert run.result["planned_orders"] == 1
    plan = MrpRun.objects.get()
    assert plan.task_run_id == run.pk and plan.planning_date == TODAY


def test_a_second_start_is_refused_while_one_is_queued(plant):
    mrp_run_start()
    with pytest.raises(ValidationError, match="already queued or running"):
        mrp_run_start()


def test_the_nightly_beat_queues_one_run_and_leaves_a_planners_run_alone(db, settings):
    from aps.services.mrp import MRP_TASK
    from aps.tasks import mrp_nightly
    from core.models import TaskRun

    assert settings.CELERY_BEAT_SCHEDULE["mrp-nightly"]["task"] == "aps.tasks.mrp_nightly"
    mrp_nightly()
    mrp_nightly()  # one is already queued: nothing more, and no error
    assert TaskRun.objects.filter(task_name=MRP_TASK).count() == 1
