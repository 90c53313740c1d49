"""Many inventory adjustments at once: a whole count (or a plant's opening stock) posted set-based.

`inventory_adjust_bulk` does for a list of counts what `wms.services.moves.inventory_adjust` does for
one: every (item, location, lot) whose on-hand differs from what was counted gets one ADJUSTMENT move
to or from inventory loss, its quant follows in the same transaction, and `wms.stock.moved` is
published for every move (ERP values it there). It keeps the ledger's rules (quantities in the
item's unit, lots for tracked items, one unit per serial number, never below what is reserved, bin
capacities) and writes in batches: the quants are locked with one query, moves go out with
`bulk_create`, quants with one UPDATE ... FROM (VALUES ...) and one upsert per batch. 20,000 counts
post in seconds where 20,000 calls of `inventory_adjust` take minutes.

With `opening=True` the counts are a plant's opening stock (a stock import): each gain is an OPENING
move, which ERP books against opening balance equity, and a count that would lower stock is refused.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Tracking
from core.formatting import trim_decimal
from core.models import Item
from core.services.events import event_publish
from wms import events
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Lot, Quant, StockMove
from wms.services.moves import _check_lot, _check_quantity, opening_decrease_message

ZERO = Decimal(0)
BATCH_SIZE = 2000


@dataclass(frozen=True)
class StockCount:
    """What was counted of one item (and lot) in one location."""

    item: Item
    location: Location
    counted: Decimal
    lot: Lot | None = None

    @property
    def key(self) -> tuple[int, int, int | None]:
        return (self.item.pk, self.location.pk, self.lot.pk if self.lot else None)


class CountRefused(ValidationError):
    """A count the ledger refuses; `index` is its position in the list given, so callers can name it."""

    def __init__(self, index: int, field: str, message: str, code: str):
        super().__init__({field: ValidationError(message, code=code)})
        self.index = index
        self.field = field


def _check(index: int, count: StockCount) -> None:
    """The ledger's own rules (moves.py), reported on the count's row and field."""
    item, location, lot, counted = count.item, count.location, count.lot, Decimal(count.counted)
    if location.kind != LocationKind.INTERNAL or not location.active:
        message = _("%(location)s cannot hold stock; choose a bin.") % {"location": location.code}
        raise CountRefused(index, "location", message, "not_a_bin")
    if counted < 0:
        raise CountRefused(index, "counted", _("A count cannot be negative."), "min_value")
    if item.tracking == Tracking.SERIAL and counted not in (0, 1):
        message = _("%(item)s is serial-numbered: a serial number is counted 0 or 1, not %(qty)s.") % {
            "item": item.code,
            "qty": counted,
        }
        raise CountRefused(index, "counted", message, "serial_quantity")
    try:
        if counted:
            _check_quantity(item, counted)
        _check_lot(item, lot, Decimal(1) if item.tracking == Tracking.SERIAL else counted)
    except ValidationError as exc:
        field, (error, *_rest) = next(iter(exc.error_dict.items()))
        raise CountRefused(index, "counted" if field == "quantity" else field, error.messages[0], error.code) from None


QUANTS_LOCKED = """
SELECT q.id, q.item_id, q.location_id, q.lot_id, q.quantity, q.reserved
  FROM wms_quant q
  JOIN (VALUES {values}) AS v(item_id, location_id, lot_id)
    ON q.item_id = v.item_id AND q.location_id = v.location_id AND q.lot_id IS NOT DISTINCT FROM v.lot_id
 ORDER BY q.id
   FOR UPDATE OF q
"""
QUANTS_CHANGED = """
UPDATE wms_quant AS q
   SET quantity = q.quantity + v.delta,
       in_date = CASE WHEN q.quantity = 0 THEN v.in_date ELSE q.in_date END
  FROM (VALUES {values}) AS v(id, delta, in_date)
 WHERE q.id = v.id
"""
QUANTS_ADDED = """
INSERT INTO wms_quant (item_id, location_id, lot_id, quantity, reserved, in_date)
VALUES {values}
ON CONFLICT (item_id, location_id, lot_id) DO UPDATE SET
       quantity = wms_quant.quantity + EXCLUDED.quantity,
       in_date = CASE WHEN wms_quant.quantity = 0 THEN EXCLUDED.in_date ELSE wms_quant.in_date END
