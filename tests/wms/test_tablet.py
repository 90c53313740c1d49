"""The warehouse tablet: receive, put away, pick, count and move by scanning codes.

Data is built with the services. Every refusal is checked to post nothing (the ledger's move count is
unchanged) and to keep what was scanned except the refused field.
"""

import html as html_lib
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.choices import Tracking
from core.models import Partner
from core.roles import Role
from wms import tablet_urls
from wms.choices import LocationKind
from wms.locations import virtual_location
from wms.models import (
    CycleCountLine,
    Location,
    Lot,
    PickList,
    PickState,
    Quant,
    Receipt,
    ReceiptState,
    StockMove,
    StockPolicy,
    StockTask,
    TaskState,
)
from wms.selectors.stock import ledger_mismatches
from wms.services.cycle_counts import cycle_count_create, cycle_count_record
from wms.services.picking import pick_list_create, wave_create
from wms.services.putaway import putaway_plan
from wms.services.receipts import receipt_create
from wms.services.requests import stock_request_create, stock_request_reserve

pytestmark = pytest.mark.django_db


def url(name: str, *args, **query) -> str:
    path = reverse(f"wms:{name}", args=args)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html_lib.unescape(response.content.decode())


def refused(response, *texts: str) -> str:
    """A refusal: the page again (no redirect), a large red box at the top naming what was wrong."""
    html = page(response)
    errors = re.search(r'<div class="alert alert-danger scan-feedback scan-error"[^>]*>(.*?)\n</div>', html, re.S)
    assert errors, "no error box"
    assert re.search(r'<main class="tablet-main">\s*<div class="alert alert-danger scan-feedback scan-error"', html), (
        "the errors are not at the top"
    )
    for text in texts:
        assert text in errors.group(1), (text, errors.group(1))
    return html


def confirmed(response, text: str) -> str:
    """A success: a large green confirmation on the page the screen moved on to."""
    html = page(response)
    assert re.search(r"alert-success scan-success[^>]*>.*?" + re.escape(text), html, re.S), text
    return html


def value(html: str, name: str) -> str | None:
    """What an input shows: None when it is empty (or not there)."""
    match = re.search(rf'<input type="\w+" name="{name}"(?: value="([^"]*)")?', html)
    return match and match.group(1)


def moves() -> int:
    return StockMove.objects.count()


@pytest.fixture
def tablet(client_as):
    return client_as(Role.WAREHOUSE)


@pytest.fixture
def supplier(db):
    return Partner.objects.create(code="S-HEAT", name="Ningbo Heating", kind="supplier")


@pytest.fixture
def asn(warehouse, supplier):
    def make(*lines, reference="PO-2026-00007", asn_number="ASN-88"):
        return receipt_create(
            warehouse=warehouse,
            supplier=supplier,
            reference=reference,
            asn_number=asn_number,
            lines=[{"item": item, "expected_qty": Decimal(qty), **extra} for item, qty, extra in lines],
        )

    return make


@pytest.fixture
def order(warehouse):
    customers = virtual_location(LocationKind.CUSTOMER)

    def make(*lines, reference="SO-2026-00001"):
        request = stock_request_create(
            kind="shipment",
            warehouse=warehouse,
            destination=customers,
            reference=reference,
            lines=[(item, Decimal(quantity), None) for item, quantity in lines],
        )
        return stock_request_reserve(request=request)

    return make


@pytest.fixture
def picking(item, bin_, receive, order):
    """A pick list walking A-01 (kettles) then B-01 (cables), and a lot-tracked element in A-02."""
    kettle, cable = item("KT-200"), item("CB-EU")
    element = item("HE-2000", tracking=Tracking.LOT)
    receive(cable, 10, bin_("B-01"))
    receive(kettle, 10, bin_("A-01"))
    receive(element, 5, bin_("A-02"), lot="L-1")
    receive(element, 5, bin_("B-01"), lot="L-2")
    pick_list = pick_list_create(request=order((cable, 4), (kettle, 3)))
    return {"kettle": kettle, "cable": cable, "element": element, "pick_list": pick_list}


# --- Access -----------------------------------------------------------------------------------------------


SAMPLE = {"int": "1", "str": "x"}


def tablet_paths() -> list[str]:
    return [
        "/wms/tablet/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m[1] or "str"], str(p.pattern))
        for p in tablet_urls.urlpatterns
    ]


@pytest.mark.parametrize("path", tablet_paths())
def test_anonymous_users_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.PARTNER])
@pytest.mark.parametrize("path", tablet_paths())
def test_roles_without_warehouse_rights_are_refused(client_as, path, role):
    assert client_as(role).get(path).status_code == 403


def test_who_may_announce_receipts_may_not_receive_them(client_as):
    assert client_as(Role.BUYER).get("/wms/tablet/receive/").status_code == 403


