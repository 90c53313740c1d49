"""The planner's dashboard by hand: which production and sales orders are late today, and figures that open
exactly the list behind them."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine

from aps.dashboards import attention_panel
from aps.selectors.dashboard import late_orders
from core.roles import Role
from erp.services.production import production_order_cancel, production_order_create
from erp.services.sales import sales_order_confirm, sales_order_create
from tests.erp.conftest import customer  # noqa: F401  (shared fixtures)
from tests.mes.conftest import T0, floor  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = T0.date()  # 2026-11-23


def days(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def late(floor, customer):  # noqa: F811
    """Production orders due yesterday (late), today and next week (not late), and a cancelled one long past due;
    sales orders promised yesterday, requested yesterday without a promise, and promised next week."""

    def make(due: datetime.date):
        return production_order_create(
            item=floor["kettle"], quantity=Decimal(5), due_date=due, start_date=days(-30), warehouse=floor["warehouse"]
        )

    def sell(**dates):
        return sales_order_confirm(
            order=sales_order_create(
                customer=customer,
                warehouse=floor["warehouse"],
                order_date=days(-20),
                lines=[{"item": floor["body"], "quantity": Decimal(1), "unit_price": Decimal(10)}],
                **dates,
            )
        )

    with time_machine.travel(T0 - datetime.timedelta(days=20), tick=False):
        orders = {"late": make(days(-1)), "today": make(TODAY), "later": make(days(7))}
        production_order_cancel(order=make(days(-10)))
        sell(requested_date=days(5), promised_date=days(-1))
        sell(requested_date=days(-1))
        sell(requested_date=days(-3), promised_date=days(7))  # promised later than asked: not late
    return orders


def test_late_orders_by_due_date_and_by_promise(late):
    counted = late_orders(today=TODAY)
    assert (counted.production_open, counted.production_late) == (3, 1)
    assert (counted.sales_open, counted.sales_late) == (3, 2)
    assert late_orders(today=days(8)).production_late == 3


def test_the_late_production_orders_figure_opens_exactly_those_orders(late, make_user, client):
    planner = make_user(Role.PLANNER)
    with time_machine.travel(T0, tick=False):
        panel = attention_panel(planner)
    figure = panel["figures"][0]
    assert (figure.value, figure.alert) == (1, True)
    client.force_login(planner)
    listed = client.get(figure.url).content.decode()
    assert late["late"].number in listed
    assert late["today"].number not in listed and late["later"].number not in listed
    # Before the first MRP run there are no exceptions to count: a dash, not a zero.
    assert panel["figures"][2].value is None and panel["charts"] == []
    assert re.search(r"due_date_before=2026-11-22", figure.url)
