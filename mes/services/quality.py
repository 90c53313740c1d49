"""Quality: inspections against plans, nonconformances with their dispositions, corrective actions.

An inspection records one measurement per characteristic of its plan and is decided by them: a value
within the characteristic's limits passes, a pass / fail judgement is what it says. A failed inspection
raises a nonconformance at once; a nonconformance (raised so, or by hand) puts its lot on hold in WMS, so
it cannot be reserved, picked, shipped or consumed. The disposition decides what becomes of it:

- use as is: the lot is released (a deviation: the note says why);
- rework: a rework operation is added to the production order after the operation concerned (or after
  the last one, for a produced lot), ready for MES to start; the lot stays held until the NC is closed;
- scrap: the held stock goes to scrap, valued by ERP as every stock move is;
- return to supplier: the held stock goes back to the supplier it was received from.

Closing a nonconformance needs its rework done and its corrective actions completed; it releases the lot
unless another nonconformance still holds it. Inspection plans and their characteristics are
configuration, kept through the screens and the admin (the models check their own rules).
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_quantity as measure
from core.models import Item, Machine, Partner, WorkCenter
from core.services.events import event_publish
from core.services.numbering import next_document_number
from erp.choices import OperationState
from erp.models import Employee, ProductionOperation
from erp.services.production import production_operation_add
from mes import events
from mes.choices import (
    CharacteristicKind,
    Disposition,
    InspectionResult,
    InspectionTrigger,
    NonconformanceState,
)
from mes.models import Characteristic, CorrectiveAction, Inspection, InspectionPlan, Measurement, Nonconformance
from mes.models.quality import MEASURE
from mes.selectors.quality import (
    last_routing_operation_id,
    limits_text,
    lot_supplier,
    producing_order,
    rework_operation_ids,
)
from mes.services.common import moment, refuse
from wms.choices import LocationKind
from wms.models import Lot, ReceiptLine
from wms.services.holds import held_lot_dispose, lot_hold, lot_release

INSPECTION_NUMBERS = "QI"
NONCONFORMANCE_NUMBERS = "NC"
MEASURE_STEP = Decimal(1).scaleb(-MEASURE["decimal_places"])
DISPOSED_TO = {Disposition.SCRAP: LocationKind.SCRAP, Disposition.RETURN_TO_SUPPLIER: LocationKind.SUPPLIER}


# --- Inspections --------------------------------------------------------------------------------------------


def _judge(characteristic: Characteristic, given: Any) -> tuple[Decimal | None, bool]:
    """(value, passed) of what was recorded for a characteristic: a number within its limits, or a
    pass / fail judgement."""
    if characteristic.kind == CharacteristicKind.ATTRIBUTE:
        if not isinstance(given, bool):
            message = _("%(name)s is judged pass or fail.") % {"name": characteristic.name}
            raise refuse("measurements", message, "pass_or_fail")
        return None, given
    try:
        if isinstance(given, bool):
            raise TypeError
        value = Decimal(str(given).strip()).quantize(MEASURE_STEP)
        if not value.is_finite() or value.adjusted() >= MEASURE["max_digits"] - MEASURE["decimal_places"]:
            raise InvalidOperation
    except (ArithmeticError, TypeError, ValueError):
        message = _("%(name)s is measured: give a number.") % {"name": characteristic.name}
        raise refuse("measurements", message, "invalid") from None
    low, high = characteristic.lower_limit, characteristic.upper_limit
    return value, (low is None or value >= low) and (high is None or value <= high)


def _measured(plan: InspectionPlan, measurements: Mapping[Characteristic, Any]) -> list[tuple]:
    """(characteristic, value, passed) for each characteristic of the plan, each measured once."""
    characteristics = list(plan.characteristics.select_related("unit").order_by("position"))
    if not characteristics:
        raise refuse("plan", _("Plan %(plan)s has no characteristics yet.") % {"plan": plan.code}, "empty_plan")
    known = {characteristic.pk for characteristic in characteristics}
    foreign = [characteristic.name for characteristic in measurements if characteristic.pk not in known]
    if foreign:
        message = _("Not characteristics of plan %(plan)s: %(names)s.") % {
            "plan": plan.code,
            "names": ", ".join(foreign),
        }
        raise refuse("measurements", message, "other_plan")
    given = {characteristic.pk: value for characteristic, value in measurements.items()}
    missing = [c.name for c in characteristics if given.get(c.pk) is None or given.get(c.pk) == ""]
    if missing:
        message = _("Record every characteristic; missing: %(names)s.") % {"names": ", ".join(missing)}
        raise refuse("measurements", message, "missing")
    return [(c, *_judge(c, given[c.pk])) for c in characteristics]


def _inspected_item_check(
    plan: InspectionPlan,
    operation: ProductionOperation | None,
    lot: Lot | None,
    receipt_line: ReceiptLine | None,
) -> None:
    if operation is None and lot is None and receipt_line is None:
        message = _("Say what was inspected: an operation's output, a lot or a receipt line.")
        raise refuse("operation", message, "required")
    if plan.trigger == InspectionTrigger.OPERATION and receipt_line is not None:
        raise refuse("receipt_line", _("Plan %(plan)s is for operations.") % {"plan": plan.code}, "wrong_trigger")
    if plan.trigger == InspectionTrigger.RECEIPT and operation is not None:
        message = _("Plan %(plan)s is for goods receipt.") % {"plan": plan.code}
        raise refuse("operation", message, "wrong_trigger")
    for field, item_id in (
        ("operation", operation.order.item_id if operation else None),
        ("lot", lot.item_id if lot else None),
        ("receipt_line", receipt_line.item_id if receipt_line else None),
    ):
        if item_id is not None and item_id != plan.item_id:
            message = _("That is not %(item)s, the item of plan %(plan)s.") % {
                "item": plan.item.code,
                "plan": plan.code,
            }
            raise refuse(field, message, "other_item")


def _received_lot(receipt_line: ReceiptLine | None) -> Lot | None:
    if receipt_line is None or not receipt_line.lot_code:
        return None
    return Lot.objects.filter(item_id=receipt_line.item_id, code=receipt_line.lot_code).first()


def _failure(characteristic: Characteristic, value: Decimal | None) -> str:
    if value is None:
        return _("%(name)s: failed") % {"name": characteristic.name}
    return _("%(name)s: %(value)s (%(limits)s)") % {
        "name": characteristic.name,
        "value": measure(value),
        "limits": limits_text(characteristic),
    }


def inspection_record(
    *,
    plan: InspectionPlan,
    measurements: Mapping[Characteristic, Any],
    operation: ProductionOperation | None = None,
    lot: Lot | None = None,
    receipt_line: ReceiptLine | None = None,
    machine: Machine | None = None,
    inspector: Employee | None = None,
    unit_number: int | None = None,
    sample_qty: Any = Decimal(1),
    note: str = "",
    at: datetime.datetime | None = None,
    user: Any = None,
) -> Inspection:
    """Record an inspection of an operation's output, a lot or a receipt line against a plan:
    `measurements` maps each characteristic of the plan to its value (measured) or True / False (pass /
    fail). It passes when every measurement does; a failed one raises a nonconformance (holding the lot)."""
    at = moment(at)
    if not plan.active:
        raise refuse("plan", _("Plan %(plan)s is no longer used.") % {"plan": plan.code}, "inactive")
    _inspected_item_check(plan, operation, lot, receipt_line)
    try:
        sample_qty = Decimal(sample_qty)
    except (ArithmeticError, TypeError, ValueError):
        raise refuse("sample_qty", _("Give a number."), "invalid") from None
    if not sample_qty.is_finite() or sample_qty <= 0:
        raise refuse("sample_qty", _("The sample is more than 0 units."), "min_value")
    judged = _measured(plan, measurements)
    lot = lot or _received_lot(receipt_line)
    passed = all(ok for _characteristic, _value, ok in judged)
    with transaction.atomic():
        inspection = Inspection(
            number=next_document_number(doc_type=INSPECTION_NUMBERS, on=timezone.localdate(at)),
            plan=plan,
            operation=operation,
            machine=machine or (operation.machine if operation else None),
            lot=lot,
            receipt_line=receipt_line,
            unit_number=unit_number,
            sample_qty=sample_qty,
            result=InspectionResult.PASSED if passed else InspectionResult.FAILED,
            inspected_at=at,
            inspector=inspector,
            user=user if getattr(user, "is_authenticated", False) else None,
            note=note.strip(),
        )
        inspection.full_clean()
        inspection.save()
        Measurement.objects.bulk_create(
            Measurement(inspection=inspection, characteristic=characteristic, value=value, passed=ok, measured_at=at)
            for characteristic, value, ok in judged
        )
        nonconformance = None
        if not passed:
            failures = [_failure(c, value) for c, value, ok in judged if not ok]
            nonconformance = _nonconformance_open(
                item=plan.item,
                description=_("Inspection %(number)s failed. %(failures)s")
                % {"number": inspection.number, "failures": "; ".join(failures)},
                lot=lot,
                operation=operation,
                inspection=inspection,
                supplier=receipt_line.receipt.supplier if receipt_line else None,
                quantity=sample_qty,
                at=at,
                user=user,
            )
        event_publish(
            name=events.INSPECTION_RECORDED,
            payload=_inspection_payload(inspection, judged, nonconformance),
            aggregate=inspection,
            actor=user,
        )
        return inspection


def _inspection_payload(
    inspection: Inspection, judged: list[tuple], nonconformance: Nonconformance | None
) -> dict[str, Any]:
    operation, receipt_line = inspection.operation, inspection.receipt_line
    return {
        "number": inspection.number,
        "plan": inspection.plan.code,
        "item": inspection.plan.item.code,
        "result": inspection.result,
        "order": operation.order.number if operation else None,
        "operation_seq": operation.seq if operation else None,
        "lot": inspection.lot.code if inspection.lot else None,
        "receipt": receipt_line.receipt.number if receipt_line else None,
        "supplier": receipt_line.receipt.supplier.code if receipt_line else None,
        "sample_qty": str(inspection.sample_qty),
        "nonconformance": nonconformance.number if nonconformance else None,
        "inspected_at": inspection.inspected_at.isoformat(),
        "measurements": [
            {
                "position": characteristic.position,
                "characteristic": characteristic.name,
                "value": None if value is None else str(value),
                "passed": ok,
            }
            for characteristic, value, ok in judged
        ],
    }


# --- Nonconformances ----------------------------------------------------------------------------------------


def _nonconformance_open(
    *,
    item: Item,
    description: str,
    lot: Lot | None,
    operation: ProductionOperation | None,
    inspection: Inspection | None,
    supplier: Partner | None,
    quantity: Decimal,
    at: datetime.datetime,
    user: Any,
) -> Nonconformance:
    """Number and store a nonconformance, hold its lot, and tell whoever listens."""
    nonconformance = Nonconformance(
        number=next_document_number(doc_type=NONCONFORMANCE_NUMBERS, on=timezone.localdate(at)),
        item=item,
        lot=lot,
        operation=operation,
        inspection=inspection,
        supplier=supplier or (lot_supplier(lot) if lot else None),
        quantity=quantity,
        description=description,
        raised_by=user if getattr(user, "is_authenticated", False) else None,
        raised_at=at,
    )
    nonconformance.full_clean()
    nonconformance.save()
    if lot is not None:
        lot_hold(lot=lot, reason=f"{nonconformance.number}: {description}", user=user)
    event_publish(
        name=events.NONCONFORMANCE_RAISED,
        payload={
            "number": nonconformance.number,
            "item": item.code,
            "lot": lot.code if lot else None,
            "quantity": str(quantity),
            "supplier": nonconformance.supplier.code if nonconformance.supplier else None,
            "order": operation.order.number if operation else None,
            "operation_seq": operation.seq if operation else None,
            "inspection": inspection.number if inspection else None,
            "description": description,
            "raised_at": at.isoformat(),
        },
        aggregate=nonconformance,
        actor=user,
    )
    return nonconformance


def nonconformance_raise(
    *,
    description: str,
    lot: Lot | None = None,
    operation: ProductionOperation | None = None,
    item: Item | None = None,
    supplier: Partner | None = None,
    quantity: Any = Decimal(0),
    at: datetime.datetime | None = None,
    user: Any = None,
) -> Nonconformance:
    """Raise a nonconformance by hand: on a lot (held from now on), an operation's output, or an item.
    The item is the lot's, else the operation's order's; the supplier, unless given, the lot's."""
    at = moment(at)
    description = description.strip()
    if not description:
        raise refuse("description", _("Describe what is wrong."), "required")
    if lot is not None and item is not None and lot.item_id != item.pk:
        message = _("Lot %(lot)s is of %(other)s, not %(item)s.") % {
            "lot": lot.code,
            "other": lot.item.code,
            "item": item.code,
        }
        raise refuse("lot", message, "other_item")
    item = item or (lot.item if lot else None) or (operation.order.item if operation else None)
    if item is None:
        raise refuse("item", _("Say what is nonconforming: a lot, an operation or an item."), "required")
    try:
        quantity = Decimal(quantity)
    except (ArithmeticError, TypeError, ValueError):
        raise refuse("quantity", _("Give a number."), "invalid") from None
    if not quantity.is_finite() or quantity < 0:
        raise refuse("quantity", _("The quantity cannot be negative."), "min_value")
    if supplier is not None and not supplier.is_supplier:
        raise refuse("supplier", _("%(partner)s is not a supplier.") % {"partner": supplier.code}, "not_a_supplier")
    with transaction.atomic():
        return _nonconformance_open(
            item=item,
            description=description,
            lot=lot,
            operation=operation,
            inspection=None,
            supplier=supplier,
            quantity=quantity,
            at=at,
            user=user,
        )


def _locked(nonconformance: Nonconformance) -> Nonconformance:
    return (
        Nonconformance.objects.select_for_update(of=("self",))
        .select_related("item", "lot__item", "operation__order", "operation__work_center", "supplier")
        .get(pk=nonconformance.pk)
    )


def _release_unless_held_elsewhere(nonconformance: Nonconformance, user: Any) -> None:
    """Release the lot unless another nonconformance still holds it (open, or dispositioned otherwise than
    "use as is" and not closed)."""
    lot = nonconformance.lot
    if lot is None or not lot.on_hold:
        return
    others = (
        Nonconformance.objects.filter(lot=lot)
        .exclude(pk=nonconformance.pk)
        .exclude(state=NonconformanceState.CLOSED)
        .exclude(disposition=Disposition.USE_AS_IS)
    )
    if not others.exists():
        lot_release(lot=lot, user=user)


def _rework(
    nonconformance: Nonconformance, work_center: WorkCenter | None, note: str, user: Any
) -> ProductionOperation:
    """A rework operation right after the operation concerned (after the reworks already there), or after
    the last one of the order that produced the lot."""
    if nonconformance.operation is not None:
        order, after = nonconformance.operation.order, nonconformance.operation
    else:
        order = producing_order(nonconformance.lot) if nonconformance.lot else None
        if order is None:
            message = _("Rework goes to a production order: this nonconformance names no operation nor a produced lot.")
            raise refuse("disposition", message, "no_order")
        after = order.operations.select_related("work_center").filter(pk=last_routing_operation_id(order)).get()
    reworks = set(rework_operation_ids())
    seqs = dict(order.operations.values_list("seq", "pk"))
    seq = after.seq + 1
    while seq in seqs and seqs[seq] in reworks:
        seq += 1
    if seq in seqs:
        message = _("No sequence number is free between operations %(seq)s and %(next)s of %(number)s.") % {
            "seq": after.seq,
            "next": seq,
            "number": order.number,
        }
        raise refuse("disposition", message, "no_free_seq")
    return production_operation_add(
        order=order,
        seq=seq,
        work_center=work_center or after.work_center,
        name=_("Rework %(number)s") % {"number": nonconformance.number},
        instructions="\n".join(part for part in (nonconformance.description, note) if part),
        user=user,
    )


def _dispose(nonconformance: Nonconformance, disposition: str, quantity: Any, user: Any) -> list:
    """Scrap the held stock, or return it to its supplier: `quantity`, else the nonconforming quantity,
    else all of the lot's stock."""
    lot = nonconformance.lot
    if lot is None:
        message = _("Only a lot's stock can be scrapped or returned; this nonconformance names no lot.")
        raise refuse("disposition", message, "no_lot")
    if disposition == Disposition.RETURN_TO_SUPPLIER:
        nonconformance.supplier = nonconformance.supplier or lot_supplier(lot)
        if nonconformance.supplier is None:
            message = _("Lot %(lot)s was not received from a supplier; it cannot be returned.") % {"lot": lot.code}
            raise refuse("disposition", message, "no_supplier")
    if quantity is None and nonconformance.quantity > 0:
        quantity = nonconformance.quantity
    target = nonconformance.supplier.code if disposition == Disposition.RETURN_TO_SUPPLIER else _("scrap")
    return held_lot_dispose(
        lot=lot,
        destination_kind=DISPOSED_TO[disposition],
        quantity=quantity,
        reference=nonconformance.number,
        note=_("%(number)s: to %(target)s") % {"number": nonconformance.number, "target": target},
        user=user,
    )