def test_each_screen_asks_its_own_permission(client_as, make_user, client):
    from django.contrib.auth.models import Permission

    counter = make_user()
    counter.user_permissions.add(Permission.objects.get(codename="change_cyclecount", content_type__app_label="wms"))
    client.force_login(counter)
    assert client.get(url("tablet_count_list")).status_code == 200
    home = page(client.get(url("tablet_home")))
    assert url("tablet_count_list") in home and url("tablet_pick_lists") not in home
    for name in ("tablet_receive_list", "tablet_putaway_list", "tablet_pick_lists", "tablet_move"):
        assert client.get(url(name)).status_code == 403, name


# --- Home -------------------------------------------------------------------------------------------------


def test_home_shows_the_five_tiles_with_open_work_in_a_fixed_number_of_queries(
    tablet, warehouse, item, asn, picking, django_assert_max_num_queries
):
    cable = picking["cable"]
    asn((cable, 5, {}))
    asn((cable, 7, {}), reference="PO-2")
    done = asn((cable, 1, {}), reference="PO-3")
    Receipt.objects.filter(pk=done.pk).update(state=ReceiptState.DONE)
    putaway_plan(item=cable, quantity=Decimal(3), from_location=warehouse.receiving_location, warehouse=warehouse)
    cycle_count_create(warehouse=warehouse, location=Location.objects.get(code="MAIN/STOCK"))
    with django_assert_max_num_queries(8):  # session, user, 2 for permissions, 4 counts
        html = page(tablet.get(url("tablet_home")))
    tiles = re.findall(r'<span class="tablet-tile-label">(\w[\w ]*)</span>', html)
    assert tiles == ["Receive", "Put away", "Pick", "Count", "Move"]
    assert "<strong>2</strong> open receipts" in html
    assert "<strong>1</strong> open tasks" in html
    assert "<strong>1</strong> open pick lists" in html
    assert "<strong>1</strong> open counts" in html
    assert "Home" in html and "warehouse-" in html  # the top bar: Home and who is signed in


# --- Receive ----------------------------------------------------------------------------------------------


def test_the_receipt_list_shows_what_is_expected_and_a_scan_opens_a_receipt(tablet, item, asn):
    cable, kettle = item("CB-EU"), item("KT-200")
    receipt = asn((cable, 10, {}), (kettle, 5, {}))
    closed = asn((cable, 1, {}), reference="PO-OLD")
    Receipt.objects.filter(pk=closed.pk).update(state=ReceiptState.DONE)
    html = page(tablet.get(url("tablet_receive_list")))
    assert "Ningbo Heating" in html and "PO-2026-00007" in html and "2 lines to receive" in html
    assert "PO-OLD" not in html
    response = tablet.get(url("tablet_receive_list"), {"code": "po-2026-00007"})
    assert response.status_code == 302 and response["Location"] == url("tablet_receipt", receipt.pk)
    refused(tablet.get(url("tablet_receive_list"), {"code": "PO-NOPE"}), "Nothing open matches PO-NOPE")


def test_receive_scan_the_item_take_the_expected_quantity_and_see_where_it_goes(tablet, warehouse, item, asn, bin_):
    cable = item("CB-EU")
    receipt = asn((cable, 40, {}))
    line = receipt.lines.get()
    page(tablet.get(url("tablet_receipt", receipt.pk)))
    response = tablet.get(url("tablet_receipt", receipt.pk), {"item": "CB-EU"})
    assert response.status_code == 302 and response["Location"] == url("tablet_receipt_line", receipt.pk, line.pk)
    form = page(tablet.get(response["Location"]))
    assert value(form, "quantity") == "40" and 'name="lot"' not in form  # not tracked: no lot asked

    before = moves()
    html = confirmed(
        tablet.post(url("tablet_receipt_line", receipt.pk, line.pk), {"quantity": "40"}, follow=True),
        "Received 40 ea of CB-EU.",
    )
    assert moves() == before + 1
    task = StockTask.objects.get(receipt=receipt)
    assert task.to_location == bin_("A-01")
    assert '<span class="bin-code-head">MAIN/STOCK/</span>A-01' in html  # the put-away bin, big
    assert url("tablet_putaway", task.pk) in html
    assert value(html, "item") is None  # ready for the next scan
    receipt.refresh_from_db()
    assert receipt.state == ReceiptState.RECEIVING
    assert Quant.objects.get(item=cable, location=warehouse.receiving_location).quantity == 40


def test_a_tracked_item_asks_for_its_lot_prefilled_from_the_asn(tablet, item, asn):
    element = item("HE-2000", tracking=Tracking.LOT)
    receipt = asn((element, 12, {"lot_code": "L-2401"}))
    line = receipt.lines.get()
    form = page(tablet.get(url("tablet_receipt_line", receipt.pk, line.pk)))
    assert value(form, "quantity") == "12" and value(form, "lot") == "L-2401"
    tablet.post(url("tablet_receipt_line", receipt.pk, line.pk), {"quantity": "5", "lot": "L-2401"})
    tablet.post(url("tablet_receipt_line", receipt.pk, line.pk), {"quantity": "7", "lot": "L-2402"})
    assert sorted(Lot.objects.filter(item=element).values_list("code", flat=True)) == ["L-2401", "L-2402"]
    line.refresh_from_db()
    assert line.received_qty == 12


