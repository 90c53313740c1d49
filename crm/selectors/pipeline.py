"""The pipeline as sales management reads it: the board (open opportunities per stage), value per stage, the
win rate, and the forecast by month and owner against the sales targets. Amounts are in the company
currency.

Opportunities in other currencies are converted at each currency's latest rate on the day the report is
read (an expected value is an estimate; re-valuing it at a future close date's rate would not make it
truer). A currency without a rate is left out of the totals and named in `unconverted`, rather than
failing the page. Every report is a fixed number of queries whatever the number of opportunities: a few
grouped sums, plus one rate lookup per foreign currency.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.models import Currency, ExchangeRate
from core.selectors.currencies import company_currency
from crm.models import Opportunity, OpportunityState, SalesTarget, Stage

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
OPEN, WON, LOST = OpportunityState.OPEN, OpportunityState.WON, OpportunityState.LOST
WEIGHTED = ExpressionWrapper(
    F("expected_revenue") * F("probability_pct") / HUNDRED, output_field=DecimalField(max_digits=30, decimal_places=6)
)


class CompanyMoney:
    """Converts amounts into the company currency at each currency's latest rate on `on`; the rate of each
    currency is read once. Amounts in a currency without a rate count as zero and the currency is noted in
    `missing`."""

    def __init__(self, on: datetime.date | None = None) -> None:
        self.currency: Currency = company_currency()
        self.on = on or timezone.localdate()
        self._rates: dict[int, Decimal | None] = {self.currency.pk: Decimal(1)}
        self._currencies: dict[int, Currency] = {}
        self.missing: set[str] = set()

    def _rate(self, currency_id: int) -> Decimal | None:
        if currency_id not in self._rates:
            self._read_rates()
        return self._rates.setdefault(currency_id, None)

    def _read_rates(self) -> None:
        """Every currency and its latest rate on `on` (as exchange_rate_on reads one), in two queries."""
        self._currencies = Currency.objects.in_bulk()
        latest = dict(
            ExchangeRate.objects.filter(valid_from__lte=self.on)
            .order_by("currency_id", "-valid_from")
            .distinct("currency_id")
            .values_list("currency_id", "rate")
        )
        for currency_id in self._currencies:
            self._rates.setdefault(currency_id, latest.get(currency_id))

    def __call__(self, amount: Decimal | None, currency_id: int) -> Decimal:
        """`amount` in the company currency, unrounded (round the sum, not each part)."""
        if not amount:
            return ZERO
        rate = self._rate(currency_id)
        if rate is None:
            self.missing.add(self._currencies[currency_id].code)
            return ZERO
        return amount * rate

    def round(self, amount: Decimal) -> Decimal:
        return Decimal(amount).quantize(Decimal(1).scaleb(-self.currency.decimals))

    @property
    def unconverted(self) -> list[str]:
        return sorted(self.missing)


def _open_opportunities(owner: Any = None) -> QuerySet[Opportunity]:
    opportunities = Opportunity.objects.filter(state=OPEN)
    return opportunities.filter(owner=owner) if owner is not None else opportunities


def open_stages() -> QuerySet[Stage]:
    """The active stages an open opportunity can be in, left to right: the board's columns."""
    return Stage.objects.filter(active=True, is_won=False, is_lost=False).order_by("sequence", "name")


# --- The board and value per stage ------------------------------------------------------------------------


@dataclass
class StageSummary:
    stage: Stage
    count: int = 0
    value: Decimal = ZERO
    weighted: Decimal = ZERO


@dataclass
class BoardColumn(StageSummary):
    cards: list[Opportunity] = field(default_factory=list)


@dataclass
class Board:
    columns: list[BoardColumn]
    currency: Currency
    today: datetime.date
    unconverted: list[str]

    @property
    def total(self) -> StageSummary:
        return _summed(self.columns)


def _summed(summaries: Iterable[StageSummary]) -> StageSummary:
    total = StageSummary(stage=None)  # type: ignore[arg-type]  (a total belongs to no stage)
    for summary in summaries:
        total.count += summary.count
        total.value += summary.value
        total.weighted += summary.weighted
    return total