def nonconformance_disposition(
    *,
    nonconformance: Nonconformance,
    disposition: str,
    note: str = "",
    quantity: Any = None,
    work_center: WorkCenter | None = None,
    user: Any = None,
) -> Nonconformance:
    """Decide what becomes of an open nonconformance (see the module's docstring). `quantity` (scrap,
    return): how much of the lot goes, by default the nonconforming quantity or, if none was given, all
    of it; `work_center` (rework): where the rework runs, by default where the operation concerned did."""
    if disposition not in Disposition.values:
        raise refuse("disposition", _("Unknown disposition %(value)s.") % {"value": disposition}, "invalid_choice")
    note = note.strip()
    if disposition == Disposition.USE_AS_IS and not note:
        raise refuse("note", _("Say why the nonconforming product can be used as it is."), "required")
    with transaction.atomic():
        nonconformance = _locked(nonconformance)
        if nonconformance.state != NonconformanceState.OPEN:
            message = _("%(number)s is %(state)s already.") % {
                "number": nonconformance.number,
                "state": nonconformance.get_state_display().lower(),
            }
            raise refuse("disposition", message, "not_open")
        if disposition == Disposition.USE_AS_IS:
            _release_unless_held_elsewhere(nonconformance, user)
        elif disposition == Disposition.REWORK:
            nonconformance.rework_operation = _rework(nonconformance, work_center, note, user)
        else:
            _dispose(nonconformance, disposition, quantity, user)
        nonconformance.disposition = disposition
        nonconformance.disposition_note = note
        nonconformance.state = NonconformanceState.DISPOSITIONED
        nonconformance.dispositioned_at = timezone.now()
        nonconformance.save()
        return nonconformance


