"""The planning dashboard's figures beside rough-cut capacity and the MRP run's exceptions
(aps.selectors.capacity, aps.selectors.mrp): the orders that are late today, counted in the database.

- A production order is late when it is still to be finished (planned, firm, released or in progress) and
  its due date has passed.
- A sales order is late when it is still to be delivered (confirmed, in production or partially shipped)
  and its promised date (else its requested date) has passed.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from erp.choices import ProductionOrderState, SalesOrderState
from erp.models import ProductionOrder, SalesOrder

UNFINISHED = (
    ProductionOrderState.PLANNED,
    ProductionOrderState.FIRM,
    ProductionOrderState.RELEASED,
    ProductionOrderState.IN_PROGRESS,
)
UNDELIVERED = (SalesOrderState.CONFIRMED, SalesOrderState.IN_PRODUCTION, SalesOrderState.PARTIALLY_SHIPPED)


@dataclass(frozen=True)
class LateOrders:
    production_open: int
    production_late: int
    sales_open: int
    sales_late: int


def late_orders(*, today: datetime.date) -> LateOrders:
    """How many production and sales orders are open, and how many of them late. Two queries."""
    production = ProductionOrder.objects.filter(state__in=UNFINISHED).aggregate(
        open=Count("pk"), late=Count("pk", filter=Q(due_date__lt=today))
    )
    sales = (
        SalesOrder.objects.filter(state__in=UNDELIVERED)
        .annotate(due=Coalesce("promised_date", "requested_date"))
        .aggregate(open=Count("pk"), late=Count("pk", filter=Q(due__lt=today)))
    )
    return LateOrders(
        production_open=production["open"],
        production_late=production["late"],
        sales_open=sales["open"],
        sales_late=sales["late"],
    )