def pipeline_board(*, owner: Any = None, today: datetime.date | None = None) -> Board:
    """One column per open stage with its open opportunities as cards (soonest close date first) and their
    count, value and weighted value. A card's `overdue` says its close date has passed. Four queries, plus
    the rates of foreign currencies."""
    today = today or timezone.localdate()
    money = CompanyMoney(on=today)
    columns = {stage.pk: BoardColumn(stage=stage) for stage in open_stages()}
    cards = (
        _open_opportunities(owner)
        .filter(stage__in=list(columns))
        .select_related("account", "owner", "currency")
        .order_by("close_date", "number")
    )
    for card in cards:
        column = columns[card.stage_id]
        card.overdue = card.close_date < today
        card.company_value = money(card.expected_revenue, card.currency_id)
        column.cards.append(card)
        column.count += 1
        column.value += card.company_value
        column.weighted += card.company_value * card.probability_pct / HUNDRED
    for column in columns.values():
        column.value, column.weighted = money.round(column.value), money.round(column.weighted)
    return Board(columns=list(columns.values()), currency=money.currency, today=today, unconverted=money.unconverted)


def pipeline_by_stage(*, owner: Any = None, money: CompanyMoney | None = None) -> list[StageSummary]:
    """Count, value and weighted value of the open opportunities in each open stage (summed in the database)."""
    money = money or CompanyMoney()
    summaries = {stage.pk: StageSummary(stage=stage) for stage in open_stages()}
    rows = (
        _open_opportunities(owner)
        .filter(stage__in=list(summaries))
        .values("stage", "currency")
        .annotate(value=Sum("expected_revenue"), weighted=Sum(WEIGHTED), count=Count("pk"))
        .order_by()
    )
    for row in rows:
        summary = summaries[row["stage"]]
        summary.count += row["count"]
        summary.value += money(row["value"], row["currency"])
        summary.weighted += money(row["weighted"], row["currency"])
    for summary in summaries.values():
        summary.value, summary.weighted = money.round(summary.value), money.round(summary.weighted)
    return list(summaries.values())


# --- Win rate -------------------------------------------------------------------------------------------------


@dataclass
class WinRate:
    since: datetime.date
    won_count: int
    lost_count: int
    won_value: Decimal
    lost_value: Decimal

    @staticmethod
    def _pct(won: Decimal | int, lost: Decimal | int) -> Decimal | None:
        closed = won + lost
        return (Decimal(won) * HUNDRED / closed).quantize(Decimal("0.1")) if closed else None

    @property
    def by_count_pct(self) -> Decimal | None:
        """Won / (won + lost), as a percentage; None when nothing closed."""
        return self._pct(self.won_count, self.lost_count)

    @property
    def by_value_pct(self) -> Decimal | None:
        return self._pct(self.won_value, self.lost_value)


def win_rate(*, since: datetime.date | None = None, owner: Any = None, money: CompanyMoney | None = None) -> WinRate:
    """Of the opportunities closed (won or lost) on or after `since` (default: twelve months ago), the share
    won, by count and by value."""
    money = money or CompanyMoney()
    since = since or (timezone.localdate() - datetime.timedelta(days=365))
    closed = Opportunity.objects.filter(state__in=(WON, LOST), close_date__gte=since)
    if owner is not None:
        closed = closed.filter(owner=owner)
    counts = {WON: 0, LOST: 0}
    values = {WON: ZERO, LOST: ZERO}
    rows = closed.values("state", "currency").annotate(value=Sum("expected_revenue"), count=Count("pk")).order_by()
    for row in rows:
        counts[row["state"]] += row["count"]
        values[row["state"]] += money(row["value"], row["currency"])
    return WinRate(
        since=since,
        won_count=counts[WON],
        lost_count=counts[LOST],
        won_value=money.round(values[WON]),
        lost_value=money.round(values[LOST]),
    )


# --- Forecast -------------------------------------------------------------------------------------------------


