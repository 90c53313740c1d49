"""The quality API: plans created with their characteristics, inspections recorded by position (a failed one
raising a nonconformance), nonconformances raised, decided and closed, corrective actions; bad input is a
400 naming the field and the reason, never a 500, and roles outside quality cannot decide."""

import pytest

from core.roles import Role
from mes.models import Characteristic, Inspection, InspectionPlan, Nonconformance
from tests.mes.conftest import errors
from wms.models import Lot

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/mes/inspection-plans/"
CHARACTERISTICS = "/api/v1/mes/characteristics/"
INSPECTIONS = "/api/v1/mes/inspections/"
NONCONFORMANCES = "/api/v1/mes/nonconformances/"
ACTIONS = "/api/v1/mes/corrective-actions/"


PLAN = {
    "code": "CUP-IN",
    "name": "Incoming cup",
    "item": "CUP",
    "trigger": "receipt",
    "frequency": "per_lot",
    "characteristics": [
        {"name": "Height", "lower_limit": "95", "upper_limit": "105", "unit": "mm"},
        {"name": "Glaze", "kind": "attribute"},
    ],
}


def test_a_plan_is_created_with_its_characteristics_and_its_rules_are_400s(api_as, cup):
    api = api_as(Role.QUALITY)
    created = api.post(PLANS, PLAN, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [(c["position"], c["name"], c["kind"]) for c in body["characteristics"]] == [
        (1, "Height", "variable"),
        (2, "Glaze", "attribute"),
    ]
    assert body["characteristics"][0]["unit"] == "mm"
    plan_id = body["id"]
    assert errors(api.patch(f"{PLANS}{plan_id}/", {"characteristics": []}, format="json")) == {
        ("characteristics", "read_only")
    }
    bad = {
        **PLAN,
        "code": "CUP-2",
        "characteristics": [{"name": "Height"}, {"name": "Glaze", "upper_limit": "1", "kind": "attribute"}],
    }
    assert errors(api.post(PLANS, bad, format="json")) == {
        ("characteristics.0.upper_limit", "required"),
        ("characteristics.1.kind", "attribute_measured"),
    }
    twice = {**PLAN, "code": "CUP-3", "characteristics": [{"name": "A", "kind": "attribute", "position": 1}] * 2}
    assert errors(api.post(PLANS, twice, format="json")) == {("characteristics", "duplicate_position")}
    nth = {**PLAN, "code": "CUP-4", "frequency": "every_nth", "characteristics": []}
    assert errors(api.post(PLANS, nth, format="json")) == {("every_n", "required")}
    same_position = {"plan": "CUP-IN", "position": 1, "name": "Again", "kind": "attribute"}
    assert errors(api.post(CHARACTERISTICS, same_position, format="json")) == {(None, "unique")}
    assert Characteristic.objects.filter(plan__code="CUP-IN").count() == 2
    assert InspectionPlan.objects.count() == 1


def test_an_inspection_is_recorded_by_position_and_a_failed_one_raises_a_nonconformance(api_as, cup):
    api = api_as(Role.QUALITY)
    api.post(PLANS, PLAN, format="json")
    passed = api.post(
        INSPECTIONS,
        {
            "plan": "CUP-IN",
            "lot": "C-1",
            "measurements": [{"position": 1, "value": "100"}, {"position": 2, "passed": True}],
        },
        format="json",
    )
    assert passed.status_code == 201, passed.content
    assert (passed.json()["result"], passed.json()["lot"], passed.json()["nonconformances"]) == ("passed", "C-1", [])
    failed = api.post(
        INSPECTIONS,
        {
            "plan": "CUP-IN",
            "lot": "C-1",
            "measurements": [{"position": 1, "value": "106"}, {"position": 2, "passed": True}],
        },
        format="json",
    )
    assert failed.status_code == 201 and failed.json()["result"] == "failed"
    [number] = failed.json()["nonconformances"]
    nc = api.get(f"{NONCONFORMANCES}?lot=C-1").json()["results"][0]
    assert (nc["number"], nc["lot_on_hold"], nc["state"]) == (number, True, "open")
    assert [m["value"] for m in api.get(f"{INSPECTIONS}?result=failed").json()["results"][0]["measurements"]] == [
        "106.000000",
        None,
    ]


BAD_INSPECTIONS = [
    ({"measurements": [{"position": 1, "value": "100"}]}, ("measurements", "missing")),
    ({"measurements": [{"position": 3, "value": "1"}]}, ("measurements", "unknown_position")),
    (
        {"measurements": [{"position": 1, "value": "1"}, {"position": 1, "value": "2"}]},
        ("measurements", "duplicate_position"),
    ),
    ({"measurements": [{"position": 1, "value": "high"}]}, ("measurements.0.value", "invalid")),
    ({"measurements": [{"position": 1, "value": "1", "colour": "red"}]}, ("measurements.0.colour", "read_only")),
    ({"measurements": []}, ("measurements", "empty")),
    ({"lot": "NOPE"}, ("lot", "does_not_exist")),
    ({"inspector": "B-404"}, ("inspector", "unknown_badge")),
    ({"plan": "NOPE"}, ("plan", "does_not_exist")),
    ({"operation": 999999}, ("operation", "does_not_exist")),
    ({"sample_qty": "0"}, ("sample_qty", "min_value")),
]


def test_bad_inspections_are_400s_naming_the_field(api_as, cup):
    api = api_as(Role.QUALITY)
    api.post(PLANS, PLAN, format="json")
    full = {
        "plan": "CUP-IN",
        "lot": "C-1",
        "measurements": [{"position": 1, "value": "100"}, {"position": 2, "passed": True}],
    }
    for body, refusal in BAD_INSPECTIONS:
        assert errors(api.post(INSPECTIONS, {**full, **body}, format="json")) == {refusal}, body
    assert not Inspection.objects.exists()


def test_a_nonconformance_is_raised_decided_acted_on_and_closed(api_as, make_user, cup):
    api = api_as(Role.QUALITY)
    assert errors(api.post(NONCONFORMANCES, {"lot": "NOPE", "description": "x"}, format="json")) == {
        ("lot", "does_not_exist")
    }
    assert errors(api.post(NONCONFORMANCES, {"description": "Nothing named"}, format="json")) == {("item", "required")}
    raised = api.post(NONCONFORMANCES, {"lot": "C-1", "quantity": "4", "description": "Chipped"}, format="json")
    assert raised.status_code == 201, raised.content
    nc = raised.json()
    assert (nc["item"], nc["lot_on_hold"], nc["quantity"]) == ("CUP", True, "4.000000")
    url = f"{NONCONFORMANCES}{nc['id']}/"

    assert api_as(Role.OPERATOR).post(f"{url}disposition/", {"disposition": "scrap"}, format="json").status_code == 403
    assert errors(api.post(f"{url}disposition/", {"disposition": "burn"}, format="json")) == {
        ("disposition", "invalid_choice")
    }
    assert errors(api.post(f"{url}disposition/", {"disposition": "use_as_is"}, format="json")) == {("note", "required")}
    assert errors(api.post(f"{url}disposition/", {"disposition": "rework"}, format="json")) == {
        ("disposition", "no_order")
    }
    assert errors(api.post(f"{url}close/")) == {("disposition", "required")}
    decided = api.post(f"{url}disposition/", {"disposition": "use_as_is", "note": "Cosmetic"}, format="json")
    assert decided.status_code == 200 and decided.json()["state"] == "dispositioned"
    assert not Lot.objects.get(code="C-1").on_hold

    make_user(Role.QUALITY, username="qe")
    assert errors(api.post(ACTIONS, {"nonconformance": nc["number"], "description": " "}, format="json")) == {
        ("description", "blank")
    }
    action = api.post(
        ACTIONS, {"nonconformance": nc["number"], "description": "Pad the crates", "owner": "qe"}, format="json"
    )
    assert action.status_code == 201 and action.json()["owner"] == "qe"
    assert errors(api.post(f"{url}close/")) == {("actions", "actions_open")}
    action_url = f"{ACTIONS}{action.json()['id']}/complete/"
    assert api_as(Role.OPERATOR).post(action_url).status_code == 403
    assert api.post(action_url).status_code == 200
    assert errors(api.post(action_url)) == {("action", "done")}
    closed = api.post(f"{url}close/")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert Nonconformance.objects.get().closed_at is not None
