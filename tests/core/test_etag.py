"""Optimistic concurrency on the API: a record's ETag, and If-Match on its writes (412 when stale)."""

import datetime
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.models import Item, Unit
from core.roles import Role
from erp.choices import PurchaseOrderState, SalesOrderState
from erp.models import PurchaseOrder, SalesOrder
from erp.services import purchasing
from erp.services.sales import sales_order_create
from tests.erp.conftest import TODAY, company, customer, supplier  # noqa: F401  (shared fixtures)
from tests.wms.conftest import item, warehouse  # noqa: F401

ITEMS = "/api/v1/core/items/"


@pytest.fixture
def kettle(db) -> Item:
    return Item.objects.create(code="KT-200", name="Kettle", uom=Unit.objects.get(code="ea"))


@pytest.fixture
def engineer(api_as) -> APIClient:
    return api_as(Role.ENGINEER)


def url(record: Item) -> str:
    return f"{ITEMS}{record.pk}/"


def precondition_failed(response) -> bool:
    return response.status_code == 412 and response.json()["errors"][0]["code"] == "precondition_failed"


def test_a_records_detail_carries_an_etag_that_changes_with_each_write(engineer, kettle):
    etag = engineer.get(url(kettle))["ETag"]
    assert etag.startswith('"') and etag == engineer.get(url(kettle))["ETag"]
    assert not engineer.get(ITEMS).has_header("ETag")  # a list is not one record

    changed = engineer.patch(url(kettle), {"name": "Kettle 1.7 l"}, format="json")  # no If-Match: as before
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert engineer.get(url(kettle))["ETag"] == changed["ETag"]


def test_a_write_with_a_stale_if_match_is_a_412_and_changes_nothing(engineer, kettle):
    stale = engineer.get(url(kettle))["ETag"]
    assert engineer.patch(url(kettle), {"name": "Changed by someone else"}, format="json").status_code == 200

    for response in (
        engineer.patch(url(kettle), {"name": "My change"}, format="json", HTTP_IF_MATCH=stale),
        engineer.put(url(kettle), {"code": "KT-200", "name": "Mine", "uom": "ea"}, format="json", HTTP_IF_MATCH=stale),
        engineer.delete(url(kettle), HTTP_IF_MATCH=stale),
    ):
        assert precondition_failed(response), response.content
    assert Item.objects.get(pk=kettle.pk).name == "Changed by someone else"


