import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.choices import Tracking
from core.models import DomainEvent, ItemCategory, Partner
from wms import events
from wms.models import Location, PutawayRule, Quant, ReceiptState, StockPolicy, TaskState
from wms.selectors.stock import available, ledger_mismatches, on_hand
from wms.services.putaway import stock_task_confirm
from wms.services.receipts import quality_reject, quality_release, receipt_close, receipt_create, receipt_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(db):
    return Partner.objects.create(code="S-HEAT", name="Ningbo Heating", kind="supplier")


def asn(warehouse, supplier, item, expected, **line):
    return receipt_create(
        warehouse=warehouse,
        supplier=supplier,
        reference="PO-2026-00007",
        asn_number="ASN-88",
        lines=[{"item": item, "expected_qty": Decimal(expected), "order_line_ref": "PO-2026-00007/1", **line}],
    )


def test_a_receipt_lands_in_receiving_and_plans_put_away_fullest_bin_first(warehouse, supplier, item, bin_, receive):
    cable = item("CB-EU")
    receive(cable, 30, bin_("A-02"))  # A-02 already holds stock: it fills first
    bin_a02 = bin_("A-02")
    bin_a02.capacity_qty = Decimal(50)
    bin_a02.save()
    receipt = asn(warehouse, supplier, cable, 40, unit_cost=Decimal("4.6"))

    tasks = receipt_receive(line=receipt.lines.get(), quantity=Decimal(40))
    assert [(t.to_location.code, t.quantity) for t in tasks] == [("MAIN/STOCK/A-02", 20), ("MAIN/STOCK/A-01", 20)]
    assert Quant.objects.get(item=cable, location=warehouse.receiving_location).quantity == 40
    event = DomainEvent.objects.get(name=events.GOODS_RECEIVED)
    assert event.payload["order_line_ref"] == "PO-2026-00007/1" and event.payload["unit_cost"] == "4.600000"

    for task in tasks:
        stock_task_confirm(task=task, location=task.to_location)
    assert Quant.objects.get(item=cable, location=bin_a02).quantity == 50
    assert Quant.objects.get(item=cable, location=warehouse.receiving_location).quantity == 0
    assert ledger_mismatches() == []


def test_put_away_refuses_the_wrong_bin_unless_told_and_splits_a_partial(warehouse, supplier, item, bin_):
    cable = item("CB-EU")
    receipt = asn(warehouse, supplier, cable, 10)
    (task,) = receipt_receive(line=receipt.lines.get(), quantity=Decimal(10))
    with pytest.raises(ValidationError) as error:
        stock_task_confirm(task=task, location=bin_("B-01"))
    assert error.value.error_dict["location"][0].code == "wrong_bin"
    done = stock_task_confirm(task=task, location=task.to_location, quantity=Decimal(4))
    assert done.state == TaskState.DONE and done.quantity == 4
    rest = warehouse.tasks.get(state=TaskState.OPEN)
    assert rest.quantity == 6
    stock_task_confirm(task=rest, location=bin_("B-01"), other_bin=True)
    assert on_hand(item=cable) == 10 and ledger_mismatches() == []


def test_rules_send_a_category_to_its_zone(warehouse, supplier, item):
    category = ItemCategory.objects.create(code="EL", name="Electrical")
    zone = Location.objects.create(code="MAIN/EL", kind="view", warehouse=warehouse)
    shelf = Location.objects.create(code="MAIN/EL/01", warehouse=warehouse)
    PutawayRule.objects.create(warehouse=warehouse, category=category, zone=zone)
    receipt = asn(warehouse, supplier, item("TH-01", category=category), 5)
    (task,) = receipt_receive(line=receipt.lines.get(), quantity=Decimal(5))
    assert task.to_location == shelf


def test_no_room_anywhere_leaves_a_task_for_the_operator_to_choose(warehouse, supplier, item, bin_):
    for code in ("A-01", "A-02", "B-01"):
        location = bin_(code)
        location.capacity_qty = Decimal(2)
        location.save()
    receipt = asn(warehouse, supplier, item("BOX"), 10)
    tasks = receipt_receive(line=receipt.lines.get(), quantity=Decimal(10))
    assert [t.quantity for t in tasks] == [2, 2, 2, 4] and tasks[-1].to_location is None


def test_over_receipt_is_accepted_within_tolerance_and_refused_beyond(warehouse, supplier, item, settings):
    settings.TAKT_OVER_RECEIPT_TOLERANCE_PCT = 10
    receipt = asn(warehouse, supplier, item("CB-EU"), 100)
    line = receipt.lines.get()
    receipt_receive(line=line, quantity=Decimal(105))
    with pytest.raises(ValidationError) as error:
        receipt_receive(line=line, quantity=Decimal(6))
    assert error.value.error_dict["quantity"][0].code == "over_receipt"
    assert "at most 110 may be received" in error.value.messages[0]
    line.refresh_from_db()
    assert line.received_qty == 105


