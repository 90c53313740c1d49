"""Receiving: ASNs and purchase-order receipts, over/under-receipt, quality hold, then put-away tasks."""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from core.choices import Tracking
from core.models import Item, Partner
from core.services.events import event_publish
from core.services.numbering import next_document_number
from wms import events
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Lot, Receipt, ReceiptLine, ReceiptState, StockTask, Warehouse
from wms.selectors.stock import requires_inspection
from wms.services.moves import qty, stock_move_post
from wms.services.putaway import putaway_plan

ZERO = Decimal(0)


def receipt_create(
    *,
    warehouse: Warehouse,
    supplier: Partner,
    lines: list[dict[str, Any]],
    reference: str = "",
    asn_number: str = "",
    expected_on: datetime.date | None = None,
) -> Receipt:
    """Expected goods: lines of {item, expected_qty, lot_code?, expiry_date?, unit_cost?, order_line_ref?}."""
    if not supplier.is_supplier:
        message = _("%(partner)s is not a supplier.") % {"partner": supplier.code}
        raise ValidationError({"supplier": ValidationError(message, code="not_a_supplier")})
    if not lines:
        raise ValidationError({"lines": ValidationError(_("A receipt expects at least one item."), code="required")})
    with transaction.atomic():
        receipt = Receipt(
            number=next_document_number(doc_type="RC"),
            warehouse=warehouse,
            supplier=supplier,
            reference=reference,
            asn_number=asn_number,
            expected_on=expected_on,
        )
        receipt.full_clean()
        receipt.save()
        for fields in lines:
            line = ReceiptLine(receipt=receipt, **fields)
            line.full_clean()
            line.save()
        return receipt


def _announced_asn_numbers(current: str, asn_number: str) -> str:
    """The receipt's ASN numbers with one more: listed while they fit the field, else the latest alone."""
    numbers = [number.strip() for number in current.split(",") if number.strip()]
    if asn_number in numbers:
        return current
    joined = ", ".join([*numbers, asn_number])
    return joined if len(joined) <= Receipt._meta.get_field("asn_number").max_length else asn_number


def receipt_expect(
    *,
    receipt: Receipt,
    asn_number: str,
    lines: list[dict[str, Any]],
    expected_on: datetime.date | None = None,
) -> list[ReceiptLine]:
    """What the supplier announced for an expected receipt in its ASN `asn_number`: lines of
    {order_line_ref, quantity, lot_code?, expiry_date?}. The receipt lists the ASN's number and takes its
    expected date.

    Announced goods get receipt lines of their own, one per ASN and lot, carved out of the order line's
    line of goods not announced yet (the one without an ASN number), so the dock receives each lot against
    its line with the lot code filled in, and what is still open to announce is that line's outstanding
    quantity. A lot announced again on the same ASN adds to its line. Announcing more than is still open
    is refused. Returns the receipt line expecting each announced line, in their order.
    """
    asn_number = (asn_number or "").strip()
    if not asn_number:
        raise ValidationError({"asn_number": ValidationError(_("Name the ASN."), code="required")})
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.state in (ReceiptState.DONE, ReceiptState.CANCELLED):
            message = _("%(receipt)s is %(state)s.") % {
                "receipt": receipt.number,
                "state": receipt.get_state_display().lower(),
            }
            raise ValidationError(message, code="receipt_closed")
        by_reference: dict[str, list[ReceiptLine]] = {}
        for line in ReceiptLine.objects.select_for_update().filter(receipt=receipt).order_by("pk"):
            by_reference.setdefault(line.order_line_ref, []).append(line)
        expecting: list[ReceiptLine] = []
        problems: list[ValidationError] = []
        for announced in lines:
            reference = announced["order_line_ref"]
            quantity = Decimal(announced["quantity"])
            lot_code = (announced.get("lot_code") or "").strip()
            own = by_reference.get(reference) if reference else None
            if not own:
                message = _("%(receipt)s expects nothing for %(reference)s.") % {
                    "receipt": receipt.number,
                    "reference": reference,
                }
                problems.append(ValidationError(message, code="unknown_line"))
                continue
            unannounced = next((line for line in own if not line.asn_number), None)
            still_open = unannounced.outstanding if unannounced else ZERO
            if quantity <= 0 or quantity > still_open:
                message = _("%(reference)s: %(quantity)s announced, %(open)s is still open to announce.") % {
                    "reference": reference,
                    "quantity": qty(quantity),
                    "open": qty(still_open),
                }
                problems.append(ValidationError(message, code="over_announced"))
                continue
            target = next((line for line in own if line.asn_number == asn_number and line.lot_code == lot_code), None)
            if target is not None:
                target.expected_qty += quantity
            elif unannounced.received_qty == 0 and unannounced.expected_qty == quantity:
                # All it still expects is announced here: the line becomes the announced one.
                target = unannounced
            else:
                target = ReceiptLine(
                    receipt=receipt,
                    item=unannounced.item,
                    expected_qty=quantity,
                    unit_cost=unannounced.unit_cost,
                    order_line_ref=reference,
                )
                own.append(target)
            if target is not unannounced:
                unannounced.expected_qty -= quantity
                unannounced.full_clean()
                unannounced.save(update_fields=["expected_qty", "updated_at"])
            target.asn_number, target.lot_code = asn_number, lot_code
            if announced.get("expiry_date") is not None:
                target.expiry_date = announced["expiry_date"]
            target.full_clean()
            target.save()
            expecting.append(target)
        if problems:
            raise ValidationError({"lines": ValidationError(problems)})
        receipt.asn_number = _announced_asn_numbers(receipt.asn_number, asn_number)
        if expected_on is not None:
            receipt.expected_on = expected_on
        receipt.full_clean()
        receipt.save(update_fields=["asn_number", "expected_on", "updated_at"])
        return expecting


