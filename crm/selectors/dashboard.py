"""The sales dashboard's figures beside the pipeline's (crm.selectors.pipeline): order intake per month and
on-time delivery per month, summed in the database (one query each, whatever the number of orders).

- Order intake: the net value (after discount, before tax) of the sales orders dated in the month that were
  confirmed (every state but draft and cancelled), in the company currency at each order's own rate.
- On-time delivery: of the orders delivered in full (shipped, invoiced or closed) whose last shipment left
  in the month, the share whose last shipment left on or before the promised date (the requested date when
  nothing was promised), in the company's time zone.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from core.dashboards import as_date, last_months
from erp.choices import SalesOrderState
from erp.models import SalesOrder, SalesOrderLine
from wms.models import Shipment

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
NOT_TAKEN = (SalesOrderState.DRAFT, SalesOrderState.CANCELLED)
DELIVERED = (SalesOrderState.SHIPPED, SalesOrderState.INVOICED, SalesOrderState.CLOSED)
# The line's net amount in the company currency, unrounded (the month's sum is rounded once).
COMPANY_NET = ExpressionWrapper(
    F("quantity") * F("unit_price") * (1 - F("discount_pct") / HUNDRED) * F("order__exchange_rate"),
    output_field=DecimalField(max_digits=30, decimal_places=10),
)


@dataclass
class SalesMonth:
    month: datetime.date
    intake: Decimal = ZERO
    orders: int = 0
    delivered: int = 0
    on_time: int = 0

    @property
    def on_time_pct(self) -> Decimal | None:
        return (Decimal(self.on_time) * HUNDRED / self.delivered).quantize(Decimal("0.1")) if self.delivered else None


def on_time_pct(months: list[SalesMonth]) -> Decimal | None:
    """On-time delivery over several months: their orders together."""
    delivered = sum(month.delivered for month in months)
    on_time = sum(month.on_time for month in months)
    return (Decimal(on_time) * HUNDRED / delivered).quantize(Decimal("0.1")) if delivered else None


def sales_months(*, today: datetime.date, months: int = 12) -> list[SalesMonth]:
    """Order intake and on-time delivery of each of the last `months` months (today's included). Two queries."""
    result = {month: SalesMonth(month=month) for month in last_months(today, months)}
    first = min(result)
    intake = (
        SalesOrderLine.objects.filter(order__order_date__gte=first, order__order_date__lte=today)
        .exclude(order__state__in=NOT_TAKEN)
        .annotate(month=TruncMonth("order__order_date"))
        .values("month")
        .annotate(value=Sum(COMPANY_NET), orders=Count("order", distinct=True))
        .order_by()
    )
    for row in intake:
        month = result[as_date(row["month"])]
        month.intake, month.orders = row["value"].quantize(Decimal("0.01")), row["orders"]

    last_shipped = (
        Shipment.objects.filter(request=OuterRef("stock_request"), shipped_at__isnull=False)
        .order_by("-shipped_at")
        .values("shipped_at")[:1]
    )
    deliveries = (
        SalesOrder.objects.filter(state__in=DELIVERED, stock_request__isnull=False)
        .annotate(delivered_at=Subquery(last_shipped))
        .annotate(delivered_on=TruncDate("delivered_at"), due=Coalesce("promised_date", "requested_date"))
        .filter(delivered_on__gte=first, delivered_on__lte=today)
        .annotate(month=TruncMonth("delivered_on"))
        .values("month")
        .annotate(delivered=Count("pk"), on_time=Count("pk", filter=Q(delivered_on__lte=F("due"))))
        .order_by()
    )
    for row in deliveries:
        month = result[as_date(row["month"])]
        month.delivered, month.on_time = row["delivered"], row["on_time"]
    return list(result.values())
