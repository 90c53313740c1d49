"""The MRP screens over a plan the real engine made: home, planned orders (list, firm selected, page with
pegging), exceptions, an item's grid; who sees them and who may run MRP and firm."""

import pytest
from django.urls import reverse

from aps.choices import PlannedOrderState
from aps.models import MrpException, MrpRun, PlannedOrder
from aps.services.mrp import mrp_run
from aps.tasks import mrp_run_task
from core.models import TaskRun
from core.roles import Role
from core.services import progress
from erp.models import ProductionOrder, PurchaseOrder
from tests.aps.conftest import TODAY, day

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def section(html: str, element_id: str) -> str:
    return html.split(f'id="{element_id}"')[1].split("</table>")[0]


@pytest.fixture
def queued(monkeypatch):
    """Runs handed to the broker, instead of a real one."""
    sent = []
    monkeypatch.setattr(progress.current_app, "send_task", lambda name, kwargs, **options: sent.append((name, kwargs)))
    return sent


@pytest.fixture
def planned(plant):
    """KT (made, 2 days) from HE (bought from HEATCO, 3 days) and 2 gaskets (no supplier); 5 kettles sold
    for day 20. The plan: KT 5 (make, no routing: cannot be firmed), HE 5 and GASKET 10 (no supplier)."""
    kettle = plant.item("KT", make=True, lead=2)
    element = plant.item("HE", lead=3)
    gasket = plant.item("GASKET", lead=1)
    gasket.default_supplier = None
    gasket.save()
    plant.bom(kettle, [(element, "1", "0"), (gasket, "2", "0")])
    plant.sale(kettle, 5, day(20))
    mrp_run(today=TODAY)
    return {code: PlannedOrder.objects.get(item__code=code) for code in ("KT", "HE", "GASKET")}


def pages(planned) -> list[str]:
    order = planned["KT"]
    return [
        reverse("aps:mrp_home"),
        reverse("aps:plannedorder_list"),
        reverse("aps:plannedorder_detail", args=[order.pk]),
        reverse("aps:mrpexception_list"),
        reverse("aps:item_plan", args=["HE"]),
    ]


# --- Who sees what ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PLANNER, Role.BUYER, Role.FINANCE])
def test_the_pages_render_for_the_office(client_as, planned, role):
    client = client_as(role)
    for url in pages(planned):
        assert client.get(url).status_code == 200, url


def test_operators_and_partners_are_refused_and_anonymous_users_sent_to_sign_in(client, client_as, planned):
    for url in pages(planned):
        assert client.get(url).status_code == 302
    for role in (Role.OPERATOR, Role.PARTNER):
        signed_in = client_as(role)
        for url in pages(planned):
            assert signed_in.get(url).status_code == 403, (role, url)
        assert signed_in.post(reverse("aps:mrp_run")).status_code in (302, 403)
    assert not TaskRun.objects.exists()


def test_the_menu_offers_mrp_to_planners_only(client_as, planned):
    assert reverse("aps:mrp_home") in page(client_as(Role.PLANNER).get(reverse("home")))
    assert reverse("aps:mrp_home") not in client_as(Role.OPERATOR).get(reverse("home")).content.decode()


# --- Home and the Run MRP button -------------------------------------------------------------------------------


def test_home_shows_the_current_plan_and_its_exceptions_by_kind(client_as, planned):
    html = page(client_as(Role.PLANNER).get(reverse("aps:mrp_home")))
    plan = html.split('id="current-plan"')[1]
    assert 'data-figure="planning-date">Nov. 23, 2026<' in plan
    assert 'data-figure="planned-orders"><a href="/aps/planned-orders/">3</a>' in plan
    assert 'data-kind="no_supplier"' in plan and f"{reverse('aps:mrpexception_list')}?kind=no_supplier" in plan
    assert 'id="run-mrp"' in html  # planners may run it
    assert 'id="run-mrp"' not in page(client_as(Role.BUYER).get(reverse("aps:mrp_home")))


