"""The production dashboard's figures: OEE per week with its three factors and where the time went
(mes.selectors.oee, every active machine together), and output against plan per week.

- OEE per week: the OEE report per day over the weeks, each week's days summed (times and units added, the
  ratios taken of the sums, as the OEE page's total does). Its queries do not grow with the period.
- Output against plan: of the production orders due in the week (not cancelled), the quantity planned and
  the good quantity they have delivered so far; one query.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core.dashboards import as_date, last_weeks
from erp.choices import ProductionOrderState
from erp.models import ProductionOrder
from mes.selectors.oee import OeeFigures, OeeGrouping, oee_report

ZERO = Decimal(0)


@dataclass
class OeeWeek:
    week: datetime.date  # its Monday
    figures: OeeFigures = field(default_factory=OeeFigures)


def oee_weeks(*, today: datetime.date, weeks: int = 8, now: datetime.datetime | None = None) -> list[OeeWeek]:
    """The OEE figures of every active machine together, per week, for the last `weeks` weeks (today's
    included, up to now)."""
    mondays = last_weeks(today, weeks)
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(mondays[0], datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    result = {monday: OeeWeek(week=monday) for monday in mondays}
    for row in oee_report(start=start, end=end, grouping=OeeGrouping.DAY, now=now).combined():
        monday = row.day - datetime.timedelta(days=row.day.weekday())
        if monday in result:
            result[monday].figures.add(row.figures)
    return list(result.values())


@dataclass
class OutputWeek:
    week: datetime.date
    planned: Decimal = ZERO
    made: Decimal = ZERO


def output_weeks(*, today: datetime.date, weeks: int = 8) -> list[OutputWeek]:
    """Planned and good quantity of the production orders due in each of the last `weeks` weeks."""
    mondays = last_weeks(today, weeks)
    result = {monday: OutputWeek(week=monday) for monday in mondays}
    rows = (
        ProductionOrder.objects.filter(due_date__gte=mondays[0], due_date__lte=today)
        .exclude(state=ProductionOrderState.CANCELLED)
        .annotate(week=TruncWeek("due_date"))
        .values("week")
        .annotate(planned=Sum("quantity"), made=Sum("completed_qty"))
        .order_by()
    )
    for row in rows:
        week = result[as_date(row["week"])]
        week.planned, week.made = row["planned"], row["made"]
    return list(result.values())