def _lot_for(line: ReceiptLine, lot_code: str | None, expiry_date: datetime.date | None) -> Lot | None:
    item: Item = line.item
    if item.tracking == Tracking.NONE:
        return None
    code = (lot_code or line.lot_code).strip()
    if not code:
        label = _("serial number") if item.tracking == Tracking.SERIAL else _("lot")
        message = _("%(item)s is tracked: scan or type its %(label)s.") % {"item": item.code, "label": label}
        raise ValidationError({"lot": ValidationError(message, code="required")})
    lot, _created = Lot.objects.get_or_create(
        item=item, code=code, defaults={"expiry_date": expiry_date or line.expiry_date}
    )
    return lot


def _dock(warehouse: Warehouse, item: Item) -> tuple[Location, bool]:
    """Where a receipt lands: quality hold for items that need inspection, else receiving."""
    if requires_inspection(item):
        if warehouse.quality_location is None:
            raise ValidationError(
                _("%(warehouse)s has no quality-hold location for items that need inspection.")
                % {"warehouse": warehouse.code},
                code="no_quality_location",
            )
        return warehouse.quality_location, True
    if warehouse.receiving_location is None:
        raise ValidationError(
            _("%(warehouse)s has no receiving location.") % {"warehouse": warehouse.code}, code="no_receiving_location"
        )
    return warehouse.receiving_location, False


