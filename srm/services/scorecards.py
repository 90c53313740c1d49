"""Supplier scorecards: a supplier's month measured (srm.selectors.scorecards says how each figure is
measured), scored, rated against the thresholds, and, when rated "block", purchasing from the supplier
blocked until a later month's scorecard is back within them.

The score (0-100) weighs four parts, each 0-100: on-time delivery % (40), quantity accuracy % (20),
quality (30): 100 less 10 points per reject % (10 % rejected scores 0), and price (10): 100 less 5 points
per % the supplier bills above the standard costs (20 % above scores 0; cheaper than standard scores 100).
A part with nothing to measure is left out and the others' weights count in full; a month with nothing
measured at all has no score.

Only the supplier's latest measured month sets or lifts the block (recomputing an older month changes
that month's scorecard, not today's standing). The block is a core.PartnerBlock of purpose purchasing
whose source names the supplier (`srm.scorecard:<id>`); ERP refuses new purchase orders while it is in
force and shows its reason.
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_quantity
from core.models import BlockPurpose, Item, Partner, PartnerBlock
from srm.models import Scorecard, ScorecardRating, ScorecardThreshold, SupplierQualityEvent
from srm.models.scorecards import RATING_ORDER
from srm.selectors.scorecards import ScorecardFigures, month_bounds, scorecard_figures, scored_suppliers
from wms.models import Lot

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENTS = Decimal("0.01")
SCORE_WEIGHTS = {"on_time": Decimal(40), "quantity_accuracy": Decimal(20), "quality": Decimal(30), "price": Decimal(10)}
REJECT_RATE_PENALTY = Decimal(10)  # points per reject %
PRICE_PENALTY = Decimal(5)  # points per % above the standard cost
REASON_LENGTH = PartnerBlock._meta.get_field("reason").max_length


def _points(value: Decimal | None, penalty: Decimal) -> Decimal | None:
    return None if value is None else max(HUNDRED - penalty * max(value, ZERO), ZERO)


def score_of(figures: ScorecardFigures) -> Decimal | None:
    """The weighted score of the figures there are; None when none was measured."""
    parts = {
        "on_time": figures.on_time_pct,
        "quantity_accuracy": figures.quantity_accuracy_pct,
        "quality": _points(figures.reject_rate_pct, REJECT_RATE_PENALTY),
        "price": _points(figures.price_variance_pct, PRICE_PENALTY),
    }
    measured = {name: value for name, value in parts.items() if value is not None}
    if not measured:
        return None
    weight = sum(SCORE_WEIGHTS[name] for name in measured)
    return (sum(SCORE_WEIGHTS[name] * value for name, value in measured.items()) / weight).quantize(CENTS)


def _breach(threshold: ScorecardThreshold, value: Decimal, level: str) -> str | None:
    """Why `value` breaks the threshold's `level` (warn or block) limits, or None when it does not."""
    below, above = getattr(threshold, f"{level}_below"), getattr(threshold, f"{level}_above")
    what = {"metric": threshold.get_metric_display(), "value": format_quantity(value)}
    if below is not None and value < below:
        return _("%(metric)s %(value)s is below %(limit)s") % {**what, "limit": format_quantity(below)}
    if above is not None and value > above:
        return _("%(metric)s %(value)s is above %(limit)s") % {**what, "limit": format_quantity(above)}
    return None


def rating_of(scorecard: Scorecard, thresholds: list[ScorecardThreshold]) -> tuple[str, list[str]]:
    """The worst rating the active thresholds give the scorecard's figures, and every breach (worst first)."""
    rating = ScorecardRating.OK
    breaches: list[tuple[int, str]] = []
    for threshold in thresholds:
        value = getattr(scorecard, threshold.metric)
        if value is None:
            continue
        for level in (ScorecardRating.BLOCK, ScorecardRating.WARN):
            reason = _breach(threshold, value, level)
            if reason is not None:
                breaches.append((RATING_ORDER.index(level), f"{reason} ({ScorecardRating(level).label.lower()})"))
                if RATING_ORDER.index(level) > RATING_ORDER.index(rating):
                    rating = level
                break
    return rating, [reason for _rank, reason in sorted(breaches, key=lambda breach: -breach[0])]


def block_source(supplier: Partner) -> str:
    """The source of the purchasing block a scorecard sets on the supplier."""
    return f"srm.scorecard:{supplier.pk}"