def test_a_write_with_the_current_if_match_goes_through_and_answers_the_new_etag(engineer, kettle):
    etag = engineer.get(url(kettle))["ETag"]
    changed = engineer.patch(url(kettle), {"name": "Kettle 1.7 l"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["name"] == "Kettle 1.7 l"
    assert changed["ETag"] != etag and changed["ETag"] == engineer.get(url(kettle))["ETag"]
    # The old tag is now stale, the new one current; "*" matches any version; weak tags never match.
    assert precondition_failed(engineer.patch(url(kettle), {"name": "x"}, format="json", HTTP_IF_MATCH=etag))
    assert precondition_failed(
        engineer.patch(url(kettle), {"name": "x"}, format="json", HTTP_IF_MATCH=f"W/{changed['ETag']}")
    )
    listed = f'"not-it", {changed["ETag"]}'
    assert engineer.patch(url(kettle), {"name": "Kettle"}, format="json", HTTP_IF_MATCH=listed).status_code == 200
    assert engineer.patch(url(kettle), {"name": "Any"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert engineer.delete(url(kettle), HTTP_IF_MATCH=engineer.get(url(kettle))["ETag"]).status_code == 204
    assert not Item.objects.filter(pk=kettle.pk).exists()


def test_a_refused_write_keeps_the_record_and_answers_without_an_etag(engineer, kettle):
    etag = engineer.get(url(kettle))["ETag"]
    refused = engineer.patch(url(kettle), {"lead_time_days": -1}, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 400 and not refused.has_header("ETag")
    assert engineer.get(url(kettle))["ETag"] == etag


def test_a_command_on_a_record_checks_if_match_too(api_as, customer, warehouse, item):  # noqa: F811
    order = sales_order_create(
        customer=customer,
        warehouse=warehouse,
        order_date=TODAY,
        requested_date=TODAY + datetime.timedelta(days=14),
        lines=[{"item": item("KT-200"), "quantity": Decimal(2), "unit_price": Decimal(100)}],
    )
    sales = api_as(Role.SALES)
    detail = f"/api/v1/erp/sales-orders/{order.pk}/"
    stale = sales.get(detail)["ETag"]
    order.notes = "Changed by a colleague"
    order.save()

    refused = sales.post(f"{detail}confirm/", HTTP_IF_MATCH=stale)
    assert precondition_failed(refused)
    assert SalesOrder.objects.get(pk=order.pk).state == SalesOrderState.DRAFT

    current = sales.get(detail)["ETag"]
    confirmed = sales.post(f"{detail}confirm/", HTTP_IF_MATCH=current)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == SalesOrderState.CONFIRMED
    assert confirmed["ETag"] not in (stale, current) and confirmed["ETag"] == sales.get(detail)["ETag"]


def test_a_line_edit_moves_the_sales_orders_etag(api_as, customer, warehouse, item):  # noqa: F811
    """A line is part of its order: If-Match on the order (or on another of its lines) read before a
    colleague added, changed or removed a line is stale."""
    kettle = item("KT-200")
    order = sales_order_create(
        customer=customer,
        warehouse=warehouse,
        order_date=TODAY,
        requested_date=TODAY + datetime.timedelta(days=14),
        lines=[{"item": kettle, "quantity": Decimal(2), "unit_price": Decimal(100)}],
    )
    sales = api_as(Role.SALES)
    detail = f"/api/v1/erp/sales-orders/{order.pk}/"
    first = order.lines.get()

    def added():
        return sales.post(f"{detail}lines/", {"item": "KT-200", "quantity": "1", "unit_price": "90"}, format="json")

    def last_line() -> str:
        return f"{detail}lines/{order.lines.order_by('position').last().pk}/"

    for edit in (
        added,
        lambda: sales.patch(last_line(), {"quantity": "3"}, format="json"),
        lambda: sales.delete(last_line()),
    ):
        stale = sales.get(detail)["ETag"]
        edited = edit()
        assert edited.status_code in (200, 201), edited.content
        assert edited["ETag"] != stale and edited["ETag"] == sales.get(detail)["ETag"]
        assert precondition_failed(sales.post(f"{detail}confirm/", HTTP_IF_MATCH=stale))
        assert precondition_failed(
            sales.patch(f"{detail}lines/{first.pk}/", {"quantity": "5"}, format="json", HTTP_IF_MATCH=stale)
        )
    assert SalesOrder.objects.get(pk=order.pk).state == SalesOrderState.DRAFT
    assert list(order.lines.values_list("quantity", flat=True)) == [2]


def test_a_line_edit_moves_the_purchase_orders_etag(api_as, supplier, warehouse, item):  # noqa: F811
    """Purchase order lines are edited on the order's page (the services): the API's ETag moves with them."""
    element = item("EL-100")
    order = purchasing.purchase_order_create(
        supplier=supplier,
        warehouse=warehouse,
        order_date=TODAY,
        lines=[{"item": element, "quantity": Decimal(10), "unit_price": Decimal(5)}],
    )
    buyer = api_as(Role.BUYER)
    detail = f"/api/v1/erp/purchase-orders/{order.pk}/"
    line = {"item": element, "quantity": Decimal(20), "unit_price": Decimal(4)}
    for edit in (
        lambda: purchasing.purchase_order_line_add(order=order, **line),
        lambda: purchasing.purchase_order_line_update(line=order.lines.order_by("position").last(), **line),
        lambda: purchasing.purchase_order_line_remove(line=order.lines.order_by("position").last()),
    ):
        stale = buyer.get(detail)["ETag"]
        edit()
        assert buyer.get(detail)["ETag"] != stale
        assert precondition_failed(buyer.post(f"{detail}send/", HTTP_IF_MATCH=stale))
    assert PurchaseOrder.objects.get(pk=order.pk).state == PurchaseOrderState.DRAFT


@pytest.mark.django_db(transaction=True)
def test_of_concurrent_writes_from_the_same_version_one_wins(api_as):
    kettle = Item.objects.create(code="KT-200", name="Kettle", uom=Unit.objects.get(code="ea"))
    api = api_as(Role.ENGINEER)
    etag = api.get(url(kettle))["ETag"]
    credentials = api._credentials

    def rename(n: int) -> int:
        client = APIClient()
        client.credentials(**credentials)
        try:
            return client.patch(url(kettle), {"name": f"Kettle {n}"}, format="json", HTTP_IF_MATCH=etag).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(rename, range(12)))

    assert sorted(statuses) == [200] + [412] * 11
    assert Item.objects.get(pk=kettle.pk).name.startswith("Kettle ")
