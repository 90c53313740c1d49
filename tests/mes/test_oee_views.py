"""The OEE page (table and charts) and the OEE API, on the hand-computed early shift of test_oee."""

import json

import pytest
import time_machine

from core.roles import Role
from erp.models import ProductionOrder
from tests.mes.test_oee import at, early_shift, two_shifts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(at(23, day=2), tick=False):
        yield


@pytest.fixture
def shift(floor):
    two_shifts(floor)
    early_shift(floor)
    return floor


def chart_data(html: str) -> dict:
    start = html.index('<script id="oee-chart-data" type="application/json">') + len(
        '<script id="oee-chart-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_page_per_shift_with_its_charts(shift, client_as):
    client = client_as(Role.PLANNER)
    page = client.get(
        "/mes/oee/", {"machine": "ASSY-1", "date_from": "2026-11-23", "date_to": "2026-11-23", "group_by": "shift"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "vendor/chart.umd.min.js" in html and "js/oee.js" in html
    rows = page.context["report"].rows
    assert [row.label for row in rows] == ["2026-11-23 Early", "2026-11-23 Late"]
    assert "64.0 %" in html  # the early shift's OEE
    charts = chart_data(html)
    assert charts["trend"]["labels"] == ["2026-11-23"]
    # Monday: 288 good minutes of 930 planned busy ones.
    assert round(charts["trend"]["series"][0]["data"][0], 2) == round(288 / 930 * 100, 2)
    # Losses: the stops counting against availability (not the break), speed and scrap.
    losses = dict(zip(charts["losses"]["labels"], charts["losses"]["minutes"], strict=True))
    # The late shift had no operation open: idle, against availability, not speed.
    expected = {"BD Breakdown": 40, "CHG Changeover": 20, "Idle, no operation": 480, "Speed loss": 90, "Scrap": 12}
    assert losses == expected


def test_the_page_defaults_to_the_last_week_per_day_and_refuses_a_backward_period(shift, client_as):
    client = client_as(Role.OPERATOR)
    page = client.get("/mes/oee/")
    assert page.status_code == 200
    report = page.context["report"]
    assert report.grouping == "day"
    assert {row.label for row in report.rows} >= {"2026-11-23", "2026-11-25"}

    refused = client.get("/mes/oee/", {"date_from": "2026-11-24", "date_to": "2026-11-23"})
    assert refused.status_code == 200
    assert "report" not in refused.context
    assert "The period must end on or after its first day." in refused.content.decode()


def test_who_may_see_it(shift, client_as, api_as):
    assert client_as(Role.PARTNER).get("/mes/oee/").status_code == 403
    assert api_as(Role.PARTNER).get("/api/v1/mes/oee/").status_code == 403


def test_the_api(shift, api_as):
    api = api_as(Role.PLANNER)
    answer = api.get(
        "/api/v1/mes/oee/",
        {"machine": "ASSY-1", "start": "2026-11-23T06:00:00Z", "end": "2026-11-23T14:00:00Z", "group_by": "shift"},
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    (row,) = body["rows"]
    assert (row["machine"], row["label"], row["shift"], row["order"]) == ("ASSY-1", "2026-11-23 Early", "Early", None)
    figures = row["figures"]
    assert (figures["planned_busy_minutes"], figures["actual_production_minutes"]) == ("450.00", "390.00")
    assert (figures["availability"], figures["quality"], figures["oee"]) == ("0.8667", "0.9600", "0.6400")
    assert figures["downtime_by_reason"][0] == {
        "reason": "BD",
        "name": "Breakdown",
        "counts_against_availability": True,
        "minutes": "40.00",
    }
    assert body["total"]["oee"] == "0.6400"

    per_order = api.get("/api/v1/mes/oee/", {"start": "2026-11-23T00:00:00Z", "group_by": "order"}).json()
    order = ProductionOrder.objects.get()
    assert [(row["machine"], row["order"]) for row in per_order["rows"]] == [("ASSY-1", order.number)]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"group_by": "week"}, "group_by", "invalid_choice"),
        ({"machine": "NOPE"}, "machine", "does_not_exist"),
        ({"start": "2026-11-23T10:00:00Z", "end": "2026-11-23T09:00:00Z"}, "end", "before_start"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2026-11-23T00:00:00Z"}, "end", "too_long"),
        ({"shift": "Early"}, "shift", "read_only"),
    ],
)
def test_the_api_refuses_what_it_cannot_answer(shift, api_as, query, field, code):
    answer = api_as(Role.PLANNER).get("/api/v1/mes/oee/", query)
    assert answer.status_code == 400
    assert [(error["field"], error["code"]) for error in answer.json()["errors"]] == [(field, code)]
