"""Demand history by month: what customers asked for, the input of the statistical forecast."""

import datetime
from collections.abc import Iterable

import pandas as pd
from django.db.models import DateField, Prefetch, Sum
from django.db.models.functions import Coalesce, TruncMonth

from aps.models import DemandForecastPeriod
from core.models import Item
from erp.choices import SalesOrderState
from erp.models import SalesOrderLine

NOT_DEMAND = (SalesOrderState.DRAFT, SalesOrderState.CANCELLED)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def monthly_demand(
    *, first_month: datetime.date, end_month: datetime.date, items: Iterable[Item] | None = None
) -> pd.DataFrame:
    """Demand per month (rows, first days, from `first_month` up to but excluding `end_month`) and item id
    (columns), as floats; months without sales are 0. Items never sold in the window are no column. One query."""
    day = Coalesce("requested_date", "order__requested_date")
    lines = (
        SalesOrderLine.objects.exclude(order__state__in=NOT_DEMAND)
        .filter(item__active=True)
        .annotate(day=day)
        .filter(day__gte=first_month, day__lt=end_month)
    )
    if items is not None:
        lines = lines.filter(item__in=list(items))
    rows = (
        lines.annotate(month=TruncMonth("day", output_field=DateField()))
        .values("item_id", "month")
        .annotate(qty=Sum("quantity"))
        .order_by()
    )
    months = pd.Index(_months(first_month, end_month), name="month")
    records = pd.DataFrame.from_records(list(rows), columns=["item_id", "month", "qty"])
    if records.empty:
        return pd.DataFrame(index=months, dtype=float)
    records["qty"] = records["qty"].astype(float)
    table = records.pivot_table(index="month", columns="item_id", values="qty", aggfunc="sum")
    return table.reindex(months).fillna(0.0)


def _months(first_month: datetime.date, end_month: datetime.date) -> list[datetime.date]:
    months, month = [], first_month
    while month < end_month:
        months.append(month)
        month = month_add(month, 1)
    return months


def forecast_periods() -> Prefetch:
    """A forecast's months in order, with who adjusted them: what its pages and the API show."""
    return Prefetch("periods", queryset=DemandForecastPeriod.objects.select_related("adjusted_by").order_by("month"))
