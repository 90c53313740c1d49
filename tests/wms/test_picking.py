from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.choices import Tracking
from core.models import DomainEvent
from wms import events
from wms.choices import LocationKind, RequestState
from wms.locations import virtual_location
from wms.models import PickState, Quant, StockMove
from wms.selectors.picking import wave_pick_path
from wms.selectors.stock import available, ledger_mismatches, on_hand
from wms.services.picking import pick_confirm, pick_list_create, pick_short, shipment_create, shipment_ship, wave_create
from wms.services.requests import stock_request_create, stock_request_reserve

pytestmark = pytest.mark.django_db


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


def test_a_wave_walks_all_its_pick_lists_in_bin_order(warehouse, item, bin_, receive, order):
    kettle, toaster = item("KT-200"), item("TS-400")
    receive(kettle, 10, bin_("B-01"))
    receive(toaster, 10, bin_("A-01"))
    receive(kettle, 2, bin_("A-02"))
    first, second = order((kettle, 5), reference="SO-1"), order((toaster, 3), reference="SO-2")
    wave = wave_create(warehouse=warehouse, requests=[first, second])
    path = [(line.from_location.code, line.item.code) for line in wave_pick_path(wave=wave)]
    assert path == [("MAIN/STOCK/A-01", "TS-400"), ("MAIN/STOCK/B-01", "KT-200")]  # FIFO took B-01's older kettles
    assert wave.pick_lists.count() == 2
    with pytest.raises(ValidationError) as error:
        pick_list_create(request=first)
    assert error.value.code == "pick_list_open"


def test_a_pick_must_be_the_right_bin_the_right_lot_and_no_more_than_reserved(warehouse, item, bin_, receive, order):
    element = item("HE-2000", tracking=Tracking.LOT)
    receive(element, 5, bin_("A-01"), lot="L1")
    receive(element, 5, bin_("A-02"), lot="L2")
    request = order((element, 4))
    (line,) = pick_list_create(request=request).lines.all()
    other_lot = element.lots.get(code="L2")
    moves = StockMove.objects.count()
    for kwargs, code in (
        ({"location": bin_("A-02"), "quantity": 1, "lot": line.lot}, "wrong_bin"),
        ({"location": bin_("A-01"), "quantity": 1, "lot": other_lot}, "wrong_lot"),
        ({"location": bin_("A-01"), "quantity": 5, "lot": line.lot}, "more_than_reserved"),
    ):
        with pytest.raises(ValidationError) as error:
            pick_confirm(line=line, **kwargs)
        assert next(iter(error.value.error_dict.values()))[0].code == code
    assert StockMove.objects.count() == moves  # nothing was posted


def test_picked_stock_stays_held_for_its_order_until_it_ships(warehouse, item, bin_, receive, order):
    kettle = item("KT-200")
    receive(kettle, 6, bin_("A-01"))
    request = order((kettle, 6))
    pick_list = pick_list_create(request=request)
    (line,) = pick_list.lines.all()
    pick_confirm(line=line, location=bin_("A-01"), quantity=Decimal(6))
    pick_list.refresh_from_db()
    assert pick_list.state == PickState.PICKED
    out = Quant.objects.get(item=kettle, location=warehouse.output_location)
    assert (out.quantity, out.reserved) == (6, 6) and available(item=kettle) == 0
    assert order((kettle, 1), reference="SO-2").state == RequestState.OPEN  # nothing free to take

    shipment = shipment_create(
        pick_list=pick_list, packages=[{"code": "P1", "weight_kg": Decimal("9.6")}], carrier="SF Express"
    )
    shipment = shipment_ship(shipment=shipment, tracking_number="SF1234567890")
    request.refresh_from_db()
    assert request.state == RequestState.DONE and on_hand(item=kettle) == 0
    assert shipment.number.startswith("DN-") and shipment.shipped_at
    event = DomainEvent.objects.get(name=events.SHIPMENT_SHIPPED)
    assert event.payload["tracking_number"] == "SF1234567890" and event.payload["reference"] == "SO-2026-00001"
    assert event.payload["lines"] == [{"item": "KT-200", "lot": None, "quantity": "6.000000"}]
    with pytest.raises(ValidationError):
        shipment_ship(shipment=shipment)
    assert ledger_mismatches() == []


def test_a_short_pick_records_why_and_releases_what_was_not_there(warehouse, item, bin_, receive, order):
    kettle = item("KT-200")
    receive(kettle, 5, bin_("A-01"))
    request = order((kettle, 5))
    (line,) = pick_list_create(request=request).lines.all()
    with pytest.raises(ValidationError):
        pick_short(line=line, found=Decimal(3), reason=" ", location=bin_("A-01"))
    line = pick_short(line=line, found=Decimal(3), reason="2 dented, set aside", location=bin_("A-01"))
    assert (line.picked_qty, line.short_qty, line.short_reason) == (3, 2, "2 dented, set aside")
    request.refresh_from_db()
    assert request.state == RequestState.PARTIAL  # 3 of 5 held (at the output), 2 due
    bin_quant = Quant.objects.get(item=kettle, location=bin_("A-01"))
    assert (bin_quant.quantity, bin_quant.reserved) == (2, 0)
    assert ledger_mismatches() == []


def test_only_picked_lists_are_packed(warehouse, item, bin_, receive, order):
    kettle = item("KT-200")
    receive(kettle, 2, bin_("A-01"))
    pick_list = pick_list_create(request=order((kettle, 2)))
    with pytest.raises(ValidationError) as error:
        shipment_create(pick_list=pick_list, packages=[{"code": "P1"}])
    assert error.value.code == "not_picked"


def test_a_picked_list_is_packed_once_and_waves_need_requests(warehouse, item, bin_, receive, order):
    kettle = item("KT-200")
    receive(kettle, 1, bin_("A-01"))
    pick_list = pick_list_create(request=order((kettle, 1)))
    pick_confirm(line=pick_list.lines.get(), location=bin_("A-01"), quantity=Decimal(1))
    pick_list.refresh_from_db()
    shipment_create(pick_list=pick_list, packages=[{"code": "P1"}])
    with pytest.raises(ValidationError) as error:
        shipment_create(pick_list=pick_list, packages=[{"code": "P2"}])
    assert error.value.code == "packed"
    with pytest.raises(ValidationError) as error:
        wave_create(warehouse=warehouse, requests=[])
    assert "requests" in error.value.error_dict


def test_picking_needs_an_output_location(warehouse, item, bin_, receive, order):
    kettle = item("KT-200")
    receive(kettle, 1, bin_("A-01"))
    request = order((kettle, 1))
    warehouse.output_location = None
    warehouse.save()
    with pytest.raises(ValidationError) as error:
        pick_list_create(request=request)
    assert error.value.code == "no_output_location"
