"""The sales dashboard's order figures by hand: order intake per month (net, in the company currency, drafts
and cancelled orders left out) and on-time delivery (the last shipment against the promised date, else the
requested one), on the tracked orders of tests/crm/quoting.py and a few more."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.roles import Role
from crm.dashboards import orders_panel
from crm.selectors.dashboard import on_time_pct, sales_months
from erp.services.sales import sales_order_cancel, sales_order_confirm, sales_order_create
from tests.crm.quoting import ship
from tests.mes.conftest import T0
from tests.wms.conftest import bin_, receive  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def orders(tracked, floor, customer, usd, receive, bin_):  # noqa: F811
    """Beside the tracked orders (all of 2026-11-23, 1140.00 together; one shipped on time): an order of
    October in dollars, one of November delivered late, a draft and a cancelled order."""

    def create(**fields):
        return sales_order_create(customer=customer, warehouse=floor["warehouse"], **fields)

    body = floor["body"]
    with time_machine.travel(T0 + datetime.timedelta(hours=9), tick=False):
        receive(body, 3, bin_("A-01"))
        dollars = create(
            currency=usd,
            order_date=datetime.date(2026, 10, 15),
            requested_date=datetime.date(2026, 12, 15),
            lines=[{"item": body, "quantity": D(1), "unit_price": D(10), "discount_pct": D(10)}],
        )
        sales_order_confirm(order=dollars)  # 9 dollars at 7.1
        late = create(
            order_date=datetime.date(2026, 11, 2),
            requested_date=datetime.date(2026, 11, 20),
            lines=[{"item": body, "quantity": D(2), "unit_price": D(10)}],
        )
        sales_order_confirm(order=late)
        ship(late, carrier="DHL", tracking_number="JD-0002")  # on the 23rd: three days late
        create(
            requested_date=datetime.date(2026, 12, 20), lines=[{"item": body, "quantity": D(50), "unit_price": D(10)}]
        )
        dropped = create(
            requested_date=datetime.date(2026, 12, 20), lines=[{"item": body, "quantity": D(60), "unit_price": D(10)}]
        )
        sales_order_cancel(order=sales_order_confirm(order=dropped))
    return tracked


def test_order_intake_and_on_time_delivery_per_month(orders):
    october, november = sales_months(today=datetime.date(2026, 11, 23), months=2)
    assert (october.month, october.intake, october.orders) == (datetime.date(2026, 10, 1), D("63.90"), 1)
    assert (october.delivered, october.on_time_pct) == (0, None)
    assert (november.month, november.intake, november.orders) == (datetime.date(2026, 11, 1), D("1160.00"), 5)
    assert (november.delivered, november.on_time, november.on_time_pct) == (2, 1, D("50.0"))
    assert on_time_pct([october, november]) == D("50.0")
    # A delivery counts in the month its last shipment left: none yet in the month before.
    assert sales_months(today=datetime.date(2026, 10, 31), months=1)[0].delivered == 0


def test_the_panel_links_its_figures_to_the_orders_and_their_tracking(orders, make_user):
    with time_machine.travel(T0 + datetime.timedelta(hours=10), tick=False):
        panel = orders_panel(make_user(Role.SALES))
    figures = {str(figure.label): figure for figure in panel["figures"]}
    assert figures["Order intake, this month"].value == D("1160.00")
    assert figures["Order intake, this month"].url == "/erp/sales-orders/"
    assert figures["On time, 3 months"].value == D("50.0") and figures["On time, 3 months"].alert
    assert figures["On time, 12 months"].url == "/crm/orders/"
    chart = panel["charts"][0].as_dict()
    assert chart["labels"][-2:] == ["2026-10", "2026-11"] and len(chart["labels"]) == 12
    assert chart["datasets"][0]["data"][-2:] == [63.9, 1160.0]
    assert chart["datasets"][1] == {
        "label": "On time %",
        "data": [None] * 11 + [50.0],
        "type": "line",
        "axis": "right",
    }
