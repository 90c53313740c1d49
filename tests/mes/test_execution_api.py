"""The execution API over real HTTP with tokens: the start > count > pause > resume > complete flow records
what the services record when called directly; more than ordered needs a supervisor; material, lots,
downtime, machine states, operators and corrections through their commands; the read-only lists and their
filters; and the refusals: 400s naming field and code for garbage, 403s for roles without the right, and a
production record that cannot be written."""

import datetime

import pytest

from core.choices import Tracking
from core.roles import Role
from mes.choices import EventKind, RunState
from mes.models import Downtime, LotLink, OperationRun, OperatorAssignment, ProductionEvent, ScrapReason
from mes.services import execution as x
from tests.mes.conftest import at, errors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shift_clock")]

API = "/api/v1/mes"


def iso(minutes: float) -> str:
    return at(minutes).isoformat()


def when(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


@pytest.fixture
def operator(api_as):
    return api_as(Role.OPERATOR)


def post(api, path: str, body: dict | None = None):
    return api.post(f"{API}/{path}", body or {}, format="json")


def start(api, order, machine: str = "ASSY-1", minutes: float = 0, **body):
    response = post(
        api, "operation-runs/start/", {"order": order.number, "seq": 10, "machine": machine, "at": iso(minutes), **body}
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- The main flow -------------------------------------------------------------------------------------------


def _record(run: OperationRun) -> dict:
    """What a run left behind: the run, its operation in ERP, its events and its downtimes."""
    run.refresh_from_db()
    operation = run.operation
    operation.refresh_from_db()
    events = ProductionEvent.objects.filter(operation=operation).order_by("at", "id")
    return {
        "run": (run.state, run.started_at, run.finished_at, run.run_seconds, run.good_qty, run.scrap_qty),
        "booked": (run.booked_good, run.booked_scrap, run.booked_seconds),
        "operation": (operation.state, operation.good_qty, operation.scrap_qty, operation.actual_machine_minutes),
        "events": [
            (e.kind, e.at, e.good_qty, e.scrap_qty, e.scrap_reason_id, e.downtime_reason_id, e.employee_id)
            for e in events
        ],
        "downtimes": list(Downtime.objects.filter(operation=operation).values_list("reason__code", "start", "end")),
    }


def test_the_flow_through_the_api_records_what_the_services_record(operator, floor):
    by_api, by_services = floor.order("100"), floor.order("100")
    started = start(operator, by_api, badge="B-1001")
    assert (started["order"], started["seq"], started["machine"], started["state"]) == (
        by_api.number,
        10,
        "ASSY-1",
        "running",
    )
    run = f"operation-runs/{started['id']}"
    counted = post(operator, f"{run}/count/", {"good_qty": "60", "at": iso(100), "badge": "B-1001"})
    assert counted.status_code == 201, counted.content
    assert (counted.json()["kind"], counted.json()["good_qty"], counted.json()["source"]) == (
        "count",
        "60.000000",
        "api",
    )
    paused = post(operator, f"{run}/pause/", {"reason": "NOMAT", "at": iso(120), "badge": "B-1001"})
    assert (paused.status_code, paused.json()["state"], paused.json()["booked_good"]) == (200, "paused", "60.000000")
    board = operator.get(f"{API}/machine-statuses/ASSY-1/").json()
    assert (board["state"], board["reason"], board["order"], board["seq"], board["run"]["id"]) == (
        "down",
        "NOMAT",
        by_api.number,
        10,
        started["id"],
    )
    assert post(operator, f"{run}/resume/", {"at": iso(140), "badge": "B-1001"}).json()["state"] == "running"
    scrapped = post(
        operator,
        f"{run}/count/",
        {"good_qty": "38", "scrap_qty": "2", "scrap_reason": "DENT", "at": iso(200), "badge": "B-1001"},
    )
    assert scrapped.json()["scrap_reason"] == "DENT"
    completed = post(operator, f"{run}/complete/", {"at": iso(240), "badge": "B-1001"})
    assert completed.status_code == 200, completed.content
    assert (completed.json()["state"], completed.json()["good_qty"], completed.json()["run_seconds"]) == (
        "done",
        "98.000000",
        "13200.000",  # 240 minutes less the 20 without material
    )

    employee = floor["B-1001"]
    service_run = x.operation_start(
        operation=by_services.operations.get(seq=10), machine=floor["assy2"], at=at(0), employee=employee
    )
    x.operation_count(run=service_run, good_qty=60, at=at(100), employee=employee)
    x.operation_pause(run=service_run, reason=floor.reason("NOMAT"), at=at(120), employee=employee)
    x.operation_resume(run=service_run, at=at(140), employee=employee)
    x.operation_count(
        run=service_run, good_qty=38, scrap_qty=2, scrap_reason=floor.scrap("DENT"), at=at(200), employee=employee
    )
    x.operation_complete(run=service_run, at=at(240), employee=employee)

    api_run = OperationRun.objects.get(pk=started["id"])
    assert _record(api_run) == _record(service_run)
    recorded = ProductionEvent.objects.filter(operation=api_run.operation).select_related("user")
    assert {(event.source, event.user.username.split("-")[0]) for event in recorded} == {("api", "operator")}


def test_more_good_units_than_ordered_need_a_supervisor(operator, api_as, floor):
    run = f"operation-runs/{start(operator, floor.order('10'))['id']}"
    assert post(operator, f"{run}/count/", {"good_qty": "8", "at": iso(5)}).status_code == 201
    over = {"good_qty": "3", "at": iso(6)}
    assert errors(post(operator, f"{run}/count/", over)) == {("good_qty", "over_quantity")}
    # An operator cannot accept it for themself.
    assert errors(post(operator, f"{run}/count/", {**over, "override": True})) == {("good_qty", "over_quantity")}
    supervisor = api_as(Role.PLANNER)
    assert errors(post(supervisor, f"{run}/count/", over)) == {("good_qty", "over_quantity")}
    accepted = post(supervisor, f"{run}/count/", {**over, "override": True})
    assert accepted.status_code == 201, accepted.content
    assert OperationRun.objects.get().good_qty == 11
    assert ProductionEvent.objects.filter(kind=EventKind.COUNT).count() == 2


# --- Refusals ---------------------------------------------------------------------------------------------------


@pytest.fixture
def running(floor):
    """An order with operation 10 running on ASSY-1 since T0; the API path of its run."""
    order = floor.order("100")
    run = x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"], at=at(0))
    return f"operation-runs/{run.pk}"


START = {"seq": 10, "machine": "ASSY-2"}


@pytest.mark.parametrize(
    ("path", "body", "refusal"),
    [
        ("operation-runs/start/", {**START, "order": "MO-NONE"}, ("order", "does_not_exist")),
        ("operation-runs/start/", {**START, "seq": 99}, ("seq", "does_not_exist")),
        ("operation-runs/start/", {**START, "seq": "ten"}, ("seq", "invalid")),
        ("operation-runs/start/", {**START, "machine": "NOPE"}, ("machine", "does_not_exist")),
        ("operation-runs/start/", {**START, "badge": "B-9999"}, ("badge", "unknown_badge")),
        ("operation-runs/start/", {**START, "at": "2026-11-23T17:00:00Z"}, ("at", "future")),
        ("operation-runs/start/", {**START, "at": "2026-11-23T08:00:00"}, ("at", "naive")),
        ("operation-runs/start/", {**START, "at": "yesterday"}, ("at", "invalid")),
        ("operation-runs/start/", {**START, "colour": "red"}, ("colour", "read_only")),
        ("{run}/count/", {"good_qty": "ten"}, ("good_qty", "invalid")),
        ("{run}/count/", {"good_qty": "NaN"}, ("good_qty", "invalid")),
        ("{run}/count/", {"good_qty": "-1"}, ("good_qty", "min_value")),
        ("{run}/count/", {"good_qty": "1.5"}, ("good_qty", "precision")),
        ("{run}/count/", {}, ("good_qty", "empty")),
        ("{run}/count/", {"scrap_qty": "1"}, ("scrap_reason", "required")),
        ("{run}/count/", {"scrap_qty": "1", "scrap_reason": "RUST"}, ("scrap_reason", "does_not_exist")),
        ("{run}/count/", {"good_qty": "1", "at": "2026-11-23T08:00:00"}, ("at", "naive")),
        ("{run}/count/", {"good_qty": "1", "override": "maybe"}, ("override", "invalid")),
        ("{run}/pause/", {"reason": "COFFEE"}, ("reason", "does_not_exist")),
        ("{run}/resume/", {}, ("run", "not_paused")),
        ("{run}/consume/", {"component": "KT-200", "quantity": "1"}, ("component", "not_on_order")),
        ("{run}/consume/", {"component": "KT-BODY", "quantity": "1", "lot": "L-0"}, ("lot", "does_not_exist")),
        ("{run}/consume/", {"component": "KT-BODY", "quantity": "abc"}, ("quantity", "invalid")),
        ("{run}/consume/", {"component": "KT-BODY", "quantity": "0"}, ("quantity", "min_value")),
        (
            "{run}/consume/",
            {"component": "KT-BODY", "quantity": "1", "location": "MAIN/STOCK"},
            ("location", "does_not_exist"),
        ),
        ("{run}/produce/", {"quantity": "1"}, ("run", "not_last")),
        ("downtimes/start/", {"machine": "NOPE", "reason": "BD"}, ("machine", "does_not_exist")),
        ("downtimes/start/", {"machine": "ASSY-2", "reason": "NOPE"}, ("reason", "does_not_exist")),
        ("downtimes/end/", {"machine": "ASSY-2"}, ("machine", "not_down")),
        ("machine-statuses/report/", {"machine": "ASSY-2", "state": "exploded"}, ("state", "invalid_choice")),
        ("machine-statuses/report/", {"machine": "ASSY-2", "state": "down"}, ("reason", "required")),
        ("operator-assignments/sign-on/", {"machine": "ASSY-2"}, ("badge", "required")),
        ("operator-assignments/sign-on/", {"badge": "B-1002", "machine": "TEST-1"}, ("machine", "no_qualification")),
        ("operator-assignments/sign-off/", {"badge": "B-1001"}, ("employee", "not_on")),
    ],
)
def test_garbage_is_a_400_naming_the_field_and_records_nothing(operator, floor, running, path, body, refusal):
    other = floor.order("10")
    body = {"order": other.number, **body} if path == "operation-runs/start/" else body
    before = ProductionEvent.objects.count()
    assert refusal in errors(post(operator, path.format(run=running), body))
    assert ProductionEvent.objects.count() == before
    assert not Downtime.objects.exists() and not OperatorAssignment.objects.exists()


def test_a_run_is_read_by_its_id_and_commands_on_a_completed_run_are_refused(operator, running):
    assert operator.get(f"{API}/operation-runs/999999/").status_code == 404
    assert post(operator, "operation-runs/999999/pause/").status_code == 404
    post(operator, f"{running}/count/", {"good_qty": "5", "at": iso(5)})
    assert post(operator, f"{running}/complete/", {"at": iso(10)}).status_code == 200
    assert errors(post(operator, f"{running}/pause/")) == {("run", "run_done")}
    assert errors(post(operator, f"{running}/count/", {"good_qty": "1"})) == {("run", "run_done")}


def test_roles_without_the_right_get_403(api_as, floor, running):
    event = ProductionEvent.objects.get()
    sales = api_as(Role.SALES)
    assert sales.get(f"{API}/production-events/").status_code == 200  # the office reads the record
    assert sales.get(f"{API}/machine-statuses/").status_code == 200
    for path, body in [
        ("operation-runs/start/", {"order": "X", "seq": 10, "machine": "ASSY-2"}),
        (f"{running}/count/", {"good_qty": "1"}),
        (f"{running}/pause/", {}),
        (f"{running}/complete/", {}),
        (f"{running}/book/", {}),
        (f"{running}/backflush/", {"quantity": "1"}),
        ("downtimes/start/", {"machine": "ASSY-2", "reason": "BD"}),
        ("machine-statuses/report/", {"machine": "ASSY-2", "state": "running"}),
        ("operator-assignments/sign-on/", {"badge": "B-1001", "machine": "ASSY-2"}),
        (f"production-events/{event.pk}/correct/", {"good_qty": "1", "note": "x"}),
        ("scrap-reasons/", {"code": "BURN", "name": "Burnt"}),
    ]:
        assert post(sales, path, body).status_code == 403, path
    assert ProductionEvent.objects.count() == 1
    partner = api_as(Role.PARTNER)
    for path in ("production-events/", "operation-runs/", "machine-statuses/", "downtimes/", "operator-assignments/"):
        assert partner.get(f"{API}/{path}").status_code == 403, path
    # Reason codes are configuration: the floor reads them, quality manages scrap reasons.
    operator = api_as(Role.OPERATOR)
    assert operator.get(f"{API}/scrap-reasons/").status_code == 200
    assert post(operator, "scrap-reasons/", {"code": "BURN", "name": "Burnt"}).status_code == 403
    assert post(api_as(Role.QUALITY), "scrap-reasons/", {"code": "BURN", "name": "Burnt"}).status_code == 201


@pytest.mark.parametrize("url", ["production-events/", "operation-runs/start/", "machine-statuses/"])
def test_anonymous_calls_are_refused(client, url):
    for response in (client.get(f"{API}/{url}"), client.post(f"{API}/{url}", {})):
        assert response.status_code == 401, (url, response.status_code)


def test_events_cannot_be_written(api_as, running):
    admin = api_as(Role.ADMIN)  # holds every permission: only the methods are missing
    event = ProductionEvent.objects.get()
    url = f"{API}/production-events/{event.pk}/"
    assert post(admin, "production-events/", {"kind": "count", "at": iso(1), "good_qty": "5"}).status_code == 405
    assert admin.put(url, {"good_qty": "5"}, format="json").status_code == 405
    assert admin.patch(url, {"good_qty": "5"}, format="json").status_code == 405
    assert admin.delete(url).status_code == 405
    operator = api_as(Role.OPERATOR)
    assert post(operator, "production-events/", {"kind": "count"}).status_code == 403
    assert operator.delete(url).status_code == 403
    assert list(ProductionEvent.objects.values_list("pk", "kind")) == [(event.pk, EventKind.START)]


# --- Lists and filters ----------------------------------------------------------------------------------------


def test_events_are_listed_newest_first_and_filtered(operator, floor, running):
    post(operator, f"{running}/count/", {"good_qty": "5", "at": iso(10)})
    post(operator, f"{running}/count/", {"scrap_qty": "1", "scrap_reason": "DENT", "at": iso(20)})
    other = start(operator, floor.order("10"), machine="ASSY-2", minutes=15)
    order = OperationRun.objects.get(machine=floor["assy1"]).operation.order.number

    def listed(**query) -> list[tuple[str, str]]:
        response = operator.get(f"{API}/production-events/", query)
        assert response.status_code == 200, response.content
        return [(event["kind"], event["machine"]) for event in response.json()["results"]]

    assert listed() == [("count", "ASSY-1"), ("start", "ASSY-2"), ("count", "ASSY-1"), ("start", "ASSY-1")]
    assert listed(machine="ASSY-2") == [("start", "ASSY-2")]
    assert listed(order=order, kind="count") == [("count", "ASSY-1"), ("count", "ASSY-1")]
    assert listed(operation=other["operation"]) == [("start", "ASSY-2")]
    assert listed(at_after=iso(12), at_before=iso(18)) == [("start", "ASSY-2")]
    assert listed(ordering="at")[0] == ("start", "ASSY-1")
    assert listed(kind=["start"], seq=10, source="api") == [("start", "ASSY-2")]
    assert errors(operator.get(f"{API}/production-events/", {"machine": "NOPE"})) == {("machine", "invalid_choice")}
    assert errors(operator.get(f"{API}/production-events/", {"at_after": "soon"})) == {("at", "invalid")}
    # ISO 8601 allows offsets PostgreSQL does not (beyond ±15:59): the moment is read in UTC all the same.
    far_west = datetime.timezone(-datetime.timedelta(hours=16, minutes=53))
    assert listed(at_after=at(12).astimezone(far_west).isoformat(), at_before=iso(18)) == [("start", "ASSY-2")]
    too_late = {"at_after": "9999-12-31T23:00:00-15:00"}  # past year 9999 in UTC
    assert errors(operator.get(f"{API}/production-events/", too_late)) == {("at", "invalid")}


def test_machine_statuses_list_every_machine_and_runs_filter_by_state(operator, floor, running):
    listed = operator.get(f"{API}/machine-statuses/").json()["results"]
    assert [(m["machine"], m["state"], m["since"] and when(m["since"])) for m in listed] == [
        ("ASSY-1", "running", at(0)),
        ("ASSY-2", "idle", None),  # never reported
        ("TEST-1", "idle", None),
    ]
    idle = operator.get(f"{API}/machine-statuses/", {"state": "idle", "work_center": "ASSY"}).json()["results"]
    assert [m["machine"] for m in idle] == ["ASSY-2"]
    assert operator.get(f"{API}/machine-statuses/NOPE/").status_code == 404
    runs = operator.get(f"{API}/operation-runs/", {"machine": "ASSY-1", "state": "running"}).json()["results"]
    assert [(r["machine"], r["seq"], r["ordered_qty"]) for r in runs] == [("ASSY-1", 10, "100.000000")]
    assert operator.get(f"{API}/operation-runs/", {"state": "done"}).json()["results"] == []


# --- Downtime, machine states, operators ----------------------------------------------------------------------


def test_downtime_by_command_and_by_machine_state_with_the_open_and_period_filters(operator, floor, running):
    started = post(operator, "downtimes/start/", {"machine": "ASSY-1", "reason": "BD", "note": "Jammed", "at": iso(10)})
    assert started.status_code == 201, started.content
    assert (started.json()["reason"], started.json()["note"], started.json()["minutes"]) == ("BD", "Jammed", None)
    assert OperationRun.objects.get().state == RunState.PAUSED
    assert errors(post(operator, "downtimes/start/", {"machine": "ASSY-1", "reason": "BD"})) == {
        ("machine", "already_down")
    }
    ended = post(operator, "downtimes/end/", {"machine": "ASSY-1", "at": iso(25)})
    assert (ended.status_code, ended.json()["minutes"]) == (200, "15.00")
    assert OperationRun.objects.get().state == RunState.RUNNING

    reported = post(operator, "machine-statuses/report/", {"machine": "ASSY-2", "state": "down", "reason": "NOMAT"})
    assert (reported.status_code, reported.json()["state"], reported.json()["reason"]) == (200, "down", "NOMAT")
    assert ProductionEvent.objects.filter(machine=floor["assy2"]).get().source == "api"

    def downtimes(**query) -> list[str]:
        return [d["machine"] for d in operator.get(f"{API}/downtimes/", query).json()["results"]]

    assert downtimes(open="true") == ["ASSY-2"]
    assert downtimes(open="false") == ["ASSY-1"]
    assert downtimes(period_after=iso(20), period_before=iso(30)) == ["ASSY-1"]
    assert downtimes(period_after=iso(30)) == ["ASSY-2"]  # still down: it overlaps every later period
    assert downtimes(reason="BD", machine="ASSY-1") == ["ASSY-1"]
    back = post(operator, "machine-statuses/report/", {"machine": "ASSY-2", "state": "running"})
    assert back.json()["state"] == "idle"  # nothing is open on it
    assert downtimes(open="true") == []
    floor["test1"].active = False
    floor["test1"].save()
    retired = post(operator, "machine-statuses/report/", {"machine": "TEST-1", "state": "running"})
    assert (retired.status_code, retired.json()["state"]) == (200, "running")
    assert "TEST-1" not in [m["machine"] for m in operator.get(f"{API}/machine-statuses/").json()["results"]]


def test_operators_sign_on_and_off_by_badge(operator, floor):
    on = post(operator, "operator-assignments/sign-on/", {"badge": "B-1001", "machine": "ASSY-1", "at": iso(0)})
    assert on.status_code == 201, on.content
    assert (on.json()["employee"], on.json()["machine"], on.json()["until"]) == ("E-1001", "ASSY-1", None)
    post(operator, "operator-assignments/sign-on/", {"badge": "B-1001", "machine": "ASSY-2", "at": iso(0)})
    again = post(operator, "operator-assignments/sign-on/", {"badge": "B-1001", "machine": "ASSY-1"})
    assert errors(again) == {("machine", "already_on")}
    listed = operator.get(f"{API}/operator-assignments/", {"open": "true", "employee": "E-1001"}).json()["results"]
    assert sorted(a["machine"] for a in listed) == ["ASSY-1", "ASSY-2"]
    off = post(operator, "operator-assignments/sign-off/", {"badge": "B-1001", "at": iso(60)})
    assert off.status_code == 200, off.content
    assert sorted((a["machine"], when(a["until"])) for a in off.json()) == [("ASSY-1", at(60)), ("ASSY-2", at(60))]
    assert operator.get(f"{API}/operator-assignments/", {"open": "true"}).json()["results"] == []
    assert not floor["B-1001"].attendances.filter(clock_out__isnull=True).exists()


# --- Material, lots and corrections ------------------------------------------------------------------------------


def test_backflush_consumes_every_component_by_the_bom(operator, running):
    flushed = post(operator, f"{running}/backflush/", {"quantity": "2", "at": iso(6)})
    assert flushed.status_code == 201, flushed.content
    assert [(e["kind"], e["component"], e["quantity"]) for e in flushed.json()] == [
        ("consume", "KT-BODY", "2.000000"),
        ("consume", "HE-2000", "3.000000"),  # 2 x 1.025, in whole elements
        ("consume", "DESCALER", "0.500000"),
    ]


def test_scanned_lots_are_consumed_a_held_one_is_refused_and_the_output_gets_its_lot(operator, floor, bin_, receive):
    for item in (floor["body"], floor["kettle"]):
        item.tracking = Tracking.LOT
        item.save()
    receive(floor["body"], 5, bin_("B-01"), lot="BODY-77")
    order = floor.order("10")
    run = f"operation-runs/{start(operator, order)['id']}"
    scan = {"component": "KT-BODY", "lot": "BODY-77", "location": "MAIN/STOCK/B-01"}
    consumed = post(operator, f"{run}/consume/", {**scan, "quantity": "2", "at": iso(5)})
    assert consumed.status_code == 201, consumed.content
    assert [(e["kind"], e["component"], e["lot"], e["quantity"]) for e in consumed.json()] == [
        ("consume", "KT-BODY", "BODY-77", "2.000000")
    ]
    lot = floor["body"].lots.get(code="BODY-77")
    lot.on_hold, lot.hold_reason = True, "Cracks"
    lot.save()
    assert errors(post(operator, f"{run}/consume/", {**scan, "quantity": "1"})) == {("lot", "on_hold")}

    post(operator, f"{run}/count/", {"good_qty": "10", "at": iso(20)})
    post(operator, f"{run}/complete/", {"at": iso(30)})
    testing = post(
        operator, "operation-runs/start/", {"order": order.number, "seq": 20, "machine": "TEST-1", "at": iso(31)}
    )
    assert testing.status_code == 201, testing.content
    tested = f"operation-runs/{testing.json()['id']}"
    post(operator, f"{tested}/count/", {"good_qty": "4", "at": iso(40)})
    assert errors(post(operator, f"{tested}/produce/", {"quantity": "5"})) == {("quantity", "more_than_counted")}
    produced = post(operator, f"{tested}/produce/", {"quantity": "4", "lot_code": " KT-LOT-1 ", "at": iso(41)})
    assert produced.status_code == 201, produced.content
    assert [(e["kind"], e["lot"], e["quantity"], e["order"]) for e in produced.json()] == [
        ("produce", "KT-LOT-1", "4.000000", order.number)
    ]
    order.refresh_from_db()
    assert order.completed_qty == 4
    traced = operator.get(f"{API}/production-events/", {"lot": "KT-LOT-1"}).json()["results"]
    assert [e["kind"] for e in traced] == ["produce"]
    assert LotLink.objects.filter(produced_lot__code="KT-LOT-1", consumed_lot=lot).exists()


def test_a_count_is_corrected_by_a_new_event(operator, running):
    wrong = post(operator, f"{running}/count/", {"good_qty": "50", "at": iso(10)}).json()
    post(operator, f"{running}/complete/", {"at": iso(20)})
    url = f"production-events/{wrong['id']}/correct/"
    assert errors(post(operator, url, {"good_qty": "40"})) == {("note", "required")}
    assert errors(post(operator, url, {"good_qty": "50", "note": "Recounted"})) == {("good_qty", "unchanged")}
    corrected = post(operator, url, {"good_qty": "40", "note": "Counted a pallet twice", "badge": "B-1001"})
    assert corrected.status_code == 201, corrected.content
    body = corrected.json()
    assert (body["kind"], body["corrects"], body["good_qty"], body["employee"]) == (
        "correction",
        wrong["id"],
        "-10.000000",
        "E-1001",
    )
    run = OperationRun.objects.get()
    assert (run.good_qty, run.booked_good, run.operation.good_qty) == (40, 40, 40)
    start_event = ProductionEvent.objects.get(kind=EventKind.START)
    assert errors(post(operator, f"production-events/{start_event.pk}/correct/", {"good_qty": "1", "note": "x"})) == {
        ("event", "kind")
    }


# --- Reason codes ----------------------------------------------------------------------------------------------


def test_reason_codes_are_configured_and_a_used_one_is_kept(api_as, floor, running):
    quality = api_as(Role.QUALITY)
    created = post(quality, "scrap-reasons/", {"code": "BURN", "name": "Burnt"})
    assert created.status_code == 201, created.content
    assert errors(post(quality, "scrap-reasons/", {"code": "BURN", "name": "Again"})) == {("code", "unique")}
    listed = quality.get(f"{API}/scrap-reasons/", {"code": "DENT"}).json()["results"]
    assert [r["name"] for r in listed] == ["Dented body"]
    engineer = api_as(Role.ENGINEER)
    reason = post(
        engineer,
        "downtime-reasons/",
        {"code": "TOOL", "name": "Tool change", "category": "planned", "kind": "changeover"},
    )
    assert reason.status_code == 201, reason.content
    assert reason.json()["counts_against_availability"] is True
    assert errors(post(engineer, "downtime-reasons/", {"code": "X", "name": "X", "category": "maybe"})) == {
        ("category", "invalid_choice")
    }
    planned = engineer.get(f"{API}/downtime-reasons/", {"category": "planned"}).json()["results"]
    assert [r["code"] for r in planned] == ["BRK", "CHG", "NOORD", "PM", "TOOL"]
    operator = api_as(Role.OPERATOR)
    post(operator, f"{running}/count/", {"scrap_qty": "1", "scrap_reason": "DENT"})
    dent = ScrapReason.objects.get(code="DENT")
    assert quality.delete(f"{API}/scrap-reasons/{dent.pk}/").status_code == 409
    assert quality.delete(f"{API}/scrap-reasons/{created.json()['id']}/").status_code == 204


def test_lists_read_in_a_fixed_number_of_queries(operator, floor, django_assert_max_num_queries):
    for machine in ("ASSY-1", "ASSY-2"):
        run = f"operation-runs/{start(operator, floor.order('100'), machine=machine)['id']}"
        post(operator, f"{run}/count/", {"scrap_qty": "1", "scrap_reason": "DENT", "at": iso(5)})
        post(operator, f"{run}/pause/", {"reason": "NOMAT", "at": iso(10)})
        post(operator, "operator-assignments/sign-on/", {"badge": "B-1001", "machine": machine, "at": iso(1)})
    for path in ("production-events/", "operation-runs/", "machine-statuses/", "downtimes/", "operator-assignments/"):
        # The token, the user's permissions, the count and the page (machine statuses: and their open runs).
        with django_assert_max_num_queries(6):
            assert len(operator.get(f"{API}/{path}").json()["results"]) >= 2, path