"""


def _locked_quants(counts: Sequence[StockCount]) -> dict[tuple, tuple[int, Decimal, Decimal]]:
    """{(item, location, lot): (quant id, quantity, reserved)} of the counted quants, locked in id order."""
    if not counts:
        return {}
    values = ", ".join(["(%s::bigint, %s::bigint, %s::bigint)"] * len(counts))
    params = [part for count in counts for part in count.key]
    with connection.cursor() as cursor:
        cursor.execute(QUANTS_LOCKED.format(values=values), params)
        return {
            (item, location, lot): (pk, quantity, reserved) for pk, item, location, lot, quantity, reserved in cursor
        }


def _execute_batches(sql: str, row_sql: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            cursor.execute(sql.format(values=", ".join([row_sql] * len(batch))), [v for row in batch for v in row])


def inventory_adjust_bulk(
    *,
    counts: Sequence[StockCount],
    user: Any = None,
    reason: str = "",
    reference: str = "",
    opening: bool = False,
) -> list[StockMove]:
    """Set on-hand to what was counted for every count, by moves to or from inventory loss; all or nothing.

    Counts equal to what is on hand post nothing, so posting the same counts twice changes nothing
    the second time. Raises CountRefused (a ValidationError naming the count's index and field).
    `opening`: the counts are opening stock (OPENING moves); one that would lower stock is refused.
    """
    seen: dict[tuple, int] = {}
    for index, count in enumerate(counts):
        _check(index, count)
        first = seen.setdefault(count.key, index)
        if first != index:
            message = _("%(item)s%(lot)s in %(location)s is counted twice.") % {
                "item": count.item.code,
                "lot": f" lot {count.lot.code}" if count.lot else "",
                "location": count.location.code,
            }
            raise CountRefused(index, "item", message, "duplicate")
    moved_at = timezone.now()
    with transaction.atomic():
        quants = _locked_quants(counts)
        loss = virtual_location(LocationKind.INVENTORY)
        moves: list[StockMove] = []
        changed: list[tuple] = []  # (quant id, delta, in_date) of quants that exist
        added: list[tuple] = []  # (item, location, lot, quantity, reserved, in_date) of new quants
        filled: dict[int, int] = {}  # location id -> index of a count that put stock there
        serials: dict[int, int] = {}  # lot id -> index of a count that put a serial number somewhere
        for index, count in enumerate(counts):
            pk, on_hand, reserved = quants.get(count.key, (None, ZERO, ZERO))
            difference = count.counted - on_hand
            if difference == 0:
                continue
            if opening and difference < 0:
                message = opening_decrease_message(
                    item=count.item, location=count.location, lot=count.lot, on_hand=on_hand, counted=count.counted
                )
                raise CountRefused(index, "counted", message, "opening_decrease")
            if count.counted < reserved:
                message = _(
                    "%(reserved)s %(unit)s of %(item)s%(lot)s in %(location)s are reserved; a count of %(qty)s "
                    "would take reserved stock. Unreserve first."
                ) % {
                    "reserved": trim_decimal(reserved, min_places=0),
                    "unit": count.item.uom.code,
                    "item": count.item.code,
                    "lot": f" lot {count.lot.code}" if count.lot else "",
                    "location": count.location.code,
                    "qty": count.counted,
                }
                raise CountRefused(index, "counted", message, "reserved")
            if pk is None:
                added.append((*count.key, difference, ZERO, moved_at))
            else:
                changed.append((pk, difference, moved_at))
            if difference > 0:
                filled.setdefault(count.location.pk, index)
                if count.item.tracking == Tracking.SERIAL:
                    serials[count.lot.pk] = index
            source, target = (loss, count.location) if difference > 0 else (count.location, loss)
            moves.append(
                StockMove(
                    item=count.item,
                    lot=count.lot,
                    quantity=abs(difference),
                    from_location=source,
                    to_location=target,
                    kind=MoveKind.OPENING if opening else MoveKind.ADJUSTMENT,
                    unit_cost=count.item.standard_cost,
                    reference=reference or (_("Opening stock") if opening else _("Count")),
                    note=reason,
                    moved_by=user if getattr(user, "is_authenticated", False) else None,
                    moved_at=moved_at,
                )
            )
        _execute_batches(QUANTS_CHANGED, "(%s::bigint, %s::numeric, %s::timestamptz)", changed)
        _execute_batches(QUANTS_ADDED, "(%s, %s, %s, %s, %s, %s)", added)
        _check_capacity(counts, filled)
        _check_serials(counts, serials)
        StockMove.objects.bulk_create(moves, batch_size=BATCH_SIZE)
        for move in moves:
            event_publish(
                name=events.STOCK_MOVED,
                payload={
                    "move_id": str(move.pk),
                    "item": move.item.code,
                    "lot": move.lot.code if move.lot else None,
                    "quantity": str(move.quantity),
                    "from_location": move.from_location.code,
                    "to_location": move.to_location.code,
                    "kind": move.kind,
                    "unit_cost": str(move.unit_cost) if move.unit_cost is not None else None,
                    "reference": move.reference,
                },
                aggregate=move,
                actor=user,
            )
        return moves


def _check_capacity(counts: Sequence[StockCount], filled: dict[int, int]) -> None:
    """Bins with a capacity that received stock must still hold no more than it."""
    limited = {pk: index for pk, index in filled.items() if counts[index].location.capacity_qty is not None}
    if not limited:
        return
    totals = dict(
        Quant.objects.filter(location_id__in=limited)
        .values("location_id")
        .annotate(total=Sum("quantity"))
        .values_list("location_id", "total")
    )
    for location_id, index in limited.items():
        location = counts[index].location
        if totals.get(location_id, ZERO) > location.capacity_qty:
            message = _("%(location)s holds at most %(capacity)s units; this would make %(total)s.") % {
                "location": location.code,
                "capacity": trim_decimal(location.capacity_qty, min_places=0),
                "total": trim_decimal(totals[location_id], min_places=0),
            }
            raise CountRefused(index, "location", message, "bin_full")


def _check_serials(counts: Sequence[StockCount], serials: dict[int, int]) -> None:
    """A serial number counted into a place must not be on hand anywhere else."""
    if not serials:
        return
    places = (
        Quant.objects.filter(lot_id__in=serials, quantity__gt=0, location__kind=LocationKind.INTERNAL)
        .values("lot_id")
        .annotate(total=Sum("quantity"))
        .filter(total__gt=1)
        .values_list("lot_id", flat=True)
    )
    for lot_id in places:
        index = serials[lot_id]
        elsewhere = (
            Quant.objects.filter(lot_id=lot_id, quantity__gt=0, location__kind=LocationKind.INTERNAL)
            .exclude(location=counts[index].location)
            .select_related("location")
            .first()
        )
        message = _("Serial number %(lot)s is already in %(location)s.") % {
            "lot": counts[index].lot.code,
            "location": elsewhere.location.code if elsewhere else counts[index].location.code,
        }
        raise CountRefused(index, "lot", message, "serial_in_stock")
