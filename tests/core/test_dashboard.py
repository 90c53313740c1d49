"""The role dashboards of the home page: the registry, who sees which panels, and how a panel reaches the page
(figures with their links, charts as json_script specs drawn by static/js/dashboard.js)."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core import dashboards
from core.dashboards import Chart, Figure, Panel, Series, dashboard_roles, last_months, last_weeks, panels_for
from core.roles import Role
from tests.erp.conftest import company_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return company_make()


def _shown_panels(html: str) -> list[str]:
    return re.findall(r'<section class="col-xl-6" id="panel-([\w-]+)"', html)


# --- The registry -------------------------------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch):
    """The registry with two panels of a test's own instead of the apps'."""
    monkeypatch.setattr(dashboards, "_panels", {})

    def context(user):
        return {
            "figures": [Figure("Open", 3, "/somewhere/"), Figure("Rate", Decimal("87.25"), unit="%", decimals="1")],
            "charts": [Chart("Per month", "bar", ["2026-10", "2026-11"], [Series("Value", [Decimal("1.5"), None])])],
        }

    dashboards.register_panels(
        Panel("one", "Panel one", frozenset({Role.SALES}), context, order=2),
        Panel(
            "two",
            "Panel two",
            frozenset({Role.SALES, Role.FINANCE}),
            context,
            permission="erp.view_journalentry",
            order=1,
        ),
    )


def test_a_role_sees_its_panels_whose_permission_it_holds(registry, make_user):
    seller, accountant = make_user(Role.SALES), make_user(Role.FINANCE)
    assert [panel.key for panel in panels_for(seller, Role.SALES)] == ["one"]  # sales may not read the journal
    assert [panel.key for panel in panels_for(accountant, Role.FINANCE)] == ["two"]
    assert panels_for(seller, Role.FINANCE) == []  # not their role


def test_an_administrator_may_open_every_roles_dashboard(registry, make_user):
    assert dashboard_roles(make_user(Role.ADMIN)) == [Role.SALES, Role.FINANCE]
    assert dashboard_roles(make_user(Role.SALES)) == [Role.SALES]
    assert dashboard_roles(make_user(Role.OPERATOR)) == []  # no panel for the role
    assert [panel.key for panel in panels_for(make_user(Role.ADMIN), Role.SALES)] == ["two", "one"]  # by order


def test_registering_a_key_again_replaces_the_panel(registry):
    panel = Panel("one", "Renamed", frozenset({Role.BUYER}), dict)
    dashboards.register_panels(panel)
    assert [p.title for p in dashboards.registered_panels()] == ["Panel two", "Renamed"]


def test_the_page_carries_figures_with_their_links_and_charts_as_specs(registry, client_as):
    html = client_as(Role.SALES).get("/").content.decode()
    assert _shown_panels(html) == ["one"]
    assert '<a class="link-underline link-underline-opacity-0" href="/somewhere/">3</a>' in html
    assert 'data-figure="one-2">87.3 <span class="fs-6 fw-normal">%</span>' in html  # one decimal, half up
    spec = json.loads(re.search(r'<script id="chart-one-0" type="application/json">(.*?)</script>', html).group(1))
    assert spec == {
        "type": "bar",
        "labels": ["2026-10", "2026-11"],
        "datasets": [{"label": "Value", "data": [1.5, None]}],
        "unit": "",
        "rightUnit": "",
        "stacked": False,
        "horizontal": False,
    }
    assert 'data-chart-spec="chart-one-0"' in html and "/static/js/dashboard.js" in html
    # No inline script: every <script> has a source or carries JSON.
    assert all("src=" in tag or 'type="application/json"' in tag for tag in re.findall(r"<script[^>]*>", html))


def test_periods_run_oldest_first_up_to_today():
    assert last_months(datetime.date(2026, 2, 14), 3) == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    assert last_weeks(datetime.date(2026, 11, 22), 2) == [datetime.date(2026, 11, 9), datetime.date(2026, 11, 16)]


# --- The home page with the apps' panels ----------------------------------------------------------------------

ROLE_PANELS = {
    Role.SALES: ["sales-pipeline", "sales-orders"],
    Role.PLANNER: ["planning-load", "planning-attention"],
    Role.OPERATOR: ["production-oee", "production-output"],
    Role.ENGINEER: ["production-oee", "production-output"],
    Role.WAREHOUSE: ["warehouse-work", "stock-value"],
    Role.BUYER: ["purchasing-scorecards"],
    Role.FINANCE: ["finance-profit", "finance-aging", "stock-value"],
}


@pytest.mark.parametrize("role", list(ROLE_PANELS))
def test_each_role_sees_its_own_panels_only(company, client_as, role):
    response = client_as(role).get("/")
    assert response.status_code == 200
    assert _shown_panels(response.content.decode()) == ROLE_PANELS[role]


def test_a_role_without_panels_sees_the_master_data_counts(company, client_as):
    html = client_as(Role.QUALITY).get("/").content.decode()
    assert _shown_panels(html) == [] and 'class="card tile' in html and "dashboard.js" not in html


def test_an_administrator_picks_a_role_and_a_user_cannot_open_anothers(company, client_as, make_user, client):
    admin = client_as(Role.ADMIN)
    html = admin.get("/").content.decode()
    tabs = re.findall(r'href="\?role=(\w+)"', html)
    assert tabs == ["planner", "sales", "buyer", "engineer", "warehouse", "operator", "finance"]
    assert _shown_panels(html) == ROLE_PANELS[Role.PLANNER]
    assert _shown_panels(admin.get("/", {"role": "finance"}).content.decode()) == ROLE_PANELS[Role.FINANCE]
    assert _shown_panels(admin.get("/", {"role": "nonsense"}).content.decode()) == ROLE_PANELS[Role.PLANNER]

    seller = make_user(Role.SALES)
    seller.groups.add(Group.objects.get(name=Role.BUYER))
    client.force_login(seller)
    html = client.get("/", {"role": "buyer"}).content.decode()
    assert re.findall(r'href="\?role=(\w+)"', html) == ["sales", "buyer"]  # one click to each of their roles
    assert _shown_panels(html) == ROLE_PANELS[Role.BUYER]
    assert _shown_panels(client.get("/", {"role": "finance"}).content.decode()) == ROLE_PANELS[Role.SALES]


def test_figures_link_only_to_lists_the_user_may_open(company, client_as):
    warehouse = client_as(Role.WAREHOUSE).get("/").content.decode()
    assert reverse("wms:stocktask_list") in warehouse
    assert reverse("erp:stock_valuation") not in warehouse  # the valuation per item is finance's
    assert reverse("erp:stock_valuation") in client_as(Role.FINANCE).get("/").content.decode()


def test_a_partner_login_has_no_dashboard(company, client_as):
    html = client_as(Role.PARTNER).get("/").content.decode()
    assert _shown_panels(html) == [] and "?role=" not in html


def test_before_a_company_is_set_up_the_panels_say_so_instead_of_failing(client_as):
    html = client_as(Role.FINANCE).get("/").content.decode()
    assert _shown_panels(html) == ROLE_PANELS[Role.FINANCE] and "No company is set up yet." in html