def test_home_before_the_first_run(client_as):
    html = page(client_as(Role.PLANNER).get(reverse("aps:mrp_home")))
    assert "MRP has not run yet." in html and "No run yet." in html


def test_run_mrp_queues_a_run_and_shows_its_progress(client_as, plant, queued, django_capture_on_commit_callbacks):
    plant.sale(plant.item("HE", lead=1), 4, day(5))
    client = client_as(Role.PLANNER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aps:mrp_run"), {"today": "2026-11-23"}, follow=True)
    run = TaskRun.objects.get()
    assert queued == [("aps.tasks.mrp_run", {"run_id": str(run.pk)})]
    assert response.redirect_chain[-1][0] == run.get_absolute_url()
    assert 'id="run-progress"' in page(response) and "hx-trigger" in response.content.decode()
    assert run.params == {"today": "2026-11-23"} and run.created_by.username.startswith("planner")

    # One at a time: a second press while it is queued is refused, and the home shows the one under way.
    again = client.post(reverse("aps:mrp_run"), follow=True)
    assert "already queued or running" in messages_of(again)[0] and TaskRun.objects.count() == 1
    assert 'id="mrp-task"' in page(again)

    mrp_run_task(str(run.pk))  # what the worker does with the message

    run.refresh_from_db()
    assert run.status == "succeeded"
    html = page(client.get(reverse("aps:mrp_home")))
    assert 'id="mrp-task"' not in html and 'data-figure="planned-orders"><a href="/aps/planned-orders/">1</a>' in html
    assert MrpRun.objects.get().task_run == run


def test_a_bad_planning_date_is_refused_and_buyers_cannot_run(client_as, planned, queued):
    refused = client_as(Role.PLANNER).post(reverse("aps:mrp_run"), {"today": "someday"}, follow=True)
    assert "valid planning date" in messages_of(refused)[0]
    buyer = client_as(Role.BUYER).post(reverse("aps:mrp_run"), follow=True)
    assert "Your role cannot do this." in messages_of(buyer)
    assert not TaskRun.objects.exists() and queued == []


# --- Planned orders ---------------------------------------------------------------------------------------------


def test_the_list_filters_and_exports(client_as, planned):
    client = client_as(Role.PLANNER)
    url = reverse("aps:plannedorder_list")
    html = page(client.get(url))
    assert "3 records" in html and html.count('name="orders"') == 3
    assert f'href="{reverse("aps:item_plan", args=["HE"])}"' in html
    from_heatco = page(client.get(url, {"kind": "buy", "supplier": "HEATCO"}))
    assert "1 record" in from_heatco and planned["HE"].number in from_heatco
    assert "2 records" in page(client.get(url, {"kind": "buy"}))
    assert "1 record" in page(client.get(url, {"item": "KT", "state": "planned"}))
    # KT starts day 18 (due 20), HE day 15 and the gaskets day 17 (both due 18): none starts late.
    assert "0 records" in page(client.get(url, {"start_late": "true"}))
    assert "3 records" in page(client.get(url, {"start_late": "false"}))
    assert "2 records" in page(client.get(url, {"due_date_before": day(18).isoformat()}))
    unknown = page(client.get(url, {"item": "NOPE"}))
    assert "0 records" in unknown and "invalid-feedback" in unknown

    csv = b"".join(client.get(url, {"export": "csv", "kind": "buy"}).streaming_content).decode()
    lines = csv.strip().splitlines()
    assert lines[0].startswith("Number,Item,Name,Kind") and len(lines) == 3
    assert 'name="orders"' not in csv


def test_buyers_see_the_list_without_checkboxes(client_as, planned):
    html = page(client_as(Role.BUYER).get(reverse("aps:plannedorder_list")))
    assert 'name="orders"' not in html and 'id="firm-selected"' not in html


def test_firm_selected_is_all_or_nothing(client_as, planned):
    client = client_as(Role.PLANNER)
    url = reverse("aps:plannedorder_firm_selected")
    back = reverse("aps:plannedorder_list") + "?kind=buy"
    he, gasket, kettle = planned["HE"], planned["GASKET"], planned["KT"]

    refused = client.post(url, {"orders": [he.pk, gasket.pk, kettle.pk], "next": back}, follow=True)
    assert refused.redirect_chain[-1][0] == back
    [message] = messages_of(refused)
    assert gasket.number in message and "no supplier" in message
    assert not PurchaseOrder.objects.exists() and not ProductionOrder.objects.exists()
    assert set(PlannedOrder.objects.values_list("state", flat=True)) == {PlannedOrderState.PLANNED}

    # The kettle has no routing: refused by ERP when its production order is firmed; nothing is kept.
    refused = client.post(url, {"orders": [he.pk, kettle.pk]}, follow=True)
    assert kettle.number in messages_of(refused)[0] and "routing" in messages_of(refused)[0]
    assert not PurchaseOrder.objects.exists() and not ProductionOrder.objects.exists()

    nothing = client.post(url, {}, follow=True)
    assert "Tick the planned orders to firm." in messages_of(nothing)

    firmed = client.post(url, {"orders": [he.pk]}, follow=True)
    purchase = PurchaseOrder.objects.get()
    assert messages_of(firmed) == [f"Firmed: {purchase.number}."]
    he.refresh_from_db()
    assert he.state == PlannedOrderState.FIRMED and he.purchase_order == purchase
    assert f'href="{purchase.get_absolute_url()}">{purchase.number}</a>' in page(firmed)
    assert page(firmed).count('name="orders"') == 2  # a firmed order is ticked no more


def test_buyers_cannot_firm(client_as, planned):
    response = client_as(Role.BUYER).post(
        reverse("aps:plannedorder_firm_selected"), {"orders": [planned["HE"].pk]}, follow=True
    )
    assert "Your role cannot do this." in messages_of(response)
    assert not PurchaseOrder.objects.exists()


def test_a_planned_order_shows_its_pegging_up_and_down(client_as, planned):
    client = client_as(Role.PLANNER)
    kettle, element = planned["KT"], planned["HE"]
    html = page(client.get(kettle.get_absolute_url()))
    up = section(html, "pegging-up")
    assert "SO-1/1" in up and 'data-depth="0"' in up
    down = section(html, "pegging-down")
    assert f'href="{element.get_absolute_url()}">{element.number}</a>' in down
    assert "HE" in down and "GASKET" in down
    assert 'id="commands"' in html and ">Firm<" in html

    # The element's page: its kettle parent, and above it the sales order line.
    html = page(client.get(element.get_absolute_url()))
    up = section(html, "pegging-up")
    assert f'href="{kettle.get_absolute_url()}">{kettle.number}</a>' in up
    assert 'data-depth="1"' in up and "SO-1/1" in up
    assert "Bought: no components." in section(html, "pegging-down")

    # Exceptions of the order are listed on its page.
    html = page(client.get(planned["GASKET"].get_absolute_url()))
    assert "No supplier" in html.split('id="order-exceptions"')[1]


def test_the_firm_button_firms_and_links_the_real_order(client_as, planned):
    client = client_as(Role.PLANNER)
    element = planned["HE"]
    response = client.post(reverse("aps:plannedorder_command", args=[element.pk, "firm"]), follow=True)
    purchase = PurchaseOrder.objects.get()
    assert messages_of(response) == [f"Firmed: {purchase.number}."]
    html = page(response)
    assert f'href="{purchase.get_absolute_url()}"><strong>{purchase.number}</strong></a>' in html
    assert 'id="commands"' not in html

    refused = client.post(reverse("aps:plannedorder_command", args=[planned["GASKET"].pk, "firm"]), follow=True)
    assert "no supplier" in messages_of(refused)[0]
    assert PurchaseOrder.objects.count() == 1
    assert 'id="commands"' not in page(client_as(Role.BUYER).get(planned["KT"].get_absolute_url()))


# --- Exceptions and the item grid -----------------------------------------------------------------------------


def test_exceptions_link_to_what_they_are_about(client_as, plant, planned):
    client = client_as(Role.PLANNER)
    url = reverse("aps:mrpexception_list")
    html = page(client.get(url))
    gasket = planned["GASKET"]
    assert f'href="{gasket.get_absolute_url()}">{gasket.number}</a>' in html
    assert f'href="{reverse("aps:item_plan", args=["GASKET"])}"' in html
    assert "1 record" in page(client.get(url, {"kind": "no_supplier", "item": "GASKET"}))
    assert "0 records" in page(client.get(url, {"kind": "cancel"}))
    assert "1 record" in page(client.get(url, {"reference": gasket.number[-3:]}))

    # An open purchase order nobody needs: the exception links to the order's page.
    line = plant.purchase(plant.item("SPARE"), 3, day(4))
    mrp_run(today=TODAY)
    exception = MrpException.objects.get(kind="cancel")
    html = page(client.get(url, {"kind": "cancel"}))
    assert exception.reference in html and f'href="{line.order.get_absolute_url()}"' in html


def test_the_item_grid_shows_the_plan_in_weeks(client_as, plant, planned):
    client = client_as(Role.PLANNER)
    plant.stock(planned["HE"].item, 2)
    mrp_run(today=TODAY)
    html = page(client.get(reverse("aps:item_plan", args=["HE"]), {"weeks": 4}))
    figures = html.split('id="item-figures"')[1].split("</div></div>")[0]
    assert "Lot for lot" in figures and "<strong>3</strong> days" in figures
    assert 'data-figure="on-hand">2<' in figures and 'data-figure="safety-stock">0<' in figures
    grid = section(html, "mrp-grid")
    assert grid.count('<th class="text-end">') == 5  # four weeks and later
    assert "Gross requirements" in grid and "Planned order releases" in grid
    orders = section(html, "plan-orders")
    element = PlannedOrder.objects.get(item__code="HE", state="planned")
    assert f'href="{element.get_absolute_url()}">{element.number}</a>' in orders
    assert "SO-1/1" not in section(html, "plan-demands")  # the kettle's order is what HE's demand names
    assert PlannedOrder.objects.get(item__code="KT").number in section(html, "plan-demands")

    assert client.get(reverse("aps:item_plan", args=["NOPE"])).status_code == 404
    lookup = client.get(reverse("aps:item_plan_lookup"), {"item": "HE"})
    assert lookup.status_code == 302 and lookup.url == reverse("aps:item_plan", args=["HE"])


# --- Query counts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "queries"),
    [
        # Session, user, permissions (2), the current run, count, page.
        ("aps:plannedorder_list", 7),
        ("aps:mrpexception_list", 7),
        # Session, user, permissions (2), run, exceptions by kind, the latest task run, recent runs.
        ("aps:mrp_home", 8),
    ],
)
def test_lists_take_a_fixed_number_of_queries(client_as, plant, url_name, queries, django_assert_max_num_queries):
    for n in range(30):
        part = plant.item(f"P-{n:02d}")
        part.default_supplier = None
        part.save()
        plant.sale(part, 1, day(n + 1))
    mrp_run(today=TODAY)
    client = client_as(Role.PLANNER)
    with django_assert_max_num_queries(queries):
        html = page(client.get(reverse(url_name)))
    assert "P-29" in html or url_name == "aps:mrp_home"


def test_the_order_page_and_grid_take_a_fixed_number_of_queries(client_as, planned, django_assert_max_num_queries):
    client = client_as(Role.PLANNER)
    # Session, user, permissions (2), order, history, exceptions, pegging up (2 levels) and down (2 + 1), run.
    with django_assert_max_num_queries(13):
        page(client.get(planned["KT"].get_absolute_url()))
    # Session, user, permissions (2), item, run, demands, supplies, planned orders.
    with django_assert_max_num_queries(9):
        page(client.get(reverse("aps:item_plan", args=["HE"])))
