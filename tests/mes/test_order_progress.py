"""Order progress reaches sales: a sales order's page shows its production orders, the operation and
machine each is at, and the good units MES has reported."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.roles import Role
from erp.selectors.production import sales_order_production
from erp.services.sales import sales_order_confirm, sales_order_create
from mes.services import execution as x
from tests.erp.conftest import customer  # noqa: F401  (shared fixture)
from tests.erp.test_production import DUE
from tests.mes.conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(floor, customer):  # noqa: F811
    sales_order = sales_order_confirm(
        order=sales_order_create(
            customer=customer,
            warehouse=floor["warehouse"],
            requested_date=DUE,
            lines=[{"item": floor["kettle"], "quantity": Decimal("100"), "unit_price": Decimal("99")}],
        )
    )
    return sales_order, floor.order("100", sales_order_line=sales_order.lines.get())


@time_machine.travel(T0 + datetime.timedelta(hours=8), tick=False)
def test_sales_see_the_operation_machine_and_good_units_of_the_order(floor, sold, client_as, django_assert_num_queries):
    sales_order, order = sold
    run = x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"], at=T0)
    x.operation_count(run=run, good_qty=100, at=T0 + datetime.timedelta(hours=2))
    x.operation_complete(run=run, at=T0 + datetime.timedelta(hours=3))
    run = x.operation_start(
        operation=order.operations.get(seq=20), machine=floor["test1"], at=T0 + datetime.timedelta(hours=3)
    )
    x.operation_count(run=run, good_qty=40, at=T0 + datetime.timedelta(hours=4))
    x.operation_pause(run=run, at=T0 + datetime.timedelta(hours=4))  # booked to ERP

    with django_assert_num_queries(2):
        (progress,) = sales_order_production(sales_order_id=sales_order.pk)
    assert (progress.operations_done, progress.operations, progress.good_qty) == (1, 2, 40)
    assert (progress.current.seq, progress.current.machine.code, progress.percent_done) == (20, "TEST-1", 40)

    page = client_as(Role.SALES).get(sales_order.get_absolute_url()).content.decode()
    assert order.number in page and "TEST-1" in page and "40 %" in page
