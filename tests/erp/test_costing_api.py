"""The costing API over HTTP with tokens: a version created, rolled up (now or in the background),
compared and activated; item costs by version and item code; work center rates; refusals as 400s."""

from decimal import Decimal

import pytest

from core.models import Item, TaskRun, WorkCenter
from core.roles import Role
from erp.models import CostVersion, WorkCenterRate
from erp.tasks import cost_version_roll_up_task
from tests.erp.test_costing import bom, kettle, plant, queued, routing  # noqa: F401

pytestmark = pytest.mark.django_db

API = "/api/v1/erp"
D = Decimal


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def test_a_version_from_creation_to_activation(api_as, kettle):  # noqa: F811
    api = api_as(Role.FINANCE)
    created = api.post(f"{API}/cost-versions/", {"code": "STD-2027", "name": "2027", "as_of": "2026-12-01"})
    assert created.status_code == 201, created.content
    version = created.json()
    assert (version["state"], version["item_count"], version["rolled_up_at"]) == ("draft", 0, None)

    duplicate = api.post(
        f"{API}/cost-versions/", {"code": "STD-2027", "name": "", "as_of": "someday", "state": "active"}, format="json"
    )
    assert duplicate.status_code == 400
    assert set(errors(duplicate)) == {("state", "read_only")}
    duplicate = api.post(f"{API}/cost-versions/", {"code": "STD-2027", "name": "Again", "as_of": "2026-12-01"})
    assert duplicate.status_code == 400 and set(errors(duplicate)) == {("code", "unique")}
    bad_date = api.post(f"{API}/cost-versions/", {"code": "X", "name": "X", "as_of": "someday"})
    assert bad_date.status_code == 400 and set(errors(bad_date)) == {("as_of", "invalid")}

    not_yet = api.post(f"{API}/cost-versions/{version['id']}/activate/")
    assert not_yet.status_code == 400 and set(errors(not_yet)) == {("state", "not_rolled_up")}

    rolled = api.post(f"{API}/cost-versions/{version['id']}/roll-up/", format="json")
    assert rolled.status_code == 200, rolled.content
    body = rolled.json()
    assert (body["items"], body["levels"], body["warnings"]) == (2, 2, 0)
    assert body["version"]["item_count"] == 2 and body["version"]["rolled_up_at"]

    costs = api.get(f"{API}/item-costs/", {"version": "STD-2027", "item": "KT-200"}).json()["results"]
    assert [(c["item"], c["level"], c["material"], c["labor"], c["machine"], c["total"]) for c in costs] == [
        ("KT-200", 0, "65.300000", "12.900000", "2.590000", "80.790000")
    ]
    assert {row["kind"] for row in costs[0]["detail"]} == {"source", "component", "operation"}
    unknown = api.get(f"{API}/item-costs/", {"version": "NOPE"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "version"

    activated = api.post(f"{API}/cost-versions/{version['id']}/activate/")
    assert activated.status_code == 200 and activated.json()["state"] == "active"
    assert activated.json()["activated_by"].startswith("finance")
    assert Item.objects.get(code="KT-200").standard_cost == D("80.79")

    frozen = api.post(f"{API}/cost-versions/{version['id']}/roll-up/", {"background": True}, format="json")
    assert frozen.status_code == 400 and set(errors(frozen)) == {("state", "version_frozen")}
    again = api.post(f"{API}/cost-versions/{version['id']}/activate/")
    assert again.status_code == 400 and set(errors(again)) == {("state", "version_not_draft")}

    # A second version, compared with the first.
    Item.objects.filter(code="KT-BODY").update(standard_cost=D("32"))
    second = api.post(f"{API}/cost-versions/", {"code": "STD-2028", "name": "2028", "as_of": "2026-12-01"}).json()
    assert api.post(f"{API}/cost-versions/{second['id']}/roll-up/").status_code == 200
    compared = api.get(f"{API}/cost-versions/compare/", {"old": "STD-2027", "new": "STD-2028"})
    assert compared.status_code == 200, compared.content
    rows = {row["item"]: row for row in compared.json()}
    assert (rows["KT-200"]["old_total"], rows["KT-200"]["new_total"], rows["KT-200"]["delta"]) == (
        "80.790000",
        "82.790000",
        "2.000000",
    )
    assert (rows["KT-200"]["delta_pct"], rows["KT-200"]["status"]) == ("2.48", "changed")
    assert rows["HE-ASSY"]["status"] == "same"
    changed = api.get(f"{API}/cost-versions/compare/", {"old": "STD-2027", "new": "STD-2028", "changed_only": "true"})
    assert [row["item"] for row in changed.json()] == ["KT-200"]

    missing = api.get(f"{API}/cost-versions/compare/", {"old": "STD-2027", "new": "NOPE"})
    assert missing.status_code == 400 and set(errors(missing)) == {("new", "does_not_exist")}
    same = api.get(f"{API}/cost-versions/compare/", {"old": "STD-2027", "new": "STD-2027"})
    assert same.status_code == 400 and set(errors(same)) == {("new", "same_version")}
    no_params = api.get(f"{API}/cost-versions/compare/")
    assert no_params.status_code == 400 and {field for field, _code in errors(no_params)} == {"old", "new"}

    listing = api.get(f"{API}/cost-versions/", {"state": "active"}).json()["results"]
    assert [v["code"] for v in listing] == ["STD-2027"]


def test_the_roll_up_in_the_background_answers_with_the_run_to_poll(
    api_as,
    kettle,  # noqa: F811
    queued,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    api = api_as(Role.FINANCE)
    version = api.post(f"{API}/cost-versions/", {"code": "STD-2027", "name": "2027", "as_of": "2026-12-01"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"{API}/cost-versions/{version['id']}/roll-up/", {"background": True}, format="json")
    assert started.status_code == 202, started.content
    run_id = started.json()["task_run"]
    assert queued == [("erp.tasks.cost_version_roll_up", {"run_id": run_id})]
    busy = api.post(f"{API}/cost-versions/{version['id']}/roll-up/", {"background": True}, format="json")
    assert busy.status_code == 400 and set(errors(busy)) == {("state", "running")}

    cost_version_roll_up_task(run_id)

    status = api.get(started.json()["status_url"]).json()
    assert (status["status"], status["percent"]) == ("succeeded", 100)
    assert api.get(f"{API}/cost-versions/{version['id']}/").json()["item_count"] == 2
    assert TaskRun.objects.count() == 1


def test_the_office_reads_costs_but_only_finance_changes_them(api_as, kettle):  # noqa: F811
    version = CostVersion.objects.create(code="STD-2027", name="2027", as_of="2026-12-01")
    planner = api_as(Role.PLANNER)
    assert planner.get(f"{API}/cost-versions/").status_code == 200
    assert planner.get(f"{API}/item-costs/").status_code == 200
    assert planner.get(f"{API}/work-center-rates/").status_code == 200
    assert planner.post(f"{API}/cost-versions/", {"code": "X", "name": "X", "as_of": "2026-12-01"}).status_code == 403
    assert planner.post(f"{API}/cost-versions/{version.pk}/roll-up/").status_code == 403
    assert planner.post(f"{API}/cost-versions/{version.pk}/activate/").status_code == 403
    operator = api_as(Role.OPERATOR)
    for url in ("cost-versions/", "item-costs/", "work-center-rates/", "cost-versions/compare/?old=A&new=B"):
        assert operator.get(f"{API}/{url}").status_code == 403, url


def test_work_center_rates_by_work_center_code(api_as):
    WorkCenter.objects.create(code="PAINT", name="Paint shop", cost_per_hour=D("22"))
    api = api_as(Role.FINANCE)
    url = f"{API}/work-center-rates/"

    created = api.post(url, {"work_center": "PAINT", "labor_rate_per_hour": "45", "crew_size": "2"}, format="json")
    assert created.status_code == 201, created.content
    rate = created.json()
    assert (rate["work_center"], rate["labor_rate_per_hour"], rate["machine_rate_per_hour"]) == (
        "PAINT",
        "45.0000",
        "0.0000",
    )
    assert D(rate["machine_rate_applied"]) == D("22")  # no machine rate here: the work center's cost per hour

    twice = api.post(url, {"work_center": "PAINT", "labor_rate_per_hour": "1"}, format="json")
    assert twice.status_code == 400 and set(errors(twice)) == {("work_center", "unique")}
    unknown = api.post(url, {"work_center": "NOPE", "labor_rate_per_hour": "1"}, format="json")
    assert unknown.status_code == 400 and set(errors(unknown)) == {("work_center", "does_not_exist")}

    negative = api.patch(f"{url}{rate['id']}/", {"labor_rate_per_hour": "-1"}, format="json")
    assert negative.status_code == 400 and ("labor_rate_per_hour", "min_value") in errors(negative)
    changed = api.patch(f"{url}{rate['id']}/", {"machine_rate_per_hour": "30"}, format="json")
    assert changed.status_code == 200 and D(changed.json()["machine_rate_applied"]) == D("30")
    assert [r["work_center"] for r in api.get(url, {"work_center": "PAINT"}).json()["results"]] == ["PAINT"]
    assert api.delete(f"{url}{rate['id']}/").status_code == 204
    assert not WorkCenterRate.objects.exists()