def test_under_receipt_closes_short_and_says_so(warehouse, supplier, item):
    receipt = asn(warehouse, supplier, item("CB-EU"), 100)
    receipt_receive(line=receipt.lines.get(), quantity=Decimal(60))
    receipt = receipt_close(receipt=receipt)
    assert receipt.state == ReceiptState.DONE
    (line,) = DomainEvent.objects.get(name=events.RECEIPT_CLOSED).payload["lines"]
    assert (line["expected"], line["received"]) == ("100.000000", "60.000000")
    with pytest.raises(ValidationError):
        receipt_receive(line=receipt.lines.get(), quantity=Decimal(1))


def test_items_that_need_inspection_wait_in_quality_hold(warehouse, supplier, item):
    element = item("HE-2000", tracking=Tracking.LOT)
    StockPolicy.objects.create(item=element, requires_inspection=True)
    receipt = asn(warehouse, supplier, element, 50, lot_code="NB-2611-07", expiry_date=datetime.date(2030, 1, 1))
    assert receipt_receive(line=receipt.lines.get(), quantity=Decimal(50)) == []
    assert on_hand(item=element) == 50 and available(item=element) == 0
    lot = element.lots.get(code="NB-2611-07")
    assert lot.expiry_date == datetime.date(2030, 1, 1)

    tasks = quality_release(item=element, warehouse=warehouse, quantity=Decimal(45), lot=lot)
    quality_reject(item=element, warehouse=warehouse, quantity=Decimal(5), lot=lot, reason="cracked ceramic")
    assert sum(t.quantity for t in tasks) == 45
    for task in tasks:
        stock_task_confirm(task=task, location=task.to_location)
    assert available(item=element) == 45 and on_hand(item=element) == 45 and ledger_mismatches() == []


def test_a_tracked_item_needs_its_lot_and_a_receipt_needs_a_supplier(warehouse, supplier, item):
    element = item("HE-2000", tracking=Tracking.LOT)
    receipt = asn(warehouse, supplier, element, 5)
    with pytest.raises(ValidationError) as error:
        receipt_receive(line=receipt.lines.get(), quantity=Decimal(5))
    assert error.value.error_dict["lot"][0].code == "required"
    receipt_receive(line=receipt.lines.get(), quantity=Decimal(5), lot_code="L1")
    customer = Partner.objects.create(code="C-1", name="Customer", kind="customer")
    with pytest.raises(ValidationError) as error:
        asn(warehouse, customer, element, 1)
    assert error.value.error_dict["supplier"][0].code == "not_a_supplier"


def test_stock_on_the_dock_is_not_reserved_before_it_is_put_away(warehouse, supplier, item, bin_):
    from wms.choices import LocationKind, RequestState
    from wms.locations import virtual_location
    from wms.services.requests import stock_request_create, stock_request_reserve

    cable = item("CB-EU")
    receipt = asn(warehouse, supplier, cable, 10)
    (task,) = receipt_receive(line=receipt.lines.get(), quantity=Decimal(10))
    request = stock_request_create(
        kind="shipment",
        warehouse=warehouse,
        destination=virtual_location(LocationKind.CUSTOMER),
        lines=[(cable, Decimal(5), None)],
    )
    assert stock_request_reserve(request=request).state == RequestState.OPEN
    stock_task_confirm(task=task, location=task.to_location)  # so the put-away is never blocked
    assert stock_request_reserve(request=request).state == RequestState.RESERVED


def test_put_away_counts_what_is_already_on_its_way_to_a_bin(warehouse, supplier, item, bin_):
    for code in ("A-01", "A-02", "B-01"):
        location = bin_(code)
        location.capacity_qty = Decimal(100)
        location.save()
    cable = item("CB-EU")
    first = receipt_receive(line=asn(warehouse, supplier, cable, 80).lines.get(), quantity=Decimal(80))
    second = receipt_receive(line=asn(warehouse, supplier, cable, 80).lines.get(), quantity=Decimal(80))
    planned = {}
    for task in first + second:
        planned[task.to_location.code] = planned.get(task.to_location.code, 0) + task.quantity
    assert all(quantity <= 100 for quantity in planned.values())
    for task in first + second:
        stock_task_confirm(task=task, location=task.to_location)  # none refused as bin_full
    assert ledger_mismatches() == []


def test_inspections_need_the_warehouse_to_have_its_locations(warehouse, item):
    warehouse.quality_location = None
    warehouse.save()
    with pytest.raises(ValidationError) as error:
        quality_release(item=item("X"), warehouse=warehouse, quantity=Decimal(1))
    assert error.value.code == "no_quality_location"
