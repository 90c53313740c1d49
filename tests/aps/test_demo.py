"""SmartAppliance Co.'s plan after demo_load: a forecast, a master schedule and an MRP plan whose
pegging adds up."""

import pytest
from django.db.models import Sum
from django.utils import timezone

from aps.choices import DemandKind, PlannedOrderKind
from aps.models import DemandForecast, MasterScheduleEntry, MrpRun, Pegging, PlanDemand, PlannedOrder, PlanSupply


@pytest.fixture
def demo(demo_loaded, db):
    pass


def test_the_demo_plans_from_its_forecast_and_master_schedule(demo):
    run = MrpRun.objects.get()
    assert run.planning_date == timezone.localdate()
    sold = set(DemandForecast.objects.values_list("item__code", flat=True))
    assert {"KT-200", "TS-400", "BL-600"} <= sold
    assert set(MasterScheduleEntry.objects.values_list("item__code", flat=True)) == sold
    assert PlanDemand.objects.filter(kind=DemandKind.MASTER_SCHEDULE).exists()
    kinds = set(PlannedOrder.objects.values_list("kind", flat=True))
    assert kinds == {PlannedOrderKind.MAKE, PlannedOrderKind.BUY}


def test_every_demand_is_pegged_in_full_and_no_supply_gives_more_than_it_has(demo):
    for demand in PlanDemand.objects.annotate(pegged=Sum("pegs__quantity")):
        assert demand.pegged == demand.quantity, demand
    for order in PlannedOrder.objects.annotate(pegged=Sum("pegs__quantity")):
        assert (order.pegged or 0) <= order.quantity, order
    for supply in PlanSupply.objects.annotate(pegged=Sum("pegs__quantity")):
        assert (supply.pegged or 0) <= supply.quantity, supply
    assert Pegging.objects.count() >= PlanDemand.objects.count()


def test_dependent_demand_belongs_to_a_planned_or_open_order(demo):
    dependent = PlanDemand.objects.filter(kind=DemandKind.DEPENDENT)
    assert dependent.exists()
    assert not dependent.filter(parent_order__isnull=True, production_order__isnull=True).exists()


def test_the_planners_pages_render_over_the_demo(demo, client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    client.force_login(get_user_model().objects.get(username="planner"))
    order = PlannedOrder.objects.filter(kind=PlannedOrderKind.MAKE).first()
    forecast = DemandForecast.objects.first()
    pages = [
        reverse("aps:mrp_home"),
        reverse("aps:plannedorder_list"),
        reverse("aps:plannedorder_detail", args=[order.pk]),
        reverse("aps:mrpexception_list"),
        reverse("aps:item_plan", args=[order.item.code]),
        reverse("aps:demandforecast_list"),
        reverse("aps:demandforecast_detail", args=[forecast.pk]),
        reverse("aps:schedule_grid"),
        reverse("aps:rough_cut"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    assert order.number.encode() in client.get(reverse("aps:plannedorder_list")).content