def receipt_receive(
    *,
    line: ReceiptLine,
    quantity: Decimal,
    lot_code: str | None = None,
    expiry_date: datetime.date | None = None,
    user: Any = None,
) -> list[StockTask]:
    """Receive a quantity of a line; returns the put-away tasks (none while it waits for inspection).

    More than expected is accepted up to TAKT_OVER_RECEIPT_TOLERANCE_PCT over; beyond it, refused.
    """
    with transaction.atomic():
        line = (
            ReceiptLine.objects.select_for_update(of=("self",))
            .select_related("receipt__warehouse", "item__uom")
            .get(pk=line.pk)
        )
        receipt = line.receipt
        if receipt.state in (ReceiptState.DONE, ReceiptState.CANCELLED):
            message = _("%(receipt)s is %(state)s.") % {
                "receipt": receipt.number,
                "state": receipt.get_state_display().lower(),
            }
            raise ValidationError(message, code="receipt_closed")
        quantity = Decimal(quantity)
        limit = line.expected_qty * (1 + Decimal(settings.TAKT_OVER_RECEIPT_TOLERANCE_PCT) / 100)
        if line.received_qty + quantity > limit:
            message = _(
                "Over-receipt: %(expected)s expected, %(received)s already received; at most %(limit)s may be received."
            ) % {"expected": qty(line.expected_qty), "received": qty(line.received_qty), "limit": qty(limit)}
            raise ValidationError({"quantity": ValidationError(message, code="over_receipt")})
        lot = _lot_for(line, lot_code, expiry_date)
        dock, held = _dock(receipt.warehouse, line.item)
        stock_move_post(
            item=line.item,
            quantity=quantity,
            from_location=virtual_location(LocationKind.SUPPLIER),
            to_location=dock,
            kind=MoveKind.RECEIPT,
            lot=lot,
            unit_cost=line.unit_cost,
            reference=receipt.reference or receipt.number,
            user=user,
        )
        ReceiptLine.objects.filter(pk=line.pk).update(received_qty=F("received_qty") + quantity)
        Receipt.objects.filter(pk=receipt.pk, state=ReceiptState.EXPECTED).update(state=ReceiptState.RECEIVING)
        event_publish(
            name=events.GOODS_RECEIVED,
            payload={
                "receipt": receipt.number,
                "line_id": str(line.pk),
                "order_line_ref": line.order_line_ref,
                "reference": receipt.reference,
                "item": line.item.code,
                "quantity": str(quantity),
                "lot": lot.code if lot else None,
                "unit_cost": str(line.unit_cost) if line.unit_cost is not None else None,
                "quality_hold": held,
            },
            aggregate=receipt,
            actor=user,
        )
        if held:
            return []
        return putaway_plan(
            item=line.item, quantity=quantity, from_location=dock, warehouse=receipt.warehouse, lot=lot, receipt=receipt
        )


def receipt_close(*, receipt: Receipt, user: Any = None) -> Receipt:
    """Close a receipt: what was not received is short, and ERP hears of every line's outcome."""
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.state in (ReceiptState.DONE, ReceiptState.CANCELLED):
            message = _("%(receipt)s is %(state)s.") % {
                "receipt": receipt.number,
                "state": receipt.get_state_display().lower(),
            }
            raise ValidationError(message, code="receipt_closed")
        receipt.state = (
            ReceiptState.DONE if receipt.lines.filter(received_qty__gt=0).exists() else ReceiptState.CANCELLED
        )
        receipt.save(update_fields=["state", "updated_at"])
        event_publish(
            name=events.RECEIPT_CLOSED,
            payload={
                "receipt": receipt.number,
                "reference": receipt.reference,
                "state": receipt.state,
                "lines": [
                    {
                        "line_id": str(line.pk),
                        "order_line_ref": line.order_line_ref,
                        "item": line.item.code,
                        "expected": str(line.expected_qty),
                        "received": str(line.received_qty),
                    }
                    for line in receipt.lines.select_related("item")
                ],
            },
            aggregate=receipt,
            actor=user,
        )
        return receipt


def _quality_locations(warehouse: Warehouse) -> None:
    if warehouse.quality_location_id is None or warehouse.receiving_location_id is None:
        message = _("%(warehouse)s needs a quality-hold and a receiving location for inspections.") % {
            "warehouse": warehouse.code
        }
        raise ValidationError(message, code="no_quality_location")


def quality_release(
    *, item: Item, warehouse: Warehouse, quantity: Decimal, lot: Lot | None = None, user: Any = None
) -> list[StockTask]:
    """Inspection passed: stock leaves quality hold for receiving, with put-away tasks."""
    _quality_locations(warehouse)
    with transaction.atomic():
        stock_move_post(
            item=item,
            quantity=quantity,
            from_location=warehouse.quality_location,
            to_location=warehouse.receiving_location,
            kind=MoveKind.TRANSFER,
            lot=lot,
            user=user,
            note=_("Released by inspection"),
        )
        return putaway_plan(
            item=item, quantity=quantity, from_location=warehouse.receiving_location, warehouse=warehouse, lot=lot
        )


def quality_reject(
    *, item: Item, warehouse: Warehouse, quantity: Decimal, lot: Lot | None = None, user: Any = None, reason: str = ""
):
    """Inspection failed: the stock is scrapped (a return to the supplier is a shipment ERP asks for)."""
    _quality_locations(warehouse)
    return stock_move_post(
        item=item,
        quantity=quantity,
        from_location=warehouse.quality_location,
        to_location=virtual_location(LocationKind.SCRAP),
        kind=MoveKind.SCRAP,
        lot=lot,
        user=user,
        note=reason,
    )
