"""Reads of supplier performance: the figures of a supplier's month measured from the records of ERP and
WMS (srm.services.scorecards turns them into a score and a rating), and the scorecards as the screens,
the portal and sourcing read them.

What is measured, for one supplier and one month (local dates, `start` to `end`):

- Deliveries: the supplier's purchase order lines due in the month. A line is due on its expected date,
  else its order's; a supplier's confirmation moves that date, so a line is measured against what the
  supplier promised. Orders never sent (drafts) and cancelled orders are left out. A line is judged once
  its deadline (due date plus the on-time tolerance, TAKT_SCORECARD_ON_TIME_TOLERANCE_DAYS) has passed,
  or sooner when it is received in full; until then it is pending and counts nowhere.
- On time: a judged line whose receipts all arrived on or before its deadline, and of which nothing is
  still expected after it (received in full, or its receipt closed short). Arriving early is on time.
  Receipts are the WMS stock moves from the supplier under the order's number; when an order has the item
  on several lines, the moves fill its lines in position order. A line with nothing received is late.
- Quantity accuracy: over the judged lines, 100 x (1 - sum |received - ordered| / sum ordered), at least
  0: short and over deliveries both count. Received is what ERP counted on the line (until now).
- Reject rate: of what was received from the supplier in the month (its receipt moves), the share
  rejected in the month: WMS quality rejects (stock scrapped out of a quality-hold location) of lots the
  supplier delivered, and the quantities of supplier quality events (nonconformances MES raised).
  A rejected lot counts once, with the larger of its scrapped and its reported quantity, so an
  inspection that raised a nonconformance and then scrapped the lot is not counted twice. Capped at 100.
- Price variance: what the supplier's invoices dated in the month charge against the items' standard
  costs, in the company currency: 100 x (sum billed - sum at standard) / sum at standard over the
  invoice lines of items with a standard cost. It is the purchase price variance as the books see it:
  the order price against the standard, plus whatever the invoice added to the order price (the
  three-way match holds that within its tolerance). Above 0 the supplier is dearer than the standard.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.choices import PartnerKind
from core.models import Partner
from erp.choices import InvoiceKind, InvoiceState, PurchaseOrderState
from erp.models import InvoiceLine, PurchaseOrderLine
from srm.models import Scorecard, SupplierQualityEvent
from wms.choices import LocationKind, MoveKind
from wms.models import Receipt, StockMove

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENTS = Decimal("0.01")
# Goods may still come against orders in these states: an unreceived rest of a line is still expected.
STILL_RECEIVING = (PurchaseOrderState.SENT, PurchaseOrderState.CONFIRMED, PurchaseOrderState.PARTIALLY_RECEIVED)
NOT_MEASURED = (PurchaseOrderState.DRAFT, PurchaseOrderState.CANCELLED)


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month `day` falls in."""
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def on_time_tolerance() -> datetime.timedelta:
    return datetime.timedelta(days=settings.TAKT_SCORECARD_ON_TIME_TOLERANCE_DAYS)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (HUNDRED * part / whole).quantize(CENTS)


@dataclass(frozen=True)
class LineDelivery:
    """How one purchase order line due in the month was delivered."""

    line: PurchaseOrderLine
    due: datetime.date
    deadline: datetime.date
    last_receipt: datetime.date | None
    judged: bool
    on_time: bool


@dataclass(frozen=True)
class ScorecardFigures:
    deliveries: int
    on_time_deliveries: int
    ordered_qty: Decimal
    received_qty: Decimal
    receipts_qty: Decimal
    rejected_qty: Decimal
    on_time_pct: Decimal | None
    quantity_accuracy_pct: Decimal | None
    reject_rate_pct: Decimal | None
    price_variance_pct: Decimal | None
    lines: tuple[LineDelivery, ...] = ()


def supplier_receipt_moves(*, supplier: Partner) -> QuerySet[StockMove]:
    """The stock moves that brought the supplier's goods in: receipts under one of its receipts' references
    (the purchase order's number, else the receipt's own)."""
    receipts = Receipt.objects.filter(supplier=supplier)
    return StockMove.objects.filter(
        Q(reference__in=receipts.exclude(reference="").values("reference"))
        | Q(reference__in=receipts.filter(reference="").values("number")),
        kind=MoveKind.RECEIPT,
        from_location__kind=LocationKind.SUPPLIER,
    )


