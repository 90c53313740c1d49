"""Inventory valuation: every stock move into or out of the warehouses gets its value and its journal entry.

A move counts when one side holds stock (an internal location) and the other does not: stock came in
(a receipt, a count gain, production output, a customer return) or went out (a shipment, an issue to
production, scrap, a count loss). Moves between two internal locations change where stock is, not
what it is worth, and are not valued.

Each item has one ItemValuation row: its valued quantity and value, locked while a move is valued, so
concurrent moves of one item are valued one after the other. Every change of it is a ValuationLayer
(the quantity and value it added or took), and every layer's value is booked to the inventory account
in the same transaction: the inventory accounts' balance is the sum of the items' values, always.

Methods (per item category, see ValuationPolicy, else ErpSettings.default_valuation_method):
- standard: stock is always worth quantity x Item.standard_cost (to the cent); what a supplier charged
  beyond that is purchase price variance.
- average: receipts come in at their unit cost, issues go out at the running average; the last unit
  out takes exactly the value that is left.
- fifo: issues consume the open incoming layers, oldest first.

Whatever the method, production output (production -> a bin) comes in at the move's unit cost, the
producing order's standard, so that WIP is credited with what the order absorbed (for a standard-cost
item whose standard moved on since the order's release, the difference is a revaluation); a count gain
comes in at what the stock on hand costs (the count's own unit cost only when there is none).

Opening stock (an OPENING move: WMS's opening load, a stock import) is a gain from the inventory location
too, but it is what the company owned before it started with Takt, not stock found in a count: its other
side is the opening balance equity account, not the inventory adjustment expense, so the month a plant
moves in shows no profit from it. It comes in at the move's unit cost (WMS passes the item's standard;
the running average only when the move has none), like a receipt; standard-cost stock at its standard.

When an item's method changes while it has stock (valuation_policy_set, valuation_default_set, or a
policy edited in the admin: then on the item's next valued move), the stock is carried over at its value,
never refused: into standard cost it is revalued to quantity x standard; into FIFO what is on hand becomes
one layer at its average; out of FIFO the open layers close.

Stock that physically existed before it was valued (loaded before ERP was set up) has no value in the
books: what goes out beyond the valued quantity goes out at zero. Load opening stock as OPENING moves
(or a receipt with a unit cost) to value it.

Moves posted together (WMS's bulk adjustments of a stock import) are valued together, in a fixed number
of queries however many there are; a single move costs about a dozen.
"""

import datetime
from collections import defaultdict, deque
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_quantity
from core.models import Item, ItemCategory
from erp.choices import AccountRole, JournalSource, ValuationMethod
from erp.models import ErpSettings, ItemValuation, ValuationLayer, ValuationPolicy
from erp.selectors.valuation import category_and_below, day_end, valuation_method_for, valuation_methods_for
from erp.services.journal import (
    BULK_BATCH,
    AccountBook,
    EntryDraft,
    Posting,
    accounts_for,
    journal_entries_post,
    journal_entry_post,
    to_cents,
)
from wms.choices import LocationKind, MoveKind
from wms.models import StockMove

ZERO = Decimal(0)
UNIT_COST = Decimal("0.000001")

