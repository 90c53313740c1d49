"""The REST API over real HTTP semantics: tokens, errors, permissions, filters, schema."""

import pytest
from auditlog.models import LogEntry
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from core.api.views import SchemaView
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


def test_a_large_list_is_walked_by_cursor_without_skipping_records_added_meanwhile(api_as):
    ea = Unit.objects.get(code="ea")
    Item.objects.bulk_create(Item(code=f"P-{n:03d}", name=f"Part {n}", uom=ea) for n in range(30))
    api = api_as(Role.PLANNER)
    first = api.get("/api/v1/core/items/", {"cursor": "", "page_size": 20, "procurement": "buy"}).json()
    assert "count" not in first and len(first["results"]) == 20 and first["previous"] is None
    Item.objects.create(code="P-NEW", name="Added during the walk", uom=ea)  # newest: before the cursor
    rest = api.get(first["next"]).json()
    assert rest["next"] is None and rest["previous"]
    walked = [record["code"] for record in first["results"] + rest["results"]]
    assert sorted(walked) == [f"P-{n:03d}" for n in range(30)]  # each once, none skipped
    assert walked[0] == "P-029"  # newest first
    assert api.get("/api/v1/core/items/", {"cursor": "not-a-cursor"}).status_code == 404


def test_fields_selects_what_each_record_answers(api_as):
    Item.objects.create(code="KT-200", name="Kettle", uom=Unit.objects.get(code="ea"))
    api = api_as(Role.PLANNER)
    page = api.get("/api/v1/core/items/", {"fields": "code, name,code"}).json()
    assert page["count"] == 1 and page["results"] == [{"code": "KT-200", "name": "Kettle"}]
    item_id = Item.objects.get(code="KT-200").pk
    one = api.get(f"/api/v1/core/items/{item_id}/", {"fields": "id,uom"})
    assert one.json() == {"id": item_id, "uom": "ea"} and one.has_header("ETag")
    unknown = api.get("/api/v1/core/items/", {"fields": "code,colour"})
    assert unknown.status_code == 400
    (error,) = unknown.json()["errors"]
    assert (error["field"], error["code"]) == ("fields", "unknown_field") and "colour" in error["message"]
    # A write answers the whole record: the selection is for reads.
    changed = api_as(Role.ENGINEER).patch(
        f"/api/v1/core/items/{item_id}/?fields=code", {"name": "Kettle 2"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Kettle 2"


def test_unknown_records_and_urls_are_404_and_reads_without_rights_403(api_as):
    api = api_as(Role.PLANNER)
    for url in ("/api/v1/core/items/999999/", "/api/v1/core/no-such-resource/", "/api/v1/core/items/not-a-number/"):
        response = api.get(url)
        assert response.status_code == 404, url
        (error,) = response.json()["errors"]
        assert error["field"] is None and error["code"] == "not_found", url
    # A write to a wrong address, as a partner's system sends it (a token, no CSRF cookie): 404 too.
    api.handler.enforce_csrf_checks = True
    wrong = api.post("/api/v1/aps/no-such-resource/", {}, format="json")
    assert wrong.status_code == 404 and wrong.json()["errors"][0]["code"] == "not_found"
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


def test_the_openapi_schema_is_made_once_per_language(api_as, monkeypatch):
    generated_in = []
    get_schema = SchemaGenerator.get_schema

    def counted(generator, *args, **kwargs):
        generated_in.append(translation.get_language())
        return get_schema(generator, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    monkeypatch.setattr(SchemaView, "rendered", {})
    api = api_as(Role.PLANNER)

    def schema(language: str, **query):
        response = api.get(
            "/api/v1/schema/", query, HTTP_ACCEPT="application/vnd.oai.openapi+json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200 and response["Content-Type"] == "application/vnd.oai.openapi+json"
        return response

    english, again, chinese = schema("en"), schema("en"), schema("zh-hans")
    unknown = schema("en", lang="xx-nonsense")  # drf-spectacular's ?lang=: no language of ours, no new document
    assert generated_in == ["en", "zh-hans"]
    assert english.content == again.content == unknown.content
    assert english.json()["paths"].keys() == chinese.json()["paths"].keys() and english.content != chinese.content


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
