"""Quality holds on lots: a held lot stays where it is, but cannot be reserved, picked, shipped or consumed.

Quality (MES) decides when a lot is held and released; WMS keeps the rule: reserving skips held lots
(requests.py), picking and delivering refuse them (picking.py, requests.py), and so does ERP when it
issues material to production. Stock of a held lot may still move inside the warehouse (to a quarantine
bin), and leaves it only through `held_lot_dispose`: scrapped, or returned to the supplier.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Lot, Quant, StockMove
from wms.services.moves import qty, stock_move_post

ZERO = Decimal(0)
# Where a held lot's stock may go, and the kind of move that takes it there.
DISPOSALS = {LocationKind.SCRAP: MoveKind.SCRAP, LocationKind.SUPPLIER: MoveKind.SHIPMENT}


def _on_hold(lot: Lot) -> ValidationError:
    message = _("Lot %(lot)s of %(item)s is on quality hold: %(reason)s") % {
        "lot": lot.code,
        "item": lot.item.code,
        "reason": lot.hold_reason or _("no reason given"),
    }
    return ValidationError({"lot": ValidationError(message, code="on_hold")})


def lot_usable_check(lot: Lot | None) -> None:
    """Refuse a held lot (no lot, untracked stock, is always usable)."""
    if lot is not None and lot.on_hold:
        raise _on_hold(lot)


def lot_hold(*, lot: Lot, reason: str, user: Any = None) -> Lot:
    """Put a lot on hold. Reservations already on its stock stay (their requests see why they cannot be
    picked or consumed); a short pick or unreserving them lets the request reserve other stock."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Say why the lot is held."), code="required")})
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot.pk)
        lot.on_hold, lot.hold_reason = True, reason[: Lot._meta.get_field("hold_reason").max_length]
        lot.save(update_fields=["on_hold", "hold_reason", "updated_at"])
        return lot


def lot_release(*, lot: Lot, user: Any = None) -> Lot:
    """Lift the hold: the lot can be reserved and used again."""
    with transaction.atomic():
        lot = Lot.objects.select_for_update().get(pk=lot.pk)
        lot.on_hold, lot.hold_reason = False, ""
        lot.save(update_fields=["on_hold", "hold_reason", "updated_at"])
        return lot


def held_lot_dispose(
    *,
    lot: Lot,
    destination_kind: str,
    quantity: Decimal | None = None,
    reference: str = "",
    note: str = "",
    user: Any = None,
) -> list[StockMove]:
    """Take a held lot's free stock out of the warehouse, to scrap or back to the supplier (ERP values the
    moves as it values every move): `quantity` of it, taken bin by bin, or all of it when None."""
    if destination_kind not in DISPOSALS:
        raise ValueError(f"A held lot goes to scrap or to the supplier, not to {destination_kind}")
    with transaction.atomic():
        lot = Lot.objects.select_for_update().select_related("item__uom").get(pk=lot.pk)
        if not lot.on_hold:
            message = _("Lot %(lot)s is not on hold; only held stock is disposed of here.") % {"lot": lot.code}
            raise ValidationError({"lot": ValidationError(message, code="not_on_hold")})
        quants = list(
            Quant.objects.select_for_update(of=("self",))
            .filter(lot=lot, location__kind=LocationKind.INTERNAL, quantity__gt=F("reserved"))
            .select_related("location")
            .order_by("pk")
        )
        free = sum((quant.quantity - quant.reserved for quant in quants), ZERO)
        wanted = free if quantity is None else Decimal(quantity)
        if wanted <= 0 or wanted > free:
            message = _(
                "Lot %(lot)s has %(free)s %(unit)s of unreserved stock to dispose of (unreserve the rest first); "
                "%(asked)s asked."
            ) % {
                "lot": lot.code,
                "free": qty(free),
                "unit": lot.item.uom.code,
                "asked": qty(wanted),
            }
            raise ValidationError({"quantity": ValidationError(message, code="insufficient_stock")})
        destination = virtual_location(destination_kind)
        moves = []
        for quant in quants:
            if wanted <= 0:
                break
            take = min(wanted, quant.quantity - quant.reserved)
            moves.append(
                stock_move_post(
                    item=lot.item,
                    quantity=take,
                    from_location=quant.location,
                    to_location=destination,
                    kind=DISPOSALS[destination_kind],
                    lot=lot,
                    reference=reference,
                    note=note,
                    user=user,
                )
            )
            wanted -= take
        return moves
