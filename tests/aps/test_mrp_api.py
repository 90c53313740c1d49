"""The MRP API over HTTP with tokens: runs listed and started (202), planned orders filtered, shown with their
pegging and firmed (one, or several all-or-nothing), the current plan's exceptions, an item's grid as JSON."""

import pytest

from aps.choices import PlannedOrderState
from aps.models import MrpRun, PlannedOrder
from aps.services.mrp import mrp_run
from core.models import TaskRun
from core.roles import Role
from erp.models import ProductionOrder, PurchaseOrder
from tests.aps.conftest import TODAY, day
from tests.aps.test_mrp_views import planned, queued  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.django_db

API = "/api/v1/aps"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


# --- Runs -------------------------------------------------------------------------------------------------------


def test_runs_are_listed_newest_first(api_as, planned):  # noqa: F811
    mrp_run(today=day(1))
    api = api_as(Role.BUYER)
    body = api.get(f"{API}/runs/").json()
    assert body["count"] == 2
    run = body["results"][0]  # the newest: the current plan
    assert (run["planning_date"], run["planned_order_count"], run["exception_count"]) == ("2026-11-24", 3, 1)
    assert api.get(f"{API}/runs/{run['id']}/").json()["item_count"] == run["item_count"]
    assert api_as(Role.OPERATOR).get(f"{API}/runs/").status_code == 403


def test_a_planner_starts_a_run_and_polls_it(api_as, plant, queued, django_capture_on_commit_callbacks):  # noqa: F811
    from aps.tasks import mrp_run_task

    plant.sale(plant.item("HE", lead=1), 4, day(5))
    api = api_as(Role.PLANNER)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"{API}/runs/start/", {"today": "2026-11-23"}, format="json")
    assert started.status_code == 202, started.content
    run = TaskRun.objects.get()
    assert started.json() == {"task_run": str(run.pk), "status_url": f"/api/v1/core/task-runs/{run.pk}/"}
    assert queued == [("aps.tasks.mrp_run", {"run_id": str(run.pk)})]

    again = api.post(f"{API}/runs/start/", format="json")
    assert again.status_code == 400 and set(errors(again)) == {(None, "mrp_running")}

    mrp_run_task(str(run.pk))
    polled = api.get(started.json()["status_url"]).json()
    assert polled["status"] == "succeeded" and polled["result"]["planned_orders"] == 1
    assert MrpRun.objects.get().planning_date == TODAY


def test_starting_a_run_is_refused_to_others_and_bad_input(api_as, queued):  # noqa: F811
    assert api_as(Role.BUYER).post(f"{API}/runs/start/", format="json").status_code == 403
    api = api_as(Role.PLANNER)
    bad = api.post(f"{API}/runs/start/", {"today": "someday"}, format="json")
    assert bad.status_code == 400 and set(errors(bad)) == {("today", "invalid")}
    extra = api.post(f"{API}/runs/start/", {"weeks": 3}, format="json")
    assert extra.status_code == 400 and set(errors(extra)) == {("weeks", "read_only")}
    assert not TaskRun.objects.exists() and queued == []


# --- Planned orders -------------------------------------------------------------------------------------------


