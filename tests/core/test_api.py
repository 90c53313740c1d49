"""The REST API over real HTTP semantics: tokens, errors, permissions, filters, schema."""

import pytest
from auditlog.models import LogEntry
from rest_framework.test import APIClient

from core.models import Item, Partner, Unit
from core.roles import Role

pytestmark = pytest.mark.django_db


def test_a_token_is_issued_for_a_valid_password_and_used_for_requests(make_user):
    make_user(Role.PLANNER, username="paul")
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": "paul", "password": "pw-Takt-2026"}, format="json")
    assert response.status_code == 200 and set(response.json()) == {"token"}

    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/core/items/").status_code == 200


def test_a_wrong_password_gets_a_400_not_a_token(make_user):
    make_user(Role.PLANNER, username="paul")
    response = APIClient().post("/api/v1/auth/token/", {"username": "paul", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"field": None, "code": "authorization", "message": "Unable to sign in with these credentials."}]
    }


def test_missing_credentials_get_401_and_a_bad_token_too():
    assert APIClient().get("/api/v1/core/items/").status_code == 401
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/core/items/").status_code == 401


def test_invalid_payloads_get_400_with_each_field_and_reason(api_as):
    response = api_as(Role.ENGINEER).post(
        "/api/v1/core/items/",
        {"code": "X1", "name": "", "uom": "furlong", "procurement": "steal", "lead_time_days": -1},
        format="json",
    )
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"name", "uom", "procurement", "lead_time_days"}
    assert errors["uom"]["code"] == "does_not_exist" and "furlong" in errors["uom"]["message"]
    assert errors["procurement"]["code"] == "invalid_choice"
    assert not Item.objects.filter(code="X1").exists()


def test_model_rules_apply_to_the_api_as_to_the_forms(api_as):
    response = api_as(Role.ENGINEER).post(
        "/api/v1/core/items/",
        {"code": "X2", "name": "Fixed, no lot", "uom": "ea", "lot_policy": "fixed"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "lot_qty"


def test_a_duplicate_code_is_a_400_on_the_code_field(api_as):
    Item.objects.create(code="KT-200", name="Kettle", uom=Unit.objects.get(code="ea"))
    response = api_as(Role.ENGINEER).post("/api/v1/core/items/", {"code": "KT-200", "name": "Again", "uom": "ea"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "code"
    assert response.json()["errors"][0]["code"] == "unique"


def test_create_read_update_by_business_codes_and_the_audit_knows_the_token_user(api_as):
    Partner.objects.create(code="S-HEAT", name="Ningbo Heating", kind="supplier")
    api = api_as(Role.ENGINEER)
    created = api.post(
        "/api/v1/core/items/",
        {
            "code": "HE-2000",
            "name": "Heating element",
            "uom": "ea",
            "default_supplier": "S-HEAT",
            "standard_cost": "18.40",
            "lead_time_days": 14,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["uom"] == "ea" and body["default_supplier"] == "S-HEAT" and body["standard_cost"] == "18.400000"

    updated = api.patch(f"/api/v1/core/items/{body['id']}/", {"standard_cost": "17.95"}, format="json")
    assert updated.status_code == 200 and updated.json()["standard_cost"] == "17.950000"
    entry = LogEntry.objects.get_for_object(Item.objects.get(code="HE-2000")).latest("timestamp")
    assert entry.action == LogEntry.Action.UPDATE and entry.actor.groups.filter(name="engineer").exists()


def test_a_customer_cannot_be_the_default_supplier(api_as):
    Partner.objects.create(code="C-MEDIA", name="MediaHome", kind="customer")
    response = api_as(Role.ENGINEER).post(
        "/api/v1/core/items/",
        {"code": "X3", "name": "Thing", "uom": "ea", "default_supplier": "C-MEDIA"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "default_supplier"


def test_lists_paginate_filter_search_and_order(api_as):
    ea = Unit.objects.get(code="ea")
    Item.objects.bulk_create(
        Item(code=f"P-{n:03d}", name=f"Part {n}", uom=ea, procurement="make" if n % 2 else "buy") for n in range(120)
    )
    api = api_as(Role.PLANNER)
    page = api.get("/api/v1/core/items/", {"page_size": 25}).json()
    assert page["count"] == 120 and len(page["results"]) == 25 and page["next"]
    assert api.get("/api/v1/core/items/", {"procurement": "make"}).json()["count"] == 60
    assert api.get("/api/v1/core/items/", {"q": "P-11"}).json()["count"] == 10
    ordered = api.get("/api/v1/core/items/", {"ordering": "-code", "page_size": 1}).json()
    assert ordered["results"][0]["code"] == "P-119"


def test_unknown_records_and_urls_are_404_and_reads_without_rights_403(api_as):
    api = api_as(Role.PLANNER)
    for url in ("/api/v1/core/items/999999/", "/api/v1/core/no-such-resource/", "/api/v1/core/items/not-a-number/"):
        response = api.get(url)
        assert response.status_code == 404, url
        (error,) = response.json()["errors"]
        assert error["field"] is None and error["code"] == "not_found", url
    partner = api_as(Role.PARTNER)
    response = partner.get("/api/v1/core/partners/")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"
    assert partner.post("/api/v1/core/items/", {"code": "Z"}, format="json").status_code == 403


def test_the_openapi_schema_and_swagger_ui_are_served_from_local_assets(api_as):
    api = api_as(Role.PLANNER)
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/core/items/" in paths and "/api/v1/auth/token/" in paths
    docs = api.get("/api/v1/docs/")
    html = docs.content.decode()
    assert docs.status_code == 200 and "swagger-ui" in html
    assert "https://" not in html and "http://" not in html


def test_deleting_a_record_in_use_is_a_409_that_says_why(api_as):
    kg = Unit.objects.get(code="kg")
    Item.objects.create(code="SS-304", name="Steel sheet", uom=kg)
    response = api_as(Role.ADMIN).delete(f"/api/v1/core/units/{kg.pk}/")
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": None, "code": "protected", "message": "This record is used by items and cannot be deleted."}
    ]
    assert Unit.objects.filter(pk=kg.pk).exists()


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")
