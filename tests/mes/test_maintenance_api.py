"""The maintenance API with tokens: plans by machine code with their status, an order from request to done
through its actions, the reliability read, and the 400s (field, code) and 403s of the refusals."""

import pytest

from core.roles import Role
from mes.services import execution as x
from tests.mes.conftest import at, errors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shift_clock")]

API = "/api/v1/mes"


def test_plans_are_made_by_machine_code_and_show_how_far_they_are(api_as, floor):
    api = api_as(Role.ENGINEER)
    bad = {"machine": "NOPE", "name": "Check", "trigger": "weekly", "interval": "0"}
    assert errors(api.post(f"{API}/maintenance-plans/", bad, format="json")) == {
        ("machine", "does_not_exist"),
        ("trigger", "invalid_choice"),
        ("interval", "min_value"),
    }
    unknown = api.post(f"{API}/maintenance-plans/", {**bad, "last_done": "x"}, format="json")
    assert errors(unknown) == {("last_done", "read_only")}
    created = api.post(
        f"{API}/maintenance-plans/",
        {"machine": "ASSY-1", "name": "Weekly check", "trigger": "calendar", "interval": "7", "tasks": "Belt\nOil"},
        format="json",
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert (plan["machine"], plan["status"]) == ("ASSY-1", {"used": "0.000", "remaining": "7.000", "due": False})
    url = f"{API}/maintenance-plans/{plan['id']}/"
    changed = api.patch(url, {"interval": "14", "last_done_at": "2026-11-01T06:00:00Z"}, format="json")
    assert changed.json()["status"]["due"] is True
    assert errors(api.patch(url, {"duration_minutes": 0}, format="json")) == {("duration_minutes", "min_value")}
    assert errors(api.patch(url, {"last_done_at": "2027-01-01T00:00:00Z"}, format="json")) == {
        ("last_done_at", "future")
    }
    ordered = api.post(f"{url}order/")
    assert ordered.status_code == 201 and ordered.json()["state"] == "planned"
    assert [t["description"] for t in ordered.json()["tasks"]] == ["Belt", "Oil"]
    assert errors(api.post(f"{url}order/")) == {("plan", "open_order")}
    assert api.get(f"{API}/maintenance-plans/", {"machine": "ASSY-1"}).json()["count"] == 1

    operator = api_as(Role.OPERATOR)
    assert operator.get(url).status_code == 200
    assert operator.post(f"{url}order/").status_code == 403
    assert operator.patch(url, {"interval": "1"}, format="json").status_code == 403


def test_an_order_runs_from_request_to_done_through_its_actions(api_as, floor, item, receive, bin_):
    receive(item("BELT-5"), 2, bin_("B-01"))
    requested = api_as(Role.OPERATOR).post(
        f"{API}/maintenance-orders/", {"machine": "ASSY-2", "description": "Belt slips"}, format="json"
    )
    assert requested.status_code == 201, requested.content
    order = requested.json()
    assert (order["kind"], order["state"], order["requested_by"]) == ("corrective", "requested", "operator-1")
    url = f"{API}/maintenance-orders/{order['id']}"
    assert api_as(Role.OPERATOR).post(f"{url}/start/", {}, format="json").status_code == 403

    api = api_as(Role.ENGINEER)
    backwards = {"planned_start": "2026-11-24T09:00:00Z", "planned_end": "2026-11-24T08:00:00Z"}
    assert errors(api.post(f"{url}/plan/", backwards, format="json")) == {("planned_end", "before_start")}
    planned = api.post(
        f"{url}/plan/", {"planned_start": "2026-11-24T08:00:00Z", "planned_end": "2026-11-24T09:00:00Z"}, format="json"
    )
    assert planned.json()["state"] == "planned"
    api.post(f"{url}/add-task/", {"description": "Replace the belt"}, format="json")
    assert errors(api.post(f"{url}/start/", {"reason": "BD"}, format="json")) == {("reason", "not_maintenance")}
    started = api.post(f"{url}/start/", {"employee": "E-1001"}, format="json")
    assert started.json()["state"] == "in_progress" and started.json()["downtime"] is not None

    part = {"item": "BELT-5", "quantity": "3", "location": "MAIN/STOCK/B-01"}
    assert errors(api.post(f"{url}/issue-part/", part, format="json")) == {("quantity", "insufficient_stock")}
    assert errors(api.post(f"{url}/issue-part/", {**part, "lot": "L-1"}, format="json")) == {("lot", "does_not_exist")}
    issued = api.post(f"{url}/issue-part/", {**part, "quantity": "2"}, format="json").json()
    assert [(p["item"], p["quantity"], p["location"]) for p in issued["parts"]] == [
        ("BELT-5", "2.000000", "MAIN/STOCK/B-01")
    ]
    assert errors(api.post(f"{url}/book-labor/", {"employee": "E-9", "minutes": "0"}, format="json")) == {
        ("employee", "does_not_exist"),
        ("minutes", "min_value"),
    }
    booked = api.post(f"{url}/book-labor/", {"employee": "E-1001", "minutes": "30"}, format="json").json()
    assert [(row["employee"], row["minutes"]) for row in booked["labor"]] == [("E-1001", "30.00")]

    assert errors(api.post(f"{url}/finish/", {}, format="json")) == {("tasks", "open_tasks")}
    assert errors(api.post(f"{url}/tick-task/", {"position": 2}, format="json")) == {("position", "does_not_exist")}
    api.post(f"{url}/tick-task/", {"position": 1}, format="json")
    done = api.post(f"{url}/finish/", {}, format="json").json()
    assert done["state"] == "done" and done["tasks"][0]["done_at"] is not None
    assert errors(api.post(f"{url}/cancel/")) == {(None, "wrong_state")}
    assert api.get(f"{API}/maintenance-orders/", {"state": "done"}).json()["count"] == 1


def test_reliability_reads_mtbf_and_mttr_per_machine(api_as, floor):
    machine = floor["test1"]
    x.downtime_start(machine=machine, reason=floor.reason("BD"), at=at(100))
    x.downtime_end(machine=machine, at=at(130))
    api = api_as(Role.PLANNER)
    rows = api.get(f"{API}/maintenance-reliability/", {"machine": "TEST-1"}).json()
    assert rows == [
        {
            "machine": "TEST-1",
            "work_center": "TEST",
            "failures": 1,
            "operating_hours": "0.00",
            "repair_minutes": "30.00",
            "mtbf_hours": "0.00",
            "mttr_minutes": "30.00",
        }
    ]
    wrong = api.get(f"{API}/maintenance-reliability/", {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert errors(wrong) == {("date_from", "after_end")}
    assert api_as(Role.FINANCE).get(f"{API}/maintenance-reliability/").status_code == 403
