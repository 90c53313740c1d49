"""Reads of sourcing: RFQs for the lists, the side-by-side comparison of an RFQ's quotes, the orders an
award made, and what remains of each contract line.

The comparison ranks, per RFQ line, the cells (one per supplier that quoted the line) that can be bought
as offered: the quote is submitted (or, after the award, was awarded or lost) and valid on the day, its
price converts to the company currency, it offers the whole quantity, and its minimum order is not above
it. Among those:

- cheapest: the lowest unit price in the company currency;
- fastest: the earliest delivery (the day plus the quoted lead time);
- best overall: the highest weighted score, out of 100:
    WEIGHTS["price"] (50%)    x price points: 100 x the cheapest unit price / this unit price
  + WEIGHTS["delivery"] (30%) x delivery points: 100 when the line has a required date and the delivery
                                meets it, else 100 x (fastest lead time + 1) / (this lead time + 1)
  + WEIGHTS["supplier"] (20%) x the supplier's scorecard score (0-100; NEUTRAL_SCORE when it has none).
Ties go to the cheaper, then the faster cell. Cells left out of the ranking say why (`problems`).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_quantity as qty
from core.models import Currency, Partner
from core.selectors.currencies import company_currency, exchange_rate_on
from erp.models import PurchaseOrder
from srm.models import (
    CallOff,
    Contract,
    ContractLine,
    ContractState,
    QuoteState,
    Rfq,
    RfqInvitation,
    RfqLine,
    SupplierQuote,
    SupplierQuoteLine,
)
from srm.selectors.scorecards import supplier_score

ZERO = Decimal(0)
HUNDRED = Decimal(100)
WEIGHTS = {"price": Decimal("0.5"), "delivery": Decimal("0.3"), "supplier": Decimal("0.2")}
NEUTRAL_SCORE = Decimal(50)
# Unit prices in the company currency: as precise as the prices are kept.
UNIT_PLACES = Decimal("0.000001")
POINTS_PLACES = Decimal("0.1")
# Quotes that count in the comparison; withdrawn ones are not offers any more.
COMPARED_STATES = (QuoteState.SUBMITTED, QuoteState.AWARDED, QuoteState.LOST)


def _points(value: Decimal) -> Decimal:
    return value.quantize(POINTS_PLACES, rounding=ROUND_HALF_UP)


def award_quantity(*, rfq_line: RfqLine, quote_line: SupplierQuoteLine) -> Decimal:
    """What an award orders of a line: the quantity asked, raised to the quote's minimum order and limited
    to what the supplier offers (an offer is never below its own minimum)."""
    return min(max(rfq_line.quantity, quote_line.min_order_qty), quote_line.quantity)


# --- Lists -----------------------------------------------------------------------------------------------------------


def rfqs() -> QuerySet[Rfq]:
    """RFQs for lists and the API, with how many lines, suppliers invited and quotes in there are."""
    lines = RfqLine.objects.filter(rfq=OuterRef("pk")).order_by().values("rfq").annotate(n=Count("pk")).values("n")
    invited = (
        RfqInvitation.objects.filter(rfq=OuterRef("pk")).order_by().values("rfq").annotate(n=Count("pk")).values("n")
    )
    quoted = (
        SupplierQuote.objects.filter(rfq=OuterRef("pk"), state__in=COMPARED_STATES)
        .order_by()
        .values("rfq")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Rfq.objects.select_related("currency", "buyer").annotate(
        line_count=Coalesce(Subquery(lines), 0),
        invited_count=Coalesce(Subquery(invited), 0),
        quote_count=Coalesce(Subquery(quoted), 0),
    )


def rfq_purchase_orders(*, rfq: Rfq) -> QuerySet[PurchaseOrder]:
    """The purchase orders the award of an RFQ made."""
    return (
        PurchaseOrder.objects.filter(lines__quote_line__quote__rfq=rfq)
        .select_related("supplier", "currency")
        .distinct()
        .order_by("number")
    )


def rfq_quotes(*, rfq: Rfq) -> list[SupplierQuote]:
    """The quotes of an RFQ with their lines, by supplier."""
    return list(
        rfq.quotes.select_related("supplier", "currency", "submitted_by")
        .prefetch_related("lines__rfq_line__item")
        .order_by("supplier__code")
    )


def contracts() -> QuerySet[Contract]:
    """Contracts for lists and the API, with their agreed and called-off value (contract currency)."""
    totals = (
        ContractLine.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(
            agreed=Sum(F("quantity") * F("unit_price")),
            called_off=Sum(F("called_off_qty") * F("unit_price")),
        )
    )
    return Contract.objects.select_related("supplier", "currency", "buyer").annotate(
        agreed_value=Coalesce(Subquery(totals.values("agreed")), ZERO),
        called_off_value=Coalesce(Subquery(totals.values("called_off")), ZERO),
    )


@dataclass(frozen=True)
class ContractLineRemaining:
    line: ContractLine
    remaining_qty: Decimal
    called_off_pct: Decimal  # of the agreed quantity


def contract_remaining(*, contract: Contract) -> list[ContractLineRemaining]:
    """Each line of a contract with what remains to be called off, by item."""
    lines = contract.lines.select_related("item__uom").order_by("item__code")
    return [
        ContractLineRemaining(
            line=line,
            remaining_qty=line.quantity - line.called_off_qty,
            called_off_pct=_points(line.called_off_qty * HUNDRED / line.quantity),
        )
        for line in lines
    ]


def contract_call_offs(*, contract: Contract) -> QuerySet[CallOff]:
    """A contract's call-offs, newest first, with their orders and lines."""
    return (
        contract.call_offs.select_related("purchase_order", "created_by")
        .prefetch_related("lines__contract_line__item")
        .order_by("-created_at", "-pk")
    )