def test_a_tracked_item_without_a_lot_is_refused(tablet, item, asn):
    element = item("HE-2000", tracking=Tracking.LOT)
    receipt = asn((element, 12, {}))
    line = receipt.lines.get()
    before = moves()
    html = refused(
        tablet.post(url("tablet_receipt_line", receipt.pk, line.pk), {"quantity": "12", "lot": ""}),
        "HE-2000 is tracked",
    )
    assert moves() == before and value(html, "quantity") == "12"


def test_an_item_that_needs_inspection_is_held(tablet, warehouse, item, asn):
    cable = item("CB-EU")
    StockPolicy.objects.create(item=cable, requires_inspection=True)
    receipt = asn((cable, 10, {}))
    line = receipt.lines.get()
    response = tablet.post(url("tablet_receipt_line", receipt.pk, line.pk), {"quantity": "10"}, follow=True)
    html = page(response)
    assert "Held for inspection" in html and "MAIN/QC" in html
    assert not StockTask.objects.exists()
    assert Quant.objects.get(item=cable, location=warehouse.quality_location).quantity == 10


def test_an_unknown_item_or_one_not_on_the_receipt_is_refused(tablet, item, asn):
    cable = item("CB-EU")
    item("KT-200")
    receipt = asn((cable, 10, {}))
    html = refused(tablet.get(url("tablet_receipt", receipt.pk), {"item": "NOPE"}), "Unknown item: NOPE.")
    assert value(html, "item") is None and "is-invalid" in html
    refused(tablet.get(url("tablet_receipt", receipt.pk), {"item": "KT-200"}), "KT-200 is not on this receipt.")


def test_an_over_receipt_is_refused_and_nothing_is_posted(tablet, item, asn):
    element = item("HE-2000", tracking=Tracking.LOT)
    receipt = asn((element, 10, {}))
    line = receipt.lines.get()
    before = moves()
    html = refused(
        tablet.post(url("tablet_receipt_line", receipt.pk, line.pk), {"quantity": "50", "lot": "L-9"}),
        "Over-receipt",
    )
    assert moves() == before and not Lot.objects.exists()
    assert value(html, "quantity") is None and value(html, "lot") == "L-9"  # the wrong field only is emptied
    line.refresh_from_db()
    assert line.received_qty == 0


def test_close_receipt(tablet, item, asn):
    cable = item("CB-EU")
    receipt = asn((cable, 10, {}))
    tablet.post(url("tablet_receipt_line", receipt.pk, receipt.lines.get().pk), {"quantity": "4"})
    html = page(tablet.get(url("tablet_receipt", receipt.pk)))
    assert url("tablet_receipt_close", receipt.pk) in html and "data-confirm" in html
    confirmed(tablet.post(url("tablet_receipt_close", receipt.pk), follow=True), "is closed")
    receipt.refresh_from_db()
    assert receipt.state == ReceiptState.DONE
    response = tablet.post(url("tablet_receipt_close", receipt.pk), follow=True)
    assert "is done" in page(response) and "scan-error" in page(response)
    assert tablet.get(url("tablet_receipt_close", receipt.pk)).status_code == 405


# --- Put away ---------------------------------------------------------------------------------------------


@pytest.fixture
def received(warehouse, item, receive):
    """Cables in receiving, planned to bins: put-away tasks."""

    def make(quantity=10, code="CB-EU", **item_fields):
        cable = item(code, **item_fields)
        receive(cable, quantity, warehouse.receiving_location)
        return putaway_plan(
            item=cable, quantity=Decimal(quantity), from_location=warehouse.receiving_location, warehouse=warehouse
        )

    return make


def test_open_tasks_are_listed_in_walking_order_without_a_bin_last(tablet, received, bin_):
    (near,) = received(code="NEAR")
    (far,) = received(code="FAR")
    StockTask.objects.filter(pk=far.pk).update(to_location=bin_("B-01"))
    (nowhere,) = received(code="NOWHERE")
    StockTask.objects.filter(pk=nowhere.pk).update(to_location=None)
    html = page(tablet.get(url("tablet_putaway_list")))
    positions = [html.index(url("tablet_putaway", task.pk)) for task in (near, far, nowhere)]
    assert positions == sorted(positions)
    assert "choose a bin" in html


