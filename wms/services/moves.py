"""The stock ledger. Every change of on-hand is a StockMove; quants follow in the same transaction.

Taking stock is one guarded UPDATE (`quantity - reserved` must cover the free part taken), so
concurrent pickers of one quant are serialised by PostgreSQL's row lock and re-checked against the
committed quantity: none can overdraw it. Putting stock is an upsert. Stock never goes negative
(the services refuse; the database's check constraints would too).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Tracking
from core.formatting import format_quantity as qty
from core.models import Item
from core.services.events import event_publish
from wms import events
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Lot, Quant, StockMove

ZERO = Decimal(0)


def _check_quantity(item: Item, quantity: Decimal) -> Decimal:
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise ValidationError(
            {"quantity": ValidationError(_("The quantity must be more than zero."), code="min_value")}
        )
    precision = item.precision_error(quantity)
    if precision is not None:
        raise ValidationError({"quantity": precision})
    return quantity


def _check_lot(item: Item, lot: Lot | None, quantity: Decimal) -> None:
    if item.tracking == Tracking.NONE:
        if lot is not None:
            message = _("%(item)s is not tracked by lot.") % {"item": item.code}
            raise ValidationError({"lot": ValidationError(message, code="not_tracked")})
        return
    if lot is None:
        message = _("%(item)s is tracked %(tracking)s: say which.") % {
            "item": item.code,
            "tracking": item.get_tracking_display().lower(),
        }
        raise ValidationError({"lot": ValidationError(message, code="required")})
    if lot.item_id != item.pk:
        message = _("Lot %(lot)s is of %(other)s, not %(item)s.") % {
            "lot": lot.code,
            "other": lot.item.code,
            "item": item.code,
        }
        raise ValidationError({"lot": ValidationError(message, code="wrong_lot")})
    if item.tracking == Tracking.SERIAL and quantity != 1:
        message = _("%(item)s is serial-numbered: move one unit per serial number.") % {"item": item.code}
        raise ValidationError({"quantity": ValidationError(message, code="serial_quantity")})


def _check_location(location: Location, field: str) -> None:
    if location.kind == LocationKind.VIEW or not location.active:
        message = _("%(location)s cannot hold stock; choose a bin.") % {"location": location.code}
        raise ValidationError({field: ValidationError(message, code="not_a_bin")})


def _take(item: Item, location: Location, lot: Lot | None, quantity: Decimal, reserved: Decimal) -> None:
    """Take `quantity` out of a quant, `reserved` of it from its reservations and the rest from free stock."""
    updated = Quant.objects.filter(
        item=item,
        location=location,
        lot=lot,
        reserved__gte=reserved,
        quantity__gte=F("reserved") + (quantity - reserved),
    ).update(quantity=F("quantity") - quantity, reserved=F("reserved") - reserved)
    if updated:
        return
    quant = Quant.objects.filter(item=item, location=location, lot=lot).first()
    on_hand, held = (quant.quantity, quant.reserved) if quant else (ZERO, ZERO)
    message = _(
        "Only %(free)s %(unit)s of %(item)s%(lot)s can be taken from %(location)s "
        "(%(on_hand)s on hand, %(held)s reserved); %(asked)s asked."
    ) % {
        "free": qty(on_hand - held + min(reserved, held)),
        "unit": item.uom.code,
        "item": item.code,
        "lot": f" lot {lot.code}" if lot else "",
        "location": location.code,
        "on_hand": qty(on_hand),
        "held": qty(held),
        "asked": qty(quantity),
    }
    raise ValidationError({"quantity": ValidationError(message, code="insufficient_stock")})


def _put(item: Item, location: Location, lot: Lot | None, quantity: Decimal, moved_at: datetime.datetime) -> None:
    table = connection.ops.quote_name(Quant._meta.db_table)
    with connection.cursor() as cursor:
        # An emptied quant starts its FIFO age again when stock comes back.
        cursor.execute(
            f"INSERT INTO {table} (item_id, location_id, lot_id, quantity, reserved, in_date)"  # noqa: S608
            " VALUES (%s, %s, %s, %s, 0, %s)"
            " ON CONFLICT (item_id, location_id, lot_id) DO UPDATE SET"
            f" quantity = {table}.quantity + EXCLUDED.quantity,"
            f" in_date = CASE WHEN {table}.quantity = 0 THEN EXCLUDED.in_date ELSE {table}.in_date END",
            [item.pk, location.pk, lot.pk if lot else None, quantity, moved_at],
        )
    if item.tracking == Tracking.SERIAL:
        # One unit per serial number in the whole of stock, not just in this bin.
        held = Quant.objects.filter(lot=lot, location__kind=LocationKind.INTERNAL, quantity__gt=0)
        if held.aggregate(total=Sum("quantity"))["total"] > 1:
            where = ", ".join(held.exclude(location=location).values_list("location__code", flat=True)) or location.code
            message = _("Serial number %(lot)s is already in stock, in %(where)s.") % {"lot": lot.code, "where": where}
            raise ValidationError({"lot": ValidationError(message, code="serial_in_stock")})
    if location.capacity_qty is not None:
        total = Quant.objects.filter(location=location).aggregate(total=Sum("quantity"))["total"] or ZERO
        if total > location.capacity_qty:
            message = _("%(location)s holds at most %(capacity)s units; this would make %(total)s.") % {
                "location": location.code,
                "capacity": qty(location.capacity_qty),
                "total": qty(total),
            }
            raise ValidationError({"to_location": ValidationError(message, code="bin_full")})


def stock_move_post(
    *,
    item: Item,
    quantity: Decimal,
    from_location: Location,
    to_location: Location,
    kind: str,
    lot: Lot | None = None,
    unit_cost: Decimal | None = None,
    reference: str = "",
    note: str = "",
    user: Any = None,
    reserved: Decimal = ZERO,
) -> StockMove:
    """Post one move and update the quants it touches; all or nothing.

    `reserved`: how much of the quantity comes out of the source quant's reservations (a pick or a
    delivery of reserved stock); the rest must be free stock.
    """
    quantity = _check_quantity(item, quantity)
    _check_lot(item, lot, quantity)
    _check_location(from_location, "from_location")
    _check_location(to_location, "to_location")
    if from_location.pk == to_location.pk:
        raise ValidationError(
            {"to_location": ValidationError(_("A move goes from one location to another."), code="same_location")}
        )
    if kind == MoveKind.OPENING and (from_location.kind != LocationKind.INVENTORY or not to_location.holds_stock):
        message = _("Opening stock comes from the inventory location into a warehouse.")
        raise ValidationError({"kind": ValidationError(message, code="opening_not_a_gain")})
    moved_at = timezone.now()
    with transaction.atomic():
        if from_location.holds_stock:
            _take(item, from_location, lot, quantity, Decimal(reserved))
        if to_location.holds_stock:
            _put(item, to_location, lot, quantity, moved_at)
        move = StockMove.objects.create(
            item=item,
            lot=lot,
            quantity=quantity,
            from_location=from_location,
            to_location=to_location,
            kind=kind,
            unit_cost=unit_cost,
            reference=reference,
            note=note,
            moved_by=user if getattr(user, "is_authenticated", False) else None,
            moved_at=moved_at,
        )
        event_publish(
            name=events.STOCK_MOVED,
            payload={
                "move_id": str(move.pk),
                "item": item.code,
                "lot": lot.code if lot else None,
                "quantity": str(quantity),
                "from_location": from_location.code,
                "to_location": to_location.code,
                "kind": kind,
                "unit_cost": str(unit_cost) if unit_cost is not None else None,
                "reference": reference,
            },
            aggregate=move,
            actor=user,
        )
        return move


def stock_transfer(
    *,
    item: Item,
    quantity: Decimal,
    from_location: Location,
    to_location: Location,
    lot: Lot | None = None,
    user: Any = None,
    reference: str = "",
    note: str = "",
) -> StockMove:
    """Move free stock between two internal locations (re-slotting, replenishing a pick face)."""
    for location, field in ((from_location, "from_location"), (to_location, "to_location")):
        if not location.holds_stock:
            message = _("%(location)s is not a warehouse location.") % {"location": location.code}
            raise ValidationError({field: ValidationError(message, code="not_internal")})
    return stock_move_post(
        item=item,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        lot=lot,
        kind=MoveKind.TRANSFER,
        user=user,
        reference=reference,
        note=note,
    )


def opening_decrease_message(
    *, item: Item, location: Location, lot: Lot | None, on_hand: Decimal, counted: Decimal
) -> str:
    """Why an opening load may not lower stock (shared with the set-based adjustments)."""
    return _(
        "Opening stock only adds to what is on hand: %(on_hand)s %(unit)s of %(item)s%(lot)s are in %(location)s, "
        "%(counted)s would lower it. Count the difference as an inventory adjustment."
    ) % {
        "on_hand": qty(on_hand),
        "unit": item.uom.code,
        "item": item.code,
        "lot": f" lot {lot.code}" if lot else "",
        "location": location.code,
        "counted": qty(counted),
    }


def inventory_adjust(
    *,
    item: Item,
    location: Location,
    counted: Decimal,
    lot: Lot | None = None,
    user: Any = None,
    reason: str = "",
    reference: str = "",
    opening: bool = False,
) -> StockMove | None:
    """Set on-hand to what was counted, by a move to or from inventory loss; None when nothing differs.

    `opening`: the count is the stock a plant starts with (an OPENING move, which ERP books against opening
    balance equity instead of the inventory adjustment expense); it may only add to what is on hand.
    """
    if not location.holds_stock:
        message = _("%(location)s is not a warehouse location.") % {"location": location.code}
        raise ValidationError({"location": ValidationError(message, code="not_internal")})
    counted = Decimal(counted)
    if counted < 0:
        raise ValidationError({"counted": ValidationError(_("A count cannot be negative."), code="min_value")})
    with transaction.atomic():
        quant = Quant.objects.select_for_update().filter(item=item, location=location, lot=lot).first()
        on_hand = quant.quantity if quant else ZERO
        difference = counted - on_hand
        if difference == 0:
            return None
        if opening and difference < 0:
            message = opening_decrease_message(item=item, location=location, lot=lot, on_hand=on_hand, counted=counted)
            raise ValidationError({"counted": ValidationError(message, code="opening_decrease")})
        loss = virtual_location(LocationKind.INVENTORY)
        source, target = (loss, location) if difference > 0 else (location, loss)
        return stock_move_post(
            item=item,
            quantity=abs(difference),
            from_location=source,
            to_location=target,
            lot=lot,
            kind=MoveKind.OPENING if opening else MoveKind.ADJUSTMENT,
            unit_cost=item.standard_cost,
            user=user,
            note=reason,
            reference=reference or (_("Opening stock") if opening else _("Count")),
        )
