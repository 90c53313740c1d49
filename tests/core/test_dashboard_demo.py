"""The role dashboards over SmartAppliance Co.'s year of history (the demo company): each role's home page
renders its panels with figures from the data in a bounded number of queries (no query per record)."""

import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import Role
from erp.choices import SalesOrderState
from erp.models import SalesOrderLine
from tests.core.test_dashboard import ROLE_PANELS

# Per role: the most queries its home page may take. Session, user and permissions are about a dozen of them;
# the rest are the panels' grouped sums, which do not grow with the data.
MAX_QUERIES = {
    Role.SALES: 28,
    Role.PLANNER: 42,  # rough-cut capacity reads the routings of the items in the master schedule
    Role.OPERATOR: 25,
    Role.ENGINEER: 25,
    Role.WAREHOUSE: 24,
    Role.BUYER: 18,
    Role.FINANCE: 30,
}


@pytest.fixture(scope="module", autouse=True)
def _demo(demo_loaded):
    return demo_loaded


@pytest.mark.parametrize("role", list(MAX_QUERIES))
def test_each_roles_dashboard_renders_the_demo_in_a_bounded_number_of_queries(
    db, client_as, role, django_assert_max_num_queries
):
    client = client_as(role)
    with django_assert_max_num_queries(MAX_QUERIES[role]):
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<section class="col-xl-6" id="panel-([\w-]+)"', html) == ROLE_PANELS[role]


def test_the_order_intake_of_the_month_is_its_orders_net_value(db, client_as):
    today = timezone.localdate()
    taken = SalesOrderLine.objects.filter(
        order__order_date__gte=today.replace(day=1), order__order_date__lte=today
    ).exclude(order__state__in=(SalesOrderState.DRAFT, SalesOrderState.CANCELLED))
    expected = sum((line.net_amount * line.order.exchange_rate for line in taken.select_related("order")), Decimal(0))
    assert expected > 0  # the demo sells this month
    html = client_as(Role.SALES).get("/").content.decode()
    spec = json.loads(re.search(r'<script id="chart-sales-orders-0" type="application/json">(.*?)</script>', html)[1])
    assert spec["datasets"][0]["data"][-1] == pytest.approx(float(expected), abs=0.01)
