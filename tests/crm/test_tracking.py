"""Customer order tracking: each line's live status from ERP (shipped, invoiced), MES (in production with % done)
and WMS (reserved: ready; shipments with carrier and tracking number), for one order or many in a fixed number
of queries, on the staff pages and in the staff API."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from crm.selectors.tracking import TrackingState, order_tracking, orders_tracking
from erp.choices import SalesOrderState
from erp.services.sales import sales_order_create

pytestmark = pytest.mark.django_db

T = TrackingState


def states(tracking) -> list[tuple[int, str]]:
    return [(entry.line.position, entry.state) for entry in tracking.lines]


def test_each_line_says_where_it_stands(tracked):
    making = order_tracking(sales_order=tracked["making"])
    kettles, bodies = making.lines
    assert states(making) == [(10, T.IN_PRODUCTION), (20, T.READY)]
    # 40 good kettles out of the last operation, of the 100 the production order makes.
    assert (kettles.percent_done, kettles.ordered, kettles.promised_date) == (40, 100, datetime.date(2026, 12, 8))
    assert [p.order.number for p in kettles.production] == [tracked["production"].number]
    assert (bodies.reserved, bodies.percent_done) == (5, None)
    assert making.status == T.IN_PRODUCTION and making.percent_done == 40 and making.shipped_with == []

    shipped = order_tracking(sales_order=tracked["shipped"])
    assert states(shipped) == [(10, T.INVOICED)] and shipped.lines[0].shipped == 3
    assert [(s.carrier, s.tracking_number) for s in shipped.shipped_with] == [("DHL", "JD-0001")]
    assert shipped.lines[0].promised_date == tracked["shipped"].promised_date  # the order's, the line has none

    waiting = order_tracking(sales_order=tracked["waiting"])
    assert states(waiting) == [(10, T.CONFIRMED)] and waiting.status == T.CONFIRMED


def test_a_customers_orders_are_tracked_in_a_fixed_number_of_queries(tracked, customer, floor):
    with CaptureQueriesContext(connection) as few:
        mine = orders_tracking(customer=customer)
    assert [t.order.number for t in mine] == sorted(
        (tracked[name].number for name in ("making", "shipped", "waiting")), reverse=True
    )
    # More orders, with lines and production of their own, cost no more queries.
    for _ in range(3):
        sales_order_create(
            customer=customer,
            warehouse=floor["warehouse"],
            requested_date=tracked["making"].requested_date,
            lines=[{"item": floor["body"], "quantity": Decimal(1), "unit_price": Decimal(1)}],
        )
    with CaptureQueriesContext(connection) as many:
        everyone = orders_tracking()
    assert len(everyone) == 4  # drafts are not tracked; KitchenCo's order is
    assert len(many.captured_queries) == len(few.captured_queries) <= 6
    assert {t.order.number for t in orders_tracking(open_only=True)} == {
        tracked[name].number for name in ("making", "waiting", "theirs")
    }


def test_sales_staff_see_the_open_orders_and_one_order_line_by_line(tracked, client_as):
    client = client_as(Role.SALES)
    page = client.get("/crm/orders/").content.decode()
    for name in ("making", "waiting", "theirs"):
        assert tracked[name].number in page
    assert tracked["shipped"].number not in page  # invoiced: no longer open
    assert "In production" in page and "40 %" in page
    page = client.get("/crm/orders/?state=invoiced").content.decode()
    assert tracked["shipped"].number in page and "JD-0001" in page and tracked["making"].number not in page

    page = client.get(f"/crm/orders/{tracked['making'].pk}/").content.decode()
    assert "PO-MAKE" in page and tracked["production"].number in page and "Ready to ship" in page
    page = client.get(f"/crm/orders/{tracked['shipped'].pk}/").content.decode()
    assert "DHL" in page and "JD-0001" in page and "Invoiced" in page
    # The sales order's own page (ERP) links here.
    page = client.get(tracked["making"].get_absolute_url()).content.decode()
    assert f"/crm/orders/{tracked['making'].pk}/" in page

    assert client_as(Role.OPERATOR).get("/crm/orders/").status_code == 200  # staff see orders
    assert client_as(Role.PARTNER).get("/crm/orders/").status_code == 403


def test_the_staff_api_tracks_open_orders_and_one_order(tracked, api_as):
    api = api_as(Role.SALES)
    answer = api.get("/api/v1/crm/order-tracking/").json()
    assert {row["number"] for row in answer["results"]} == {
        tracked[name].number for name in ("making", "waiting", "theirs")
    }
    answer = api.get(f"/api/v1/crm/order-tracking/{tracked['making'].pk}/").json()
    assert (answer["status"], answer["percent_done"], answer["state"]) == (
        "in_production",
        "40",
        SalesOrderState.IN_PRODUCTION,  # ERP marked it when the production order was released
    )
    kettles, bodies = answer["lines"]
    assert (kettles["state"], kettles["percent_done"], kettles["production"][0]["good_qty"]) == (
        "in_production",
        "40",
        "40.000000",
    )
    assert (bodies["state"], bodies["reserved"], bodies["percent_done"]) == ("ready", "5.000000", None)
    answer = api.get(f"/api/v1/crm/order-tracking/{tracked['shipped'].pk}/").json()
    assert answer["shipments"][0]["carrier"] == "DHL" and answer["shipments"][0]["tracking_number"] == "JD-0001"
    assert api.get("/api/v1/crm/order-tracking/?customer=KITCHENCO").json()["count"] == 1
    assert api_as(Role.PARTNER).get("/api/v1/crm/order-tracking/").status_code == 403
