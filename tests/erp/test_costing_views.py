"""The costing screens: versions (new, roll up in the background, activate), item cost drill-down,
comparison, work center rates; who sees and may press what."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import Item, TaskRun, WorkCenter
from core.roles import Role
from erp.choices import CostVersionState
from erp.models import CostVersion, ItemCost, WorkCenterRate
from erp.services.costing import cost_version_activate, cost_version_create, cost_version_roll_up
from erp.views.costing import SCREENS
from tests.erp.test_costing import AS_OF, bom, kettle, plant, queued, routing, version  # noqa: F401

pytestmark = pytest.mark.django_db
D = Decimal


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def command(client, cost_version, name):
    return client.post(reverse("erp:costversion_command", args=[cost_version.pk, name]), follow=True)


def commands_of(html: str) -> str:
    return html.split('id="commands"')[1].split("</div>")[0]


@pytest.fixture
def rolled(kettle, version):  # noqa: F811
    cost_version_roll_up(version=version)
    return version


# --- Every screen ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FINANCE, Role.PLANNER, Role.ENGINEER])
@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s.meta.label)
def test_lists_and_details_render_for_the_roles_that_see_them(client_as, rolled, screens, role):
    client = client_as(role)
    assert client.get(reverse(screens.url_name("list"))).status_code == 200
    obj = screens.get_queryset().first()
    assert obj is not None
    assert client.get(reverse(screens.url_name("detail"), args=[obj.pk])).status_code == 200
    if screens.editable:
        assert client.get(reverse(screens.url_name("edit"), args=[obj.pk])).status_code == (
            200 if role == Role.FINANCE else 403
        )
    if screens.editable or screens.meta.model_name == "costversion":
        assert client.get(reverse(screens.url_name("add"))).status_code == (200 if role == Role.FINANCE else 403)


@pytest.mark.parametrize(
    "url_name", ["erp:costversion_list", "erp:itemcost_list", "erp:workcenterrate_list", "erp:costversion_compare"]
)
def test_the_shop_floor_and_partners_see_no_costs(client_as, url_name):
    for role in (Role.OPERATOR, Role.WAREHOUSE, Role.PARTNER):
        assert client_as(role).get(reverse(url_name)).status_code == 403


def test_the_version_list_counts_items_and_filters_by_state(client_as, rolled):
    cost_version_create(code="STD-2028", name="Next year", as_of=AS_OF)
    client = client_as(Role.PLANNER)
    html = page(client.get(reverse("erp:costversion_list")))
    assert "STD-2027" in html and "STD-2028" in html and "2 records" in html
    drafts = page(client.get(reverse("erp:costversion_list"), {"state": "draft", "q": "next"}))
    assert "STD-2028" in drafts and "STD-2027" not in drafts


# --- New version, roll-up, activation -----------------------------------------------------------------------


def test_finance_creates_a_version_and_a_duplicate_code_is_refused_on_the_form(client_as, version):  # noqa: F811
    client = client_as(Role.FINANCE)
    url = reverse("erp:costversion_add")
    response = client.post(url, {"code": "STD-2028", "name": "Next year", "as_of": "2027-12-01"}, follow=True)
    created = CostVersion.objects.get(code="STD-2028")
    assert response.redirect_chain[-1][0] == created.get_absolute_url()
    assert created.state == CostVersionState.DRAFT and str(created.as_of) == "2027-12-01"

    duplicate = page(client.post(url, {"code": "STD-2027", "name": "Again", "as_of": "2027-12-01"}))
    assert "already exists" in duplicate and CostVersion.objects.count() == 2


def test_roll_up_runs_in_the_background_with_progress_on_the_page(
    client_as,
    kettle,  # noqa: F811
    version,  # noqa: F811
    queued,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from erp.tasks import cost_version_roll_up_task

    client = client_as(Role.FINANCE)
    html = page(client.get(version.get_absolute_url()))
    assert ">Roll up<" in commands_of(html) and ">Activate<" not in commands_of(html)

    with django_capture_on_commit_callbacks(execute=True):
        response = command(client, version, "roll-up")
    assert "has started" in messages_of(response)[0]
    run = TaskRun.objects.get()
    assert queued == [("erp.tasks.cost_version_roll_up", {"run_id": str(run.pk)})]
    waiting = response.content.decode()
    assert 'id="run-progress"' in waiting and "hx-trigger" in waiting  # polls while pending
    assert ">Roll up<" not in commands_of(waiting)  # one run at a time

    cost_version_roll_up_task(str(run.pk))

    done = page(client.get(version.get_absolute_url()))
    assert "hx-trigger" not in done.split('id="roll-up-run"')[1] and 'data-status="succeeded"' in done
    costs = done.split('id="item-costs"')[1]
    assert "KT-200" in costs and "80.79" in costs and "HE-ASSY" in costs and "24.20" in costs
    assert ">Activate<" in commands_of(done) and ">Roll up<" in commands_of(done)


def test_activation_from_the_page_sets_standard_costs_and_freezes_the_version(client_as, rolled):
    client = client_as(Role.FINANCE)
    response = command(client, rolled, "activate")
    assert "is active" in messages_of(response)[0]
    assert Item.objects.get(code="KT-200").standard_cost == D("80.79")
    html = response.content.decode()
    assert 'data-state="active"' in html and "frozen" in html
    assert ">Roll up<" not in commands_of(html) and ">Activate<" not in commands_of(html)

    refused = command(client, rolled, "roll-up")  # a stale page's button
    assert "frozen" in messages_of(refused)[0]
    assert not TaskRun.objects.exists()


def test_only_finance_may_press_the_buttons(client_as, rolled):
    planner = client_as(Role.PLANNER)
    html = page(planner.get(rolled.get_absolute_url()))
    assert "<button" not in commands_of(html)
    assert "Your role cannot do this." in messages_of(command(planner, rolled, "activate"))
    rolled.refresh_from_db()
    assert rolled.state == CostVersionState.DRAFT
    assert Item.objects.get(code="KT-200").standard_cost == 0


def test_the_version_page_offers_comparison_with_the_active_version(client_as, rolled):
    cost_version_activate(version=rolled)
    newer = cost_version_create(code="STD-2028", name="Next", as_of=AS_OF)
    cost_version_roll_up(version=newer)
    html = page(client_as(Role.PLANNER).get(newer.get_absolute_url()))
    assert f"{reverse('erp:costversion_compare')}?old={rolled.pk}&amp;new={newer.pk}" in html


@pytest.mark.parametrize(
    ("url_name", "queries"),
    [
        # Session, user, permissions (3), the version, its history (4), last run, counts (2), active, costs.
        ("erp:costversion_detail", 14),
        ("erp:costversion_list", 6),
        ("erp:itemcost_list", 6),
        ("erp:workcenterrate_list", 6),
    ],
)
def test_pages_take_a_fixed_number_of_queries(
    client_as,
    rolled,
    item,
    bom,  # noqa: F811
    url_name,
    queries,
    django_assert_max_num_queries,
):
    for n in range(40):
        bom(item(f"SET-{n:02d}", procurement="make"), {Item.objects.get(code="KT-200"): 2})
        cost_version_create(code=f"OLD-{n:02d}", name=f"Old {n}", as_of=AS_OF)
        WorkCenterRate.objects.create(work_center=WorkCenter.objects.create(code=f"WC-{n:02d}", name=f"WC {n}"))
    cost_version_roll_up(version=rolled)
    client = client_as(Role.FINANCE)
    url = reverse(url_name, args=[rolled.pk]) if url_name.endswith("detail") else reverse(url_name)
    with django_assert_max_num_queries(queries):
        html = page(client.get(url))
    assert "SET-39" in html or "OLD-39" in html or "WC-39" in html


# --- Item cost drill-down -----------------------------------------------------------------------------------


def test_an_item_cost_shows_its_contributions_and_links_the_made_components(client_as, rolled):
    client = client_as(Role.PLANNER)
    kettle_cost = ItemCost.objects.get(version=rolled, item__code="KT-200")
    heater_cost = ItemCost.objects.get(version=rolled, item__code="HE-ASSY")
    html = page(client.get(kettle_cost.get_absolute_url()))
    components = html.split('id="cost-components"')[1].split("</table>")[0]
    assert f'href="{heater_cost.get_absolute_url()}">HE-ASSY</a>' in components
    assert "rolled up in this version" in components and "1.05" in components and "0.45" in components
    operations = html.split('id="cost-operations"')[1].split("</table>")[0]
    assert "ASSY" in operations and "11.52" in operations and "48.00 x 2" in operations
    split = html.split('id="cost-split"')[1].split("</table>")[0]
    assert all(figure in split for figure in ("65.30", "12.90", "2.59", "80.79"))

    heater = page(client.get(heater_cost.get_absolute_url()))
    assert "(work center)" in heater  # welding's machine rate comes from the work center
    assert f'href="{kettle_cost.get_absolute_url()}">KT-200</a>' in heater.split('id="cost-used-in"')[1]


def test_item_costs_list_filters_by_version_and_item_code(client_as, rolled):
    other = cost_version_create(code="STD-2028", name="Next", as_of=AS_OF)
    cost_version_roll_up(version=other)
    client = client_as(Role.ENGINEER)
    url = reverse("erp:itemcost_list")
    assert "4 records" in page(client.get(url))
    assert "2 records" in page(client.get(url, {"version": "STD-2028"}))
    assert "1 record" in page(client.get(url, {"version": "STD-2028", "item": "HE-ASSY"}))
    assert "0 records" in page(client.get(url, {"item": "NOPE"}))


def test_gaps_are_flagged_on_the_version_and_item_pages(client_as, item, bom, version):  # noqa: F811
    bare = item("KIT", procurement="make")
    bom(bare, {item("LABEL"): 1})
    cost_version_roll_up(version=version)
    client = client_as(Role.FINANCE)
    assert 'id="cost-warnings"' in page(client.get(version.get_absolute_url()))
    kit = ItemCost.objects.get(version=version, item=bare)
    warnings = page(client.get(kit.get_absolute_url())).split('id="cost-warnings"')[1]
    assert 'data-code="no_routing"' in warnings and 'data-code="no_standard_cost"' in warnings


# --- Compare ---------------------------------------------------------------------------------------------------


def test_the_compare_page_shows_deltas_per_item(client_as, rolled):
    cost_version_activate(version=rolled)
    Item.objects.filter(code="HE-COIL").update(standard_cost=D("14.42"))
    newer = cost_version_create(code="STD-2028", name="Next", as_of=AS_OF)
    cost_version_roll_up(version=newer)
    client = client_as(Role.BUYER)
    url = reverse("erp:costversion_compare")

    blank = page(client.get(url))  # the active version against the newest draft, chosen for you
    assert f'<option value="{rolled.pk}" selected>' in blank and f'<option value="{newer.pk}" selected>' in blank
    assert 'id="cost-compare"' not in blank

    html = page(client.get(url, {"old": rolled.pk, "new": newer.pk}))
    table = html.split('id="cost-compare"')[1]
    heater = table.split('data-item="HE-ASSY"')[1].split("</tr>")[0]
    assert "24.20" in heater and "26.62" in heater and "+2.42" in heater and "+10.00" in heater
    kettle_row = table.split('data-item="KT-200"')[1].split("</tr>")[0]
    assert "80.79" in kettle_row and "83.21" in kettle_row and "+3.00" in kettle_row  # 2.42 / 80.79 = 2.995 %

    same = page(client.get(url, {"old": rolled.pk, "new": rolled.pk}))
    assert "Choose two different versions." in same and 'id="cost-compare"' not in same


# --- Work center rates --------------------------------------------------------------------------------------------


def test_finance_keeps_work_center_rates_and_bad_input_stays_on_the_form(client_as):
    center = WorkCenter.objects.create(code="PAINT", name="Paint shop", cost_per_hour=D("22"))
    client = client_as(Role.FINANCE)
    add = reverse("erp:workcenterrate_add")
    refused = page(
        client.post(
            add, {"work_center": center.pk, "labor_rate_per_hour": "-5", "crew_size": "1", "machine_rate_per_hour": "0"}
        )
    )
    assert "greater than or equal to 0" in refused and not WorkCenterRate.objects.exists()

    client.post(
        add, {"work_center": center.pk, "labor_rate_per_hour": "45", "crew_size": "1.5", "machine_rate_per_hour": "0"}
    )
    rate = WorkCenterRate.objects.get(work_center=center)
    assert (rate.labor_rate_per_hour, rate.crew_size) == (D("45"), D("1.5"))
    listing = page(client.get(reverse("erp:workcenterrate_list"), {"q": "paint"}))
    assert "PAINT" in listing and "22.00" in listing  # the work center's own cost per hour beside the rates

    client.post(
        reverse("erp:workcenterrate_edit", args=[rate.pk]),
        {"work_center": center.pk, "labor_rate_per_hour": "50", "crew_size": "1", "machine_rate_per_hour": "15"},
    )
    rate.refresh_from_db()
    assert (rate.labor_rate_per_hour, rate.machine_rate_per_hour) == (D("50"), D("15"))
    client.post(reverse("erp:workcenterrate_delete", args=[rate.pk]))
    assert not WorkCenterRate.objects.exists()

    planner = client_as(Role.PLANNER)
    assert planner.get(add).status_code == 403


def test_anonymous_users_are_sent_to_sign_in_from_every_costing_page(client):
    from tests.urls import all_urls

    ours = [
        (name, url)
        for name, url in all_urls()
        if not url.startswith("/api/")
        and any(part in url for part in ("/cost-versions/", "/item-costs/", "/work-center-rates/"))
    ]
    assert len(ours) == 12  # three lists and details, new version, compare, the buttons, rate add/edit/delete
    for name, url in ours:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), name
    # The router's routes are regular expressions, which the URL walk leaves out: these are ours.
    for url in (
        "/api/v1/erp/cost-versions/",
        "/api/v1/erp/cost-versions/1/",
        "/api/v1/erp/cost-versions/compare/",
        "/api/v1/erp/item-costs/",
        "/api/v1/erp/item-costs/1/",
        "/api/v1/erp/work-center-rates/",
        "/api/v1/erp/work-center-rates/1/",
    ):
        assert client.get(url).status_code == 401, url
    for url in ("/api/v1/erp/cost-versions/1/roll-up/", "/api/v1/erp/cost-versions/1/activate/"):
        assert client.post(url).status_code == 401, url