def _last_receipts(lines: list[PurchaseOrderLine], until: datetime.datetime) -> dict[int, datetime.date]:
    """The day each line's received quantity was complete: the receipt moves of its order and item, in time
    order, fill the order's lines of that item in position order."""
    numbers = {line.order.number for line in lines}
    moves: dict[tuple[str, int], list[tuple[datetime.datetime, Decimal]]] = defaultdict(list)
    for reference, item_id, moved_at, quantity in (
        StockMove.objects.filter(
            kind=MoveKind.RECEIPT,
            from_location__kind=LocationKind.SUPPLIER,
            reference__in=numbers,
            moved_at__lt=until,
        )
        .order_by("moved_at", "pk")
        .values_list("reference", "item_id", "moved_at", "quantity")
    ):
        moves[(reference, item_id)].append((moved_at, quantity))
    order_ids = {line.order_id for line in lines}
    siblings = (
        PurchaseOrderLine.objects.filter(order_id__in=order_ids)
        .select_related("order")
        .order_by("order_id", "position")
        .values_list("pk", "order__number", "item_id", "received_qty")
    )
    last: dict[int, datetime.date] = {}
    filled: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for line_id, number, item_id, received in siblings:
        key = (number, item_id)
        if received <= 0:
            continue
        start = filled[key]
        filled[key] = end = start + received
        running = ZERO
        for moved_at, quantity in moves[key]:
            running += quantity
            if running >= end:
                last[line_id] = timezone.localdate(moved_at)
                break
        else:
            if moves[key]:  # moves after `until` complete it: the last one before counts
                last[line_id] = timezone.localdate(moves[key][-1][0])
    return last


def line_deliveries(
    *, supplier: Partner, start: datetime.date, end: datetime.date, now: datetime.datetime
) -> list[LineDelivery]:
    """The supplier's order lines due from `start` to `end`, each judged (or pending) as of `now`."""
    today = timezone.localdate(now)
    tolerance = on_time_tolerance()
    lines = list(
        PurchaseOrderLine.objects.filter(order__supplier=supplier)
        .exclude(order__state__in=NOT_MEASURED)
        .annotate(due=Coalesce("expected_date", "order__expected_date"))
        .filter(due__range=(start, end))
        .select_related("order", "item")
        .order_by("due", "order__number", "position")
    )
    last_receipts = _last_receipts(lines, now)
    deliveries = []
    for line in lines:
        deadline = line.due + tolerance
        in_full = line.received_qty >= line.quantity
        still_expected = not in_full and line.order.state in STILL_RECEIVING
        last = last_receipts.get(line.pk)
        judged = deadline < today or in_full
        # Judged and still expected means the deadline has passed with goods missing: late.
        on_time = judged and last is not None and last <= deadline and not still_expected
        deliveries.append(LineDelivery(line, line.due, deadline, last, judged, on_time))
    return deliveries


def _received_and_rejected(*, supplier: Partner, start: datetime.date, end: datetime.date) -> tuple[Decimal, Decimal]:
    """What came in from the supplier in the period, and how much of its goods was rejected in it."""
    since, until = _day_start(start), _day_start(end + datetime.timedelta(days=1))
    receipts = supplier_receipt_moves(supplier=supplier)
    received = sum(receipts.filter(moved_at__gte=since, moved_at__lt=until).values_list("quantity", flat=True), ZERO)
    scrapped_by_lot: dict[int, Decimal] = defaultdict(Decimal)
    for lot_id, quantity in StockMove.objects.filter(
        kind=MoveKind.SCRAP,
        from_location__quality_hold=True,
        lot_id__in=receipts.exclude(lot=None).values("lot_id"),
        moved_at__gte=since,
        moved_at__lt=until,
    ).values_list("lot_id", "quantity"):
        scrapped_by_lot[lot_id] += quantity
    reported_by_lot: dict[int, Decimal] = defaultdict(Decimal)
    reported_without_lot = ZERO
    for lot_id, quantity in SupplierQualityEvent.objects.filter(
        supplier=supplier, occurred_at__gte=since, occurred_at__lt=until
    ).values_list("lot_id", "quantity"):
        if lot_id is None:
            reported_without_lot += quantity
        else:
            reported_by_lot[lot_id] += quantity
    lots = set(scrapped_by_lot) | set(reported_by_lot)
    rejected = reported_without_lot + sum((max(scrapped_by_lot[lot], reported_by_lot[lot]) for lot in lots), ZERO)
    return received, rejected


