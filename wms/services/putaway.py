"""Put-away: the rules choose a zone; its bins are filled fullest first within their capacity."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from core.models import Item
from wms.choices import LocationKind, MoveKind
from wms.models import Location, Lot, PutawayRule, Quant, Receipt, StockTask, TaskPurpose, TaskState, Warehouse
from wms.services.moves import qty, stock_move_post

ZERO = Decimal(0)


def putaway_zone(*, item: Item, warehouse: Warehouse) -> Location | None:
    """The item's own rule, else its category's (walking up), else the warehouse's stock location."""
    rules = {(r.item_id, r.category_id): r.zone for r in PutawayRule.objects.filter(warehouse=warehouse)}
    if (item.pk, None) in rules:
        return rules[(item.pk, None)]
    category = item.category
    while category is not None:
        if (None, category.pk) in rules:
            return rules[(None, category.pk)]
        category = category.parent
    return warehouse.stock_location


def _bins_in(zone: Location) -> list[Location]:
    return list(
        Location.objects.filter(
            Q(pk=zone.pk) | Q(code__startswith=f"{zone.code}/"),
            warehouse=zone.warehouse,
            kind=LocationKind.INTERNAL,
            active=True,
            quality_hold=False,
        ).order_by("pick_sequence", "code")
    )


def putaway_plan(
    *,
    item: Item,
    quantity: Decimal,
    from_location: Location,
    warehouse: Warehouse,
    lot: Lot | None = None,
    receipt: Receipt | None = None,
) -> list[StockTask]:
    """Tasks that take `quantity` from receiving to bins of the item's zone, fullest bins first.

    What no bin has room for becomes a task without a bin: the operator scans one.
    """
    zone = putaway_zone(item=item, warehouse=warehouse)
    bins = _bins_in(zone) if zone else []
    filled = dict(Quant.objects.filter(location__in=bins).values_list("location").annotate(total=Sum("quantity")))
    # Stock already on its way there takes room too.
    for location_id, coming in (
        StockTask.objects.filter(to_location__in=bins, state=TaskState.OPEN)
        .values_list("to_location")
        .annotate(total=Sum("quantity"))
    ):
        filled[location_id] = (filled.get(location_id) or ZERO) + coming
    # Fullest first keeps stock together and leaves empty bins for what needs them.
    bins.sort(key=lambda b: (-(filled.get(b.pk) or ZERO), b.pick_sequence, b.code))
    tasks, remaining = [], Decimal(quantity)
    for bin_ in bins:
        if remaining <= 0:
            break
        room = remaining if bin_.capacity_qty is None else bin_.capacity_qty - (filled.get(bin_.pk) or ZERO)
        take = min(room, remaining)
        if take > 0:
            tasks.append((bin_, take))
            remaining -= take
    if remaining > 0:
        tasks.append((None, remaining))
    return [
        StockTask.objects.create(
            warehouse=warehouse,
            item=item,
            lot=lot,
            quantity=amount,
            from_location=from_location,
            to_location=bin_,
            receipt=receipt,
        )
        for bin_, amount in tasks
    ]


def stock_task_confirm(
    *,
    task: StockTask,
    location: Location,
    quantity: Decimal | None = None,
    user: Any = None,
    other_bin: bool = False,
) -> StockTask:
    """Do a task as scanned: stock into the scanned bin. Another bin than the task's needs `other_bin`;
    a part leaves the rest open."""
    with transaction.atomic():
        task = (
            StockTask.objects.select_for_update(of=("self",))
            .select_related("item__uom", "lot", "from_location")
            .get(pk=task.pk)
        )
        if task.state != TaskState.OPEN:
            raise ValidationError(
                _("This put-away is already %(state)s.") % {"state": task.get_state_display().lower()},
                code="task_closed",
            )
        if task.to_location_id and location.pk != task.to_location_id and not other_bin:
            message = _("Wrong bin: this goes to %(expected)s, you scanned %(scanned)s.") % {
                "expected": task.to_location.code,
                "scanned": location.code,
            }
            raise ValidationError({"location": ValidationError(message, code="wrong_bin")})
        if location.warehouse_id != task.warehouse_id or not location.holds_stock or location.quality_hold:
            message = _("%(location)s is not a storage bin of this warehouse.") % {"location": location.code}
            raise ValidationError({"location": ValidationError(message, code="not_a_bin")})
        quantity = task.quantity if quantity is None else Decimal(quantity)
        if quantity > task.quantity:
            message = _("This put-away is for %(expected)s; %(asked)s is more.") % {
                "expected": qty(task.quantity),
                "asked": qty(quantity),
            }
            raise ValidationError({"quantity": ValidationError(message, code="too_much")})
        move = stock_move_post(
            item=task.item,
            quantity=quantity,
            from_location=task.from_location,
            to_location=location,
            kind=MoveKind.PUTAWAY if task.purpose == TaskPurpose.PUTAWAY else MoveKind.TRANSFER,
            lot=task.lot,
            user=user,
            reference=task.receipt.number if task.receipt else "",
        )
        if quantity < task.quantity:
            StockTask.objects.create(
                purpose=task.purpose,
                warehouse=task.warehouse,
                item=task.item,
                lot=task.lot,
                quantity=task.quantity - quantity,
                from_location=task.from_location,
                to_location=task.to_location,
                receipt=task.receipt,
            )
        task.quantity, task.to_location, task.state, task.done_by, task.move = (
            quantity,
            location,
            TaskState.DONE,
            user,
            move,
        )
        task.save()
        return task
