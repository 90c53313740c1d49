"""Cycle counts: count a zone's bins or an ABC class's items; post the differences as adjustments.

Differences beyond the count's tolerance need approval by someone else with the
`wms.approve_cyclecount` permission before anything is posted. Posting applies each line's
difference (counted - expected at creation) to on-hand as it is then, so stock moved while the
count was under way is not undone.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Tracking
from core.models import Item
from core.services.numbering import next_document_number
from wms.choices import LocationKind
from wms.models import CountState, CycleCount, CycleCountLine, Location, Lot, Quant, StockPolicy, Warehouse
from wms.services.moves import _check_lot, _check_quantity, inventory_adjust, qty

HUNDRED = Decimal(100)


def _items_in_class(abc_class: str) -> Q:
    policies = StockPolicy.objects.filter(abc_class=abc_class)
    item_ids = policies.filter(item__isnull=False).values("item_id")
    category_ids = policies.filter(category__isnull=False).values("category_id")
    return Q(item_id__in=item_ids) | Q(item__category_id__in=category_ids)


def cycle_count_create(
    *, warehouse: Warehouse, location: Location | None = None, abc_class: str = "", user: Any = None
) -> CycleCount:
    """A count of every stocked bin under a location, or of every item of an ABC class."""
    if bool(location) == bool(abc_class):
        raise ValidationError(_("Count either a location or an ABC class."), code="scope")
    if location is not None and location.warehouse_id != warehouse.pk:
        message = _("%(location)s is not in %(warehouse)s.") % {"location": location.code, "warehouse": warehouse.code}
        raise ValidationError({"location": ValidationError(message, code="wrong_warehouse")})
    if abc_class and abc_class not in ("A", "B", "C"):
        raise ValidationError({"abc_class": ValidationError(_("The ABC class is A, B or C."), code="invalid_choice")})
    with transaction.atomic():
        count = CycleCount.objects.create(
            number=next_document_number(doc_type="CC"),
            warehouse=warehouse,
            location=location,
            abc_class=abc_class,
            tolerance_pct=Decimal(settings.TAKT_COUNT_TOLERANCE_PCT),
            created_by=user,
        )
        quants = Quant.objects.filter(
            location__warehouse=warehouse, location__kind=LocationKind.INTERNAL, quantity__gt=0
        )
        if location is not None:
            quants = quants.filter(Q(location=location) | Q(location__code__startswith=f"{location.code}/"))
        else:
            quants = quants.filter(_items_in_class(abc_class))
        CycleCountLine.objects.bulk_create(
            CycleCountLine(
                count=count, location_id=q.location_id, item_id=q.item_id, lot_id=q.lot_id, expected_qty=q.quantity
            )
            for q in quants
        )
        return count


def _require_open(count: CycleCount) -> None:
    if count.state != CountState.OPEN:
        message = _("%(count)s is %(state)s.") % {"count": count.number, "state": count.get_state_display().lower()}
        raise ValidationError(message, code="count_closed")


def cycle_count_record(*, line: CycleCountLine, counted: Decimal, user: Any = None) -> CycleCountLine:
    with transaction.atomic():
        line = (
            CycleCountLine.objects.select_for_update(of=("self",)).select_related("count", "item__uom").get(pk=line.pk)
        )
        _require_open(line.count)
        counted = Decimal(counted)
        if counted:
            _check_quantity(line.item, counted)
        elif counted < 0:
            raise ValidationError({"counted": ValidationError(_("A count cannot be negative."), code="min_value")})
        line.counted_qty, line.counted_by = counted, user
        line.save(update_fields=["counted_qty", "counted_by", "updated_at"])
        # An approval covers the differences it saw; a changed count is approved again.
        CycleCount.objects.filter(pk=line.count_id).update(approved_by=None)
        return line


def cycle_count_found(
    *, count: CycleCount, location: Location, item: Item, counted: Decimal, lot: Lot | None = None, user: Any = None
) -> CycleCountLine:
    """Stock found where the count expected none: a line of its own, expected 0."""
    with transaction.atomic():
        count = CycleCount.objects.select_for_update(of=("self",)).select_related("location").get(pk=count.pk)
        _require_open(count)
        scope = count.location
        if (
            location.warehouse_id != count.warehouse_id
            or not location.holds_stock
            or (scope is not None and location.pk != scope.pk and not location.code.startswith(f"{scope.code}/"))
        ):
            message = _("%(location)s is not a bin this count covers.") % {"location": location.code}
            raise ValidationError({"location": ValidationError(message, code="outside_count")})
        _check_lot(item, lot, Decimal(1) if item.tracking == Tracking.SERIAL else Decimal(counted or 1))
        line, _created = CycleCountLine.objects.get_or_create(
            count=count, location=location, item=item, lot=lot, defaults={"expected_qty": 0}
        )
        return cycle_count_record(line=line, counted=counted, user=user)


def beyond_tolerance(line: CycleCountLine, tolerance_pct: Decimal) -> bool:
    difference = abs(line.difference or 0)
    if line.expected_qty == 0:
        return difference > 0
    return difference / line.expected_qty * HUNDRED > tolerance_pct


def cycle_count_approve(*, count: CycleCount, user: Any) -> CycleCount:
    """Accept differences above the tolerance: someone else than who opened the count, with the right."""
    if not user.has_perm("wms.approve_cyclecount"):
        raise ValidationError(_("Your role cannot approve count differences."), code="not_allowed")
    with transaction.atomic():
        count = CycleCount.objects.select_for_update().get(pk=count.pk)
        _require_open(count)
        if count.created_by_id == user.pk:
            raise ValidationError(_("Someone else must approve the count you opened."), code="own_count")
        count.approved_by = user
        count.save(update_fields=["approved_by", "updated_at"])
        return count


def cycle_count_post(*, count: CycleCount, user: Any = None) -> CycleCount:
    """Post every counted difference as an inventory adjustment, in one transaction."""
    with transaction.atomic():
        count = CycleCount.objects.select_for_update().get(pk=count.pk)
        _require_open(count)
        lines = list(count.lines.select_related("item__uom", "location", "lot"))
        uncounted = [f"{line.item.code} @ {line.location.code}" for line in lines if line.counted_qty is None]
        if uncounted:
            raise ValidationError(
                _("Not counted yet: %(lines)s.") % {"lines": ", ".join(uncounted[:10])}, code="uncounted"
            )
        above = [line for line in lines if beyond_tolerance(line, count.tolerance_pct)]
        if above and count.approved_by_id is None:
            message = _("%(n)s difference(s) above %(tolerance)s %% need approval: %(lines)s.") % {
                "n": len(above),
                "tolerance": qty(count.tolerance_pct),
                "lines": ", ".join(
                    f"{line.item.code} @ {line.location.code} ({qty(line.difference)})" for line in above[:10]
                ),
            }
            raise ValidationError(message, code="needs_approval")
        for line in lines:
            if line.difference:
                on_hand = Quant.objects.filter(item=line.item, location=line.location, lot=line.lot).values_list(
                    "quantity", flat=True
                ).first() or Decimal(0)
                inventory_adjust(
                    item=line.item,
                    location=line.location,
                    lot=line.lot,
                    counted=on_hand + line.difference,
                    user=user,
                    reason=_("Cycle count"),
                    reference=count.number,
                )
        count.state, count.posted_at = CountState.POSTED, timezone.now()
        count.save(update_fields=["state", "posted_at", "updated_at"])
        return count
