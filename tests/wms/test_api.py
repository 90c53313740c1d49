"""The WMS API over real HTTP, each user with a token: master data by codes, stock and the ledger read
with the screens' filters, transfers and counts posted through the services, stock requests moved by
their commands, and an item's stock."""

import datetime
from decimal import Decimal

import pytest

from core.choices import Tracking
from core.roles import Role
from wms.choices import LocationKind, MoveKind, RequestKind, RequestState
from wms.locations import virtual_location
from wms.models import Location, Lot, Quant, StockMove, StockRequest
from wms.services.requests import stock_request_create

pytestmark = pytest.mark.django_db

API = "/api/v1/wms"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


@pytest.fixture
def stock(item, bin_, receive, warehouse):
    cable = item("CB-EU")
    element = item("HE-2000", tracking=Tracking.LOT)
    receive(cable, 100, bin_("A-01"))
    receive(cable, 40, bin_("B-01"))
    receive(element, 30, bin_("A-02"), lot="L-2401", expiry=datetime.date(2027, 3, 1))
    receive(element, 12, Location.objects.get(code="MAIN/QC"), lot="L-2402")
    return {"cable": cable, "element": element}


# --- Master data --------------------------------------------------------------------------------------


def test_warehouses_and_locations_read_and_write_by_codes(api_as, warehouse):
    api = api_as(Role.WAREHOUSE)
    (main,) = api.get(f"{API}/warehouses/").json()["results"]
    assert (main["code"], main["stock_location"], main["quality_location"]) == ("MAIN", "MAIN/STOCK", "MAIN/QC")

    created = api.post(
        f"{API}/locations/",
        {
            "code": "MAIN/STOCK/D-01",
            "warehouse": "MAIN",
            "parent": "MAIN/STOCK",
            "pick_sequence": 90,
            "capacity_qty": "200",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["parent"] == "MAIN/STOCK" and created.json()["kind"] == "internal"
    listing = api.get(f"{API}/locations/", {"parent": "MAIN/STOCK", "ordering": "-pick_sequence"}).json()
    assert [row["code"] for row in listing["results"]][:2] == ["MAIN/STOCK/D-01", "MAIN/STOCK/B-01"]

    wrong = api.post(
        f"{API}/locations/", {"code": "X", "warehouse": "MAIN", "parent": "MAIN/STOCK/A-01"}, format="json"
    )
    assert ("parent", "invalid") in errors(wrong)
    assert api_as(Role.PLANNER).post(f"{API}/locations/", {"code": "Y", "warehouse": "MAIN"}).status_code == 403
    # Warehouses are set up by administrators only.
    assert api.post(f"{API}/warehouses/", {"code": "WH2", "name": "Two"}).status_code == 403
    admin = api_as(Role.ADMIN)
    assert admin.post(f"{API}/warehouses/", {"code": "WH2", "name": "Two"}, format="json").status_code == 201
    other = admin.patch(f"{API}/warehouses/{main['id']}/", {"stock_location": "VIRTUAL/SCRAP"}, format="json")
    assert ("stock_location", "other_warehouse") in errors(other)


def test_a_location_holding_stock_stays_a_bin(api_as, stock, bin_):
    api = api_as(Role.WAREHOUSE)
    response = api.patch(f"{API}/locations/{bin_('A-01').pk}/", {"kind": "view", "active": False}, format="json")
    assert response.status_code == 400
    assert errors(response) == {
        ("kind", "invalid"): "MAIN/STOCK/A-01 holds stock; move it out first.",
        ("active", "invalid"): "MAIN/STOCK/A-01 holds stock; move it out first.",
    }
    deleted = api.delete(f"{API}/locations/{bin_('A-01').pk}/")
    assert deleted.status_code == 409


def test_lots_are_created_for_an_item_and_keep_it(api_as, stock):
    api = api_as(Role.QUALITY)
    created = api.post(
        f"{API}/lots/", {"item": "HE-2000", "code": "L-2403", "expiry_date": "2027-06-30"}, format="json"
    )
    assert created.status_code == 201, created.content
    moved = api.patch(f"{API}/lots/{created.json()['id']}/", {"item": "CB-EU"}, format="json")
    assert ("item", "read_only") in errors(moved)
    twice = api.post(f"{API}/lots/", {"item": "HE-2000", "code": "L-2403"}, format="json")
    assert twice.status_code == 400
    listing = api.get(f"{API}/lots/", {"item": "HE-2000"}).json()
    assert [lot["code"] for lot in listing["results"]] == ["L-2401", "L-2402", "L-2403"]


# --- Stock and the ledger -----------------------------------------------------------------------------------


def test_quants_are_read_with_the_stock_lists_filters(api_as, stock):
    api = api_as(Role.SALES)  # everyone on staff may see stock
    assert api_as(Role.PARTNER).get(f"{API}/quants/").status_code == 403  # a partner's login may not
    everything = api.get(f"{API}/quants/").json()
    assert everything["count"] == 4
    (quant,) = api.get(f"{API}/quants/", {"item": "HE-2000", "location": "MAIN/STOCK"}).json()["results"]
    assert quant == {
        "id": quant["id"],
        "item": "HE-2000",
        "item_name": "HE-2000",
        "unit": "ea",
        "warehouse": "MAIN",
        "location": "MAIN/STOCK/A-02",
        "lot": "L-2401",
        "quantity": "30.000000",
        "reserved": "0.000000",
        "available": "30.000000",
        "quality_hold": False,
        "in_date": quant["in_date"],
    }
    assert api.get(f"{API}/quants/", {"lot": "L-2402", "warehouse": "MAIN"}).json()["results"][0]["quality_hold"]
    unknown = api.get(f"{API}/quants/", {"item": "NOPE"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "item"
    assert api.post(f"{API}/quants/", {}).status_code in (403, 405)


def test_a_transfer_is_posted_through_the_service(api_as, stock):
    api = api_as(Role.WAREHOUSE)
    payload = {"item": "HE-2000", "quantity": "10", "from_location": "MAIN/STOCK/A-02"}
    payload |= {"to_location": "MAIN/STOCK/B-01", "lot": "L-2401", "reference": "RESLOT-7"}
    response = api.post(f"{API}/stock-moves/transfer/", payload, format="json")
    assert response.status_code == 201, response.content
    move = response.json()
    assert (move["kind"], move["quantity"], move["lot"], move["to_location"]) == (
        "transfer",
        "10.000000",
        "L-2401",
        "MAIN/STOCK/B-01",
    )
    assert move["moved_by"].startswith("warehouse")
    assert Quant.objects.get(lot__code="L-2401", location__code="MAIN/STOCK/B-01").quantity == 10

    too_much = api.post(f"{API}/stock-moves/transfer/", payload | {"quantity": "21"}, format="json")
    assert too_much.status_code == 400 and ("quantity", "insufficient_stock") in errors(too_much)
    no_lot = api.post(f"{API}/stock-moves/transfer/", payload | {"lot": "L-9"}, format="json")
    assert ("lot", "does_not_exist") in errors(no_lot)
    to_zone = api.post(f"{API}/stock-moves/transfer/", payload | {"to_location": "MAIN/STOCK"}, format="json")
    assert ("to_location", "not_internal") in errors(to_zone)
    extra = api.post(f"{API}/stock-moves/transfer/", payload | {"kind": "receipt"}, format="json")
    assert ("kind", "read_only") in errors(extra)
    assert api_as(Role.PLANNER).post(f"{API}/stock-moves/transfer/", payload, format="json").status_code == 403
    assert api.post(f"{API}/stock-moves/", payload, format="json").status_code == 405
    assert StockMove.objects.filter(kind=MoveKind.TRANSFER).count() == 1


def test_a_count_posts_the_difference_and_creates_a_found_lot(api_as, stock):
    api = api_as(Role.WAREHOUSE)
    lower = api.post(
        f"{API}/stock-moves/adjust/",
        {"item": "CB-EU", "location": "MAIN/STOCK/B-01", "counted": "37", "reason": "Damaged box"},
        format="json",
    )
    assert lower.status_code == 201, lower.content
    result = lower.json()
    assert (result["counted"], result["move"]["quantity"], result["move"]["to_location"]) == (
        "37.000000",
        "3.000000",
        "VIRTUAL/INVENTORY-LOSS",
    )
    same = api.post(
        f"{API}/stock-moves/adjust/", {"item": "CB-EU", "location": "MAIN/STOCK/B-01", "counted": "37"}, format="json"
    )
    assert same.status_code == 200 and same.json()["move"] is None

    found = api.post(
        f"{API}/stock-moves/adjust/",
        {"item": "HE-2000", "location": "MAIN/STOCK/B-01", "lot": "L-FOUND", "counted": "4"},
        format="json",
    )
    assert found.status_code == 201 and found.json()["lot"] == "L-FOUND"
    refused = api.post(
        f"{API}/stock-moves/adjust/",
        {"item": "CB-EU", "location": "MAIN/STOCK/B-01", "lot": "L-NEW", "counted": "4"},
        format="json",
    )
    assert ("lot", "not_tracked") in errors(refused)
    assert not Lot.objects.filter(code="L-NEW").exists()


def test_the_ledger_is_listed_with_filters(api_as, stock):
    api = api_as(Role.OPERATOR)
    assert api.get(f"{API}/stock-moves/").json()["count"] == 4
    assert api.get(f"{API}/stock-moves/", {"item": "HE-2000", "kind": "receipt"}).json()["count"] == 2
    assert api.get(f"{API}/stock-moves/", {"location": "MAIN/QC"}).json()["count"] == 1
    today = datetime.date.today().isoformat()
    assert api.get(f"{API}/stock-moves/", {"moved_at_after": today, "reference": "po-"}).json()["count"] == 4


def test_lists_take_a_fixed_number_of_queries(api_as, stock, item, bin_, receive, django_assert_max_num_queries):
    for n in range(20):
        receive(item(f"P-{n}", tracking=Tracking.LOT), n + 1, bin_("B-01"), lot=f"LOT-{n}")
    stock_request_create(
        kind=RequestKind.MATERIAL,
        warehouse=bin_("B-01").warehouse,
        destination=virtual_location(LocationKind.PRODUCTION),
        lines=[(stock["cable"], Decimal(1), None)],
    )
    api = api_as(Role.WAREHOUSE)
    for url in ("warehouses/", "locations/", "lots/", "quants/", "stock-moves/", "stock-requests/"):
        with django_assert_max_num_queries(6):
            assert api.get(f"{API}/{url}").status_code == 200, url


# --- Stock requests -------------------------------------------------------------------------------------------


def test_a_request_is_created_by_codes_reserved_and_delivered(api_as, stock):
    sales = api_as(Role.SALES)
    created = sales.post(
        f"{API}/stock-requests/",
        {
            "kind": "shipment",
            "warehouse": "MAIN",
            "reference": "SO-2026-00012",
            "needed_on": "2026-12-01",
            "lines": [{"item": "CB-EU", "quantity": "120"}, {"item": "HE-2000", "quantity": "5", "lot": "L-2401"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    request = created.json()
    assert request["number"].startswith("SR-") and request["destination"] == "VIRTUAL/CUSTOMERS"
    assert (request["state"], [line["lot"] for line in request["lines"]]) == ("open", [None, "L-2401"])

    reserved = sales.post(f"{API}/stock-requests/{request['id']}/reserve/")
    assert reserved.status_code == 200
    body = reserved.json()
    assert body["state"] == RequestState.RESERVED
    assert [line["reserved"] for line in body["lines"]] == ["120.000000", "5.000000"]
    assert sorted((r["location"], r["quantity"]) for r in body["reservations"]) == [
        ("MAIN/STOCK/A-01", "100.000000"),
        ("MAIN/STOCK/A-02", "5.000000"),
        ("MAIN/STOCK/B-01", "20.000000"),
    ]

    refused = sales.post(f"{API}/stock-requests/{request['id']}/deliver/")
    assert refused.status_code == 403  # posting stock moves is the warehouse's job
    delivered = api_as(Role.WAREHOUSE).post(f"{API}/stock-requests/{request['id']}/deliver/")
    assert delivered.status_code == 200 and delivered.json()["state"] == RequestState.DONE
    assert [line["delivered"] for line in delivered.json()["lines"]] == ["120.000000", "5.000000"]
    assert StockMove.objects.filter(kind=MoveKind.SHIPMENT, reference="SO-2026-00012").count() == 3
    again = api_as(Role.WAREHOUSE).post(f"{API}/stock-requests/{request['id']}/reserve/")
    assert again.status_code == 400 and errors(again)[(None, "request_closed")].endswith("is Done.")


def test_a_request_can_be_unreserved_and_cancelled_but_not_deleted(api_as, stock):
    api = api_as(Role.PLANNER)
    created = api.post(
        f"{API}/stock-requests/",
        {"kind": "material", "warehouse": "MAIN", "lines": [{"item": "CB-EU", "quantity": "10"}]},
        format="json",
    ).json()
    assert created["destination"] == "VIRTUAL/PRODUCTION"
    api.post(f"{API}/stock-requests/{created['id']}/reserve/")
    unreserved = api.post(f"{API}/stock-requests/{created['id']}/unreserve/").json()
    assert unreserved["state"] == "open" and unreserved["reservations"] == []
    cancelled = api.post(f"{API}/stock-requests/{created['id']}/cancel/").json()
    assert cancelled["state"] == "cancelled"
    assert api.delete(f"{API}/stock-requests/{created['id']}/").status_code == 405
    assert StockRequest.objects.get(pk=created["id"]).state == RequestState.CANCELLED


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param({"lines": []}, ("lines", "required"), id="no lines"),
        pytest.param({"lines": [{"item": "NOPE", "quantity": "1"}]}, ("lines.0.item", "does_not_exist"), id="item"),
        pytest.param({"lines": [{"item": "CB-EU", "quantity": "0"}]}, ("lines.0.quantity", "min_value"), id="zero"),
        pytest.param(
            {"lines": [{"item": "HE-2000", "quantity": "1", "lot": "L-9"}]},
            ("lines.0.lot", "does_not_exist"),
            id="lot",
        ),
        pytest.param(
            {"destination": "VIRTUAL/PRODUCTION", "lines": [{"item": "CB-EU", "quantity": "1"}]},
            ("destination", "wrong_destination"),
            id="destination",
        ),
    ],
)
def test_a_bad_request_is_refused_naming_the_field(api_as, stock, payload, expected):
    response = api_as(Role.SALES).post(
        f"{API}/stock-requests/", {"kind": "shipment", "warehouse": "MAIN", **payload}, format="json"
    )
    assert response.status_code == 400
    assert expected in errors(response), errors(response)


# --- An item's stock -------------------------------------------------------------------------------------------


def test_an_items_stock_per_warehouse_and_location(api_as, stock, warehouse):
    stock_request_create(
        kind=RequestKind.SHIPMENT,
        warehouse=warehouse,
        destination=virtual_location(LocationKind.CUSTOMER),
        lines=[(stock["element"], Decimal(10), None)],
    )
    from wms.services.requests import stock_request_reserve

    stock_request_reserve(request=StockRequest.objects.get())
    assert api_as(Role.PARTNER).get(f"{API}/items/HE-2000/stock/").status_code == 403
    body = api_as(Role.SALES).get(f"{API}/items/HE-2000/stock/").json()
    assert {key: body[key] for key in ("item", "unit", "on_hand", "reserved", "quality_hold", "available")} == {
        "item": "HE-2000",
        "unit": "ea",
        "on_hand": "42.000000",
        "reserved": "10.000000",
        "quality_hold": "12.000000",
        "available": "20.000000",
    }
    assert body["warehouses"] == [
        {
            "warehouse": "MAIN",
            "on_hand": "42.000000",
            "reserved": "10.000000",
            "quality_hold": "12.000000",
            "available": "20.000000",
        }
    ]
    assert [(row["location"], row["lot"], row["expiry_date"], row["available"]) for row in body["locations"]] == [
        ("MAIN/QC", "L-2402", None, "12.000000"),
        ("MAIN/STOCK/A-02", "L-2401", "2027-03-01", "20.000000"),
    ]
    from wms.selectors.stock import available, on_hand

    assert Decimal(body["on_hand"]) == on_hand(item=stock["element"])
    assert Decimal(body["available"]) == available(item=stock["element"])
    assert api_as(Role.PLANNER).get(f"{API}/items/NOPE/stock/").status_code == 404
    other = api_as(Role.PLANNER).get(f"{API}/items/HE-2000/stock/", {"warehouse": "NOPE"})
    assert other.status_code == 400
