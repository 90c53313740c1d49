import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from core.choices import Tracking
from core.models import DomainEvent
from wms import events
from wms.choices import LocationKind, MoveKind, RemovalStrategy, RequestKind, RequestState
from wms.locations import virtual_location
from wms.models import Location, Lot, Quant, StockMove, StockPolicy
from wms.selectors.stock import available, ledger_mismatches, on_hand
from wms.services.moves import inventory_adjust, stock_transfer
from wms.services.requests import (
    stock_request_cancel,
    stock_request_create,
    stock_request_deliver,
    stock_request_reserve,
)

pytestmark = pytest.mark.django_db


def quant(item, location, lot=None) -> Quant:
    return Quant.objects.get(item=item, location=location, lot=lot)


def test_a_receipt_puts_stock_in_and_records_the_move_and_its_event(item, bin_, receive):
    kettle = item("KT-200")
    move = receive(kettle, 40, bin_("A-01"))
    assert quant(kettle, bin_("A-01")).quantity == 40
    assert (move.kind, move.from_location.code, move.unit_cost) == (
        MoveKind.RECEIPT,
        "VIRTUAL/SUPPLIERS",
        Decimal("1.5"),
    )
    event = DomainEvent.objects.get(name=events.STOCK_MOVED)
    assert event.payload["quantity"] == "40" and event.payload["to_location"] == "MAIN/STOCK/A-01"
    assert on_hand(item=kettle) == 40 and ledger_mismatches() == []


def test_stock_never_goes_negative_and_the_refusal_says_what_is_there(item, bin_, receive):
    kettle = item("KT-200")
    receive(kettle, 5, bin_("A-01"))
    with pytest.raises(ValidationError) as error:
        stock_transfer(item=kettle, quantity=Decimal(6), from_location=bin_("A-01"), to_location=bin_("A-02"))
    assert error.value.error_dict["quantity"][0].code == "insufficient_stock"
    assert "Only 5 ea of KT-200 can be taken from MAIN/STOCK/A-01 (5" in error.value.messages[0]
    assert quant(kettle, bin_("A-01")).quantity == 5 and StockMove.objects.count() == 1