# An opening-stock move comes from the inventory location as a count gain does, but its other side is
# equity: that side is told by the move's kind, under a key of its own.
OPENING_SIDE = "opening"
# The account a move's other side books, by the kind of location on that side (or OPENING_SIDE).
OTHER_SIDE: dict[str, str] = {
    LocationKind.SUPPLIER: AccountRole.GOODS_RECEIVED_NOT_INVOICED,
    LocationKind.CUSTOMER: AccountRole.COST_OF_GOODS_SOLD,
    LocationKind.PRODUCTION: AccountRole.WORK_IN_PROGRESS,
    LocationKind.SCRAP: AccountRole.SCRAP_EXPENSE,
    LocationKind.INVENTORY: AccountRole.INVENTORY_ADJUSTMENT,
    OPENING_SIDE: AccountRole.OPENING_BALANCE,
}
# Standard-cost stock whose other side is booked at the move's own unit cost (the supplier's price, the
# production order's frozen standard): where the difference to the item's standard goes.
PRICE_DIFFERENCE = {
    LocationKind.SUPPLIER: AccountRole.PURCHASE_PRICE_VARIANCE,
    # The item's standard changed between the order's release and its output: a revaluation.
    LocationKind.PRODUCTION: AccountRole.REVALUATION,
}
# Stock found in a count (or taken back from scrap) is the same stock as what is on hand: it is worth
# what that stock costs now, not whatever unit cost the count carried.
FOUND_STOCK = (LocationKind.INVENTORY, LocationKind.SCRAP)


def _unit(value: Decimal, quantity: Decimal) -> Decimal:
    return (value / quantity).quantize(UNIT_COST, rounding=ROUND_HALF_UP) if quantity else ZERO


def _lock_valuations(items: dict[int, Item]) -> dict[int, ItemValuation]:
    """The items' valuation rows, locked in item order (as every locker takes them); a row is made on the
    item's first valued move, race-safe: a concurrent maker's row is the one locked."""
    ids = sorted(items)
    locked = ItemValuation.objects.select_for_update().order_by("item_id")
    valuations = {valuation.item_id: valuation for valuation in locked.filter(item_id__in=ids)}
    missing = [pk for pk in ids if pk not in valuations]
    if missing:
        methods = valuation_methods_for(items=[items[pk] for pk in missing])
        ItemValuation.objects.bulk_create(
            [ItemValuation(item_id=pk, method=methods[pk]) for pk in missing], ignore_conflicts=True
        )
        valuations.update({valuation.item_id: valuation for valuation in locked.filter(item_id__in=missing)})
    return valuations


def _lock_valuation(item: Item) -> ItemValuation:
    return _lock_valuations({item.pk: item})[item.pk]


def _revalue(
    valuation: ItemValuation, *, item: Item, value: Decimal, at: datetime.datetime, memo: str, user: Any
) -> ValuationLayer | None:
    """Bring the item's stock to `value`: a layer of no quantity and the difference, against revaluation."""
    delta = value - valuation.value
    if not delta:
        return None
    roles = accounts_for([AccountRole.INVENTORY, AccountRole.REVALUATION], item=item)
    entry = journal_entry_post(
        date=timezone.localdate(at),
        memo=memo,
        source=JournalSource.REVALUATION,
        reference=item.code,
        postings=[
            Posting(roles[AccountRole.INVENTORY], delta, memo, item=item),
            Posting(roles[AccountRole.REVALUATION], -delta, memo, item=item),
        ],
        user=user,
    )
    layer = ValuationLayer.objects.create(
        item=item,
        date=at,
        quantity=ZERO,
        unit_cost=_unit(value, valuation.quantity),
        value=delta,
        description=memo[:255],
        journal_entry=entry,
    )
    valuation.value = value
    return layer


def _switch_method(valuation: ItemValuation, method: str, *, item: Item, at: datetime.datetime, user: Any) -> None:
    """The item's method changed (its category's policy or the default did): carry its stock over.

    The stock keeps its value, except into standard cost, where it is revalued to quantity x standard.
    Into FIFO, what is on hand becomes one layer at its current average; out of FIFO, the open layers close.
    """
    old = valuation.get_method_display()
    valuation.method = method
    if valuation.quantity or valuation.value:
        ValuationLayer.objects.filter(item=item, remaining_qty__gt=0).update(remaining_qty=ZERO, remaining_value=ZERO)
        memo = _("%(item)s: valuation method changed from %(old)s to %(new)s") % {
            "item": item.code,
            "old": old,
            "new": valuation.get_method_display(),
        }
        if method == ValuationMethod.STANDARD:
            target = to_cents(valuation.quantity * item.standard_cost)
            if _revalue(valuation, item=item, value=target, at=at, memo=memo, user=user) is not None:
                return
        # A layer of no quantity or value: the record of the change, and for FIFO the opening layer.
        ValuationLayer.objects.create(
            item=item,
            date=at,
            quantity=ZERO,
            unit_cost=_unit(valuation.value, valuation.quantity),
            value=ZERO,
            remaining_qty=valuation.quantity if method == ValuationMethod.FIFO else ZERO,
            remaining_value=valuation.value if method == ValuationMethod.FIFO else ZERO,
            description=memo[:255],
        )