def nonconformance_close(*, nonconformance: Nonconformance, user: Any = None) -> Nonconformance:
    """Close a dispositioned nonconformance once its rework is done and its corrective actions are
    completed; its lot is released unless another nonconformance holds it."""
    with transaction.atomic():
        nonconformance = _locked(nonconformance)
        what = {"number": nonconformance.number}
        if nonconformance.state == NonconformanceState.CLOSED:
            raise refuse("state", _("%(number)s is closed already.") % what, "closed")
        if nonconformance.state != NonconformanceState.DISPOSITIONED:
            raise refuse("disposition", _("Decide a disposition of %(number)s first.") % what, "required")
        rework = nonconformance.rework_operation
        if rework is not None and rework.state != OperationState.DONE:
            message = _("The rework (operation %(seq)s of %(order)s) is not done yet.") % {
                "seq": rework.seq,
                "order": rework.order.number,
            }
            raise refuse("rework_operation", message, "rework_open")
        open_actions = nonconformance.actions.filter(done_at__isnull=True).count()
        if open_actions:
            message = _("%(count)s corrective actions of %(number)s are not completed.") % {
                "count": open_actions,
                **what,
            }
            raise refuse("actions", message, "actions_open")
        _release_unless_held_elsewhere(nonconformance, user)
        nonconformance.state = NonconformanceState.CLOSED
        nonconformance.closed_at = timezone.now()
        nonconformance.save(update_fields=["state", "closed_at", "updated_at"])
        return nonconformance


