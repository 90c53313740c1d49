"""Reads of the accounts area: the customer accounts, an account's page (hierarchy, people, places, terms,
orders, credit) and the activity timelines of accounts and leads, and each salesperson's open tasks."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from core.choices import PartnerKind
from core.models import Contact, Partner, PartnerAddress
from core.selectors.currencies import company_currency
from crm.models import Activity, ActivityKind, Lead, Opportunity
from erp.choices import SalesOrderState
from erp.models import PriceList, SalesOrder, SalesOrderLine
from erp.selectors.sales import CreditExposure, Totals, credit_exposure, lines_totals

CUSTOMER_KINDS = (PartnerKind.CUSTOMER, PartnerKind.BOTH)
# Orders the account still has with us: not finished (closed) and not called off.
OPEN_ORDER_STATES = [
    state for state in SalesOrderState if state not in (SalesOrderState.CLOSED, SalesOrderState.CANCELLED)
]
# Where an activity stands on a timeline: when it happened, was done, or is due.
WHEN = Coalesce("occurred_at", "done_at", "due_at", output_field=DateTimeField())
# An open task past its due time.
OVERDUE = Case(
    When(kind=ActivityKind.TASK, done_at__isnull=True, due_at__lt=Now(), then=Value(True)),
    default=Value(False),
    output_field=BooleanField(),
)


def _count_of(queryset: QuerySet, *, per: str) -> Coalesce:
    """How many rows of `queryset` (filtered on `<per>=OuterRef("pk")`) each account has: a subquery per
    count, so counting contacts and orders does not multiply the rows of the one by the other."""
    counted = queryset.order_by().values(per)
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


def accounts_listed() -> QuerySet[Partner]:
    """The customer accounts, with their parent, currency and how many contacts and open orders they have."""
    return (
        Partner.objects.filter(kind__in=CUSTOMER_KINDS)
        .select_related("parent", "currency")
        .annotate(
            contact_count=_count_of(Contact.objects.filter(partner=OuterRef("pk"), active=True), per="partner"),
            open_order_count=_count_of(
                SalesOrder.objects.filter(customer=OuterRef("pk"), state__in=OPEN_ORDER_STATES), per="customer"
            ),
        )
    )


def account_contacts(*, account: Partner) -> QuerySet[Contact]:
    return account.contacts.order_by("-active", "-is_primary", "name")


def account_addresses(*, account: Partner) -> QuerySet[PartnerAddress]:
    return account.addresses.order_by("kind", "-is_default", "name")


@dataclass(frozen=True)
class OpenOrder:
    order: SalesOrder
    totals: Totals  # in the order's currency


def account_open_orders(*, account: Partner) -> list[OpenOrder]:
    """The account's sales orders not closed or cancelled, with their totals, the one wanted first first."""
    orders = (
        SalesOrder.objects.filter(customer=account, state__in=OPEN_ORDER_STATES)
        .select_related("currency")
        .prefetch_related(Prefetch("lines", queryset=SalesOrderLine.objects.select_related("tax_rate")))
        .order_by("requested_date", "number")
    )
    return [OpenOrder(order=order, totals=lines_totals(order.lines.all())) for order in orders]


def account_price_lists(*, account: Partner) -> QuerySet[PriceList]:
    """The account's own price lists (the general ones apply to every customer)."""
    return PriceList.objects.filter(customer=account).select_related("currency").order_by("-active", "code")


@dataclass(frozen=True)
class Credit:
    """An account's credit line: its limit and what uses it, in the company currency."""

    limit: Decimal
    exposure: CreditExposure
    currency_code: str

    @property
    def available(self) -> Decimal:
        return self.limit - self.exposure.total

    @property
    def used_pct(self) -> int:
        """How much of the limit is used, 0 to 100 (more is shown as 100: the bar is full)."""
        if self.limit <= 0:
            return 0
        return min(100, int(self.exposure.total * 100 / self.limit))

    @property
    def over_limit(self) -> bool:
        return self.limit > 0 and self.exposure.total > self.limit


def account_credit(*, account: Partner) -> Credit:
    try:
        currency_code = company_currency().code
    except ValidationError:  # no company yet
        currency_code = ""
    return Credit(limit=account.credit_limit, exposure=credit_exposure(customer=account), currency_code=currency_code)


def _timeline(condition: Q, limit: int | None) -> QuerySet[Activity]:
    activities = (
        Activity.objects.filter(condition)
        .select_related("account", "lead", "opportunity", "contact", "owner")
        .annotate(when_at=WHEN, overdue=OVERDUE)
        .order_by("-when_at", "-pk")
    )
    return activities[:limit] if limit else activities


def account_timeline(*, account: Partner, limit: int | None = None) -> QuerySet[Activity]:
    """Everything done and planned with an account, newest first: its own activities, those of its
    opportunities and those of the leads it came from (logged before the conversion)."""
    condition = Q(account=account) | Q(opportunity__account=account) | Q(lead__converted_account=account)
    return _timeline(condition, limit)


def opportunity_timeline(*, opportunity: Opportunity, limit: int | None = None) -> QuerySet[Activity]:
    """An opportunity's activities, newest first (for its page: the forms and timeline of the accounts area
    take `opportunity` as their subject)."""
    return _timeline(Q(opportunity=opportunity), limit)


def lead_timeline(*, lead: Lead, limit: int | None = None) -> QuerySet[Activity]:
    """A lead's activities, newest first; once converted, those of what it became are the account's."""
    return _timeline(Q(lead=lead), limit)


def open_tasks() -> QuerySet[Activity]:
    """Tasks not done yet, the most urgent first, each marked `overdue` when its due time has passed."""
    return (
        Activity.objects.filter(kind=ActivityKind.TASK, done_at__isnull=True)
        .select_related("account", "lead", "opportunity", "contact", "owner")
        .annotate(overdue=OVERDUE)
        .order_by("due_at", "pk")
    )


def my_open_tasks(*, user: Any) -> QuerySet[Activity]:
    """The open tasks a salesperson owns."""
    return open_tasks().filter(owner=user)


def overdue_count(*, user: Any) -> int:
    return my_open_tasks(user=user).filter(due_at__lt=timezone.now()).count()