def test_put_away_scan_the_bin_confirm_the_quantity_and_go_on(tablet, warehouse, received, bin_):
    first, second = received(code="CB-EU")[0], received(code="KT-200")[0]
    html = page(tablet.get(url("tablet_putaway", first.pk)))
    assert '<span class="bin-code-head">MAIN/</span>RECV' in html  # FROM
    assert '<span class="bin-code-head">MAIN/STOCK/</span>A-01' in html  # TO
    assert value(html, "quantity") == "10" and value(html, "location") is None
    before = moves()
    response = tablet.post(url("tablet_putaway", first.pk), {"location": "main/stock/a-01", "quantity": "10"})
    assert response.status_code == 302 and response["Location"] == url("tablet_putaway", second.pk)
    confirmed(tablet.get(response["Location"]), "Put 10 ea of CB-EU into MAIN/STOCK/A-01.")
    first.refresh_from_db()
    assert first.state == TaskState.DONE and moves() == before + 1
    assert Quant.objects.get(item=first.item, location=bin_("A-01")).quantity == 10
    assert ledger_mismatches() == []


def test_a_different_bin_is_refused_unless_other_bin_is_set(tablet, received, bin_):
    (task,) = received(quantity=10)
    before = moves()
    html = refused(
        tablet.post(url("tablet_putaway", task.pk), {"location": "MAIN/STOCK/B-01", "quantity": "6"}),
        "Wrong bin: this goes to MAIN/STOCK/A-01, you scanned MAIN/STOCK/B-01.",
    )
    assert moves() == before and value(html, "location") is None and value(html, "quantity") == "6"
    assert 'name="other_bin"' in html
    response = tablet.post(
        url("tablet_putaway", task.pk), {"location": "MAIN/STOCK/B-01", "quantity": "6", "other_bin": "on"}
    )
    assert response.status_code == 302 and moves() == before + 1
    assert Quant.objects.get(item=task.item, location=bin_("B-01")).quantity == 6
    rest = StockTask.objects.get(state=TaskState.OPEN)  # the other 4 stay to put away
    assert rest.quantity == 4 and response["Location"] == url("tablet_putaway", rest.pk)


def test_an_unknown_bin_is_a_field_error(tablet, received):
    (task,) = received()
    before = moves()
    html = refused(tablet.post(url("tablet_putaway", task.pk), {"location": "NOWHERE", "quantity": "10"}), "NOWHERE")
    assert "Unknown bin: NOWHERE." in html and moves() == before