def call_off_open(*, contract: Contract, on: datetime.date | None = None) -> bool:
    """Whether a call-off may be made today: active, within its period, something left."""
    on = on or timezone.localdate()
    return (
        contract.state == ContractState.ACTIVE
        and contract.valid_from <= on <= contract.valid_to
        and contract.lines.filter(called_off_qty__lt=F("quantity")).exists()
    )


# --- The comparison ---------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """What one supplier offers for one RFQ line."""

    quote: SupplierQuote
    quote_line: SupplierQuoteLine
    order_qty: Decimal  # what an award would order
    total: Decimal  # order_qty x unit price, quote currency
    unit_price_company: Decimal | None  # None: no exchange rate
    total_company: Decimal | None
    delivery_date: datetime.date
    meets_required_date: bool | None  # None: the line has no required date
    moq_ok: bool
    covers_quantity: bool
    supplier_score: Decimal | None
    problems: list[str] = field(default_factory=list)  # why it is not ranked
    price_points: Decimal | None = None
    delivery_points: Decimal | None = None
    overall: Decimal | None = None
    cheapest: bool = False
    fastest: bool = False
    best: bool = False

    @property
    def ranked(self) -> bool:
        return not self.problems

    @property
    def awarded(self) -> bool:
        return self.quote_line.purchase_order_line_id is not None


@dataclass
class LineComparison:
    line: RfqLine
    cells: list[Cell | None]  # one per supplier column, None where it did not quote the line
    cheapest: Cell | None = None
    fastest: Cell | None = None
    best: Cell | None = None


@dataclass
class SupplierColumn:
    supplier: Partner
    invitation: RfqInvitation
    quote: SupplierQuote | None
    score: Decimal | None
    total_company: Decimal | None  # of the lines it quoted, company currency; None: a price does not convert
    lines_quoted: int


@dataclass
class Comparison:
    rfq: Rfq
    on: datetime.date
    company_currency: Currency
    suppliers: list[SupplierColumn]
    lines: list[LineComparison]
    weights: dict[str, Decimal] = field(default_factory=lambda: dict(WEIGHTS))


def _converted(unit_price: Decimal, currency: Currency, company: Currency, on: datetime.date) -> Decimal | None:
    """A unit price in the company currency at the rate of `on`; None when there is no rate."""
    if currency.pk == company.pk:
        return unit_price
    try:
        rate = exchange_rate_on(currency=currency, on=on)
    except ValidationError:
        return None
    return (unit_price * rate).quantize(UNIT_PLACES)


