"""Optimistic concurrency on the API: a record's ETag, and If-Match on its writes (412 when stale)."""

import datetime
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.models import Item, Unit
from core.roles import Role
from erp.choices import SalesOrderState
from erp.models import SalesOrder
from erp.services.sales import sales_order_create
from tests.erp.conftest import TODAY, company, customer  # noqa: F401  (shared fixtures)
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