def _price_variance(*, supplier: Partner, start: datetime.date, end: datetime.date) -> Decimal | None:
    billed = at_standard = ZERO
    for quantity, unit_price, rate, standard in (
        InvoiceLine.objects.filter(
            invoice__kind=InvoiceKind.SUPPLIER,
            invoice__partner=supplier,
            invoice__invoice_date__range=(start, end),
            item__standard_cost__gt=0,
        )
        .exclude(invoice__state=InvoiceState.CANCELLED)
        .values_list("quantity", "unit_price", "invoice__exchange_rate", "item__standard_cost")
    ):
        billed += quantity * unit_price * rate
        at_standard += quantity * standard
    if at_standard <= 0:
        return None
    return _percent(billed - at_standard, at_standard)


def scorecard_figures(
    *, supplier: Partner, start: datetime.date, end: datetime.date, now: datetime.datetime | None = None
) -> ScorecardFigures:
    """The supplier's figures for the period as the records stand at `now` (default: now)."""
    now = now or timezone.now()
    deliveries = line_deliveries(supplier=supplier, start=start, end=end, now=now)
    judged = [delivery for delivery in deliveries if delivery.judged]
    ordered = sum((d.line.quantity for d in judged), ZERO)
    received = sum((d.line.received_qty for d in judged), ZERO)
    off = sum((abs(d.line.received_qty - d.line.quantity) for d in judged), ZERO)
    on_time = sum(1 for d in judged if d.on_time)
    receipts_qty, rejected = _received_and_rejected(supplier=supplier, start=start, end=end)
    return ScorecardFigures(
        deliveries=len(judged),
        on_time_deliveries=on_time,
        ordered_qty=ordered,
        received_qty=received,
        receipts_qty=receipts_qty,
        rejected_qty=rejected,
        on_time_pct=_percent(Decimal(on_time), Decimal(len(judged))) if judged else None,
        quantity_accuracy_pct=max(HUNDRED - _percent(off, ordered), ZERO) if ordered else None,
        reject_rate_pct=min(_percent(rejected, receipts_qty), HUNDRED) if receipts_qty else None,
        price_variance_pct=_price_variance(supplier=supplier, start=start, end=end),
        lines=tuple(deliveries),
    )


# --- Scorecards as they are read ----------------------------------------------------------------------------


def supplier_score(*, supplier: Partner, on: datetime.date) -> Decimal | None:
    """The supplier's score (0-100) on its latest scorecard of a month that ended before `on`; None when it
    has none with a score."""
    return (
        Scorecard.objects.filter(supplier=supplier, period_end__lt=on, score__isnull=False)
        .order_by("-period_end")
        .values_list("score", flat=True)
        .first()
    )


def latest_scorecard(*, supplier: Partner) -> Scorecard | None:
    """The supplier's scorecard of its latest month that was measured (has a score)."""
    return Scorecard.objects.filter(supplier=supplier, score__isnull=False).order_by("-period_start").first()


def supplier_scorecards(*, supplier: Partner, months: int | None = None) -> list[Scorecard]:
    """The supplier's scorecards, oldest month first (the last `months` of them when given)."""
    scorecards = Scorecard.objects.filter(supplier=supplier).order_by("-period_start")
    if months is not None:
        scorecards = scorecards[:months]
    return list(reversed(scorecards))


def scored_suppliers() -> QuerySet[Partner]:
    """The suppliers a monthly run measures: the active ones."""
    return Partner.objects.filter(active=True, kind__in=(PartnerKind.SUPPLIER, PartnerKind.BOTH)).order_by("code")


def scorecard_trend(scorecards: Iterable[Scorecard]) -> dict:
    """What the trend chart draws: each month's figures (null where nothing was measured)."""
    scorecards = list(scorecards)

    def series(name: str) -> list[float | None]:
        return [None if getattr(s, name) is None else float(getattr(s, name)) for s in scorecards]

    return {
        "labels": [s.period_label for s in scorecards],
        "score": series("score"),
        "on_time": series("on_time_pct"),
        "quantity_accuracy": series("quantity_accuracy_pct"),
        "reject_rate": series("reject_rate_pct"),
        "price_variance": series("price_variance_pct"),
    }