def _cell(
    line: RfqLine,
    quote: SupplierQuote,
    quote_line: SupplierQuoteLine,
    score: Decimal | None,
    company: Currency,
    on: datetime.date,
) -> Cell:
    order_qty = award_quantity(rfq_line=line, quote_line=quote_line)
    unit_company = _converted(quote_line.unit_price, quote.currency, company, on)
    delivery = on + datetime.timedelta(days=quote_line.lead_time_days)
    cell = Cell(
        quote=quote,
        quote_line=quote_line,
        order_qty=order_qty,
        total=(order_qty * quote_line.unit_price).quantize(Decimal("0.01")),
        unit_price_company=unit_company,
        total_company=(order_qty * unit_company).quantize(Decimal("0.01")) if unit_company is not None else None,
        delivery_date=delivery,
        meets_required_date=None if line.required_date is None else delivery <= line.required_date,
        moq_ok=quote_line.min_order_qty <= line.quantity,
        covers_quantity=quote_line.quantity >= line.quantity,
        supplier_score=score,
    )
    if quote.valid_until is not None and quote.valid_until < on:
        cell.problems.append(_("valid until %(date)s") % {"date": quote.valid_until})
    if unit_company is None:
        cell.problems.append(_("no exchange rate for %(currency)s") % {"currency": quote.currency.code})
    if not cell.covers_quantity:
        cell.problems.append(_("offers %(quantity)s only") % {"quantity": qty(quote_line.quantity)})
    if not cell.moq_ok:
        cell.problems.append(_("minimum order %(quantity)s") % {"quantity": qty(quote_line.min_order_qty)})
    return cell


def _rank(comparison: LineComparison) -> None:
    ranked = [cell for cell in comparison.cells if cell is not None and cell.ranked]
    if not ranked:
        return
    cheapest_price = min(cell.unit_price_company for cell in ranked)
    fastest_days = min(cell.quote_line.lead_time_days for cell in ranked)
    for cell in ranked:
        cell.price_points = _points(HUNDRED * cheapest_price / cell.unit_price_company)
        if cell.meets_required_date:
            cell.delivery_points = HUNDRED
        else:
            ratio = Decimal(fastest_days + 1) / Decimal(cell.quote_line.lead_time_days + 1)
            cell.delivery_points = _points(HUNDRED * ratio)
        supplier_points = cell.supplier_score if cell.supplier_score is not None else NEUTRAL_SCORE
        cell.overall = _points(
            WEIGHTS["price"] * cell.price_points
            + WEIGHTS["delivery"] * cell.delivery_points
            + WEIGHTS["supplier"] * supplier_points
        )

    def by_price(cell: Cell):
        return (cell.unit_price_company, cell.delivery_date, cell.quote.supplier.code)

    comparison.cheapest = min(ranked, key=by_price)
    comparison.fastest = min(ranked, key=lambda cell: (cell.delivery_date, *by_price(cell)))
    comparison.best = min(ranked, key=lambda cell: (-cell.overall, *by_price(cell)))
    comparison.cheapest.cheapest = comparison.fastest.fastest = comparison.best.best = True


def _scores(suppliers: Iterable[Partner], on: datetime.date) -> dict[int, Decimal | None]:
    return {supplier.pk: supplier_score(supplier=supplier, on=on) for supplier in suppliers}


def comparison(*, rfq: Rfq, on: datetime.date | None = None) -> Comparison:
    """The RFQ's quotes side by side: a column per invited supplier, a row per line, each line ranked (see
    the module's docstring); prices compared in the company currency at the rates of `on` (today), and
    deliveries dated from it."""
    on = on or timezone.localdate()
    company = company_currency()
    invitations = list(rfq.invitations.select_related("supplier").order_by("supplier__code"))
    quotes = {
        quote.supplier_id: quote
        for quote in rfq.quotes.select_related("currency").prefetch_related("lines").filter(state__in=COMPARED_STATES)
    }
    scores = _scores((invitation.supplier for invitation in invitations), on)
    rfq_lines = list(rfq.lines.select_related("item__uom").order_by("position"))
    lines = []
    for line in rfq_lines:
        cells: list[Cell | None] = []
        for invitation in invitations:
            quote = quotes.get(invitation.supplier_id)
            quote_line = next((q for q in quote.lines.all() if q.rfq_line_id == line.pk), None) if quote else None
            if quote is None or quote_line is None:
                cells.append(None)
                continue
            quote.supplier = invitation.supplier
            cells.append(_cell(line, quote, quote_line, scores[invitation.supplier_id], company, on))
        row = LineComparison(line=line, cells=cells)
        _rank(row)
        lines.append(row)
    columns = []
    for index, invitation in enumerate(invitations):
        column_cells = [row.cells[index] for row in lines if row.cells[index] is not None]
        totals = [cell.total_company for cell in column_cells]
        columns.append(
            SupplierColumn(
                supplier=invitation.supplier,
                invitation=invitation,
                quote=quotes.get(invitation.supplier_id),
                score=scores[invitation.supplier_id],
                total_company=sum(totals, ZERO) if None not in totals else None,
                lines_quoted=len(column_cells),
            )
        )
    return Comparison(rfq=rfq, on=on, company_currency=company, suppliers=columns, lines=lines)
