"""The pipeline API over HTTP with tokens: an opportunity created, changed, moved, lost, reopened and won; 400s
that name field, code and reason; stages, lost reasons and targets; the forecast; who may read and write."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from crm.models import Opportunity, SalesTarget
from tests.crm.pipeline_fixtures import (  # noqa: F401  (fixtures)
    company,
    customer,
    make_opportunity,
    price_reason,
    seller,
    stages,
    usd,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/crm"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


def new_opportunity(**changes) -> dict:
    return {
        "name": "Kettles for the spring catalog",
        "account": "MEDIAHOME",
        "owner": "sally",
        "expected_revenue": "12000",
        "close_date": "2027-01-31",
        **changes,
    }


def test_an_opportunity_from_prospecting_to_won(api_as, customer, seller, stages, price_reason):  # noqa: F811
    api = api_as(Role.SALES)
    created = ok(api.post(f"{API}/opportunities/", new_opportunity(), format="json"), 201)
    assert created["number"].startswith(f"OPP-{timezone.localdate().year}-")
    assert (created["stage"], created["probability_pct"], created["currency"], created["owner"]) == (
        "Prospecting",
        "10.00",
        "CNY",
        "sally",
    )
    assert (created["state"], created["weighted_revenue"]) == ("open", "1200.00")
    url = f"{API}/opportunities/{created['id']}/"

    changed = ok(api.patch(url, {"expected_revenue": "15000", "probability_pct": "12.5"}, format="json"))
    assert (changed["expected_revenue"], changed["probability_pct"], changed["weighted_revenue"]) == (
        "15000.00",
        "12.50",
        "1875.00",
    )
    moved = ok(api.post(f"{url}move/", {"stage": "Negotiation"}, format="json"))
    assert (moved["stage"], moved["probability_pct"]) == ("Negotiation", "75.00")

    assert errors(api.post(f"{url}lose/", {}, format="json")) == {
        ("lost_reason", "required"): "This field is required."
    }
    lost = ok(api.post(f"{url}lose/", {"lost_reason": "PRICE", "lost_note": "8 % dearer"}, format="json"))
    assert (lost["state"], lost["stage"], lost["lost_reason"], lost["lost_note"]) == (
        "lost",
        "Lost",
        "PRICE",
        "8 % dearer",
    )
    assert (None, "closed") in errors(api.post(f"{url}win/"))

    reopened = ok(api.post(f"{url}reopen/", {"stage": "Proposal"}, format="json"))
    assert (reopened["state"], reopened["stage"], reopened["lost_reason"]) == ("open", "Proposal", None)
    won = ok(api.post(f"{url}win/"))
    assert (won["state"], won["stage"], won["probability_pct"], won["close_date"]) == (
        "won",
        "Won",
        "100.00",
        timezone.localdate().isoformat(),
    )
    assert won["closed_at"] is not None


def test_moving_into_lost_through_move_needs_the_reason(api_as, make_opportunity):  # noqa: F811
    api = api_as(Role.SALES)
    url = f"{API}/opportunities/{make_opportunity().pk}/move/"
    assert ("lost_reason", "required") in errors(api.post(url, {"stage": "Lost"}, format="json"))
    lost = ok(api.post(url, {"stage": "Lost", "lost_reason": "COMPETITOR"}, format="json"))
    assert (lost["state"], lost["lost_reason"]) == ("lost", "COMPETITOR")


def test_bad_input_is_a_400_naming_the_field(api_as, customer, company, seller, stages):  # noqa: F811
    api = api_as(Role.SALES)
    url = f"{API}/opportunities/"
    assert set(errors(api.post(url, new_opportunity(state="won"), format="json"))) == {("state", "read_only")}
    assert set(errors(api.post(url, new_opportunity(account="NOPE", stage="Limbo"), format="json"))) == {
        ("account", "does_not_exist"),
        ("stage", "does_not_exist"),
    }
    refused = errors(api.post(url, new_opportunity(stage="Won", expected_revenue="-5"), format="json"))
    assert set(refused) == {("expected_revenue", "min_value")}
    assert set(errors(api.post(url, new_opportunity(stage="Won"), format="json"))) == {("stage", "closing_stage")}
    from core.models import Partner

    Partner.objects.create(code="HEATCO", name="HeatCo", kind="supplier", currency=company.currency)
    assert set(errors(api.post(url, new_opportunity(account="HEATCO"), format="json"))) == {
        ("account", "not_a_customer")
    }
    assert not Opportunity.objects.exists()


def test_the_list_filters_by_stage_owner_state_and_close_month(api_as, make_opportunity, make_user, usd):  # noqa: F811
    bob = make_user(Role.SALES, username="bob")
    make_opportunity(name="Kettles", close_date=datetime.date(2026, 12, 5))
    make_opportunity(name="Toasters", stage="Proposal", owner=bob, currency=usd, close_date=datetime.date(2026, 12, 9))
    make_opportunity(name="Irons", stage="Proposal", owner=bob, close_date=datetime.date(2027, 1, 9))
    api = api_as(Role.PLANNER)

    def names(**query) -> list[str]:
        return sorted(row["name"] for row in ok(api.get(f"{API}/opportunities/", query))["results"])

    assert names(stage="Proposal") == ["Irons", "Toasters"]
    assert names(owner="bob", close_month="2026-12") == ["Toasters"]
    assert names(state="open", account="MEDIAHOME") == ["Irons", "Kettles", "Toasters"]
    assert names(state="won") == []
    assert ("close_month", "invalid") in errors(api.get(f"{API}/opportunities/", {"close_month": "Dec"}))


def test_readers_read_and_only_sales_writes(api_as, make_opportunity):  # noqa: F811
    opportunity = make_opportunity()
    url = f"{API}/opportunities/{opportunity.pk}/"
    planner = api_as(Role.PLANNER)
    assert ok(planner.get(url))["number"] == opportunity.number
    for response in (
        planner.post(f"{url}win/"),
        planner.post(f"{url}move/", {"stage": "Proposal"}, format="json"),
        planner.patch(url, {"name": "Mine now"}, format="json"),
        planner.post(f"{API}/opportunities/", new_opportunity(), format="json"),
        planner.post(f"{API}/stages/", {"name": "Demo", "sequence": 25, "probability_pct": "30"}, format="json"),
    ):
        assert response.status_code == 403
    for role in (Role.WAREHOUSE, Role.OPERATOR, Role.PARTNER):
        assert api_as(role).get(f"{API}/opportunities/").status_code == 403
        assert api_as(role).get(f"{API}/forecast/").status_code == 403
    opportunity.refresh_from_db()
    assert (opportunity.state, opportunity.name) == ("open", "Kettles for the spring catalog")


def test_stages_lost_reasons_and_targets(api_as, stages, seller, company):  # noqa: F811
    api = api_as(Role.SALES)
    names = [row["name"] for row in ok(api.get(f"{API}/stages/"))["results"]]
    assert names == ["Prospecting", "Qualification", "Proposal", "Negotiation", "Won", "Lost"]
    stage = ok(
        api.post(f"{API}/stages/", {"name": "Demo", "sequence": 25, "probability_pct": "30"}, format="json"), 201
    )
    assert (stage["is_won"], stage["active"]) == (False, True)
    refused = errors(
        api.post(f"{API}/stages/", {"name": "Signed", "probability_pct": "90", "is_won": True}, format="json")
    )
    assert ("probability_pct", "won_not_100") in refused
    assert ok(api.post(f"{API}/lost-reasons/", {"code": "QUALITY", "name": "Quality concerns"}, format="json"), 201)

    target = {"owner": "sally", "month": "2026-12-01", "amount": "30000", "currency": "CNY"}
    assert ok(api.post(f"{API}/sales-targets/", target, format="json"), 201)["owner"] == "sally"
    assert ("month", "duplicate_target") in errors(api.post(f"{API}/sales-targets/", target, format="json"))
    team = {**target, "owner": None, "month": "2026-12-02"}
    assert ("month", "not_first_day") in errors(api.post(f"{API}/sales-targets/", team, format="json"))
    assert ok(api.post(f"{API}/sales-targets/", {**team, "month": "2026-12-01"}, format="json"), 201)["owner"] is None
    assert SalesTarget.objects.count() == 2
    rows = ok(api.get(f"{API}/sales-targets/", {"team": "true"}))["results"]
    assert [(row["owner"], row["amount"]) for row in rows] == [(None, "30000.00")]


def test_the_forecast_report(api_as, make_opportunity, seller, company):  # noqa: F811
    this_month = timezone.localdate().replace(day=1)
    make_opportunity(stage="Proposal", close_date=this_month + datetime.timedelta(days=5))
    SalesTarget.objects.create(owner=seller, month=this_month, amount=Decimal(20000), currency=company.currency)
    report = ok(api_as(Role.PLANNER).get(f"{API}/forecast/", {"months": 2, "owner": "sally"}))
    assert (report["currency"], report["unconverted"], len(report["months"])) == ("CNY", [], 2)
    first = report["months"][0]
    assert first["month"] == this_month.isoformat()
    assert [row["owner"] for row in first["owners"]] == ["sally"]
    assert first["total"] == {
        "month": this_month.isoformat(),
        "owner": None,
        "pipeline": "10000.00",
        "weighted": "5000.00",
        "won": "0.00",
        "committed": "5000.00",
        "target": "20000.00",
        "gap": "-15000.00",
        "attainment_pct": "25.0",
    }
    assert ("months", "max_value") in errors(api_as(Role.SALES).get(f"{API}/forecast/", {"months": 99}))
