"""Returns authorized on a case and received through WMS: the goods come in from the customers' location into
the warehouse's quality-hold location on a receipt of their own, their lots are put on hold, ERP values the
move; a refusal anywhere leaves nothing behind."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.choices import Tracking
from core.models import NumberSequence
from crm.models import CaseUpdateKind, Rma, RmaState
from crm.services import cases as services
from erp.models import ValuationLayer
from mes.selectors.quality import lot_supplier
from tests.crm.cases_support import shipped_serial
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Lot, Quant, Receipt, ReceiptState, StockMove, Warehouse
from wms.services.holds import lot_hold
from wms.services.moves import stock_move_post

pytestmark = pytest.mark.django_db


def codes(error: ValidationError) -> dict[str, set[str]]:
    return {field: {e.code for e in errors} for field, errors in error.error_dict.items()}


@pytest.fixture
def unit(serial_kettle, bin_):
    return shipped_serial(serial_kettle, "KT300-0007", bin_("A-01"))


@pytest.fixture
def case(customer, unit, sla_policies):
    return services.case_open(account=customer, lot=unit, subject="Lid hinge broken")


def line(item, lot=None, quantity="1", reason="Broken hinge") -> dict:
    return {"item": item, "lot": lot, "quantity": Decimal(quantity), "reason": reason}


def test_a_return_is_received_into_quality_hold_and_its_lot_is_held(case, unit, serial_kettle, warehouse, item):
    cord = item("CORD-1")  # untracked: comes back without a lot
    rma = services.rma_authorize(
        case=case, warehouse=warehouse, lines=[line(serial_kettle, unit), line(cord, quantity="2")]
    )
    assert (rma.state, rma.number.startswith("RMA-2026-"), rma.receipt) == (RmaState.AUTHORIZED, True, None)

    rma = services.rma_receive(rma=rma)

    assert (rma.state, rma.received_at is not None) == (RmaState.RECEIVED, True)
    receipt = rma.receipt
    assert (receipt.supplier, receipt.reference, receipt.state) == (case.account, rma.number, ReceiptState.DONE)
    assert sorted((r.item.code, r.lot_code, r.expected_qty, r.received_qty) for r in receipt.lines.all()) == [
        ("CORD-1", "", 2, 2),
        ("KT-300", "KT300-0007", 1, 1),
    ]
    moves = StockMove.objects.filter(reference=rma.number).select_related("from_location", "to_location")
    assert {(m.item.code, m.from_location.kind, m.to_location.code, m.quantity) for m in moves} == {
        ("KT-300", LocationKind.CUSTOMER, "MAIN/QC", 1),
        ("CORD-1", LocationKind.CUSTOMER, "MAIN/QC", 2),
    }
    assert Quant.objects.get(lot=unit, quantity__gt=0).location.code == "MAIN/QC"
    unit.refresh_from_db()
    assert unit.on_hold and rma.number in unit.hold_reason and case.number in unit.hold_reason
    # ERP valued the return back out of cost of goods sold, as every move into the warehouse.
    assert ValuationLayer.objects.filter(move__in=moves).count() == 2
    # Genealogy never takes the customer for the lot's supplier.
    assert lot_supplier(unit) is None
    assert [u.kind for u in case.updates.all()] == [CaseUpdateKind.OPENED, CaseUpdateKind.RMA, CaseUpdateKind.RMA]
    assert "MAIN/QC" in case.updates.last().text


def test_the_return_warehouse_defaults_to_the_orders_and_must_have_a_quality_location(case, serial_kettle, unit):
    bare = Warehouse.objects.create(code="BARE", name="No quality location")
    with pytest.raises(ValidationError) as refused:
        services.rma_authorize(case=case, lines=[line(serial_kettle, unit)])
    assert codes(refused.value) == {"warehouse": {"required"}}
    with pytest.raises(ValidationError) as refused:
        services.rma_authorize(case=case, warehouse=bare, lines=[line(serial_kettle, unit)])
    assert codes(refused.value) == {"warehouse": {"no_quality_location"}}
    assert not Rma.objects.exists()


def test_authorizing_checks_each_line(case, serial_kettle, unit, warehouse, item):
    cord = item("CORD-1")
    other = Lot.objects.create(item=item("TS-9", tracking=Tracking.SERIAL), code="TS-1")
    with pytest.raises(ValidationError) as refused:
        services.rma_authorize(
            case=case,
            warehouse=warehouse,
            lines=[
                line(serial_kettle, None),
                line(serial_kettle, other),
                line(cord, unit, reason=" "),
                line(serial_kettle, unit, quantity="2"),
                line(cord, quantity="0"),
            ],
        )
    assert codes(refused.value) == {
        "lines.0.lot": {"required"},
        "lines.1.lot": {"wrong_item"},
        "lines.2.lot": {"wrong_item"},
        "lines.2.reason": {"required"},
        "lines.3.quantity": {"serial_quantity"},
        "lines.4.quantity": {"min_value"},
    }
    with pytest.raises(ValidationError) as refused:
        services.rma_authorize(case=case, warehouse=warehouse, lines=[])
    assert codes(refused.value) == {"lines": {"required"}}


def test_a_refused_line_leaves_no_receipt_no_stock_no_hold_and_no_number(case, serial_kettle, unit, warehouse, bin_):
    in_stock = Lot.objects.create(item=serial_kettle, code="KT300-0008")
    stock_move_post(
        item=serial_kettle,
        quantity=Decimal(1),
        from_location=virtual_location(LocationKind.PRODUCTION),
        to_location=bin_("A-02"),
        kind=MoveKind.PRODUCTION,
        lot=in_stock,
        unit_cost=Decimal("40"),
    )
    rma = services.rma_authorize(
        case=case, warehouse=warehouse, lines=[line(serial_kettle, unit), line(serial_kettle, in_stock)]
    )
    receipts = Receipt.objects.count()
    sequence = NumberSequence.objects.filter(doc_type="RC").values_list("last_value", flat=True).first()

    with pytest.raises(ValidationError) as refused:
        services.rma_receive(rma=rma)  # KT300-0008 never left: it is in A-02
    assert codes(refused.value) == {"lines.1.lot": {"serial_in_stock"}}

    rma.refresh_from_db()
    unit.refresh_from_db()
    assert (rma.state, rma.receipt, unit.on_hold) == (RmaState.AUTHORIZED, None, False)
    assert Receipt.objects.count() == receipts
    assert NumberSequence.objects.filter(doc_type="RC").values_list("last_value", flat=True).first() == sequence
    assert not StockMove.objects.filter(reference=rma.number).exists()
    assert not Quant.objects.filter(location__code="MAIN/QC", quantity__gt=0).exists()
    assert case.updates.filter(text__contains="received").count() == 0


def test_a_return_is_received_once_and_a_held_lot_keeps_its_reason(case, serial_kettle, unit, warehouse):
    lot_hold(lot=unit, reason="NC-2026-00001: leaking seal")
    rma = services.rma_receive(
        rma=services.rma_authorize(case=case, warehouse=warehouse, lines=[line(serial_kettle, unit)])
    )
    unit.refresh_from_db()
    assert unit.hold_reason == "NC-2026-00001: leaking seal"
    with pytest.raises(ValidationError) as refused:
        services.rma_receive(rma=rma)
    assert refused.value.code == "wrong_state"
    rma = services.rma_close(rma=rma)
    assert rma.state == RmaState.CLOSED
    with pytest.raises(ValidationError):
        services.rma_close(rma=rma)


def test_a_closed_case_takes_no_return(case, serial_kettle, unit, warehouse):
    services.case_close(case=services.case_resolve(case=case, resolution="Replaced"))
    with pytest.raises(ValidationError) as refused:
        services.rma_authorize(case=case, warehouse=warehouse, lines=[line(serial_kettle, unit)])
    assert refused.value.code == "wrong_state"
    assert Location.objects.get(code="MAIN/QC").quants.count() == 0