def _block_follow(supplier: Partner, scorecard: Scorecard) -> None:
    """Set, keep or lift the supplier's scorecard block as its latest measured month says."""
    latest = Scorecard.objects.filter(supplier=supplier, score__isnull=False).order_by("-period_start").first()
    if latest is None or latest.pk != scorecard.pk:
        return
    source = block_source(supplier)
    block = PartnerBlock.objects.filter(
        partner=supplier, purpose=BlockPurpose.PURCHASING, source=source, lifted_at__isnull=True
    ).first()
    if scorecard.rating == ScorecardRating.BLOCK:
        reason = (
            _("Scorecard %(period)s: %(reason)s")
            % {"period": scorecard.period_label, "reason": scorecard.rating_reason}
        )[:REASON_LENGTH]
        if block is None:
            block = PartnerBlock(
                partner=supplier,
                purpose=BlockPurpose.PURCHASING,
                source=source,
                reason=reason,
                effective_from=timezone.localdate(),
            )
            block.full_clean()
            block.save()
        elif block.reason != reason:
            block.reason = reason
            block.save(update_fields=["reason", "updated_at"])
    elif block is not None:
        block.lifted_at = timezone.now()
        block.save(update_fields=["lifted_at", "updated_at"])


def scorecard_compute(*, supplier: Partner, period: datetime.date, now: datetime.datetime | None = None) -> Scorecard:
    """Measure the supplier's month (the one `period` falls in) as the records stand now, and store it in
    place of an earlier computation of that month; rate it, and follow the block if it is the latest."""
    now = now or timezone.now()
    start, end = month_bounds(period)
    with transaction.atomic():
        # One computation of a supplier at a time: its scorecards and its block are changed together.
        supplier = Partner.objects.select_for_update().get(pk=supplier.pk)
        figures = scorecard_figures(supplier=supplier, start=start, end=end, now=now)
        scorecard = Scorecard.objects.filter(supplier=supplier, period_start=start).first() or Scorecard(
            supplier=supplier, period_start=start
        )
        scorecard.period_end = end
        for name in (
            "deliveries",
            "on_time_deliveries",
            "ordered_qty",
            "received_qty",
            "receipts_qty",
            "rejected_qty",
            "on_time_pct",
            "quantity_accuracy_pct",
            "reject_rate_pct",
            "price_variance_pct",
        ):
            setattr(scorecard, name, getattr(figures, name))
        scorecard.score = score_of(figures)
        thresholds = list(ScorecardThreshold.objects.filter(active=True))
        scorecard.rating, breaches = rating_of(scorecard, thresholds)
        scorecard.rating_reason = "; ".join(breaches)
        scorecard.computed_at = now
        scorecard.full_clean(validate_unique=False)
        scorecard.save()
        _block_follow(supplier, scorecard)
        return scorecard


def scorecards_compute(*, period: datetime.date, now: datetime.datetime | None = None) -> list[Scorecard]:
    """Every active supplier's scorecard of the month `period` falls in, each in its own transaction, so
    computing it again replaces what was there."""
    return [scorecard_compute(supplier=supplier, period=period, now=now) for supplier in scored_suppliers()]


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before the one `day` falls in."""
    return (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def supplier_quality_event_record(
    *,
    supplier: Partner,
    occurred_at: datetime.datetime,
    quantity: Decimal,
    source: str,
    reference: str,
    item: Item | None = None,
    lot: Lot | None = None,
    description: str = "",
) -> SupplierQualityEvent:
    """Record a quality problem with the supplier's goods reported elsewhere; once per (source, reference),
    so a report heard twice counts once."""
    with transaction.atomic():
        existing = SupplierQualityEvent.objects.filter(source=source, reference=reference).first()
        if existing is not None:
            return existing
        event = SupplierQualityEvent(
            supplier=supplier,
            occurred_at=occurred_at,
            quantity=Decimal(quantity),
            source=source,
            reference=reference,
            item=item,
            lot=lot,
            description=description,
        )
        event.full_clean()
        event.save()
        return event


NONCONFORMANCE_SOURCE = "mes.nonconformance"


def supplier_quality_event_from_nonconformance(
    *, payload: Mapping[str, Any], occurred_at: datetime.datetime
) -> SupplierQualityEvent | None:
    """A nonconformance MES raised (its `mes.nonconformance.raised` payload) as a quality event of the
    supplier it names; None for one that names no supplier (made in house), which no supplier answers for."""
    supplier = Partner.objects.filter(code=payload.get("supplier") or "").first()
    if supplier is None:
        return None
    item = Item.objects.filter(code=payload.get("item") or "").first()
    lot = Lot.objects.filter(item=item, code=payload["lot"]).first() if item and payload.get("lot") else None
    raised_at = payload.get("raised_at")
    return supplier_quality_event_record(
        supplier=supplier,
        occurred_at=datetime.datetime.fromisoformat(raised_at) if raised_at else occurred_at,
        quantity=Decimal(payload.get("quantity") or 0),
        source=NONCONFORMANCE_SOURCE,
        reference=payload["number"],
        item=item,
        lot=lot,
        description=payload.get("description") or "",
    )