def _sync(valuation: ItemValuation, method: str, *, item: Item, at: datetime.datetime, user: Any) -> None:
    """Put the locked valuation under the method its policy names now, and (standard) at its standard."""
    if valuation.method != method:
        _switch_method(valuation, method, item=item, at=at, user=user)
    elif method == ValuationMethod.STANDARD and valuation.value != to_cents(valuation.quantity * item.standard_cost):
        # The standard cost was changed without item_standard_cost_set (an edit of the item): revalue now.
        memo = _("%(item)s: stock revalued to the standard cost %(cost)s") % {
            "item": item.code,
            "cost": format_quantity(item.standard_cost),
        }
        target = to_cents(valuation.quantity * item.standard_cost)
        _revalue(valuation, item=item, value=target, at=at, memo=memo, user=user)


def _incoming_unit_cost(move: StockMove, item: Item, valuation: ItemValuation, other: str) -> Decimal:
    """What a unit coming in is worth for average and FIFO."""
    average = valuation.value / valuation.quantity if valuation.quantity else None
    if other in FOUND_STOCK and average is not None:
        return average
    if move.unit_cost is not None:
        return move.unit_cost
    return average if average is not None else item.standard_cost


def _consume_fifo(layers: deque[ValuationLayer], quantity: Decimal, touched: dict[int, ValuationLayer]) -> Decimal:
    """Take `quantity` from the open layers (oldest first), in memory: the value taken."""
    taken_qty = taken_value = ZERO
    while layers and taken_qty < quantity:
        layer = layers[0]
        take = min(layer.remaining_qty, quantity - taken_qty)
        if take == layer.remaining_qty:
            value = layer.remaining_value
        else:
            value = to_cents(take * layer.remaining_value / layer.remaining_qty)
        layer.remaining_qty -= take
        layer.remaining_value -= value
        taken_qty += take
        taken_value += value
        if layer.pk is not None:
            touched[layer.pk] = layer
        if not layer.remaining_qty:
            layers.popleft()
    return taken_value


def _direction(move: StockMove) -> str | None:
    """ "in", "out", or None for a move that does not change the valued stock."""
    from_kind, to_kind = move.from_location.kind, move.to_location.kind
    if to_kind == LocationKind.INTERNAL and from_kind != LocationKind.INTERNAL:
        return "in"
    if from_kind == LocationKind.INTERNAL and to_kind != LocationKind.INTERNAL:
        return "out"
    return None


def _check(move: StockMove, direction: str) -> str:
    """The kind of location on the move's other side; refusals name the move's field."""
    if move.unit_cost is not None and move.unit_cost < 0:
        message = _("A unit cost cannot be negative.")
        raise ValidationError({"unit_cost": ValidationError(message, code="min_value")})
    other = move.from_location if direction == "in" else move.to_location
    if other.kind not in OTHER_SIDE:
        message = _("Stock cannot come from or go to %(location)s.") % {"location": other.code}
        raise ValidationError({"to_location": ValidationError(message, code="not_valued")})
    if move.kind == MoveKind.OPENING:
        if direction != "in" or other.kind != LocationKind.INVENTORY:
            message = _("Opening stock comes from the inventory location into a warehouse.")
            raise ValidationError({"kind": ValidationError(message, code="opening_not_a_gain")})
        return OPENING_SIDE
    return other.kind


