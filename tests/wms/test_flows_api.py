"""Receiving, inspection, put-away, picking in waves, packing, shipping, counting and the valuation snapshot,
through the API over real HTTP, each system with its own token: a supplier's system announces an ASN, the
warehouse receives, inspects, puts away, picks and ships what sales asked for, a count beyond the tolerance
waits for finance, and at the end the ledger proves itself and the snapshot agrees with the quants."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.choices import Tracking
from core.models import DomainEvent, Partner
from core.roles import Role
from wms import events
from wms.choices import LocationKind, RequestKind
from wms.locations import virtual_location
from wms.models import (
    CountState,
    Location,
    PickState,
    Quant,
    Receipt,
    ReplenishmentRule,
    StockMove,
    StockPolicy,
    TaskPurpose,
    TaskState,
)
from wms.selectors.stock import ledger_mismatches
from wms.services.cycle_counts import cycle_count_create, cycle_count_record
from wms.services.picking import pick_confirm, pick_list_create, shipment_create, wave_create
from wms.services.receipts import receipt_create, receipt_receive
from wms.services.requests import stock_request_create, stock_request_reserve

pytestmark = pytest.mark.django_db

API = "/api/v1/wms"


def errors(response) -> dict:
    """{(field, code): message} of an error response."""
    return {(error["field"], error["code"]): error["message"] for error in response.json()["errors"]}


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


@pytest.fixture
def parties(db):
    return {
        "supplier": Partner.objects.create(code="S-HEAT", name="Ningbo Heating", kind="supplier"),
        "customer": Partner.objects.create(code="C-MEDIA", name="MediaHome", kind="customer"),
    }


@pytest.fixture
def goods(item):
    element = item("HE-2000", tracking=Tracking.LOT)
    StockPolicy.objects.create(item=element, requires_inspection=True)
    return {"cable": item("CB-EU"), "element": element}


def test_from_asn_to_shipment_to_count_with_tokens(api_as, warehouse, parties, goods, bin_, settings):
    settings.TAKT_OVER_RECEIPT_TOLERANCE_PCT = 10
    settings.TAKT_COUNT_TOLERANCE_PCT = 2
    before_anything = timezone.now()
    buyer, floor, sales = api_as(Role.BUYER), api_as(Role.WAREHOUSE), api_as(Role.SALES)

    # --- The buyer enters a supplier's delivery notice (an ASN) ----------------------------------------------
    receipt = ok(
        buyer.post(
            f"{API}/receipts/",
            {
                "warehouse": "MAIN",
                "supplier": "S-HEAT",
                "reference": "PO-2026-00007",
                "asn_number": "ASN-88",
                "expected_on": "2026-05-04",
                "lines": [
                    {"item": "CB-EU", "expected_qty": "100", "unit_cost": "4.6", "order_line_ref": "PO-2026-00007/1"},
                    {
                        "item": "HE-2000",
                        "expected_qty": "50",
                        "lot_code": "NB-2611-07",
                        "expiry_date": "2030-01-01",
                        "order_line_ref": "PO-2026-00007/2",
                    },
                ],
            },
            format="json",
        ),
        201,
    )
    assert receipt["number"].startswith("RC-") and (receipt["state"], receipt["supplier"]) == ("expected", "S-HEAT")
    cable_line, element_line = receipt["lines"]
    assert (cable_line["expected_qty"], cable_line["received_qty"], cable_line["outstanding"]) == (
        "100.000000",
        "0.000000",
        "100.000000",
    )
    # The buyer announces; receiving posts stock and is the warehouse's.
    url = f"{API}/receipts/{receipt['id']}"
    assert buyer.post(f"{url}/receive/", {"line": cable_line["id"], "quantity": "1"}).status_code == 403

    # --- The warehouse receives: cables to put-away, heating elements into quality hold -------------------------
    received = ok(floor.post(f"{url}/receive/", {"line": cable_line["id"], "quantity": "100"}, format="json"), 201)
    assert received["quality_hold"] is False and received["line"]["outstanding"] == "0.000000"
    assert [(t["purpose"], t["item"], t["quantity"], t["from_location"]) for t in received["tasks"]] == [
        ("putaway", "CB-EU", "100.000000", "MAIN/RECV")
    ]
    over = floor.post(f"{url}/receive/", {"line": cable_line["id"], "quantity": "11"}, format="json")
    assert over.status_code == 400
    assert "at most 110 may be received" in errors(over)[("quantity", "over_receipt")]
    held = ok(floor.post(f"{url}/receive/", {"line": element_line["id"], "quantity": "50"}, format="json"), 201)
    assert held["quality_hold"] is True and held["tasks"] == []
    assert Quant.objects.get(item=goods["element"], location__code="MAIN/QC").quantity == 50

    # Inspection: 45 released (with put-away tasks), 5 rejected to scrap.
    decision = {"item": "HE-2000", "warehouse": "MAIN", "lot": "NB-2611-07"}
    released = ok(floor.post(f"{API}/quality/release/", decision | {"quantity": "45"}, format="json"), 201)
    assert [(t["item"], t["lot"], t["quantity"]) for t in released["tasks"]] == [("HE-2000", "NB-2611-07", "45.000000")]
    rejected = ok(
        floor.post(f"{API}/quality/reject/", decision | {"quantity": "5", "reason": "cracked"}, format="json"), 201
    )
    assert (rejected["kind"], rejected["to_location"], rejected["note"]) == ("scrap", "VIRTUAL/SCRAP", "cracked")
    more = floor.post(f"{API}/quality/reject/", decision | {"quantity": "1"}, format="json")
    assert ("quantity", "insufficient_stock") in errors(more)

    # --- Put-away: the open tasks, each confirmed by scanning its bin ----------------------------------------
    tasks = ok(floor.get(f"{API}/tasks/", {"purpose": "putaway", "warehouse": "MAIN"}))["results"]
    assert len(tasks) == 2 and {t["state"] for t in tasks} == {"open"}
    first = tasks[0]
    wrong = next(code for code in ("MAIN/STOCK/A-01", "MAIN/STOCK/B-01") if code != first["to_location"])
    refused = floor.post(f"{API}/tasks/{first['id']}/confirm/", {"location": wrong}, format="json")
    assert refused.status_code == 400 and ("location", "wrong_bin") in errors(refused)
    for task in tasks:
        done = ok(floor.post(f"{API}/tasks/{task['id']}/confirm/", {"location": task["to_location"]}, format="json"))
        assert done["state"] == "done" and done["done_by"].startswith("warehouse")
    assert ok(floor.get(f"{API}/tasks/"))["count"] == 0  # open ones by default
    assert ok(floor.get(f"{API}/tasks/", {"state": "all"}))["count"] == 2

    closed = ok(floor.post(f"{url}/close/"))
    assert closed["state"] == "done"
    assert DomainEvent.objects.filter(name=events.RECEIPT_CLOSED).count() == 1
    assert ("line", "invalid") in errors(floor.post(f"{url}/receive/", {"line": 0, "quantity": "1"}, format="json"))

    # --- Sales asks for a shipment (and another order), the warehouse reserves both -------------------------------
    orders = []
    for reference, lines in (
        ("SO-2026-00012", [{"item": "CB-EU", "quantity": "30"}, {"item": "HE-2000", "quantity": "20"}]),
        ("SO-2026-00013", [{"item": "CB-EU", "quantity": "10"}]),
    ):
        created = ok(
            sales.post(
                f"{API}/stock-requests/",
                {"kind": "shipment", "warehouse": "MAIN", "reference": reference, "partner": "C-MEDIA", "lines": lines},
                format="json",
            ),
            201,
        )
        reserved = ok(floor.post(f"{API}/stock-requests/{created['id']}/reserve/"))
        assert reserved["state"] == "reserved"
        orders.append(created)

    # --- A wave releases both; the pick path walks the bins once ---------------------------------------------------
    assert floor.post(f"{API}/waves/", {"warehouse": "MAIN", "requests": []}, format="json").status_code == 400
    wave = ok(
        floor.post(f"{API}/waves/", {"warehouse": "MAIN", "requests": [o["number"] for o in orders]}, format="json"),
        201,
    )
    assert wave["number"].startswith("WV-") and len(wave["pick_lists"]) == 2
    path = wave["path"]
    sequences = [Location.objects.get(code=line["from_location"]).pick_sequence for line in path]
    assert sequences == sorted(sequences) and len(path) == 3
    assert ok(floor.get(f"{API}/waves/{wave['id']}/"))["path"] == path
    main_list = next(p for p in wave["pick_lists"] if p["request"] == orders[0]["number"])

    not_picked = floor.post(
        f"{API}/shipments/", {"pick_list": main_list["number"], "packages": [{"code": "P1"}]}, format="json"
    )
    assert not_picked.status_code == 400 and (None, "not_picked") in errors(not_picked)

    for line in path:
        pick = f"{API}/pick-lines/{line['id']}"
        scan = {"location": line["from_location"], "quantity": line["quantity"], "lot": line["lot"] or ""}
        if line["item"] == "HE-2000":
            too_many = floor.post(f"{pick}/confirm/", scan | {"quantity": "21"}, format="json")
            assert ("quantity", "more_than_reserved") in errors(too_many)
            other_bin = floor.post(f"{pick}/confirm/", scan | {"location": "MAIN/QC"}, format="json")
            assert ("location", "wrong_bin") in errors(other_bin)
            short = ok(floor.post(f"{pick}/short/", {"found": "15", "reason": "5 cracked, set aside"}, format="json"))
            assert (short["picked_qty"], short["short_qty"], short["short_reason"]) == (
                "15.000000",
                "5.000000",
                "5 cracked, set aside",
            )
        else:
            picked = ok(floor.post(f"{pick}/confirm/", scan, format="json"))
            assert picked["open_qty"] == "0.000000"
    lists = ok(floor.get(f"{API}/pick-lists/", {"wave": wave["number"]}))["results"]
    assert {p["state"] for p in lists} == {PickState.PICKED}
    assert ok(floor.get(f"{API}/pick-lines/", {"wave": wave["number"]}))["count"] == 3

    # --- Packed and shipped with a tracking number -----------------------------------------------------------------
    shipment = ok(
        floor.post(
            f"{API}/shipments/",
            {
                "pick_list": main_list["number"],
                "carrier": "SF Express",
                "packages": [
                    {"code": "P1", "weight_kg": "12.5", "contents": "30 CB-EU"},
                    {"code": "P2", "weight_kg": "8", "contents": "15 HE-2000"},
                ],
            },
            format="json",
        ),
        201,
    )
    assert shipment["number"].startswith("DN-") and shipment["shipped_at"] is None
    assert [p["code"] for p in shipment["packages"]] == ["P1", "P2"]
    assert (shipment["request"], shipment["reference"], shipment["partner"]) == (
        orders[0]["number"],
        "SO-2026-00012",
        "C-MEDIA",
    )
    shipped = ok(floor.post(f"{API}/shipments/{shipment['id']}/ship/", {"tracking_number": "SF1234567890"}))
    assert shipped["tracking_number"] == "SF1234567890" and shipped["shipped_at"] and shipped["shipped_by"]
    again = floor.post(f"{API}/shipments/{shipment['id']}/ship/", {}, format="json")
    assert again.status_code == 400 and (None, "shipped") in errors(again)
    event = DomainEvent.objects.get(name=events.SHIPMENT_SHIPPED)
    assert event.payload["tracking_number"] == "SF1234567890"
    assert sorted((line["item"], line["quantity"]) for line in event.payload["lines"]) == [
        ("CB-EU", "30.000000"),
        ("HE-2000", "15.000000"),
    ]
    assert ok(floor.get(f"{API}/shipments/{shipment['id']}/"))["number"] == shipment["number"]

    # --- A count beyond the tolerance waits for finance's approval ---------------------------------------------------
    cable_bin = Quant.objects.filter(item=goods["cable"], quantity__gt=0, location__code__startswith="MAIN/STOCK/")
    cable_bin = cable_bin.order_by("location__code").first()
    count = ok(floor.post(f"{API}/cycle-counts/", {"warehouse": "MAIN", "location": cable_bin.location.code}), 201)
    counted_lines = [line for line in count["lines"] if line["item"] == "CB-EU"]
    assert [line["expected_qty"] for line in counted_lines] == [str(cable_bin.quantity)]
    for line in count["lines"]:
        counted = Decimal(line["expected_qty"]) - (10 if line["item"] == "CB-EU" else 0)
        recorded = ok(floor.post(f"{API}/cycle-counts/{count['id']}/record/", {"line": line["id"], "counted": counted}))
        assert recorded["beyond_tolerance"] is (line["item"] == "CB-EU")
    refused = floor.post(f"{API}/cycle-counts/{count['id']}/post/")
    assert refused.status_code == 400 and (None, "needs_approval") in errors(refused)
    assert ok(floor.get(f"{API}/cycle-counts/{count['id']}/"))["needs_approval"] is True
    assert floor.post(f"{API}/cycle-counts/{count['id']}/approve/").status_code == 403  # not the warehouse's right
    approved = ok(api_as(Role.FINANCE).post(f"{API}/cycle-counts/{count['id']}/approve/"))
    assert approved["approved_by"].startswith("finance") and approved["needs_approval"] is False
    posted = ok(floor.post(f"{API}/cycle-counts/{count['id']}/post/"))
    assert posted["state"] == CountState.POSTED
    assert Quant.objects.get(pk=cable_bin.pk).quantity == cable_bin.quantity - 10

    # --- The ledger proves itself; the snapshot agrees with the quants ---------------------------------------------
    out = io.StringIO()
    call_command("wms_check", stdout=out)
    assert "consistent" in out.getvalue() and ledger_mismatches() == []

    snapshot = ok(floor.get(f"{API}/stock-snapshot/", {"at": timezone.now().isoformat(), "warehouse": "MAIN"}))
    quants = Quant.objects.filter(quantity__gt=0, location__warehouse__code="MAIN").select_related(
        "item", "location", "lot"
    )
    assert sorted((r["item"], r["location"], r["lot"], Decimal(r["quantity"])) for r in snapshot["results"]) == sorted(
        (q.item.code, q.location.code, q.lot.code if q.lot else None, q.quantity) for q in quants
    )
    assert {r["warehouse"] for r in snapshot["results"]} == {"MAIN"}
    expected_rows = {
        ("CB-EU", "MAIN/STOCK/A-01", None, Decimal(50)),  # 100 received, 40 shipped, 10 lost in the count
        ("HE-2000", "MAIN/STOCK/A-01", "NB-2611-07", Decimal(30)),  # 45 released, 15 shipped; the short 5 stay put
        ("CB-EU", "MAIN/OUT", None, Decimal(10)),  # the second order, picked, waiting for its shipment
    }
    assert {(r["item"], r["location"], r["lot"], Decimal(r["quantity"])) for r in snapshot["results"]} == expected_rows
    empty = ok(floor.get(f"{API}/stock-snapshot/", {"at": before_anything.isoformat()}))
    assert empty["count"] == 0


# --- Permissions and refusals -------------------------------------------------------------------------------------


@pytest.fixture
def stocked(warehouse, parties, goods, receive, bin_):
    receive(goods["cable"], 40, bin_("A-01"))
    receive(goods["cable"], 60, bin_("B-01"))
    return goods


def test_a_receipt_names_what_is_wrong(api_as, warehouse, parties, goods):
    buyer = api_as(Role.BUYER)
    base = {"warehouse": "MAIN", "supplier": "S-HEAT", "lines": [{"item": "CB-EU", "expected_qty": "5"}]}
    for payload, expected in (
        ({"supplier": "C-MEDIA"}, ("supplier", "not_a_supplier")),
        ({"supplier": "NOPE"}, ("supplier", "does_not_exist")),
        ({"lines": []}, ("lines", "empty")),
        ({"lines": [{"item": "CB-EU", "expected_qty": "0"}]}, ("lines.0.expected_qty", "min_value")),
        ({"lines": [{"item": "NOPE", "expected_qty": "1"}]}, ("lines.0.item", "does_not_exist")),
        ({"state": "done"}, ("state", "read_only")),
    ):
        response = buyer.post(f"{API}/receipts/", base | payload, format="json")
        assert response.status_code == 400 and expected in errors(response), (payload, errors(response))
    assert Receipt.objects.count() == 0
    # Buyers announce receipts and read them, but neither delete nor close them.
    created = ok(buyer.post(f"{API}/receipts/", base, format="json"), 201)
    assert buyer.delete(f"{API}/receipts/{created['id']}/").status_code == 405
    assert buyer.post(f"{API}/receipts/{created['id']}/close/").status_code == 403
    assert ok(buyer.get(f"{API}/receipts/", {"supplier": "S-HEAT"}))["count"] == 1
    assert api_as(Role.SALES).post(f"{API}/receipts/", base, format="json").status_code == 403
    # A supplier's own login announces its deliveries as ASNs through the portal, never here: this endpoint
    # is not scoped to a partner.
    partner = api_as(Role.PARTNER)
    assert partner.post(f"{API}/receipts/", base, format="json").status_code == 403
    assert partner.get(f"{API}/receipts/").status_code == 403
    assert Receipt.objects.count() == 1


def test_a_tracked_receipt_needs_its_lot(api_as, warehouse, parties, goods):
    receipt = receipt_create(
        warehouse=warehouse,
        supplier=parties["supplier"],
        lines=[{"item": goods["element"], "expected_qty": Decimal(5)}],
    )
    response = api_as(Role.WAREHOUSE).post(
        f"{API}/receipts/{receipt.pk}/receive/", {"line": receipt.lines.get().pk, "quantity": "5"}, format="json"
    )
    assert response.status_code == 400 and ("lot", "required") in errors(response)
    assert StockMove.objects.count() == 0


def test_put_away_of_a_part_leaves_the_rest_open_and_another_bin_needs_saying_so(
    api_as, warehouse, parties, goods, bin_
):
    receipt = receipt_create(
        warehouse=warehouse, supplier=parties["supplier"], lines=[{"item": goods["cable"], "expected_qty": Decimal(10)}]
    )
    floor = api_as(Role.WAREHOUSE)
    (task,) = ok(
        floor.post(f"{API}/receipts/{receipt.pk}/receive/", {"line": receipt.lines.get().pk, "quantity": "10"}), 201
    )["tasks"]
    url = f"{API}/tasks/{task['id']}/confirm/"
    too_much = floor.post(url, {"location": task["to_location"], "quantity": "11"}, format="json")
    assert ("quantity", "too_much") in errors(too_much)
    not_a_bin = floor.post(url, {"location": "MAIN/STOCK", "other_bin": True}, format="json")
    assert ("location", "not_a_bin") in errors(not_a_bin)
    part = ok(floor.post(url, {"location": task["to_location"], "quantity": "4"}, format="json"))
    assert part["quantity"] == "4.000000"
    (rest,) = ok(floor.get(f"{API}/tasks/", {"receipt": receipt.number}))["results"]
    assert rest["quantity"] == "6.000000" and rest["state"] == TaskState.OPEN
    elsewhere = ok(floor.post(f"{API}/tasks/{rest['id']}/confirm/", {"location": "MAIN/STOCK/B-01", "other_bin": True}))
    assert elsewhere["to_location"] == "MAIN/STOCK/B-01"
    assert api_as(Role.PLANNER).post(url, {"location": task["to_location"]}).status_code == 403


def test_a_pick_list_from_a_request_and_a_short_pick_without_anything_found(api_as, stocked, warehouse):
    request = stock_request_reserve(
        request=stock_request_create(
            kind=RequestKind.SHIPMENT,
            warehouse=warehouse,
            destination=virtual_location(LocationKind.CUSTOMER),
            lines=[(stocked["cable"], Decimal(50), None)],
            reference="SO-1",
        )
    )
    floor = api_as(Role.WAREHOUSE)
    pick_list = ok(floor.post(f"{API}/pick-lists/", {"request": request.number}, format="json"), 201)
    assert [(line["from_location"], line["quantity"]) for line in pick_list["lines"]] == [
        ("MAIN/STOCK/A-01", "40.000000"),
        ("MAIN/STOCK/B-01", "10.000000"),
    ]
    twice = floor.post(f"{API}/pick-lists/", {"request": request.number}, format="json")
    assert (None, "pick_list_open") in errors(twice)
    unknown = floor.post(f"{API}/pick-lists/", {"request": "SR-0"}, format="json")
    assert ("request", "does_not_exist") in errors(unknown)
    first, second = pick_list["lines"]
    no_reason = floor.post(f"{API}/pick-lines/{first['id']}/short/", {"found": "0", "reason": ""}, format="json")
    assert ("reason", "blank") in errors(no_reason)
    short = ok(floor.post(f"{API}/pick-lines/{first['id']}/short/", {"found": "0", "reason": "Bin empty"}))
    assert (short["picked_qty"], short["short_qty"]) == ("0.000000", "40.000000")
    lot_for_untracked = floor.post(
        f"{API}/pick-lines/{second['id']}/confirm/",
        {"location": "MAIN/STOCK/B-01", "quantity": "10", "lot": "L-1"},
        format="json",
    )
    assert ("lot", "does_not_exist") in errors(lot_for_untracked)
    ok(floor.post(f"{API}/pick-lines/{second['id']}/confirm/", {"location": "MAIN/STOCK/B-01", "quantity": "10"}))
    assert ok(floor.get(f"{API}/pick-lists/{pick_list['id']}/"))["state"] == PickState.PICKED
    assert api_as(Role.SALES).post(f"{API}/pick-lines/{second['id']}/confirm/", {}).status_code == 403
    assert ledger_mismatches() == []


def test_a_count_by_abc_class_and_stock_found(api_as, stocked, warehouse, bin_, item):
    StockPolicy.objects.create(item=stocked["cable"], abc_class="A")
    floor = api_as(Role.WAREHOUSE)
    for payload, expected in (
        ({}, (None, "scope")),
        ({"location": "MAIN/STOCK", "abc_class": "A"}, (None, "scope")),
        ({"abc_class": "D"}, ("abc_class", "invalid_choice")),
        ({"location": "VIRTUAL/SCRAP"}, ("location", "other_warehouse")),
    ):
        response = floor.post(f"{API}/cycle-counts/", {"warehouse": "MAIN", **payload}, format="json")
        assert response.status_code == 400 and expected in errors(response), errors(response)
    count = ok(floor.post(f"{API}/cycle-counts/", {"warehouse": "MAIN", "abc_class": "A"}, format="json"), 201)
    assert sorted((line["location"], line["expected_qty"]) for line in count["lines"]) == [
        ("MAIN/STOCK/A-01", "40.000000"),
        ("MAIN/STOCK/B-01", "60.000000"),
    ]
    url = f"{API}/cycle-counts/{count['id']}"
    assert floor.post(f"{url}/", {}).status_code == 405  # posting is its own command
    item("TH-01")
    found = ok(
        floor.post(f"{url}/found/", {"location": "MAIN/STOCK/A-02", "item": "TH-01", "counted": "3"}, format="json"),
        201,
    )
    assert (found["expected_qty"], found["counted_qty"], found["beyond_tolerance"]) == ("0.000000", "3.000000", True)
    other = floor.post(f"{url}/record/", {"line": 0, "counted": "1"}, format="json")
    assert ("line", "invalid") in errors(other)
    uncounted = floor.post(f"{url}/post/")
    assert (None, "uncounted") in errors(uncounted)
    for line in count["lines"]:
        ok(floor.post(f"{url}/record/", {"line": line["id"], "counted": line["expected_qty"]}, format="json"))
    # Who opened the count cannot approve it, even with the right.
    admin = api_as(Role.ADMIN)
    opened = ok(admin.post(f"{API}/cycle-counts/", {"warehouse": "MAIN", "location": "MAIN/STOCK/B-01"}), 201)
    assert (None, "own_count") in errors(admin.post(f"{API}/cycle-counts/{opened['id']}/approve/"))
    ok(api_as(Role.FINANCE).post(f"{url}/approve/"))
    assert ok(floor.post(f"{url}/post/"))["state"] == "posted"
    assert Quant.objects.get(item__code="TH-01").quantity == 3
    closed = floor.post(f"{url}/record/", {"line": count["lines"][0]["id"], "counted": "1"}, format="json")
    assert (None, "count_closed") in errors(closed)


def test_replenishment_rules_and_planning(api_as, stocked, bin_):
    planner, floor = api_as(Role.PLANNER), api_as(Role.WAREHOUSE)
    rule = {"location": "MAIN/STOCK/A-02", "item": "CB-EU", "min_qty": "20", "max_qty": "50"}
    created = ok(planner.post(f"{API}/replenishment-rules/", rule, format="json"), 201)
    assert created["unit"] == "ea"
    twice = planner.post(f"{API}/replenishment-rules/", rule, format="json")
    assert twice.status_code == 400
    zone = planner.post(f"{API}/replenishment-rules/", rule | {"location": "MAIN/STOCK"}, format="json")
    assert ("location", "not_a_bin") in errors(zone)
    inverted = planner.post(f"{API}/replenishment-rules/", rule | {"item": "HE-2000", "min_qty": "60"}, format="json")
    assert inverted.status_code == 400
    assert ok(planner.patch(f"{API}/replenishment-rules/{created['id']}/", {"max_qty": "70"}))["max_qty"] == "70.000000"

    assert planner.post(f"{API}/replenishment/plan/", {"warehouse": "MAIN"}).status_code == 403
    planned = ok(floor.post(f"{API}/replenishment/plan/", {"warehouse": "MAIN"}, format="json"), 201)
    assert [(t["purpose"], t["from_location"], t["to_location"], t["quantity"]) for t in planned["tasks"]] == [
        ("replenishment", "MAIN/STOCK/A-01", "MAIN/STOCK/A-02", "40.000000"),
        ("replenishment", "MAIN/STOCK/B-01", "MAIN/STOCK/A-02", "30.000000"),
    ]
    assert ok(floor.post(f"{API}/replenishment/plan/", {"warehouse": "MAIN"}), 201)["tasks"] == []
    listed = ok(floor.get(f"{API}/tasks/", {"purpose": TaskPurpose.REPLENISHMENT}))
    assert listed["count"] == 2
    assert planner.delete(f"{API}/replenishment-rules/{created['id']}/").status_code == 204
    assert not ReplenishmentRule.objects.exists()


def test_quality_decisions_need_a_quality_location_and_the_warehouse(api_as, stocked, warehouse):
    warehouse.quality_location = None
    warehouse.save()
    payload = {"item": "CB-EU", "warehouse": "MAIN", "quantity": "1"}
    response = api_as(Role.WAREHOUSE).post(f"{API}/quality/release/", payload, format="json")
    assert response.status_code == 400 and ("warehouse", "no_quality_location") in errors(response)
    assert api_as(Role.QUALITY).post(f"{API}/quality/reject/", payload, format="json").status_code == 403


def test_a_shipment_of_a_material_request_is_refused(api_as, stocked, warehouse):
    request = stock_request_reserve(
        request=stock_request_create(
            kind=RequestKind.MATERIAL,
            warehouse=warehouse,
            destination=virtual_location(LocationKind.PRODUCTION),
            lines=[(stocked["cable"], Decimal(5), None)],
        )
    )
    pick_list = pick_list_create(request=request)
    floor = api_as(Role.WAREHOUSE)
    line = pick_list.lines.get()
    ok(floor.post(f"{API}/pick-lines/{line.pk}/confirm/", {"location": line.from_location.code, "quantity": "5"}))
    response = floor.post(
        f"{API}/shipments/", {"pick_list": pick_list.number, "packages": [{"code": "P1"}]}, format="json"
    )
    assert (None, "not_a_shipment") in errors(response)
    no_packages = floor.post(f"{API}/shipments/", {"pick_list": pick_list.number, "packages": []}, format="json")
    assert ("packages", "empty") in errors(no_packages)


def test_the_snapshot_needs_a_moment_and_the_right_to_see_stock(api_as, stocked):
    floor = api_as(Role.WAREHOUSE)
    assert ("at", "required") in errors(floor.get(f"{API}/stock-snapshot/"))
    assert ("warehouse", "does_not_exist") in errors(
        floor.get(f"{API}/stock-snapshot/", {"at": "2030-01-01T00:00:00Z", "warehouse": "NOPE"})
    )
    rows = ok(floor.get(f"{API}/stock-snapshot/", {"at": "2030-01-01T00:00:00Z"}))
    assert rows["count"] == 2
    assert ok(api_as(Role.PLANNER).get(f"{API}/stock-snapshot/", {"at": "2030-01-01T00:00:00Z"}))["count"] == 2
    assert api_as(Role.PARTNER).get(f"{API}/stock-snapshot/", {"at": "2030-01-01T00:00:00Z"}).status_code == 403
    assert api_as("").get(f"{API}/stock-snapshot/", {"at": "2030-01-01T00:00:00Z"}).status_code == 403


def test_new_lists_take_a_fixed_number_of_queries(
    api_as, stocked, warehouse, parties, bin_, make_user, django_assert_max_num_queries
):
    worker = make_user(Role.WAREHOUSE)
    orders = []
    for n in range(8):
        receipt = receipt_create(
            warehouse=warehouse,
            supplier=parties["supplier"],
            lines=[
                {"item": stocked["cable"], "expected_qty": Decimal(n + 1)},
                {"item": stocked["element"], "expected_qty": Decimal(1)},
            ],
        )
        receipt_receive(line=receipt.lines.order_by("pk").first(), quantity=Decimal(n + 1), user=worker)
        orders.append(
            stock_request_reserve(
                request=stock_request_create(
                    kind=RequestKind.SHIPMENT,
                    warehouse=warehouse,
                    destination=virtual_location(LocationKind.CUSTOMER),
                    lines=[(stocked["cable"], Decimal(1), None)],
                )
            )
        )
        count = cycle_count_create(warehouse=warehouse, location=Location.objects.get(code="MAIN/STOCK"), user=worker)
        for line in count.lines.all():
            cycle_count_record(line=line, counted=line.expected_qty + n, user=worker)
    wave = wave_create(warehouse=warehouse, requests=orders[:4], user=worker)
    for request in orders[4:]:
        pick_list_create(request=request)
    for pick_list in wave.pick_lists.all():
        for line in pick_list.lines.all():
            pick_confirm(line=line, location=line.from_location, quantity=line.quantity, user=worker)
        shipment_create(pick_list=pick_list, packages=[{"code": "P1"}, {"code": "P2"}])
    floor = api_as(Role.WAREHOUSE)
    urls = ("receipts/", "tasks/", "pick-lists/", "pick-lines/", "waves/", "shipments/", "cycle-counts/")
    for url in (*urls, "replenishment-rules/"):
        with django_assert_max_num_queries(6):
            response = floor.get(f"{API}/{url}", {"state": "all"} if url == "tasks/" else {})
        assert response.status_code == 200 and (response.json()["count"] or url == "replenishment-rules/"), url
    for url, pk in (("waves", wave.pk), ("cycle-counts", count.pk), ("receipts", receipt.pk)):
        with django_assert_max_num_queries(8):
            assert floor.get(f"{API}/{url}/{pk}/").status_code == 200, url
    with django_assert_max_num_queries(8):
        assert floor.get(f"{API}/stock-snapshot/", {"at": "2030-01-01T00:00:00Z"}).status_code == 200