# --- Corrective actions -------------------------------------------------------------------------------------


def corrective_action_create(
    *,
    nonconformance: Nonconformance,
    description: str,
    owner: Any = None,
    due_date: datetime.date | None = None,
    user: Any = None,
) -> CorrectiveAction:
    """What is done so that it does not happen again: a description, who does it and by when."""
    description = description.strip()
    if not description:
        raise refuse("description", _("Describe the action."), "required")
    with transaction.atomic():
        nonconformance = _locked(nonconformance)
        if nonconformance.state == NonconformanceState.CLOSED:
            message = _("%(number)s is closed.") % {"number": nonconformance.number}
            raise refuse("nonconformance", message, "closed")
        action = CorrectiveAction(
            nonconformance=nonconformance, description=description, owner=owner, due_date=due_date
        )
        action.full_clean()
        action.save()
        return action


def corrective_action_complete(*, action: CorrectiveAction, user: Any = None) -> CorrectiveAction:
    """The action is done."""
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().select_related("nonconformance").get(pk=action.pk)
        if action.done_at is not None:
            message = _("This action was completed on %(day)s.") % {"day": timezone.localdate(action.done_at)}
            raise refuse("action", message, "done")
        action.done_at = timezone.now()
        action.save(update_fields=["done_at", "updated_at"])
        return action