def stock_moves_value(*, moves: Sequence[StockMove]) -> list[ValuationLayer]:
    """Value stock moves (in their order) and book each one's entry, in a fixed number of queries however
    many there are: a bulk stock import posts thousands at once. Returns the layers made, one per move
    into or out of the warehouses (moves between bins are skipped).

    Each move comes with its item (and category, unit), both locations and `moved_by`. Runs inside the
    moves' transaction (the `wms.stock.moved` handler): a refusal here refuses the moves themselves.
    """
    valued = []
    for move in moves:
        direction = _direction(move)
        if direction is not None:
            valued.append((move, direction, _check(move, direction)))
    if not valued:
        return []
    # One instance per item, whatever instances the moves carry: standard costs are refreshed on it.
    items: dict[int, Item] = {}
    first_move: dict[int, StockMove] = {}
    for move, _way, _other in valued:
        items.setdefault(move.item_id, move.item)
        first_move.setdefault(move.item_id, move)
    with transaction.atomic():
        valuations = _lock_valuations(items)
        # Read after the locks: a standard cost or policy change committed while we waited is seen.
        methods = valuation_methods_for(items=items.values())
        standard = [
            pk for pk, valuation in valuations.items() if ValuationMethod.STANDARD in (methods[pk], valuation.method)
        ]
        if standard:
            for pk, cost in Item.objects.filter(pk__in=standard).values_list("pk", "standard_cost"):
                items[pk].standard_cost = cost
        for pk, valuation in valuations.items():
            move = first_move[pk]
            _sync(valuation, methods[pk], item=items[pk], at=move.moved_at, user=move.moved_by)
        fifo_out = {
            move.item_id
            for move, direction, _other in valued
            if direction == "out" and valuations[move.item_id].method == ValuationMethod.FIFO
        }
        open_layers: dict[int, deque[ValuationLayer]] = defaultdict(deque)
        if fifo_out:
            for layer in ValuationLayer.objects.filter(item_id__in=fifo_out, remaining_qty__gt=0).order_by(
                "item_id", "date", "pk"
            ):
                open_layers[layer.item_id].append(layer)
        touched: dict[int, ValuationLayer] = {}
        roles = {AccountRole.INVENTORY, *(OTHER_SIDE[other] for _move, _way, other in valued)}
        roles |= {PRICE_DIFFERENCE[other] for _move, _way, other in valued if other in PRICE_DIFFERENCE}
        book = AccountBook(roles)
        layers: list[ValuationLayer] = []
        drafts: list[EntryDraft] = []
        for move, direction, other in valued:
            item, valuation = items[move.item_id], valuations[move.item_id]
            layer, draft = _value_one(move, direction, other, item, valuation, open_layers, touched, book)
            layers.append(layer)
            drafts.append(draft)
        for layer, entry in zip(layers, journal_entries_post(drafts), strict=True):
            layer.journal_entry = entry
        ValuationLayer.objects.bulk_create(layers, batch_size=BULK_BATCH)
        if touched:
            ValuationLayer.objects.bulk_update(
                list(touched.values()), ["remaining_qty", "remaining_value"], batch_size=BULK_BATCH
            )
        ItemValuation.objects.bulk_update(list(valuations.values()), ["method", "quantity", "value"])
        return layers


