"""What a supplier does through the portal: confirm a purchase order (its reference, and per line the date
and quantity it promises) and announce a shipment (an ASN), which tells the order's WMS receipt what is
coming, lot by lot. Invoices go straight to ERP's three-way match (erp.services.purchasing).

What may be announced on a line is what is neither announced nor received yet: the outstanding quantity
of its receipt line of goods not announced yet (srm.selectors.portal), so goods received without an ASN
leave less to announce, and announced goods still on their way are not announced twice.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Tracking
from core.formatting import format_quantity as qty
from core.models import Partner
from core.services.events import event_publish
from core.services.numbering import next_document_number
from erp.choices import PurchaseOrderState
from erp.models import PurchaseOrder, PurchaseOrderLine
from erp.services.purchasing import purchase_order_confirm
from srm.events import ASN_ANNOUNCED
from srm.models import Asn, AsnLine, PoConfirmation, PoConfirmationLine
from srm.selectors.portal import announceable_quantities
from wms.models import Receipt, ReceiptLine, ReceiptState
from wms.services.receipts import receipt_expect

ZERO = Decimal(0)
# Goods may still be announced for orders in these states.
ANNOUNCEABLE_STATES = (PurchaseOrderState.SENT, PurchaseOrderState.CONFIRMED, PurchaseOrderState.PARTIALLY_RECEIVED)


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _own_order(order: PurchaseOrder, supplier: Partner) -> None:
    if order.supplier_id != supplier.pk:
        # Worded as for an order that does not exist: another supplier's order is none of this one's business.
        raise _refuse("purchase_order", _("No such purchase order."), "does_not_exist")


def _line_of(order: PurchaseOrder, line: PurchaseOrderLine) -> bool:
    return line.order_id == order.pk


# --- Confirmations ---------------------------------------------------------------------------------------------


def purchase_order_supplier_confirm(
    *,
    order: PurchaseOrder,
    supplier: Partner,
    supplier_reference: str,
    lines: Iterable[Mapping[str, Any]] = (),
    note: str = "",
    user: Any = None,
) -> PoConfirmation:
    """The supplier confirms its order: its reference and, per line ({po_line, confirmed_date,
    confirmed_quantity}), the date it promises (ERP moves the line's expected date to it) and the quantity
    (at most the ordered one; less is a short confirmation the buyer sees). Kept as a PoConfirmation."""
    entries = [dict(line) for line in lines]
    with transaction.atomic():
        order = PurchaseOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
        _own_order(order, supplier)
        errors: dict[str, Any] = {}
        seen: set[int] = set()
        for index, entry in enumerate(entries):
            line: PurchaseOrderLine = entry["po_line"]
            quantity = Decimal(entry["confirmed_quantity"])
            if not _line_of(order, line):
                message = _("%(line)s is not a line of %(order)s.") % {"line": line, "order": order.number}
                errors[f"lines.{index}.po_line"] = ValidationError(message, code="wrong_order")
            elif line.pk in seen:
                message = _("%(line)s is confirmed twice.") % {"line": line.reference}
                errors[f"lines.{index}.po_line"] = ValidationError(message, code="duplicate_line")
            elif quantity < 0 or quantity > line.quantity:
                message = _("%(line)s: confirm from 0 up to the %(ordered)s ordered, not %(quantity)s.") % {
                    "line": line.reference,
                    "ordered": qty(line.quantity),
                    "quantity": qty(quantity),
                }
                errors[f"lines.{index}.confirmed_quantity"] = ValidationError(message, code="over_ordered")
            seen.add(line.pk)
        if errors:
            raise ValidationError(errors)
        # The dates as they stand before this confirmation moves them (read under the order's lock).
        requested = {line.pk: line.expected_date or order.expected_date for line in order.lines.all()}
        purchase_order_confirm(
            order=order,
            supplier_reference=supplier_reference,
            line_dates={entry["po_line"].position: entry["confirmed_date"] for entry in entries},
            user=user,
        )
        confirmation = PoConfirmation(
            purchase_order=order,
            supplier_reference=supplier_reference.strip(),
            note=note.strip(),
            confirmed_at=timezone.now(),
            confirmed_by=user if getattr(user, "is_authenticated", False) else None,
        )
        confirmation.full_clean()
        confirmation.save()
        for entry in entries:
            confirmation_line = PoConfirmationLine(
                confirmation=confirmation,
                po_line=entry["po_line"],
                requested_date=requested[entry["po_line"].pk],
                confirmed_date=entry["confirmed_date"],
                confirmed_quantity=Decimal(entry["confirmed_quantity"]),
            )
            confirmation_line.full_clean(exclude=["confirmation"])
            confirmation_line.save()
        return confirmation


# --- Advance shipping notices ----------------------------------------------------------------------------------


def _lock_receipt(order: PurchaseOrder) -> Receipt:
    """The order's receipt, locked with its lines: receiving locks a receipt line before ERP's order, so
    taking the lines first here keeps the two from waiting on each other; two ASNs of one order queue here."""
    receipt = Receipt.objects.select_for_update().filter(pk=order.receipt_id).first() if order.receipt_id else None
    if receipt is None or receipt.state in (ReceiptState.DONE, ReceiptState.CANCELLED):
        message = _("%(order)s expects no more goods.") % {"order": order.number}
        raise _refuse("purchase_order", message, "order_not_open")
    list(ReceiptLine.objects.select_for_update().filter(receipt=receipt).order_by("pk"))
    return receipt


def _asn_line_errors(
    order: PurchaseOrder, entries: list[dict[str, Any]], open_quantities: dict[int, Decimal]
) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    announced: dict[int, Decimal] = defaultdict(Decimal)
    for index, entry in enumerate(entries):
        line: PurchaseOrderLine = entry["po_line"]
        quantity = Decimal(entry["quantity"])
        name = f"lines.{index}"
        if not _line_of(order, line):
            message = _("%(line)s is not a line of %(order)s.") % {"line": line, "order": order.number}
            errors[f"{name}.po_line"] = ValidationError(message, code="wrong_order")
            continue
        if quantity <= 0:
            errors[f"{name}.quantity"] = ValidationError(_("Announce a positive quantity."), code="not_positive")
            continue
        tracking = line.item.tracking
        lot_code = (entry.get("lot_code") or "").strip()
        if tracking != Tracking.NONE and not lot_code:
            message = _("%(item)s is tracked: name the lot (or serial number) shipped.") % {"item": line.item.code}
            errors[f"{name}.lot_code"] = ValidationError(message, code="required")
        if tracking == Tracking.SERIAL and quantity != 1:
            message = _("%(item)s is serial-numbered: one line per unit.") % {"item": line.item.code}
            errors[f"{name}.quantity"] = ValidationError(message, code="serial_quantity")
            continue
        announced[line.pk] += quantity
        still_open = open_quantities.get(line.pk, ZERO)
        if announced[line.pk] > still_open:
            message = _(
                "%(line)s (%(item)s): %(quantity)s announced, only %(open)s is still open to announce "
                "(ordered %(ordered)s, received %(received)s, the rest announced before)."
            ) % {
                "line": line.reference,
                "item": line.item.code,
                "quantity": qty(announced[line.pk]),
                "open": qty(still_open),
                "ordered": qty(line.quantity),
                "received": qty(line.received_qty),
            }
            errors[f"{name}.quantity"] = ValidationError(message, code="over_open")
    return errors


def asn_create(
    *,
    supplier: Partner,
    order: PurchaseOrder,
    asn_number: str,
    ship_date: datetime.date,
    expected_date: datetime.date,
    lines: Iterable[Mapping[str, Any]],
    carrier: str = "",
    tracking: str = "",
    user: Any = None,
) -> Asn:
    """Announce a shipment of the supplier's order: lines of {po_line, quantity, lot_code?, expiry_date?}.
    The order's WMS receipt takes the ASN's number and expected date and a line per announced lot
    (wms.services.receipts.receipt_expect). Refused for another supplier's order, an order that takes no
    more goods, and quantities beyond what is open on a line; nothing is written then."""
    entries = [dict(line) for line in lines]
    asn_number = (asn_number or "").strip()
    with transaction.atomic():
        order = PurchaseOrder.objects.select_related("receipt").get(pk=order.pk)
        _own_order(order, supplier)
        if order.state not in ANNOUNCEABLE_STATES:
            message = _("%(order)s is %(state)s: no goods can be announced for it.") % {
                "order": order.number,
                "state": order.get_state_display().lower(),
            }
            raise _refuse("purchase_order", message, "order_not_open")
        receipt = _lock_receipt(order)
        errors: dict[str, Any] = {}
        if not asn_number:
            errors["asn_number"] = ValidationError(_("Enter your ASN number."), code="required")
        elif Asn.objects.filter(supplier=supplier, asn_number__iexact=asn_number).exists():
            message = _("ASN %(number)s is already announced.") % {"number": asn_number}
            errors["asn_number"] = ValidationError(message, code="duplicate")
        if expected_date < ship_date:
            message = _("Expected on %(date)s, before it ships on %(ship_date)s.") % {
                "date": expected_date,
                "ship_date": ship_date,
            }
            errors["expected_date"] = ValidationError(message, code="before_shipping")
        if not entries:
            errors["lines"] = ValidationError(_("An ASN announces at least one line."), code="required")
        errors.update(_asn_line_errors(order, entries, announceable_quantities(order=order)))
        if errors:
            raise ValidationError(errors)

        asn = Asn(
            number=next_document_number(doc_type="ASN", on=timezone.localdate()),
            supplier=supplier,
            purchase_order=order,
            asn_number=asn_number,
            ship_date=ship_date,
            expected_date=expected_date,
            carrier=carrier.strip(),
            tracking=tracking.strip(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        asn.full_clean()
        asn.save()
        expecting = receipt_expect(
            receipt=receipt,
            asn_number=asn_number,
            expected_on=expected_date,
            lines=[
                {
                    "order_line_ref": entry["po_line"].reference,
                    "quantity": entry["quantity"],
                    "lot_code": entry.get("lot_code") or "",
                    "expiry_date": entry.get("expiry_date"),
                }
                for entry in entries
            ],
        )
        for entry, receipt_line in zip(entries, expecting, strict=True):
            asn_line = AsnLine(
                asn=asn,
                po_line=entry["po_line"],
                quantity=Decimal(entry["quantity"]),
                lot_code=(entry.get("lot_code") or "").strip(),
                expiry_date=entry.get("expiry_date"),
                receipt_line=receipt_line,
            )
            asn_line.full_clean(exclude=["asn"])
            asn_line.save()
        event_publish(
            name=ASN_ANNOUNCED,
            payload={
                "asn": asn.number,
                "asn_number": asn.asn_number,
                "supplier": supplier.code,
                "purchase_order": order.number,
                "receipt": receipt.number,
                "ship_date": ship_date.isoformat(),
                "expected_date": expected_date.isoformat(),
                "carrier": asn.carrier,
                "tracking": asn.tracking,
                "lines": [
                    {
                        "position": entry["po_line"].position,
                        "item": entry["po_line"].item.code,
                        "quantity": str(entry["quantity"]),
                        "lot_code": (entry.get("lot_code") or "").strip(),
                    }
                    for entry in entries
                ],
            },
            aggregate=asn,
            actor=user,
        )
        return asn
