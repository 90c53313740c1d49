"""The finance and warehouse dashboards' figures per month, summed in the database (one or two queries each,
whatever the size of the journal). Amounts are in the company currency. The period reports (profit and
loss, aging, stock valuation) are erp.selectors.finance's and erp.selectors.valuation's.

- Profit and loss per month: income and expenses booked in the month, read as profit and loss reads them.
- Stock value at each month's end: the sum of the valuation layers up to it, as the stock valuation sums
  them. Inventory turns over the months: the cost of goods shipped to customers (the value of the
  shipments' layers) divided by the average stock value of the months' ends and the opening.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.dashboards import as_date, last_months
from erp.choices import AccountKind
from erp.models import JournalLine, ValuationLayer
from erp.selectors.finance import signed
from erp.selectors.valuation import day_end
from wms.choices import MoveKind

ZERO = Decimal("0.00")


@dataclass
class ProfitMonth:
    month: datetime.date
    income: Decimal = ZERO
    expense: Decimal = ZERO

    @property
    def profit(self) -> Decimal:
        return self.income - self.expense


def profit_months(*, today: datetime.date, months: int = 12) -> list[ProfitMonth]:
    """Income and expenses of each of the last `months` months (today's up to today). One query."""
    result = {month: ProfitMonth(month=month) for month in last_months(today, months)}
    rows = (
        JournalLine.objects.filter(
            entry__date__gte=min(result),
            entry__date__lte=today,
            account__kind__in=(AccountKind.INCOME, AccountKind.EXPENSE),
        )
        .annotate(month=TruncMonth("entry__date"))
        .values("month", "account__kind")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    )
    for row in rows:
        month = result[as_date(row["month"])]
        amount = signed(row["account__kind"], row["debit"], row["credit"])
        if row["account__kind"] == AccountKind.INCOME:
            month.income += amount
        else:
            month.expense += amount
    return list(result.values())


@dataclass
class StockMonth:
    month: datetime.date
    value: Decimal  # at the month's end (today, for the current month)
    shipped_cost: Decimal  # of the goods shipped to customers in the month


@dataclass
class StockTrend:
    opening: Decimal  # before the first month
    months: list[StockMonth]

    @property
    def value(self) -> Decimal:
        return self.months[-1].value

    @property
    def turns(self) -> Decimal | None:
        """Cost of goods shipped over the average stock value; None without stock."""
        values = [self.opening, *(month.value for month in self.months)]
        average = sum(values, ZERO) / len(values)
        shipped = sum((month.shipped_cost for month in self.months), ZERO)
        return (shipped / average).quantize(Decimal("0.1")) if average > 0 else None


def stock_trend(*, today: datetime.date, months: int = 12) -> StockTrend:
    """Stock value at the end of each of the last `months` months and the cost shipped in each. Two queries."""
    firsts = last_months(today, months)
    start = timezone.make_aware(datetime.datetime.combine(firsts[0], datetime.time.min))
    layers = ValuationLayer.objects.all()
    opening = layers.filter(date__lt=start).aggregate(total=Sum("value", default=ZERO))["total"]
    rows = {
        as_date(row["month"]): row
        for row in layers.filter(date__gte=start, date__lt=day_end(today))
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            change=Sum("value"),
            shipped=Sum("value", filter=Q(move__kind=MoveKind.SHIPMENT), default=ZERO),
        )
        .order_by()
    }
    value = opening
    result = []
    for first in firsts:
        row = rows.get(first)
        value += row["change"] if row else ZERO
        result.append(StockMonth(month=first, value=value, shipped_cost=-row["shipped"] if row else ZERO))
    return StockTrend(opening=opening, months=result)