def _value_one(
    move: StockMove,
    direction: str,
    other: str,
    item: Item,
    valuation: ItemValuation,
    open_layers: dict[int, deque[ValuationLayer]],
    touched: dict[int, ValuationLayer],
    book: AccountBook,
) -> tuple[ValuationLayer, EntryDraft]:
    """One move's layer and entry, computed in memory; the valuation's running totals move on."""
    method, quantity, incoming = valuation.method, move.quantity, direction == "in"
    if incoming:
        valued = quantity
        if method == ValuationMethod.STANDARD:
            value = to_cents((valuation.quantity + quantity) * item.standard_cost) - valuation.value
        elif other == LocationKind.PRODUCTION and move.unit_cost is not None:
            value = to_cents(quantity * move.unit_cost)  # the order's standard, whatever the method
        else:
            value = to_cents(quantity * _incoming_unit_cost(move, item, valuation, other))
    else:
        # Beyond the valued quantity, stock was never valued (it predates valuation): out at zero.
        valued = min(quantity, valuation.quantity)
        if method == ValuationMethod.FIFO:
            value = _consume_fifo(open_layers[item.pk], valued, touched)
        if valued == valuation.quantity:
            # The last unit out takes exactly what is left (for FIFO, what its layers held).
            value = valuation.value
        elif method == ValuationMethod.STANDARD:
            value = valuation.value - to_cents((valuation.quantity - valued) * item.standard_cost)
        elif method == ValuationMethod.AVERAGE:
            value = to_cents(valued * valuation.value / valuation.quantity)
    # The other side is booked at the move's own price where one applies (standard cost only).
    priced = method == ValuationMethod.STANDARD and other in PRICE_DIFFERENCE and move.unit_cost is not None
    counter = to_cents(quantity * move.unit_cost) if priced else value
    sign = Decimal(1) if incoming else Decimal(-1)
    description = _("%(kind)s %(qty)s %(unit)s %(item)s, %(source)s → %(target)s") % {
        "kind": move.get_kind_display(),
        "qty": format_quantity(quantity),
        "unit": item.uom.code,
        "item": item.code,
        "source": move.from_location.code,
        "target": move.to_location.code,
    }
    # Debit-positive: stock in debits inventory and credits the other side; stock out the reverse.
    postings = [
        Posting(book.account(AccountRole.INVENTORY, item), sign * value, description, item=item),
        Posting(book.account(OTHER_SIDE[other], item), -sign * counter, description, item=item),
    ]
    if counter != value:
        postings.append(
            Posting(book.account(PRICE_DIFFERENCE[other], item), sign * (counter - value), description, item=item)
        )
    draft = EntryDraft(
        date=timezone.localdate(move.moved_at),
        memo=description,
        source=JournalSource.STOCK_MOVE,
        postings=tuple(postings),
        reference=move.reference or f"MOVE-{move.pk}",
        user=move.moved_by,
    )
    fifo_layer = incoming and method == ValuationMethod.FIFO
    note = ""
    if valued < quantity:
        note = _(" (%(unvalued)s never valued: out at zero)") % {"unvalued": format_quantity(quantity - valued)}
    layer = ValuationLayer(
        item=item,
        move=move,
        date=move.moved_at,
        quantity=sign * valued,
        unit_cost=_unit(value, valued),
        value=sign * value,
        remaining_qty=quantity if fifo_layer else ZERO,
        remaining_value=value if fifo_layer else ZERO,
        description=(description + note)[:255],
    )
    if fifo_layer:
        open_layers[item.pk].append(layer)  # later moves of the batch may consume it before it is saved
    valuation.quantity += sign * valued
    valuation.value += sign * value
    return layer, draft


def stock_move_value(*, move: StockMove) -> ValuationLayer | None:
    """Value one move and book it (see stock_moves_value); None for a move between bins."""
    layers = stock_moves_value(moves=[move])
    return layers[0] if layers else None