@dataclass
class ForecastRow:
    """One owner's month (or, with no owner, the month's total). `pipeline` and `weighted` are the open
    opportunities expected to close in the month; `won` what was won in it."""

    month: datetime.date
    owner: Any = None
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    won: Decimal = ZERO
    target: Decimal = ZERO

    @property
    def committed(self) -> Decimal:
        """Won plus weighted: what the month is expected to bring."""
        return self.won + self.weighted

    @property
    def gap(self) -> Decimal:
        """Committed less target: negative when the month falls short."""
        return self.committed - self.target

    @property
    def attainment_pct(self) -> Decimal | None:
        """Committed as a percentage of target; None without a target."""
        return (self.committed * HUNDRED / self.target).quantize(Decimal("0.1")) if self.target else None


@dataclass
class ForecastMonth:
    month: datetime.date
    rows: list[ForecastRow]
    total: ForecastRow


@dataclass
class Forecast:
    months: list[ForecastMonth]
    currency: Currency
    unconverted: list[str]

    @property
    def total(self) -> ForecastRow:
        total = ForecastRow(month=self.months[0].month if self.months else None)  # type: ignore[arg-type]
        for month in self.months:
            for name in ("pipeline", "weighted", "won", "target"):
                setattr(total, name, getattr(total, name) + getattr(month.total, name))
        return total


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def sales_forecast(*, start: datetime.date, months: int = 6, owner: Any = None) -> Forecast:
    """Per month from `start` (its month) on, and per owner: pipeline, weighted and won value by the month of
    the close date (expected for open opportunities, actual for won ones), against the sales targets.

    The month's total target is the team target (a target without owner) when there is one, else the sum of
    the owners' targets; filtered by `owner`, only that owner's. Three queries, plus the rates of foreign
    currencies."""
    money = CompanyMoney()
    first = month_start(start)
    month_list = [add_months(first, index) for index in range(months)]
    end = add_months(first, months)
    cells: dict[tuple[datetime.date, int | None], ForecastRow] = {}

    def cell(month: datetime.date, owner_id: int | None) -> ForecastRow:
        return cells.setdefault((month, owner_id), ForecastRow(month=month))

    opportunities = Opportunity.objects.filter(state__in=(OPEN, WON), close_date__gte=first, close_date__lt=end)
    targets = SalesTarget.objects.filter(month__gte=first, month__lt=end)
    if owner is not None:
        opportunities = opportunities.filter(owner=owner)
        targets = targets.filter(owner=owner)
    rows = (
        opportunities.annotate(month=TruncMonth("close_date"))
        .values("month", "owner", "currency", "state")
        .annotate(value=Sum("expected_revenue"), weighted=Sum(WEIGHTED))
        .order_by()
    )
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
        target_cell = cell(month, row["owner"])
        if row["state"] == WON:
            target_cell.won += money(row["value"], row["currency"])
        else:
            target_cell.pipeline += money(row["value"], row["currency"])
            target_cell.weighted += money(row["weighted"], row["currency"])
    team_targets: dict[datetime.date, Decimal] = {}
    for target in targets.values("month", "owner", "amount", "currency"):
        amount = money(target["amount"], target["currency"])
        if target["owner"] is None:
            team_targets[target["month"]] = team_targets.get(target["month"], ZERO) + amount
        else:
            cell(target["month"], target["owner"]).target += amount

    owner_ids = {owner_id for _month, owner_id in cells}
    owners = get_user_model().objects.in_bulk(owner_ids) if owner_ids else {}
    by_month: dict[datetime.date, list[ForecastRow]] = defaultdict(list)
    for (month, owner_id), row in cells.items():
        row.owner = owners[owner_id]
        for name in ("pipeline", "weighted", "won", "target"):
            setattr(row, name, money.round(getattr(row, name)))
        by_month[month].append(row)

    result = []
    for month in month_list:
        month_rows = sorted(by_month[month], key=lambda row: row.owner.get_username())
        total = ForecastRow(month=month)
        for row in month_rows:
            total.pipeline += row.pipeline
            total.weighted += row.weighted
            total.won += row.won
            total.target += row.target
        if month in team_targets:
            total.target = money.round(team_targets[month])
        result.append(ForecastMonth(month=month, rows=month_rows, total=total))
    return Forecast(months=result, currency=money.currency, unconverted=money.unconverted)
