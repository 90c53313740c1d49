"""Quality through the services: inspections decided by their measurements, a failed one raising a numbered
nonconformance that holds its lot, the hold refused by reservation, picking, shipping and consumption,
each disposition (use as is, rework run by MES, scrap and return valued by ERP), corrective actions, the
sampling a running operation owes, and SPC computed by hand."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from core.choices import Tracking
from core.models import DomainEvent, Item
from erp.choices import AccountRole, OperationState
from erp.models import JournalLine, ValuationLayer
from erp.services.journal import account_for
from erp.services.production import production_material_issue
from mes import events
from mes.choices import (
    CharacteristicKind,
    Disposition,
    InspectionResult,
    NonconformanceState,
    SamplingFrequency,
)
from mes.models import Characteristic, Inspection, InspectionPlan, Nonconformance, OperationRun
from mes.selectors.quality import (
    capability,
    characteristic_spc,
    individuals_chart,
    inspections_due,
    xbar_r_chart,
)
from mes.services import execution as x
from mes.services import quality as q
from tests.erp.conftest import supplier  # noqa: F401  (a fixture)
from tests.erp.test_production import codes
from tests.mes.conftest import T0, at
from wms.choices import LocationKind, MoveKind, RequestKind
from wms.locations import virtual_location
from wms.models import Lot, Quant, Reservation, StockMove
from wms.services.holds import held_lot_dispose, lot_hold
from wms.services.picking import pick_confirm, pick_list_create, shipment_create, shipment_ship
from wms.services.receipts import receipt_create, receipt_receive
from wms.services.requests import stock_request_create, stock_request_reserve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shift_clock")]


def final_test_plan(floor, **fields) -> InspectionPlan:
    """KT-200 at its last operation: a leak rate of 0 to 0.5 and a label present or not."""
    plan = InspectionPlan.objects.create(code="KT-FINAL", name="Final test", item=floor["kettle"], **fields)
    Characteristic.objects.create(
        plan=plan, position=1, name="Leak rate", nominal=0, lower_limit=0, upper_limit=Decimal("0.5")
    )
    Characteristic.objects.create(plan=plan, position=2, name="Label", kind=CharacteristicKind.ATTRIBUTE)
    return plan


def results(plan: InspectionPlan, leak, label=True) -> dict:
    return {plan.characteristics.get(position=1): leak, plan.characteristics.get(position=2): label}


def produce(floor, quantity: int = 10):
    """A lot-tracked KT-200 order run through both operations; its output received as one lot. The run of
    the last operation is still open."""
    Item.objects.filter(pk=floor["kettle"].pk).update(tracking=Tracking.LOT)
    order = floor.order(str(quantity))
    run10 = x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"], at=at(0))
    x.operation_count(run=run10, good_qty=quantity, at=at(30))
    x.operation_complete(run=run10, at=at(40))
    run20 = x.operation_start(operation=order.operations.get(seq=20), machine=floor["test1"], at=at(50))
    x.operation_count(run=run20, good_qty=quantity, at=at(80))
    [event] = x.lot_produce(run=run20, quantity=quantity, at=at(85))
    return order, run20, event.lot


def held(lot: Lot) -> bool:
    lot.refresh_from_db()
    return lot.on_hold


# --- Inspections ---------------------------------------------------------------------------------------------


def test_an_inspection_within_the_limits_passes_and_is_numbered(floor):
    plan = final_test_plan(floor)
    _order, run, lot = produce(floor)
    inspection = q.inspection_record(
        plan=plan, measurements=results(plan, "0.5"), operation=run.operation, lot=lot, unit_number=1, at=at(86)
    )
    assert inspection.number == "QI-2026-00001" and inspection.result == InspectionResult.PASSED
    assert inspection.machine == floor["test1"]
    assert [(m.value, m.passed) for m in inspection.measurements.all()] == [(Decimal("0.5"), True), (None, True)]
    assert not Nonconformance.objects.exists() and not held(lot)
    event = DomainEvent.objects.get(name=events.INSPECTION_RECORDED)
    assert (event.aggregate_id, event.payload) == (
        str(inspection.pk),
        {
            "number": "QI-2026-00001",
            "plan": "KT-FINAL",
            "item": "KT-200",
            "result": "passed",
            "order": run.operation.order.number,
            "operation_seq": 20,
            "lot": lot.code,
            "receipt": None,
            "supplier": None,
            "sample_qty": "1.000000",
            "nonconformance": None,
            "inspected_at": at(86).isoformat(),
            "measurements": [
                {"position": 1, "characteristic": "Leak rate", "value": "0.500000", "passed": True},
                {"position": 2, "characteristic": "Label", "value": None, "passed": True},
            ],
        },
    )


def test_a_failed_inspection_raises_a_numbered_nonconformance_that_holds_the_lot(floor):
    plan = final_test_plan(floor)
    order, run, lot = produce(floor)
    inspection = q.inspection_record(
        plan=plan, measurements=results(plan, "0.8", label=False), operation=run.operation, lot=lot, at=at(86)
    )
    assert inspection.result == InspectionResult.FAILED
    assert [m.passed for m in inspection.measurements.all()] == [False, False]
    nc = Nonconformance.objects.get()
    assert (nc.number, nc.inspection, nc.lot, nc.operation, nc.item) == (
        "NC-2026-00001",
        inspection,
        lot,
        run.operation,
        floor["kettle"],
    )
    assert nc.state == NonconformanceState.OPEN and nc.quantity == 1
    assert "Leak rate: 0.8 (0 … 0.5)" in nc.description and "Label: failed" in nc.description
    assert held(lot) and lot.hold_reason.startswith("NC-2026-00001: Inspection QI-2026-00001 failed.")
    event = DomainEvent.objects.get(name=events.NONCONFORMANCE_RAISED)
    assert event.payload["number"] == nc.number and event.payload["lot"] == lot.code
    assert event.payload["order"] == order.number and event.payload["operation_seq"] == 20
    recorded = DomainEvent.objects.get(name=events.INSPECTION_RECORDED).payload
    assert (recorded["result"], recorded["nonconformance"]) == ("failed", nc.number)


def test_what_cannot_be_an_inspection_is_refused_and_nothing_is_written(floor):
    plan = final_test_plan(floor)
    other = InspectionPlan.objects.create(code="BODY", name="Body", item=floor["body"])
    stranger = Characteristic.objects.create(plan=other, name="Dent", kind=CharacteristicKind.ATTRIBUTE)
    _order, run, lot = produce(floor)
    operation = run.operation
    leak, label = plan.characteristics.order_by("position")
    refusals = [
        ({"measurements": {leak: "0.1"}, "operation": operation}, ("measurements", "missing")),
        ({"measurements": {leak: "0.1", label: "yes"}, "operation": operation}, ("measurements", "pass_or_fail")),
        ({"measurements": {leak: "a lot", label: True}, "operation": operation}, ("measurements", "invalid")),
        ({"measurements": {leak: "NaN", label: True}, "operation": operation}, ("measurements", "invalid")),
        (
            {"measurements": {leak: "0.1", label: True, stranger: True}, "operation": operation},
            ("measurements", "other_plan"),
        ),
        ({"measurements": {leak: "0.1", label: True}}, ("operation", "required")),
        ({"measurements": {leak: "0.1", label: True}, "lot": lot, "sample_qty": "0"}, ("sample_qty", "min_value")),
    ]
    for arguments, refusal in refusals:
        with pytest.raises(ValidationError) as error:
            q.inspection_record(plan=plan, **arguments)
        assert codes(error) == {refusal}, arguments
    with pytest.raises(ValidationError) as error:
        q.inspection_record(plan=other, measurements={stranger: True}, lot=lot)
    assert codes(error) == {("lot", "other_item")}
    assert not Inspection.objects.exists() and not Nonconformance.objects.exists()
    assert not DomainEvent.objects.filter(name=events.INSPECTION_RECORDED).exists()


def test_the_plan_rules_are_checked_by_the_models(floor):
    plan = InspectionPlan(code="P", name="P", item=floor["kettle"], frequency=SamplingFrequency.EVERY_NTH)
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert codes(error) == {("every_n", "required")}
    for fields, refusal in [
        ({}, ("upper_limit", "required")),
        ({"lower_limit": 2, "upper_limit": 1}, ("lower_limit", "limits_reversed")),
        ({"lower_limit": 1, "upper_limit": 2, "nominal": 3}, ("nominal", "outside_limits")),
        ({"kind": CharacteristicKind.ATTRIBUTE, "upper_limit": 1}, ("kind", "attribute_measured")),
    ]:
        with pytest.raises(ValidationError) as error:
            Characteristic(
                plan=final_test_plan(floor) if not InspectionPlan.objects.exists() else plan, name="C", **fields
            ).clean()
        assert codes(error) == {refusal}


# --- Holds -------------------------------------------------------------------------------------------------------


def test_a_held_lot_is_not_reserved_nor_picked_nor_shipped(warehouse, item, bin_, receive):
    cup = item("CUP", tracking=Tracking.LOT)
    receive(cup, 10, bin_("A-01"), lot="L1")
    receive(cup, 10, bin_("A-02"), lot="L2")
    l1, l2 = Lot.objects.get(code="L1"), Lot.objects.get(code="L2")
    lot_hold(lot=l2, reason="NC-2026-00001: cracked")
    customers = virtual_location(LocationKind.CUSTOMER)
    request = stock_request_create(
        kind=RequestKind.SHIPMENT, warehouse=warehouse, destination=customers, lines=[(cup, Decimal(15), None)]
    )
    stock_request_reserve(request=request)
    assert list(Reservation.objects.values_list("quant__lot__code", "quantity")) == [("L1", 10)]

    # Reserved and listed for picking, then held: the pick is refused.
    pick_list = pick_list_create(request=request)
    lot_hold(lot=l1, reason="NC-2026-00002: leaking")
    line = pick_list.lines.get()
    with pytest.raises(ValidationError) as error:
        pick_confirm(line=line, location=bin_("A-01"), quantity=Decimal(10), lot=l1)
    assert codes(error) == {("lot", "on_hold")}
    assert "NC-2026-00002: leaking" in str(error.value)

    # Picked before the hold: it waits at the output, and shipping it is refused.
    l1.on_hold = False
    l1.save()
    pick_confirm(line=line, location=bin_("A-01"), quantity=Decimal(10), lot=l1)
    shipment = shipment_create(pick_list=pick_list, packages=[{"code": "P1"}])
    lot_hold(lot=l1, reason="NC-2026-00002: leaking")
    with pytest.raises(ValidationError) as error:
        shipment_ship(shipment=shipment)
    assert codes(error) == {("lot", "on_hold")}
    assert not StockMove.objects.filter(kind=MoveKind.SHIPMENT).exists()


def test_consuming_a_held_lot_is_refused_by_mes_and_by_erp(floor, receive, bin_):
    Item.objects.filter(pk=floor["element"].pk).update(tracking=Tracking.LOT)
    element = Item.objects.get(pk=floor["element"].pk)
    receive(element, 20, bin_("B-01"), lot="EL-7")
    lot = lot_hold(lot=Lot.objects.get(code="EL-7"), reason="NC-2026-00001: cracked")
    order = floor.order("10")
    component = order.components.get(item=element)
    run = x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"], at=at(0))
    with pytest.raises(ValidationError) as error:
        x.material_consume(run=run, component=component, quantity=1, lot=lot, location=bin_("B-01"), at=at(5))
    assert codes(error) == {("lot", "on_hold")}
    with pytest.raises(ValidationError) as error:
        production_material_issue(order=order, component=component, quantity=1, lot=lot, location=bin_("B-01"))
    assert codes(error) == {("lot", "on_hold")}
    assert Quant.objects.get(lot=lot, location=bin_("B-01")).quantity == 20
    component.refresh_from_db()
    assert component.issued_qty == 0


# --- Dispositions ------------------------------------------------------------------------------------------------


def failed(floor, plan=None):
    plan = plan or final_test_plan(floor)
    order, run, lot = produce(floor)
    q.inspection_record(plan=plan, measurements=results(plan, "0.9"), operation=run.operation, lot=lot, at=at(86))
    return order, lot, Nonconformance.objects.get()


def test_use_as_is_needs_a_reason_and_releases_the_lot(floor):
    _order, lot, nc = failed(floor)
    with pytest.raises(ValidationError) as error:
        q.nonconformance_disposition(nonconformance=nc, disposition=Disposition.USE_AS_IS)
    assert codes(error) == {("note", "required")}
    nc = q.nonconformance_disposition(
        nonconformance=nc, disposition=Disposition.USE_AS_IS, note="Within the customer's deviation D-12"
    )
    assert (nc.state, nc.disposition, nc.dispositioned_at) == (NonconformanceState.DISPOSITIONED, "use_as_is", at(600))
    assert not held(lot)
    with pytest.raises(ValidationError) as error:
        q.nonconformance_disposition(nonconformance=nc, disposition=Disposition.SCRAP)
    assert codes(error) == {("disposition", "not_open")}


def test_rework_is_an_operation_mes_runs_and_the_nc_closes_once_it_and_the_actions_are_done(floor, make_user):
    order, lot, nc = failed(floor)
    nc = q.nonconformance_disposition(nonconformance=nc, disposition=Disposition.REWORK, note="Reseal the lid")
    x.operation_complete(run=OperationRun.objects.get(operation__seq=20), at=at(90))
    rework = nc.rework_operation
    assert (rework.order, rework.seq, rework.work_center, rework.state) == (
        order,
        21,
        floor["test"],
        OperationState.READY,
    )
    assert rework.name == f"Rework {nc.number}" and "Reseal the lid" in rework.instructions
    assert (rework.setup_minutes, rework.run_minutes_per_unit, rework.labor_rate_per_hour) == (0, 0, 25)
    assert held(lot)

    action = q.corrective_action_create(
        nonconformance=nc, description="Torque the lid screws to 2 Nm", owner=make_user(), due_date=T0.date()
    )
    with pytest.raises(ValidationError) as error:
        q.nonconformance_close(nonconformance=nc)
    assert codes(error) == {("rework_operation", "rework_open")}

    run = x.operation_start(operation=rework, machine=floor["test1"], at=at(100))
    x.operation_count(run=run, good_qty=1, at=at(110))
    x.operation_complete(run=run, at=at(115))
    rework.refresh_from_db()
    assert (rework.state, rework.good_qty, rework.actual_machine_minutes) == (OperationState.DONE, 1, 15)

    with pytest.raises(ValidationError) as error:
        q.nonconformance_close(nonconformance=nc)
    assert codes(error) == {("actions", "actions_open")}
    q.corrective_action_complete(action=action)
    with pytest.raises(ValidationError) as error:
        q.corrective_action_complete(action=action)
    assert codes(error) == {("action", "done")}
    nc = q.nonconformance_close(nonconformance=nc)
    assert nc.state == NonconformanceState.CLOSED and not held(lot)
    with pytest.raises(ValidationError) as error:
        q.corrective_action_create(nonconformance=nc, description="Too late")
    assert codes(error) == {("nonconformance", "closed")}


def test_reworks_after_the_last_operation_leave_it_producing_the_orders_lots(floor):
    plan = final_test_plan(floor)
    Item.objects.filter(pk=floor["kettle"].pk).update(tracking=Tracking.LOT)
    order = floor.order("10")
    run10 = x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"], at=at(0))
    x.operation_complete(run=run10, at=at(5))
    run = x.operation_start(operation=order.operations.get(seq=20), machine=floor["test1"], at=at(10))
    x.operation_count(run=run, good_qty=4, at=at(20))
    [first] = x.lot_produce(run=run, quantity=4, at=at(21))
    q.inspection_record(plan=plan, measurements=results(plan, "0.9"), lot=first.lot, at=at(22))
    first_nc = Nonconformance.objects.get()
    q.nonconformance_disposition(nonconformance=first_nc, disposition=Disposition.REWORK)
    x.operation_count(run=run, good_qty=6, at=at(30))
    [second] = x.lot_produce(run=run, quantity=6, at=at(31))
    # Still the last operation of the routing: the plan of the last operation applies to it.
    assert [(d.plan, d.unit_number) for d in inspections_due(run)] == [(plan, 1)]
    second_nc = q.nonconformance_raise(description="Dented", lot=second.lot, at=at(32))
    q.nonconformance_disposition(nonconformance=second_nc, disposition=Disposition.REWORK)
    assert list(order.operations.values_list("seq", "name")) == [
        (10, "Op 10"),
        (20, "Op 20"),
        (21, f"Rework {first_nc.number}"),
        (22, f"Rework {second_nc.number}"),
    ]


def test_scrap_takes_the_held_stock_to_scrap_valued_as_scrapped_stock(floor):
    _order, lot, nc = failed(floor)
    nc = q.nonconformance_disposition(nonconformance=nc, disposition=Disposition.SCRAP, quantity=Decimal(4))
    move = StockMove.objects.get(kind=MoveKind.SCRAP)
    assert (move.lot, move.quantity, move.to_location.code, move.reference) == (lot, 4, "VIRTUAL/SCRAP", nc.number)
    assert Quant.objects.filter(lot=lot).aggregate(total=Sum("quantity"))["total"] == 6
    layer = ValuationLayer.objects.get(move=move)
    scrap_expense = account_for(AccountRole.SCRAP_EXPENSE, item=floor["kettle"])
    booked = JournalLine.objects.filter(account=scrap_expense).aggregate(total=Sum("debit"))["total"]
    assert layer.quantity == -4 and booked == -layer.value > 0
    # The rest of the lot was not nonconforming: it is released when the NC closes.
    assert held(lot)
    q.nonconformance_close(nonconformance=nc)
    assert not held(lot)


def test_return_to_supplier_sends_the_held_stock_back_to_whom_it_was_received_from(
    floor,
    warehouse,
    supplier,  # noqa: F811  (the fixture)
):
    Item.objects.filter(pk=floor["element"].pk).update(tracking=Tracking.LOT)
    element = Item.objects.get(pk=floor["element"].pk)
    receipt = receipt_create(
        warehouse=warehouse,
        supplier=supplier,
        lines=[{"item": element, "expected_qty": Decimal(20), "lot_code": "EL-9", "unit_cost": Decimal(14)}],
    )
    receipt_receive(line=receipt.lines.get(), quantity=Decimal(20))
    lot = Lot.objects.get(code="EL-9")
    nc = q.nonconformance_raise(description="Cracked ceramic", lot=lot, quantity=Decimal(5), at=at(10))
    assert (nc.item, nc.supplier) == (element, supplier) and held(lot)
    q.nonconformance_disposition(nonconformance=nc, disposition=Disposition.RETURN_TO_SUPPLIER, note="RMA 77")
    move = StockMove.objects.get(reference=nc.number)
    assert (move.to_location.kind, move.quantity, move.from_location.code) == (LocationKind.SUPPLIER, 5, "MAIN/RECV")
    assert ValuationLayer.objects.get(move=move).quantity == -5
    with pytest.raises(ValidationError) as error:
        held_lot_dispose(lot=lot, destination_kind=LocationKind.SCRAP, quantity=Decimal(16))
    assert codes(error) == {("quantity", "insufficient_stock")}


def test_stock_of_its_own_making_is_not_returned_and_nothing_without_a_lot_is_scrapped(floor):
    *_made, nc = failed(floor)
    with pytest.raises(ValidationError) as error:
        q.nonconformance_disposition(nonconformance=nc, disposition=Disposition.RETURN_TO_SUPPLIER)
    assert codes(error) == {("disposition", "no_supplier")}
    by_hand = q.nonconformance_raise(description="Scratched", item=floor["kettle"], at=at(10))
    with pytest.raises(ValidationError) as error:
        q.nonconformance_disposition(nonconformance=by_hand, disposition=Disposition.SCRAP)
    assert codes(error) == {("disposition", "no_lot")}
    with pytest.raises(ValidationError) as error:
        q.nonconformance_raise(description=" ", item=floor["kettle"])
    assert codes(error) == {("description", "required")}


def test_a_lot_held_by_two_nonconformances_is_released_by_the_last_one(floor):
    _order, lot, first = failed(floor)
    second = q.nonconformance_raise(description="Scratched lid", lot=lot, at=at(90))
    q.nonconformance_disposition(nonconformance=first, disposition=Disposition.USE_AS_IS, note="Cosmetic only")
    assert held(lot)
    q.nonconformance_disposition(nonconformance=second, disposition=Disposition.USE_AS_IS, note="Polished out")
    assert not held(lot)


# --- Sampling ---------------------------------------------------------------------------------------------------


def test_inspections_due_follow_each_plan_frequency_and_operation(floor):
    Item.objects.filter(pk=floor["kettle"].pk).update(tracking=Tracking.LOT)
    kettle = floor["kettle"]
    first = final_test_plan(floor)  # no sequence: the last operation (20), first piece
    every_5th = InspectionPlan.objects.create(
        code="KT-5", name="Every 5th", item=kettle, operation_seq=10, frequency=SamplingFrequency.EVERY_NTH, every_n=5
    )
    each = InspectionPlan.objects.create(
        code="KT-1", name="Each", item=kettle, operation_seq=10, frequency=SamplingFrequency.EVERY_UNIT
    )
    per_lot = InspectionPlan.objects.create(code="KT-LOT", name="Lot", item=kettle, frequency=SamplingFrequency.PER_LOT)
    for plan in (every_5th, each, per_lot):
        Characteristic.objects.create(plan=plan, name="Looks right", kind=CharacteristicKind.ATTRIBUTE)
    InspectionPlan.objects.create(code="KT-OFF", name="Retired", item=kettle, operation_seq=10, active=False)

    order = floor.order("20")
    run10 = x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"], at=at(0))
    assert inspections_due(run10) == []
    x.operation_count(run=run10, good_qty=11, scrap_qty=1, scrap_reason=floor.scrap(), at=at(20))
    due = {d.plan.code: (d.outstanding, d.unit_number) for d in inspections_due(run10)}
    assert due == {"KT-5": (2, 5), "KT-1": (12, 1)}
    for plan in (every_5th, each):
        q.inspection_record(plan=plan, measurements={plan.characteristics.get(): True}, operation=run10.operation)
    due = {d.plan.code: (d.outstanding, d.unit_number) for d in inspections_due(run10)}
    assert due == {"KT-5": (1, 10), "KT-1": (11, 2)}
    x.operation_complete(run=run10, at=at(30))

    run20 = x.operation_start(operation=order.operations.get(seq=20), machine=floor["test1"], at=at(40))
    assert [(d.plan, d.unit_number) for d in inspections_due(run20)] == [(first, 1)]
    x.operation_count(run=run20, good_qty=8, at=at(50))
    [produced] = x.lot_produce(run=run20, quantity=8, at=at(55))
    assert [(d.plan, d.lot) for d in inspections_due(run20)] == [(first, None), (per_lot, produced.lot)]
    q.inspection_record(plan=first, measurements=results(first, "0.1"), operation=run20.operation, at=at(56))
    q.inspection_record(
        plan=per_lot, measurements={per_lot.characteristics.get(): True}, lot=produced.lot, operation=run20.operation
    )
    assert inspections_due(run20) == []


# --- SPC, computed by hand -------------------------------------------------------------------------------------

VALUES = [Decimal(v) for v in ("10", "12", "11", "13", "12", "14")]


def test_the_individuals_chart_has_its_limits_at_the_mean_plus_and_minus_2_66_mr_bar():
    chart = individuals_chart(VALUES)
    # Mean 72 / 6 = 12; moving ranges 2, 1, 2, 1, 2: MR-bar 8 / 5 = 1.6; 2.66 x 1.6 = 4.256.
    assert chart.moving_ranges == [2, 1, 2, 1, 2]
    assert (chart.mean, chart.mr_bar, chart.ucl, chart.lcl) == (12, Decimal("1.6"), Decimal("16.256"), Decimal("7.744"))


def test_the_xbar_r_chart_uses_the_constants_of_its_subgroup_size():
    pairs = xbar_r_chart(VALUES, 2)
    # (10, 12), (11, 13), (12, 14): means 11, 12, 13, ranges 2, 2, 2; A2 = 1.880, D3 = 0, D4 = 3.267.
    assert (pairs.means, pairs.ranges, pairs.grand_mean, pairs.r_bar) == ([11, 12, 13], [2, 2, 2], 12, 2)
    assert (pairs.x_ucl, pairs.x_lcl, pairs.r_ucl, pairs.r_lcl) == (
        Decimal("15.760"),
        Decimal("8.240"),
        Decimal("6.534"),
        0,
    )
    triples = xbar_r_chart([*VALUES, Decimal(99)], 3)  # the incomplete last subgroup is left out
    # (10, 12, 11), (13, 12, 14): means 11, 13, ranges 2, 2; A2 = 1.023, D4 = 2.574.
    assert (triples.means, triples.grand_mean, triples.x_ucl, triples.r_ucl) == (
        [11, 13],
        12,
        Decimal("14.046"),
        Decimal("5.148"),
    )
    with pytest.raises(ValueError):
        xbar_r_chart(VALUES, 11)


def test_cp_and_cpk_by_hand_with_sigma_within_from_r_bar_or_from_mr_bar():
    triples = xbar_r_chart(VALUES, 3)
    # sigma = R-bar / d2 = 2 / 1.693; LSL 9, USL 18, mean 12.
    # Cp = 9 / (6 x 2 / 1.693) = 1.26975; Cpk = min(6, 3) / (3 x 2 / 1.693) = 0.8465.
    by_ranges = capability(mean=Decimal(12), lower_limit=Decimal(9), upper_limit=Decimal(18), xbar_r=triples)
    assert by_ranges.sigma_method == "R̄/d2"
    assert round(by_ranges.cp, 5) == Decimal("1.26975") and round(by_ranges.cpk, 4) == Decimal("0.8465")
    # sigma = MR-bar / 1.128 = 1.6 / 1.128: Cp = 9 x 1.128 / 9.6 = 1.0575; Cpk = 3 x 1.128 / 4.8 = 0.705.
    chart = individuals_chart(VALUES)
    by_moving = capability(mean=chart.mean, lower_limit=Decimal(9), upper_limit=Decimal(18), individuals=chart)
    assert by_moving.sigma_method == "MR̄/1.128"
    assert round(by_moving.cp, 4) == Decimal("1.0575") and round(by_moving.cpk, 3) == Decimal("0.705")
    # One limit only: no Cp; Cpk is that side's, (18 - 12) x 1.128 / 4.8 = 1.41.
    upper_only = capability(mean=chart.mean, lower_limit=None, upper_limit=Decimal(18), individuals=chart)
    assert upper_only.cp is None and round(upper_only.cpk, 2) == Decimal("1.41")
    flat = individuals_chart([Decimal(5), Decimal(5)])
    assert capability(mean=flat.mean, lower_limit=Decimal(1), upper_limit=Decimal(9), individuals=flat) is None


def test_spc_of_a_characteristic_reads_its_measurements_in_the_order_they_were_taken(floor):
    plan = InspectionPlan.objects.create(code="BODY-D", name="Body diameter", item=floor["body"])
    diameter = Characteristic.objects.create(plan=plan, name="Diameter", lower_limit=9, upper_limit=18)
    for minute, value in enumerate(VALUES):
        lot = Lot.objects.create(item=floor["body"], code=f"B-{minute}")
        q.inspection_record(plan=plan, measurements={diameter: value}, lot=lot, at=at(minute))
    spc = characteristic_spc(characteristic=diameter, subgroup_size=3)
    assert [value for _at, value, _number in spc.points] == VALUES
    assert spc.individuals.ucl == Decimal("16.256") and spc.xbar_r.x_ucl == Decimal("14.046")
    assert spc.capability.sigma_method == "R̄/d2" and round(spc.capability.cpk, 4) == Decimal("0.8465")
    assert characteristic_spc(characteristic=diameter, last=1).individuals is None