def item_standard_cost_set(
    *, item: Item, cost: Decimal, user: Any = None, date: datetime.date | None = None
) -> ValuationLayer | None:
    """Make `cost` the item's standard cost. Standard-costed stock on hand is revalued to it (the
    difference booked against the revaluation account); the layer of that is returned (None if none).

    `date` (default today) dates the revaluation: not in the future. Costs are kept to 6 decimals.
    """
    try:
        cost = Decimal(cost)
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError({"cost": ValidationError(_("Enter a number."), code="invalid")}) from None
    if not cost.is_finite() or cost < 0:
        message = _("A standard cost is zero or more.")
        raise ValidationError({"cost": ValidationError(message, code="min_value")})
    cost = cost.quantize(UNIT_COST, rounding=ROUND_HALF_UP)
    today = timezone.localdate()
    date = date or today
    if date > today:
        message = _("A revaluation cannot be dated in the future.")
        raise ValidationError({"date": ValidationError(message, code="future")})
    # Now for today; the last moment of the day for an earlier date, so that reports as of that day see it.
    at = timezone.now() if date == today else day_end(date) - datetime.timedelta(microseconds=1)
    with transaction.atomic():
        item = Item.objects.select_for_update(of=("self",)).select_related("category", "uom").get(pk=item.pk)
        old = item.standard_cost
        item.standard_cost = cost
        item.save(update_fields=["standard_cost", "updated_at"])  # audited: a change of master data
        return _standard_cost_revalue(item, old=old, at=at, user=user)


def _standard_cost_revalue(item: Item, *, old: Decimal, at: datetime.datetime, user: Any) -> ValuationLayer | None:
    cost = item.standard_cost
    valuation = _lock_valuation(item)
    method = valuation_method_for(item=item)
    layer = None
    if valuation.method != method:
        _switch_method(valuation, method, item=item, at=at, user=user)
    elif method == ValuationMethod.STANDARD:
        memo = _("%(item)s: standard cost %(old)s → %(new)s") % {
            "item": item.code,
            "old": format_quantity(old),
            "new": format_quantity(cost),
        }
        target = to_cents(valuation.quantity * cost)
        layer = _revalue(valuation, item=item, value=target, at=at, memo=memo, user=user)
    valuation.save(update_fields=["method", "quantity", "value"])
    return layer


def _resync(items_filter: Q, user: Any) -> int:
    """Switch the valued stock of the items matched to the method their policy now names; how many switched."""
    switched = 0
    now = timezone.now()
    # One at a time in item order: the same order as everything else that locks valuations.
    item_ids = ItemValuation.objects.filter(items_filter).order_by("item_id").values_list("item_id", flat=True)
    for item in Item.objects.filter(pk__in=list(item_ids)).select_related("category").order_by("pk"):
        valuation = _lock_valuation(item)
        method = valuation_method_for(item=item)
        if valuation.method != method:
            _switch_method(valuation, method, item=item, at=now, user=user)
            valuation.save(update_fields=["method", "quantity", "value"])
            switched += 1
    return switched


def valuation_policy_set(*, category: ItemCategory, method: str | None, user: Any = None) -> ValuationPolicy | None:
    """Value the category's items (and those of its sub-categories without a policy of their own) by
    `method`; None removes the category's policy. Items with stock are switched at once (see
    _switch_method): standard-cost stock is revalued, FIFO starts from one layer of what is on hand.

    A policy changed in the admin takes effect on each item's next valued move instead.
    """
    if method is not None and method not in ValuationMethod.values:
        raise ValidationError({"method": ValidationError(_("Choose a valuation method."), code="invalid_choice")})
    with transaction.atomic():
        policy = None
        if method is None:
            ValuationPolicy.objects.filter(category=category).delete()
        else:
            policy, _created = ValuationPolicy.objects.update_or_create(category=category, defaults={"method": method})
        _resync(Q(item__category__in=category_and_below(category)), user)
        return policy


def valuation_default_set(*, method: str, user: Any = None) -> ErpSettings:
    """Value the items no category policy covers by `method`; their stock is switched at once."""
    if method not in ValuationMethod.values:
        raise ValidationError({"method": ValidationError(_("Choose a valuation method."), code="invalid_choice")})
    with transaction.atomic():
        settings = ErpSettings.load()
        settings = ErpSettings.objects.select_for_update().get(pk=settings.pk)
        settings.default_valuation_method = method
        settings.save(update_fields=["default_valuation_method", "updated_at"])
        _resync(Q(), user)
        return settings