def test_the_database_refuses_a_negative_quant_even_without_the_services(item, bin_, receive):
    from django.db import IntegrityError, transaction

    kettle = item("KT-200")
    receive(kettle, 1, bin_("A-01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Quant.objects.filter(item=kettle).update(quantity=-1)


def test_transfers_move_stock_between_bins_and_keep_the_ledger(item, bin_, receive):
    kettle = item("KT-200")
    receive(kettle, 10, bin_("A-01"))
    stock_transfer(item=kettle, quantity=Decimal(4), from_location=bin_("A-01"), to_location=bin_("B-01"))
    assert quant(kettle, bin_("A-01")).quantity == 6 and quant(kettle, bin_("B-01")).quantity == 4
    assert on_hand(item=kettle) == 10 and ledger_mismatches() == []


@pytest.mark.parametrize(("quantity", "code"), [("0", "min_value"), ("-2", "min_value"), ("1.5", "precision")])
def test_quantities_must_be_positive_and_fit_the_unit(item, bin_, receive, quantity, code):
    kettle = item("KT-200")
    with pytest.raises(ValidationError) as error:
        receive(kettle, quantity, bin_("A-01"))
    assert error.value.error_dict["quantity"][0].code == code


def test_kilograms_take_three_decimals(item, bin_, receive):
    steel = item("SS-304", "kg")
    receive(steel, "12.345", bin_("A-01"))
    assert quant(steel, bin_("A-01")).quantity == Decimal("12.345")


def test_tracked_items_need_their_lot_and_serials_stay_single(item, bin_, receive):
    element = item("HE-2000", tracking=Tracking.LOT)
    with pytest.raises(ValidationError) as error:
        receive(element, 10, bin_("A-01"))
    assert error.value.error_dict["lot"][0].code == "required"
    receive(element, 10, bin_("A-01"), lot="L-0001")
    kettle = item("KT-200", tracking=Tracking.SERIAL)
    receive(kettle, 1, bin_("A-01"), lot="SN-1")
    with pytest.raises(ValidationError) as error:  # SN-1 is already on the shelf
        receive(kettle, 1, bin_("A-01"), lot="SN-1")
    assert error.value.error_dict["lot"][0].code == "serial_in_stock"
    with pytest.raises(ValidationError) as error:
        receive(kettle, 2, bin_("A-01"), lot="SN-2")
    assert error.value.error_dict["quantity"][0].code == "serial_quantity"


def test_stock_goes_only_into_bins(item, warehouse, receive):
    kettle = item("KT-200")
    with pytest.raises(ValidationError) as error:
        receive(kettle, 1, Location.objects.get(code="MAIN/STOCK"))
    assert error.value.error_dict["to_location"][0].code == "not_a_bin"


def test_a_full_bin_refuses_more(item, bin_, receive):
    small = bin_("B-01")
    small.capacity_qty = Decimal(10)
    small.save()
    kettle = item("KT-200")
    receive(kettle, 8, small)
    with pytest.raises(ValidationError) as error:
        receive(kettle, 3, small)
    assert error.value.error_dict["to_location"][0].code == "bin_full"
    assert quant(kettle, small).quantity == 8


def test_an_adjustment_sets_on_hand_to_the_count_through_inventory_loss(item, bin_, receive):
    kettle = item("KT-200", standard_cost=Decimal("142"))
    receive(kettle, 10, bin_("A-01"))
    loss = inventory_adjust(item=kettle, location=bin_("A-01"), counted=Decimal(7), reason="broken")
    assert (loss.from_location.code, loss.to_location.code, loss.quantity) == (
        "MAIN/STOCK/A-01",
        "VIRTUAL/INVENTORY-LOSS",
        3,
    )
    gain = inventory_adjust(item=kettle, location=bin_("A-01"), counted=Decimal(9))
    assert gain.to_location == bin_("A-01") and gain.quantity == 2 and gain.unit_cost == Decimal("142")
    assert inventory_adjust(item=kettle, location=bin_("A-01"), counted=Decimal(9)) is None
    assert quant(kettle, bin_("A-01")).quantity == 9 and ledger_mismatches() == []


def test_quality_hold_counts_on_hand_but_is_not_available(item, warehouse, bin_, receive):
    kettle = item("KT-200")
    receive(kettle, 5, Location.objects.get(code="MAIN/QC"))
    receive(kettle, 3, bin_("A-01"))
    assert on_hand(item=kettle) == 8 and available(item=kettle) == 3


@pytest.fixture
def customers(db):
    return virtual_location(LocationKind.CUSTOMER)


def shipment(warehouse, customers, *lines):
    return stock_request_create(
        kind=RequestKind.SHIPMENT,
        warehouse=warehouse,
        destination=customers,
        lines=list(lines),
        reference="SO-2026-00001",
    )


def test_reservations_follow_fifo_and_hold_stock_from_others(item, warehouse, customers, bin_, receive):
    kettle = item("KT-200")
    receive(kettle, 5, bin_("B-01"))  # arrived first
    receive(kettle, 5, bin_("A-01"))
    request = stock_request_reserve(request=shipment(warehouse, customers, (kettle, Decimal(7), None)))
    assert request.state == RequestState.RESERVED
    assert quant(kettle, bin_("B-01")).reserved == 5 and quant(kettle, bin_("A-01")).reserved == 2
    assert available(item=kettle) == 3
    with pytest.raises(ValidationError):  # reserved stock cannot be moved away
        stock_transfer(item=kettle, quantity=Decimal(4), from_location=bin_("A-01"), to_location=bin_("A-02"))
    other = stock_request_reserve(request=shipment(warehouse, customers, (kettle, Decimal(5), None)))
    assert other.state == RequestState.PARTIAL and available(item=kettle) == 0
    assert ledger_mismatches() == []


def test_fefo_takes_the_earliest_expiry_and_location_order_the_first_bin(item, warehouse, customers, bin_, receive):
    paste = item("PASTE", tracking=Tracking.LOT)
    StockPolicy.objects.create(item=paste, removal_strategy=RemovalStrategy.FEFO)
    receive(paste, 4, bin_("A-01"), lot="LATE", expiry=datetime.date(2027, 6, 1))
    receive(paste, 4, bin_("A-02"), lot="SOON", expiry=datetime.date(2027, 1, 1))
    request = stock_request_reserve(request=shipment(warehouse, customers, (paste, Decimal(5), None)))
    held = {r.quant.lot.code: r.quantity for r in request.lines.get().reservations.select_related("quant__lot")}
    assert held == {"SOON": 4, "LATE": 1}

    box = item("BOX")
    StockPolicy.objects.create(item=box, removal_strategy=RemovalStrategy.LOCATION)
    receive(box, 4, bin_("B-01"))
    receive(box, 4, bin_("A-02"))
    request = stock_request_reserve(request=shipment(warehouse, customers, (box, Decimal(3), None)))
    assert request.lines.get().reservations.get().quant.location == bin_("A-02")  # pick sequence 20 before 30


def test_delivery_moves_the_reserved_stock_and_closes_the_request(item, warehouse, customers, bin_, receive):
    kettle = item("KT-200")
    receive(kettle, 5, bin_("A-01"))
    request = stock_request_reserve(request=shipment(warehouse, customers, (kettle, Decimal(8), None)))
    request = stock_request_deliver(request=request)
    line = request.lines.get()
    assert (request.state, line.delivered) == (RequestState.OPEN, 5)  # 3 still due
    receive(kettle, 3, bin_("A-02"))
    request = stock_request_deliver(request=stock_request_reserve(request=request))
    assert request.state == RequestState.DONE and on_hand(item=kettle) == 0
    shipped = StockMove.objects.filter(kind=MoveKind.SHIPMENT, to_location=customers)
    assert sum(m.quantity for m in shipped) == 8 and {m.reference for m in shipped} == {"SO-2026-00001"}
    assert ledger_mismatches() == []
    # Shipped without a pick list, but shipped all the same: the order's side hears of both deliveries.
    told = DomainEvent.objects.filter(name=events.SHIPMENT_SHIPPED).order_by("pk")
    assert [(e.payload["request"], e.payload["delivery_note"], e.payload["lines"]) for e in told] == [
        (request.number, "", [{"item": "KT-200", "lot": None, "quantity": "5.000000"}]),
        (request.number, "", [{"item": "KT-200", "lot": None, "quantity": "3.000000"}]),
    ]


def test_cancelling_releases_the_reservations(item, warehouse, customers, bin_, receive):
    kettle = item("KT-200")
    receive(kettle, 5, bin_("A-01"))
    request = stock_request_reserve(request=shipment(warehouse, customers, (kettle, Decimal(5), None)))
    stock_request_cancel(request=request)
    assert quant(kettle, bin_("A-01")).reserved == 0 and available(item=kettle) == 5
    with pytest.raises(ValidationError):
        stock_request_reserve(request=request)


def test_a_shipment_must_go_to_customers(item, warehouse, bin_):
    with pytest.raises(ValidationError) as error:
        shipment(warehouse, bin_("A-01"), (item("KT-200"), Decimal(1), None))
    assert error.value.error_dict["destination"][0].code == "wrong_destination"


def test_wms_check_finds_a_quant_that_disagrees_with_its_moves(item, bin_, receive, capsys):
    kettle = item("KT-200")
    receive(kettle, 5, bin_("A-01"))
    call_command("wms_check")
    assert "consistent" in capsys.readouterr().out
    with connection.cursor() as cursor:  # damage done behind the services' back
        cursor.execute("UPDATE wms_quant SET quantity = 6")
    with pytest.raises(CommandError) as error:
        call_command("wms_check")
    assert error.value.returncode == 1
    assert "KT-200 @ MAIN/STOCK/A-01: quant 6, moves 5; reserved 0, reservations 0" in capsys.readouterr().err


def test_the_ledger_answers_what_was_on_hand_at_any_moment(item, warehouse, bin_, receive):
    from django.utils import timezone

    from wms.selectors.stock import stock_as_of

    kettle = item("KT-200")
    receive(kettle, 10, bin_("A-01"))
    before_transfer = timezone.now()
    stock_transfer(item=kettle, quantity=Decimal(4), from_location=bin_("A-01"), to_location=bin_("B-01"))
    then = {(r["location_id"], r["quantity"]) for r in stock_as_of(at=before_transfer)}
    now = {(r["location_id"], r["quantity"]) for r in stock_as_of(at=timezone.now(), warehouse=warehouse)}
    assert then == {(bin_("A-01").pk, 10)}
    assert now == {(bin_("A-01").pk, 6), (bin_("B-01").pk, 4)}
    assert stock_as_of(at=before_transfer - datetime.timedelta(days=1)) == []


def test_a_serial_number_is_in_stock_once_across_all_bins(item, bin_, receive):
    kettle = item("KT-200", tracking=Tracking.SERIAL)
    receive(kettle, 1, bin_("A-01"), lot="SN-7")
    with pytest.raises(ValidationError) as error:
        receive(kettle, 1, bin_("B-01"), lot="SN-7")
    assert error.value.error_dict["lot"][0].code == "serial_in_stock" and "MAIN/STOCK/A-01" in error.value.messages[0]
    stock_transfer(
        item=kettle,
        quantity=Decimal(1),
        from_location=bin_("A-01"),
        to_location=bin_("B-01"),
        lot=Lot.objects.get(code="SN-7"),
    )  # moving it is fine


def test_closed_requests_cannot_be_unreserved_or_cancelled(item, warehouse, customers, bin_, receive):
    kettle = item("KT-200")
    receive(kettle, 2, bin_("A-01"))
    request = stock_request_deliver(
        request=stock_request_reserve(request=shipment(warehouse, customers, (kettle, Decimal(2), None)))
    )
    for service in (stock_request_cancel, stock_request_reserve):
        with pytest.raises(ValidationError) as error:
            service(request=request)
        assert error.value.code == "request_closed"
