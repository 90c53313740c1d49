"""Customer returns: goods a customer sends back (CRM authorizes them on a service case) come in on a receipt
of their own, straight into the warehouse's quality-hold location, where they wait for quality to decide.

The receipt names the customer as its partner and the return's document (the RMA) as its reference; its
moves come from the customers' virtual location, so ERP values them back out of cost of goods sold and
genealogy never takes the customer for a supplier. No put-away is planned: returned goods stay in quality
hold until a quality decision moves them (`quality_release`, `held_lot_dispose`).
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import Partner
from core.services.numbering import next_document_number
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Receipt, ReceiptLine, ReceiptState, Warehouse
from wms.services.moves import stock_move_post


def _line_errors(error: ValidationError, index: int) -> ValidationError:
    """A line's refusal under `lines.<index>.<field>`, as the API reports nested lines."""
    if hasattr(error, "error_dict"):
        return ValidationError({f"lines.{index}.{name}": errors for name, errors in error.error_dict.items()})
    return ValidationError({f"lines.{index}": error.error_list})


def customer_return_receive(
    *,
    warehouse: Warehouse,
    customer: Partner,
    lines: list[dict[str, Any]],
    reference: str,
    user: Any = None,
) -> Receipt:
    """Receive returned goods in full, at once: lines of {item, quantity, lot (a wms.Lot, for tracked items)}.

    Everything lands in the warehouse's quality-hold location; the receipt is done when this returns.
    All or nothing: a line refused (a serial already in stock, a lot of another item) refuses the return.
    """
    if not customer.is_customer:
        message = _("%(partner)s is not a customer.") % {"partner": customer.code}
        raise ValidationError({"customer": ValidationError(message, code="not_a_customer")})
    if not lines:
        raise ValidationError({"lines": ValidationError(_("A return brings back at least one item."), code="required")})
    if warehouse.quality_location_id is None:
        message = _("%(warehouse)s has no quality-hold location to receive returns into.") % {
            "warehouse": warehouse.code
        }
        raise ValidationError({"warehouse": ValidationError(message, code="no_quality_location")})
    customers = virtual_location(LocationKind.CUSTOMER)
    with transaction.atomic():
        receipt = Receipt(
            number=next_document_number(doc_type="RC"),
            warehouse=warehouse,
            supplier=customer,
            reference=reference,
            state=ReceiptState.DONE,
        )
        receipt.full_clean()
        receipt.save()
        for index, fields in enumerate(lines):
            item, lot, quantity = fields["item"], fields.get("lot"), Decimal(fields["quantity"])
            try:
                line = ReceiptLine(
                    receipt=receipt,
                    item=item,
                    expected_qty=quantity,
                    received_qty=quantity,
                    lot_code=lot.code if lot else "",
                )
                line.full_clean()
                line.save()
                stock_move_post(
                    item=item,
                    quantity=quantity,
                    from_location=customers,
                    to_location=warehouse.quality_location,
                    kind=MoveKind.RECEIPT,
                    lot=lot,
                    reference=reference,
                    note=_("Customer return from %(customer)s") % {"customer": customer.code},
                    user=user,
                )
            except ValidationError as exc:
                raise _line_errors(exc, index) from None
        return receipt