def test_a_task_without_a_bin_asks_for_one(tablet, warehouse, received, bin_):
    for code in ("A-01", "A-02", "B-01"):
        Location.objects.filter(pk=bin_(code).pk).update(capacity_qty=0)
    (task,) = received()
    assert task.to_location is None
    html = page(tablet.get(url("tablet_putaway", task.pk)))
    assert "Scan any bin" in html and 'name="other_bin"' not in html
    Location.objects.filter(pk=bin_("B-01").pk).update(capacity_qty=None)
    response = tablet.post(url("tablet_putaway", task.pk), {"location": "MAIN/STOCK/B-01", "quantity": "10"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.to_location == bin_("B-01")


def test_a_done_task_cannot_be_confirmed_again(tablet, received):
    (task,) = received()
    tablet.post(url("tablet_putaway", task.pk), {"location": "MAIN/STOCK/A-01", "quantity": "10"})
    before = moves()
    refused(tablet.post(url("tablet_putaway", task.pk), {"location": "MAIN/STOCK/A-01", "quantity": "10"}), "done")
    assert moves() == before


# --- Pick -------------------------------------------------------------------------------------------------


def test_the_pick_lists_and_waves_to_choose_from(tablet, warehouse, picking, item, bin_, receive, order):
    toaster = item("TS-400")
    receive(toaster, 5, bin_("A-02"))
    wave = wave_create(warehouse=warehouse, requests=[order((toaster, 2), reference="SO-WAVE")])
    html = page(tablet.get(url("tablet_pick_lists")))
    assert url("tablet_pick", picking["pick_list"].pk) in html and "2 lines to pick" in html
    assert url("tablet_pick_wave", wave.pk) in html
    response = tablet.get(url("tablet_pick_lists"), {"code": wave.number.lower()})
    assert response["Location"] == url("tablet_pick_wave", wave.pk)
    response = tablet.get(url("tablet_pick_lists"), {"code": "SO-2026-00001"})
    assert response["Location"] == url("tablet_pick", picking["pick_list"].pk)


def test_the_pick_screen_shows_the_next_line_in_walking_order_in_a_fixed_number_of_queries(
    tablet, picking, item, bin_, receive, order, django_assert_max_num_queries
):
    pick_list = picking["pick_list"]
    with django_assert_max_num_queries(6):  # session, user, 2 for permissions, the list, its open lines
        html = page(tablet.get(url("tablet_pick", pick_list.pk)))
    assert '<div class="bin-code"><span class="bin-code-head">MAIN/STOCK/</span>A-01</div>' in html
    assert "KT-200" in html and "2 lines to pick" in html
    parts = [item(f"P-{n:02d}") for n in range(12)]
    for part in parts:
        receive(part, 5, bin_("B-01"))
    longer = pick_list_create(request=order(*((part, 2) for part in parts), reference="SO-LONG"))
    with django_assert_max_num_queries(6):
        assert "12 lines to pick" in page(tablet.get(url("tablet_pick", longer.pk)))
    assert value(html, "quantity") == "3" and value(html, "location") is None and value(html, "item") is None
    assert 'name="lot"' not in html  # not tracked: no lot asked


def test_pick_scan_bin_and_item_until_the_list_is_picked(tablet, warehouse, picking):
    pick_list = picking["pick_list"]
    kettle_line = pick_list.lines.get(item=picking["kettle"])
    cable_line = pick_list.lines.get(item=picking["cable"])
    before = moves()
    response = tablet.post(
        url("tablet_pick", pick_list.pk),
        {"line": kettle_line.pk, "location": "MAIN/STOCK/A-01", "item": "KT-200", "quantity": "3"},
        follow=True,
    )
    html = confirmed(response, "Picked 3 ea of KT-200 from MAIN/STOCK/A-01.")
    assert "B-01" in html and value(html, "quantity") == "4" and moves() == before + 1  # the next line
    response = tablet.post(
        url("tablet_pick", pick_list.pk),
        {"line": cable_line.pk, "location": "MAIN/STOCK/B-01", "item": "CB-EU", "quantity": "4"},
        follow=True,
    )
    html = confirmed(response, "Picked 4 ea of CB-EU")
    assert f"Pick list {pick_list.number} is picked." in html
    pick_list.refresh_from_db()
    assert pick_list.state == PickState.PICKED
    assert Quant.objects.get(item=picking["cable"], location=warehouse.output_location).quantity == 4
    assert ledger_mismatches() == []


def test_a_wrong_item_is_refused_before_the_service_with_a_big_message(tablet, picking):
    pick_list = picking["pick_list"]
    line = pick_list.lines.get(item=picking["kettle"])
    before = moves()
    html = refused(
        tablet.post(
            url("tablet_pick", pick_list.pk),
            {"line": line.pk, "location": "MAIN/STOCK/A-01", "item": "CB-EU", "quantity": "3"},
        ),
        "Wrong item: pick KT-200 (KT-200), you scanned CB-EU.",
    )
    assert moves() == before
    assert value(html, "location") == "MAIN/STOCK/A-01" and value(html, "item") is None
    assert value(html, "quantity") == "3"


@pytest.mark.parametrize(
    ("data", "message", "emptied"),
    [
        (
            {"location": "MAIN/STOCK/B-01"},
            "Wrong bin: pick from MAIN/STOCK/A-01, you scanned MAIN/STOCK/B-01.",
            "location",
        ),
        ({"location": "MAIN/NOPE"}, "Unknown bin: MAIN/NOPE.", "location"),
        ({"item": "NOPE"}, "Unknown item: NOPE.", "item"),
        ({"quantity": "4"}, "More than reserved: 3 left to pick here, 4 scanned.", "quantity"),
        ({"quantity": "0"}, "more than zero", "quantity"),
    ],
)
def test_a_wrong_scan_is_refused_and_nothing_is_posted(tablet, picking, data, message, emptied):
    pick_list = picking["pick_list"]
    line = pick_list.lines.get(item=picking["kettle"])
    scanned = {"line": line.pk, "location": "MAIN/STOCK/A-01", "item": "KT-200", "quantity": "3", **data}
    before = moves()
    html = refused(tablet.post(url("tablet_pick", pick_list.pk), scanned), message)
    assert moves() == before
    for field in ("location", "item", "quantity"):
        assert value(html, field) == (None if field == emptied else scanned[field]), field
    line.refresh_from_db()
    assert line.picked_qty == 0


def test_a_tracked_pick_needs_the_right_lot(tablet, picking, order):
    element = picking["element"]
    pick_list = pick_list_create(request=order((element, 3), reference="SO-LOT"))
    (line,) = pick_list.lines.all()
    assert line.lot.code == "L-1"
    html = page(tablet.get(url("tablet_pick", pick_list.pk)))
    assert 'name="lot"' in html and "L-1" in html
    scan = {"line": line.pk, "location": "MAIN/STOCK/A-02", "item": "HE-2000", "quantity": "3"}
    before = moves()
    html = refused(tablet.post(url("tablet_pick", pick_list.pk), {**scan, "lot": "L-2"}), "Wrong lot: pick L-1")
    assert value(html, "lot") is None and value(html, "item") == "HE-2000"
    refused(tablet.post(url("tablet_pick", pick_list.pk), {**scan, "lot": "L-404"}), "Unknown lot L-404 of HE-2000.")
    refused(tablet.post(url("tablet_pick", pick_list.pk), {**scan, "lot": ""}), "HE-2000 is tracked")
    assert moves() == before
    response = tablet.post(url("tablet_pick", pick_list.pk), {**scan, "lot": "L-1"})
    assert response.status_code == 302 and moves() == before + 1


def test_short_picks_what_was_found_and_records_the_rest_with_a_reason(tablet, picking):
    pick_list = picking["pick_list"]
    line = pick_list.lines.get(item=picking["kettle"])
    html = page(tablet.get(url("tablet_pick", pick_list.pk)))
    short_url = url("tablet_pick_short", pick_list.pk, line.pk)
    assert short_url in html
    form = page(tablet.get(short_url))
    assert value(form, "found") == "0" and "Bin empty" in form
    before = moves()
    html = refused(tablet.post(short_url, {"found": "1", "reason": ""}), "Reason:")
    assert moves() == before and value(html, "found") == "1"
    refused(tablet.post(short_url, {"found": "5", "reason": "Damaged"}), "More than reserved")
    assert moves() == before
    response = tablet.post(short_url, {"found": "1", "reason": "Damaged"}, follow=True)
    html = confirmed(response, "Short recorded: 2 ea of KT-200 not found in MAIN/STOCK/A-01.")
    line.refresh_from_db()
    assert (line.picked_qty, line.short_qty, line.short_reason) == (1, 2, "Damaged")
    assert moves() == before + 1 and "CB-EU" in html  # on to the next line
    assert ledger_mismatches() == []


def test_a_wave_is_picked_along_one_path_across_its_lists(tablet, warehouse, item, bin_, receive, order):
    kettle, toaster = item("KT-200"), item("TS-400")
    receive(kettle, 10, bin_("B-01"))
    receive(toaster, 10, bin_("A-01"))
    wave = wave_create(
        warehouse=warehouse, requests=[order((kettle, 5), reference="SO-1"), order((toaster, 3), reference="SO-2")]
    )
    html = page(tablet.get(url("tablet_pick_wave", wave.pk)))
    assert "A-01</div>" in html and "TS-400" in html and "SO-2" in html
    for bin_code, item_code, quantity in (("A-01", "TS-400", "3"), ("B-01", "KT-200", "5")):
        line = wave.pick_lists.get(lines__item__code=item_code).lines.get()
        response = tablet.post(
            url("tablet_pick_wave", wave.pk),
            {"line": line.pk, "location": f"MAIN/STOCK/{bin_code}", "item": item_code, "quantity": quantity},
        )
        assert response["Location"] == url("tablet_pick_wave", wave.pk)
    html = page(tablet.get(url("tablet_pick_wave", wave.pk)))
    assert f"Wave {wave.number} is picked." in html
    assert set(PickList.objects.filter(wave=wave).values_list("state", flat=True)) == {PickState.PICKED}


def test_a_line_already_picked_is_not_picked_twice(tablet, picking):
    pick_list = picking["pick_list"]
    line = pick_list.lines.get(item=picking["kettle"])
    scan = {"line": line.pk, "location": "MAIN/STOCK/A-01", "item": "KT-200", "quantity": "3"}
    tablet.post(url("tablet_pick", pick_list.pk), scan)
    before = moves()
    response = tablet.post(url("tablet_pick", pick_list.pk), scan, follow=True)
    assert "picked already" in page(response) and moves() == before


# --- Count ------------------------------------------------------------------------------------------------


@pytest.fixture
def counting(warehouse, item, bin_, receive):
    cable, box = item("CB-EU"), item("BOX")
    element = item("HE-2000", tracking=Tracking.LOT)
    receive(box, 40, bin_("B-01"))
    receive(cable, 100, bin_("A-01"))
    receive(element, 5, bin_("A-02"), lot="L-1")
    count = cycle_count_create(warehouse=warehouse, location=Location.objects.get(code="MAIN/STOCK"))
    return {"count": count, "cable": cable, "box": box, "element": element}


def test_counts_are_listed_and_counted_line_by_line_in_walking_order(tablet, counting):
    count = counting["count"]
    html = page(tablet.get(url("tablet_count_list")))
    assert count.number in html and "0 of 3 counted" in html
    html = page(tablet.get(url("tablet_count", count.pk)))
    assert "A-01</div>" in html and "CB-EU" in html
    assert value(html, "counted") is None and "100 ea" not in html  # a blind count
    line = count.lines.get(item=counting["cable"])
    before = moves()
    response = tablet.post(
        url("tablet_count", count.pk),
        {"line": line.pk, "location": "MAIN/STOCK/A-01", "item": "CB-EU", "counted": "98"},
        follow=True,
    )
    html = confirmed(response, "Counted 98 ea of CB-EU in MAIN/STOCK/A-01.")
    assert "A-02</div>" in html and "HE-2000" in html and "L-1" in html  # the next bin
    line.refresh_from_db()
    assert line.counted_qty == 98 and moves() == before  # counts post nothing until the count is posted
    for other in count.lines.exclude(pk=line.pk):
        cycle_count_record(line=other, counted=other.expected_qty)
    html = page(tablet.get(url("tablet_count", count.pk)))
    assert "Every line is counted." in html


@pytest.mark.parametrize(
    ("data", "message", "emptied"),
    [
        ({"location": "MAIN/STOCK/B-01"}, "Wrong bin: count MAIN/STOCK/A-01, you scanned MAIN/STOCK/B-01.", "location"),
        ({"item": "BOX"}, "Wrong item: count CB-EU (CB-EU), you scanned BOX.", "item"),
        ({"item": "NOPE"}, "Unknown item: NOPE.", "item"),
        ({"counted": "-1"}, "greater than or equal to 0", "counted"),
        ({"counted": "1.5"}, "decimal places", "counted"),
    ],
)
def test_a_wrong_count_scan_is_refused_and_nothing_is_recorded(tablet, counting, data, message, emptied):
    count = counting["count"]
    line = count.lines.get(item=counting["cable"])
    scanned = {"line": line.pk, "location": "MAIN/STOCK/A-01", "item": "CB-EU", "counted": "98", **data}
    html = refused(tablet.post(url("tablet_count", count.pk), scanned), message)
    for field in ("location", "item", "counted"):
        assert value(html, field) == (None if field == emptied else scanned[field]), field
    line.refresh_from_db()
    assert line.counted_qty is None


def test_found_other_stock_adds_a_line_to_the_count(tablet, counting):
    count = counting["count"]
    html = page(tablet.get(url("tablet_count", count.pk)))
    found_url = url("tablet_count_found", count.pk)
    assert found_url + "?location=MAIN%2FSTOCK%2FA-01" in html
    form = page(tablet.get(found_url, {"location": "MAIN/STOCK/A-01"}))
    assert value(form, "location") == "MAIN/STOCK/A-01" and value(form, "item") is None
    response = tablet.post(
        found_url, {"location": "MAIN/STOCK/A-01", "item": "BOX", "lot": "", "counted": "3"}, follow=True
    )
    confirmed(response, "Found 3 ea of BOX in MAIN/STOCK/A-01")
    line = CycleCountLine.objects.get(count=count, item=counting["box"], location__code="MAIN/STOCK/A-01")
    assert (line.expected_qty, line.counted_qty) == (0, 3)
    response = tablet.post(
        found_url, {"location": "MAIN/STOCK/B-01", "item": "HE-2000", "lot": "L-1", "counted": "2"}, follow=True
    )
    confirmed(response, "Found 2 ea of HE-2000")
    assert CycleCountLine.objects.get(count=count, item=counting["element"], location__code="MAIN/STOCK/B-01").lot


@pytest.mark.parametrize(
    ("data", "message", "emptied"),
    [
        ({"item": "HE-2000", "lot": ""}, "HE-2000 is tracked", "lot"),
        ({"item": "HE-2000", "lot": "L-404"}, "Unknown lot L-404 of HE-2000.", "lot"),
        ({"lot": "L-1"}, "BOX is not tracked by lot", "lot"),
        ({"location": "MAIN/RECV"}, "MAIN/RECV is not a bin of this count.", "location"),
        ({"location": "MAIN/STOCK"}, "MAIN/STOCK is not a bin of this count.", "location"),
        ({"counted": "0"}, "Type how many you found.", "counted"),
    ],
)
def test_found_stock_is_checked(tablet, counting, data, message, emptied):
    count = counting["count"]
    lines = count.lines.count()
    scanned = {"location": "MAIN/STOCK/A-01", "item": "BOX", "lot": "", "counted": "3", **data}
    html = refused(tablet.post(url("tablet_count_found", count.pk), scanned), message)
    assert value(html, emptied) is None and count.lines.count() == lines
    kept = "location" if emptied != "location" else "item"
    assert value(html, kept) == scanned[kept]


# --- Move -------------------------------------------------------------------------------------------------


@pytest.fixture
def shelved(item, bin_, receive):
    cable = item("CB-EU")
    element = item("HE-2000", tracking=Tracking.LOT)
    receive(cable, 10, bin_("A-01"))
    receive(element, 5, bin_("A-02"), lot="L-1")
    return {"cable": cable, "element": element}


def test_move_scan_from_item_quantity_to(tablet, shelved, bin_):
    html = page(tablet.get(url("tablet_move")))
    assert [m for m in re.findall(r'<input[^>]* name="(\w+)"', html) if m != "csrfmiddlewaretoken"] == [
        "from_location",
        "item",
        "lot",
        "quantity",
        "to_location",
    ]
    before = moves()
    response = tablet.post(
        url("tablet_move"),
        {"from_location": "main/stock/a-01", "item": "CB-EU", "quantity": "4", "to_location": "MAIN/STOCK/B-01"},
        follow=True,
    )
    html = confirmed(response, "Moved 4 ea of CB-EU from MAIN/STOCK/A-01 to MAIN/STOCK/B-01.")
    assert value(html, "from_location") is None and moves() == before + 1
    assert Quant.objects.get(item=shelved["cable"], location=bin_("B-01")).quantity == 4
    response = tablet.post(
        url("tablet_move"),
        {"from_location": "MAIN/STOCK/A-02", "item": "HE-2000", "lot": "L-1", "quantity": "2", "to_location": "B-01"},
    )
    assert "Unknown bin: B-01." in refused(response)
    response = tablet.post(
        url("tablet_move"),
        {
            "from_location": "MAIN/STOCK/A-02",
            "item": "HE-2000",
            "lot": "L-1",
            "quantity": "2",
            "to_location": "MAIN/STOCK/B-01",
        },
    )
    assert response.status_code == 302
    assert Quant.objects.get(item=shelved["element"], location=bin_("B-01")).quantity == 2
    assert ledger_mismatches() == []


MOVE = {
    "from_location": "MAIN/STOCK/A-01",
    "item": "CB-EU",
    "lot": "",
    "quantity": "4",
    "to_location": "MAIN/STOCK/B-01",
}


@pytest.mark.parametrize(
    ("data", "message", "emptied"),
    [
        ({"from_location": "X-99"}, "Unknown bin: X-99.", "from_location"),
        ({"item": "NOPE"}, "Unknown item: NOPE.", "item"),
        ({"quantity": "11"}, "Only 10 ea of CB-EU can be taken from MAIN/STOCK/A-01", "quantity"),
        ({"from_location": "MAIN/STOCK/B-01", "to_location": "MAIN/STOCK/A-01"}, "Only 0 ea", "quantity"),
        ({"item": "HE-2000", "from_location": "MAIN/STOCK/A-02"}, "HE-2000 is tracked", "lot"),
        ({"item": "HE-2000", "from_location": "MAIN/STOCK/A-02", "lot": "L-2"}, "Unknown lot L-2", "lot"),
        ({"lot": "L-1"}, "CB-EU is not tracked by lot", "lot"),
        ({"to_location": "MAIN/STOCK"}, "MAIN/STOCK is not a warehouse location.", "to_location"),
        ({"to_location": "VIRTUAL/SCRAP"}, "VIRTUAL/SCRAP is not a warehouse location.", "to_location"),
    ],
)
def test_a_wrong_move_is_refused_and_nothing_is_posted(tablet, shelved, data, message, emptied):
    scanned = {**MOVE, **data}
    before = moves()
    html = refused(tablet.post(url("tablet_move"), scanned), message)
    assert moves() == before and ledger_mismatches() == []
    for field in ("from_location", "item", "quantity", "to_location"):
        assert value(html, field) == (None if field == emptied else scanned[field]), field


# --- No inline scripts, no CDN ----------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)


def test_no_page_has_inline_scripts_handlers_styles_or_outside_assets(tablet, warehouse, picking, asn, received, order):
    receipt = asn((picking["cable"], 5, {}), (picking["element"], 2, {"lot_code": "L-9"}))
    lines = list(receipt.lines.all())
    (task,) = received(code="TASK")
    count = cycle_count_create(warehouse=warehouse, location=Location.objects.get(code="MAIN/STOCK"))
    pick_list = picking["pick_list"]
    wave = wave_create(warehouse=warehouse, requests=[order((picking["element"], 1), reference="SO-W")])
    pages = [
        url("tablet_home"),
        url("tablet_receive_list"),
        url("tablet_receipt", receipt.pk),
        url("tablet_receipt", receipt.pk, item="NOPE"),
        url("tablet_receipt_line", receipt.pk, lines[1].pk),
        url("tablet_putaway_list"),
        url("tablet_putaway", task.pk),
        url("tablet_pick_lists"),
        url("tablet_pick", pick_list.pk),
        url("tablet_pick_wave", wave.pk),
        url("tablet_pick_short", pick_list.pk, pick_list.lines.first().pk),
        url("tablet_count_list"),
        url("tablet_count", count.pk),
        url("tablet_count_found", count.pk),
        url("tablet_move"),
    ]
    rendered = [(path, page(tablet.get(path))) for path in pages]
    rendered.append((url("tablet_move"), page(tablet.post(url("tablet_move"), {**MOVE, "item": "NOPE"}))))
    for path, html in rendered:
        assert not INLINE_SCRIPT.search(html), path
        assert not EVENT_HANDLER.search(html), path
        assert not STYLE_ATTRIBUTE.search(html), path
        assert "http://" not in html and "https://" not in html and "//cdn" not in html, path
        assert "/static/js/scan.js" in html and "/static/vendor/htmx.min.js" in html, path
        assert "/static/vendor/bootstrap/bootstrap.min.css" in html and "/static/css/tablet.css" in html, path
