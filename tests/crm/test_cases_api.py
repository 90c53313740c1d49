"""The service API: cases opened by code and serial, changed and moved on by their commands with their SLA
timers in the answer; the traceability of a unit made on the floor; returns authorized and received into
quality hold; SLA policies. Refusals are 400s naming field and code; roles decide who may do what."""

from decimal import Decimal

import pytest

from core.roles import Role
from crm.models import CaseState, Rma, ServiceCase, SlaPolicy
from crm.services import cases as services
from tests.crm.cases_support import at, shipped_serial
from tests.mes.conftest import errors
from wms.models import Lot

pytestmark = pytest.mark.django_db

CASES = "/api/v1/crm/service-cases/"
RMAS = "/api/v1/crm/rmas/"
POLICIES = "/api/v1/crm/sla-policies/"


@pytest.fixture
def unit(serial_kettle, bin_):
    return shipped_serial(serial_kettle, "KT300-0100", bin_("A-01"))


def test_a_case_is_opened_answered_paused_resumed_resolved_and_closed(
    customer, case_contact, unit, sla_policies, case_clock, api_as
):
    api = api_as(Role.SALES)
    response = api.post(
        CASES,
        {
            "account": "MEDIAHOME",
            "subject": "Kettle does not heat",
            "serial": "KT300-0100",
            "contact": case_contact.pk,
            "priority": "urgent",
            "description": "Bought last month.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    case = response.json()
    assert (case["state"], case["lot"], case["item"], case["sla_policy"]) == ("open", "KT300-0100", "KT-300", "URGENT")
    assert (case["first_response_due"], case["resolution_due"]) == ("2026-11-23T10:00:00Z", "2026-11-23T17:00:00Z")
    assert [(t["state"], t["seconds_left"]) for t in case["timers"]] == [("running", 3600), ("running", 8 * 3600)]
    url = f"{CASES}{case['id']}/"

    case_clock.move_to(at(0, 9, 30))
    case = api.post(f"{url}respond/", {"text": "Looking into it"}, format="json").json()
    assert (case["state"], case["first_responded_at"]) == ("in_progress", "2026-11-23T09:30:00Z")
    case = api.post(f"{url}wait-customer/", {"text": "Photo of the plate please"}, format="json").json()
    assert case["state"] == "waiting_customer"
    case_clock.move_to(at(0, 11, 30))
    case = api.post(f"{url}resume/", {}, format="json").json()
    assert (case["state"], case["paused_seconds"], case["resolution_due"]) == (
        "in_progress",
        2 * 3600,
        "2026-11-23T19:00:00Z",
    )
    case = api.patch(url, {"note": "Customer sent the photo.", "owner": None}, format="json").json()
    assert case["updates"][-1] == {
        "at": "2026-11-23T11:30:00Z",
        "kind": "note",
        "text": "Customer sent the photo.",
        "author": case["updates"][-2]["author"],
    }
    case = api.post(f"{url}resolve/", {"resolution": "Element replaced"}, format="json").json()
    case = api.post(f"{url}close/").json()
    assert (case["state"], case["resolution"], case["breached"]) == ("closed", "Element replaced", False)
    assert [u["kind"] for u in case["updates"]] == [
        "opened",
        "response",
        "waiting",
        "resumed",
        "note",
        "resolved",
        "closed",
    ]

    listed = api.get(CASES, {"state": "closed", "priority": "urgent"}).json()
    assert [c["number"] for c in listed["results"]] == [case["number"]]


def test_bad_input_is_a_400_naming_field_and_code(customer, unit, sla_policies, case_clock, api_as, item):
    api = api_as(Role.SALES)
    assert errors(api.post(CASES, {"account": "MEDIAHOME", "subject": "x", "unknown": 1}, format="json")) == {
        ("unknown", "read_only")
    }
    assert errors(api.post(CASES, {"account": "NOBODY", "subject": "x", "priority": "asap"}, format="json")) == {
        ("account", "does_not_exist"),
        ("priority", "invalid_choice"),
    }
    Lot.objects.create(item_id=item("TS-10").pk, code="KT300-0100")
    assert errors(api.post(CASES, {"account": "MEDIAHOME", "subject": "x", "lot": "KT300-0100"}, format="json")) == {
        ("lot", "ambiguous")
    }
    assert errors(api.post(CASES, {"account": "MEDIAHOME", "subject": "x", "lot": "NOPE"}, format="json")) == {
        ("lot", "does_not_exist")
    }
    case = services.case_open(account=customer, lot=unit, subject="Noise")
    url = f"{CASES}{case.pk}/"
    assert errors(api.post(f"{url}respond/", {"text": ""}, format="json")) == {("text", "blank")}
    assert errors(api.post(f"{url}close/")) == {(None, "wrong_state")}
    assert errors(api.post(f"{url}resume/", {}, format="json")) == {(None, "wrong_state")}
    assert errors(api.patch(url, {}, format="json")) == {(None, "no_change")}
    assert errors(api.patch(url, {"state": "closed"}, format="json")) == {("state", "read_only")}
    assert errors(api.get(f"{url}traceability/", {"suspect": "NOPE"})) == {("suspect", "not_a_component")}
    assert api.delete(url).status_code == 405
    assert ServiceCase.objects.count() == 1


def test_roles_decide_who_reads_works_and_receives(customer, unit, serial_kettle, sla_policies, warehouse, api_as):
    case = services.case_open(account=customer, lot=unit, subject="Noise")
    rma = services.rma_authorize(
        case=case,
        warehouse=warehouse,
        lines=[{"item": serial_kettle, "lot": unit, "quantity": Decimal(1), "reason": "Noise"}],
    )
    warehouse_api, quality, operator = api_as(Role.WAREHOUSE), api_as(Role.QUALITY), api_as(Role.OPERATOR)

    assert operator.get(CASES).status_code == 403
    assert warehouse_api.get(f"{CASES}{case.pk}/").status_code == 200
    assert warehouse_api.post(f"{CASES}{case.pk}/respond/", {"text": "hi"}, format="json").status_code == 403
    assert warehouse_api.post(CASES, {"account": "MEDIAHOME", "subject": "x"}, format="json").status_code == 403
    assert quality.post(f"{CASES}{case.pk}/respond/", {"text": "We test it"}, format="json").status_code == 200
    assert api_as(Role.SALES).post(f"{RMAS}{rma.pk}/receive/").status_code == 403  # sales authorizes, not receives

    response = warehouse_api.post(f"{RMAS}{rma.pk}/receive/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["quality_location"], body["receipt"][:3]) == ("received", "MAIN/QC", "RC-")
    assert body["lines"][0]["lot_on_hold"] is True
    assert warehouse_api.post(f"{RMAS}{rma.pk}/close/").status_code == 403


def test_a_return_is_authorized_with_its_lines_by_code(customer, unit, sla_policies, warehouse, api_as):
    case = services.case_open(account=customer, lot=unit, subject="Noise")
    api = api_as(Role.QUALITY)
    payload = {
        "case": case.number,
        "warehouse": "MAIN",
        "lines": [{"item": "KT-300", "lot": "KT300-0100", "quantity": "1", "reason": "Noise at boil"}],
    }
    response = api.post(RMAS, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["case"], body["state"], [(line["item"], line["lot"]) for line in body["lines"]]) == (
        case.number,
        "authorized",
        [("KT-300", "KT300-0100")],
    )
    bad = {**payload, "lines": [{"item": "KT-300", "quantity": "2", "reason": ""}, {"item": "KT-300", "lot": "X"}]}
    assert errors(api.post(RMAS, bad, format="json")) == {
        ("lines.0.reason", "blank"),
        ("lines.1.quantity", "required"),
        ("lines.1.reason", "required"),
    }
    bad = {**payload, "lines": [{"item": "KT-300", "quantity": "2", "reason": "Two"}]}
    assert errors(api.post(RMAS, bad, format="json")) == {
        ("lines.0.lot", "required"),
        ("lines.0.quantity", "serial_quantity"),
    }
    assert Rma.objects.count() == 1
    assert api.get(RMAS, {"state": "authorized", "case": case.number}).json()["count"] == 1


def test_the_traceability_of_a_unit_made_on_the_floor(genealogy_chain, sla_policies, api_as):
    chain = genealogy_chain
    case = services.case_open(account=chain.customer, lot=chain.serials[0], subject="Leaks")
    api = api_as(Role.QUALITY)
    body = api.get(f"{CASES}{case.pk}/traceability/").json()
    assert body["unit"] == {"lot": chain.serials[0].code, "item": "KT-900", "on_hold": False}
    assert [(c["item"], c["depth"]) for c in body["components"]] == [
        ("UNIT", 1),
        ("BODY", 2),
        ("GASKET", 3),
        ("SHELL", 3),
        ("BLANK", 4),
        ("STEEL", 5),
    ]
    assert [s["code"] for s in body["suppliers"]] == ["HEATCO", "STEELCO"]
    assert [i["number"] for i in body["inspections"]] == ["IN-1", "IN-2"]
    assert (body["suspect"], body["suspect_units"]) == (None, [])

    body = api.get(f"{CASES}{case.pk}/traceability/", {"suspect": "S-A"}).json()
    assert body["suspect"]["lot"] == "S-A"
    assert [u["lot"] for u in body["suspect_units"]] == [s.code for s in chain.serials[1:]]
    assert body["customers"] == [{"code": "MEDIAHOME", "name": "Mediahome"}]
    assert body["suspect_units"][0]["shipments"][0]["reference"] == chain.sales_order


def test_sla_policies_are_validated(office_hours, api_as):
    api = api_as(Role.SALES)
    response = api.post(
        POLICIES,
        {"code": "GOLD", "name": "Gold", "first_response_hours": "2", "resolution_hours": "8", "calendar": "OFFICE"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert errors(
        api.post(
            POLICIES,
            {
                "code": "BAD",
                "name": "Bad",
                "priority": "high",
                "first_response_hours": "8",
                "resolution_hours": "2",
                "clock": "business",
            },
            format="json",
        )
    ) == {("calendar", "required"), ("resolution_hours", "before_response")}
    same_scope = {"code": "GOLD2", "name": "Gold", "first_response_hours": "1", "resolution_hours": "8"}
    assert errors(api.post(POLICIES, {**same_scope, "clock": "always"}, format="json")) == {(None, "duplicate_scope")}
    assert api_as(Role.QUALITY).post(POLICIES, {}, format="json").status_code == 403
    assert SlaPolicy.objects.count() == 1


def test_the_list_filters_breached_cases(customer, unit, sla_policies, case_clock, api_as):
    late = services.case_open(account=customer, lot=unit, subject="Late", priority="urgent")
    services.case_open(account=customer, subject="In time")
    case_clock.move_to(at(0, 11))
    api = api_as(Role.SALES)
    body = api.get(CASES, {"breached": "true"}).json()
    assert [(c["number"], c["response_overdue"], c["breached"]) for c in body["results"]] == [(late.number, True, True)]
    assert api.get(CASES, {"breached": "false"}).json()["count"] == 1
    assert ServiceCase.objects.get(pk=late.pk).state == CaseState.OPEN