def test_planned_orders_filter_by_item_kind_state_and_due_date(api_as, planned):  # noqa: F811
    api = api_as(Role.BUYER)
    kt, he, gasket = planned["KT"].number, planned["HE"].number, planned["GASKET"].number
    # By due date, then item code.
    assert numbers(api.get(f"{API}/planned-orders/")) == [gasket, he, kt]
    assert numbers(api.get(f"{API}/planned-orders/", {"kind": "buy"})) == [gasket, he]
    assert numbers(api.get(f"{API}/planned-orders/", {"item": "KT", "state": "planned"})) == [kt]
    assert numbers(api.get(f"{API}/planned-orders/", {"supplier": "HEATCO"})) == [he]
    assert numbers(api.get(f"{API}/planned-orders/", {"due_date_after": day(19).isoformat()})) == [kt]
    assert numbers(api.get(f"{API}/planned-orders/", {"start_late": "true"})) == []
    unknown = api.get(f"{API}/planned-orders/", {"item": "NOPE"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "item"

    row = api.get(f"{API}/planned-orders/", {"item": "HE"}).json()["results"][0]
    assert (row["kind"], row["quantity"], row["supplier"], row["state"], row["unit"]) == (
        "buy",
        "5.000000",
        "HEATCO",
        "planned",
        "ea",
    )
    assert (row["start_date"], row["due_date"]) == (day(15).isoformat(), day(18).isoformat())


def test_a_planned_order_by_number_or_id_shows_its_pegging(api_as, planned):  # noqa: F811
    api = api_as(Role.PLANNER)
    kettle, element = planned["KT"], planned["HE"]
    by_number = api.get(f"{API}/planned-orders/{kettle.number}/")
    assert by_number.status_code == 200, by_number.content
    assert by_number.json()["pegs"] == [
        {
            "reference": "SO-1/1",
            "kind": "sales_order",
            "item": "KT",
            "due_date": day(20).isoformat(),
            "demand_quantity": "5.000000",
            "quantity": "5.000000",
            "parent_order": None,
        }
    ]
    pegs = api.get(f"{API}/planned-orders/{element.pk}/").json()["pegs"]
    assert [(p["kind"], p["quantity"], p["parent_order"]) for p in pegs] == [("dependent", "5.000000", kettle.number)]
    missing = api.get(f"{API}/planned-orders/PL-NOPE/")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"


def test_firming_one_order_answers_the_purchase_order_made(api_as, planned):  # noqa: F811
    api = api_as(Role.PLANNER)
    element = planned["HE"]
    firmed = api.post(f"{API}/planned-orders/{element.number}/firm/")
    assert firmed.status_code == 200, firmed.content
    purchase = PurchaseOrder.objects.get()
    assert firmed.json() == {"firmed": [element.number], "orders": [purchase.number]}
    shown = api.get(f"{API}/planned-orders/{element.number}/").json()
    assert (shown["state"], shown["purchase_order"], shown["firmed_by"][:7]) == ("firmed", purchase.number, "planner")

    again = api.post(f"{API}/planned-orders/{element.number}/firm/")
    assert again.status_code == 400 and "already firmed" in again.json()["errors"][0]["message"]
    assert api_as(Role.BUYER).post(f"{API}/planned-orders/{planned['KT'].number}/firm/").status_code == 403


def test_firming_several_is_all_or_nothing(api_as, planned):  # noqa: F811
    api = api_as(Role.PLANNER)
    url = f"{API}/planned-orders/firm/"
    he, gasket, kettle = planned["HE"], planned["GASKET"], planned["KT"]

    refused = api.post(url, {"orders": [he.number, gasket.number]}, format="json")
    assert refused.status_code == 400
    assert [field for field, _code in errors(refused)] == ["orders"]
    assert gasket.number in refused.json()["errors"][0]["message"]
    refused = api.post(url, {"orders": [he.number, kettle.number]}, format="json")
    assert refused.status_code == 400 and "routing" in refused.json()["errors"][0]["message"]
    assert not PurchaseOrder.objects.exists() and not ProductionOrder.objects.exists()
    assert set(PlannedOrder.objects.values_list("state", flat=True)) == {PlannedOrderState.PLANNED}

    unknown = api.post(url, {"orders": [he.number, "PL-NOPE"]}, format="json")
    assert unknown.status_code == 400 and set(errors(unknown)) == {("orders", "does_not_exist")}
    assert "PL-NOPE" in unknown.json()["errors"][0]["message"]
    empty = api.post(url, {"orders": []}, format="json")
    assert empty.status_code == 400 and set(errors(empty)) == {("orders", "empty")}

    firmed = api.post(url, {"orders": [he.number]}, format="json")
    assert firmed.status_code == 200, firmed.content
    assert firmed.json() == {"firmed": [he.number], "orders": [PurchaseOrder.objects.get().number]}


# --- Exceptions and the item grid -----------------------------------------------------------------------------


def test_exceptions_of_the_current_plan_filter_by_kind_item_and_reference(api_as, planned):  # noqa: F811
    api = api_as(Role.BUYER)
    gasket = planned["GASKET"]
    rows = api.get(f"{API}/exceptions/").json()["results"]
    assert [(r["kind"], r["item"], r["reference"], r["planned_order"]) for r in rows] == [
        ("no_supplier", "GASKET", gasket.number, gasket.number)
    ]
    assert api.get(f"{API}/exceptions/", {"kind": "cancel"}).json()["count"] == 0
    assert api.get(f"{API}/exceptions/", {"item": "GASKET", "reference": gasket.number[-4:]}).json()["count"] == 1
    assert api.get(f"{API}/exceptions/", {"item": "KT"}).json()["count"] == 0


def test_an_item_plan_as_json(api_as, plant, planned):  # noqa: F811
    plant.stock(planned["HE"].item, 2)
    mrp_run(today=TODAY)
    api = api_as(Role.PLANNER)
    response = api.get(f"{API}/item-plans/HE/", {"weeks": 4})
    assert response.status_code == 200, response.content
    plan = response.json()
    assert (plan["item"], plan["planning_date"], plan["lot_policy"], plan["lead_time_days"]) == (
        "HE",
        "2026-11-23",
        "lot_for_lot",
        3,
    )
    assert (plan["on_hand"], plan["safety_stock"]) == ("2.000000", "0.000000")
    assert [(b["start"], b["end"]) for b in plan["buckets"]] == [
        ("2026-11-23", "2026-11-29"),
        ("2026-11-30", "2026-12-06"),
        ("2026-12-07", "2026-12-13"),
        ("2026-12-14", "2026-12-20"),
        ("2026-12-21", None),
    ]
    # 5 kettles start on day 18 (10 Dec, week 2): 5 elements needed, 2 on hand, 3 planned (due then, start day 15).
    week = plan["buckets"][2]
    assert (week["gross"], week["net"], week["planned_receipts"], week["planned_releases"], week["projected"]) == (
        "5.000000",
        "3.000000",
        "3.000000",
        "3.000000",
        "0.000000",
    )
    assert [b["projected"] for b in plan["buckets"]] == ["2.000000", "2.000000", "0.000000", "0.000000", "0.000000"]
    assert [(d["kind"], d["quantity"]) for d in plan["demands"]] == [("dependent", "5.000000")]
    assert [(s["kind"], s["quantity"]) for s in plan["supplies"]] == [("on_hand", "2.000000")]
    assert [(o["kind"], o["quantity"]) for o in plan["planned_orders"]] == [("buy", "3.000000")]

    assert api.get(f"{API}/item-plans/NOPE/").status_code == 404
    bad = api.get(f"{API}/item-plans/HE/", {"weeks": 0})
    assert bad.status_code == 400 and set(errors(bad)) == {("weeks", "min_value")}
    assert api_as(Role.OPERATOR).get(f"{API}/item-plans/HE/").status_code == 403


def test_an_item_plan_before_the_first_run_is_not_found(api_as, plant):
    plant.item("HE")
    response = api_as(Role.PLANNER).get(f"{API}/item-plans/HE/")
    assert response.status_code == 404 and "has not run yet" in response.json()["errors"][0]["message"]
