"""The production API over real HTTP with tokens: an order created by codes and run through its commands to
its variances, MES's operation reports, the variance summary, and the 400s (field, code, message) and
403s of the refusals."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from erp.choices import ProductionOrderState as State
from erp.models import ProductionOrder, ProductionVariance
from tests.erp.test_production import build_plant
from wms.choices import MoveKind
from wms.models import StockMove

pytestmark = pytest.mark.django_db

API = "/api/v1/erp"


@pytest.fixture
def plant(warehouse, bin_):
    return build_plant(warehouse, bin_)


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def test_an_order_runs_from_creation_to_its_variances(api_as, plant):
    api = api_as(Role.PLANNER)
    created = api.post(
        f"{API}/production-orders/",
        {"item": "KT-200", "quantity": "10", "due_date": "2026-12-10", "warehouse": "MAIN"},
        format="json",
    )
    assert created.status_code == 201, created.content
    order = created.json()
    assert (order["state"], order["start_date"], order["components"]) == ("planned", "2026-12-05", [])
    url = f"{API}/production-orders/{order['id']}"
    changed = api.patch(f"{url}/", {"quantity": "12", "start_date": "2026-12-04"}, format="json")
    assert (changed.json()["quantity"], changed.json()["start_date"]) == ("12.000000", "2026-12-04")
    assert api.put(f"{url}/", {"quantity": "1"}, format="json").status_code == 405

    firm = api.post(f"{url}/firm/").json()
    assert firm["bom_revision"] == "A" and [c["required_qty"] for c in firm["components"]] == [
        "12.000000",
        "13.000000",  # 12 x 1.025 = 12.3: 13 elements
        "3.000000",
    ]
    released = api.post(f"{url}/release/").json()
    assert released["state"] == "released" and released["material_request"].startswith("SR-")
    assert [(o["seq"], o["state"]) for o in released["operations"]] == [(10, "ready"), (20, "pending")]
    again = api.post(f"{url}/release/")
    assert errors(again) == {
        (None, "wrong_state"): f"{order['number']} is released; only a firm order can be released."
    }

    issued = api.post(f"{url}/backflush/", {"quantity": "12"}, format="json")
    assert issued.status_code == 200, issued.content
    assert [c["issued_qty"] for c in issued.json()["components"]] == ["12.000000", "13.000000", "3.000000"]
    more = api.post(
        f"{url}/issue/", {"component": "KT-BODY", "quantity": "1", "location": "MAIN/STOCK/A-01"}, format="json"
    )
    assert more.json()["components"][0]["issued_qty"] == "13.000000"
    assert more.json()["components"][0]["issued_value"] == "273.00"  # 13 x 21.00

    assembly, testing = (o["id"] for o in released["operations"])
    reported = api.post(
        f"{API}/production-operations/{assembly}/report/",
        {"good_qty": "11", "scrap_qty": "1", "machine_minutes": "60"},
        format="json",
    )
    assert reported.status_code == 200, reported.content
    assert (reported.json()["actual_labor_minutes"], reported.json()["absorbed_labor"]) == ("120.00", "72.00")
    assert api.post(f"{API}/production-operations/{assembly}/finish/").json()["state"] == "done"
    listed = api.get(f"{API}/production-operations/", {"order": order["number"], "state": "ready"}).json()
    assert [o["id"] for o in listed["results"]] == [testing]
    api.post(f"{API}/production-operations/{testing}/report/", {"good_qty": "11", "machine_minutes": "11"})

    received = api.post(f"{url}/receive/", {"quantity": "11", "lot_code": ""}, format="json")
    assert received.status_code == 200, received.content
    assert (received.json()["completed_qty"], received.json()["scrapped_qty"]) == ("11.000000", "1.000000")
    assert api.post(f"{url}/complete/").json()["state"] == "completed"
    future = api.post(f"{url}/close/", {"date": "2999-01-01"}, format="json")
    assert ("date", "future") in errors(future)
    closed = api.post(f"{url}/close/", {}, format="json").json()
    assert closed["state"] == "closed"
    amounts = {v["kind"]: Decimal(v["amount"]) for v in closed["variances"]}
    assert set(amounts) == {"material_price", "material_usage", "labor_efficiency", "machine_efficiency", "scrap"}
    order_row = ProductionOrder.objects.get(pk=order["id"])
    assert sum(amounts.values()) == sum(
        ProductionVariance.objects.filter(order=order_row).values_list("amount", flat=True)
    )

    finance = api_as(Role.FINANCE)
    listing = finance.get(f"{API}/production-variances/", {"order": order["number"], "kind": "scrap"}).json()
    assert [(v["kind"], Decimal(v["amount"])) for v in listing["results"]] == [("scrap", amounts["scrap"])]
    today = timezone.localdate().isoformat()
    (row,) = finance.get(f"{API}/production-variances/summary/", {"date_from": today, "item": "KT-200"}).json()
    assert (row["item"], row["orders"]) == ("KT-200", 1)
    assert {kind: Decimal(v) for kind, v in row["amounts"].items()} == amounts
    assert Decimal(row["total"]) == sum(amounts.values())


def test_refusals_name_the_field_and_the_reason(api_as, plant):
    api = api_as(Role.PLANNER)
    wrong = api.post(
        f"{API}/production-orders/",
        {"item": "NOPE", "quantity": "0", "due_date": "2026-12-10", "warehouse": "MAIN", "colour": "red"},
        format="json",
    )
    assert ("colour", "read_only") in errors(wrong)
    wrong = api.post(
        f"{API}/production-orders/",
        {"item": "NOPE", "quantity": "0", "due_date": "2026-12-10", "warehouse": "MAIN"},
        format="json",
    )
    assert {("item", "does_not_exist"), ("quantity", "min_value")} <= set(errors(wrong))
    bought = api.post(
        f"{API}/production-orders/",
        {"item": "KT-BODY", "quantity": "5", "due_date": "2026-12-10", "warehouse": "MAIN", "sales_order_line": "X"},
        format="json",
    )
    assert ("sales_order_line", "invalid") in errors(bought)
    bought = api.post(
        f"{API}/production-orders/",
        {"item": "KT-BODY", "quantity": "5", "due_date": "2026-12-10", "warehouse": "MAIN"},
        format="json",
    )
    assert ("item", "not_made") in errors(bought)
    assert not ProductionOrder.objects.exists()

    order = api.post(
        f"{API}/production-orders/",
        {"item": "KT-200", "quantity": "10", "due_date": "2026-12-10", "warehouse": "MAIN"},
        format="json",
    ).json()
    url = f"{API}/production-orders/{order['id']}"
    api.post(f"{url}/firm/")
    api.post(f"{url}/release/")
    assert ("component", "not_on_order") in errors(api.post(f"{url}/issue/", {"component": "KT-200", "quantity": "1"}))
    beyond = api.post(f"{url}/issue/", {"component": "KT-BODY", "quantity": "11"}, format="json")
    assert errors(beyond) == {
        ("location", "not_reserved"): (
            f"Only 10 ea of KT-BODY is reserved for {order['number']}; name the location to issue the other 1 from."
        )
    }
    no_lot = api.post(f"{url}/issue/", {"component": "KT-BODY", "quantity": "1", "lot": "L-1"}, format="json")
    assert ("lot", "does_not_exist") in errors(no_lot)
    view_bin = api.post(f"{url}/receive/", {"quantity": "1", "location": "MAIN/STOCK"}, format="json")
    assert ("location", "does_not_exist") in errors(view_bin)
    half = api.post(f"{url}/receive/", {"quantity": "0.5"}, format="json")
    assert ("quantity", "precision") in errors(half)
    assert not StockMove.objects.filter(kind__in=[MoveKind.CONSUMPTION, MoveKind.PRODUCTION]).exists()
    pending = ProductionOrder.objects.get(pk=order["id"]).operations.get(seq=20)
    report = api.post(f"{API}/production-operations/{pending.pk}/report/", {"good_qty": "1"}, format="json")
    assert (None, "operation_not_ready") in errors(report)
    assert ProductionOrder.objects.get(pk=order["id"]).state == State.RELEASED


def test_roles_are_checked_on_every_endpoint(api_as, plant):
    planner = api_as(Role.PLANNER)
    order = planner.post(
        f"{API}/production-orders/",
        {"item": "KT-200", "quantity": "10", "due_date": "2026-12-10", "warehouse": "MAIN"},
        format="json",
    ).json()
    url = f"{API}/production-orders/{order['id']}"
    operator = api_as(Role.OPERATOR)
    assert operator.get(f"{url}/").status_code == 200  # the floor reads orders
    assert operator.post(f"{url}/firm/").status_code == 403
    assert operator.patch(f"{url}/", {"quantity": "1"}, format="json").status_code == 403
    assert operator.get(f"{API}/production-variances/").status_code == 403
    warehouse = api_as(Role.WAREHOUSE)
    planner.post(f"{url}/firm/")
    planner.post(f"{url}/release/")
    assert warehouse.post(f"{url}/backflush/", {"quantity": "1"}, format="json").status_code == 403
    assert ProductionOrder.objects.get(pk=order["id"]).components.filter(issued_qty__gt=0).count() == 0
    assert api_as(Role.FINANCE).get(f"{API}/production-variances/summary/").status_code == 200
    assert api_as(Role.SALES).get(f"{API}/production-variances/summary/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "production-orders/",
        "production-orders/1/",
        "production-orders/1/release/",
        "production-orders/1/issue/",
        "production-operations/",
        "production-operations/1/report/",
        "production-variances/",
        "production-variances/summary/",
    ],
)
def test_anonymous_calls_are_refused(client, url):
    for response in (client.get(f"{API}/{url}"), client.post(f"{API}/{url}", {})):
        assert response.status_code == 401, (url, response.status_code)
