"""The demo company's quotations: a dozen quotes to its three customers in every state.

- accepted into confirmed sales orders: MediaHome's 200 kettles (the closed loop's first step, promised by
  capable-to-promise, its opportunity won) and JD's 30 kettles;
- sent and waiting for the customer: HomePlus's toasters and cables, JD's blenders, spare cables and MediaHome's
  toasters (the `partner` login, MediaHome's, can accept or reject it through the portal); made on earlier
  days, they promise delivery "on request" (a promise from stock would be of their own day, lapsed since);
- revised: MediaHome's blenders, rejected at 5 % off, now in a second version at 8 % off, promised today;
- rejected for good (HomePlus), expired (JD's kettles sent six weeks ago), and two drafts being worked on.

Everything is made by the quote services as the salesperson (the `sales` login) would, quotes of past days on
those days (time_machine). Loaded once: a second run leaves the quotes as they are.
"""

import datetime
from decimal import Decimal
from typing import Any

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.models import Contact, Item, Partner
from crm.models import Opportunity, OpportunityState, Quote, QuoteLine
from crm.services import quotes as services
from erp.models import TaxRate
from wms.models import Warehouse

# key, customer, days ago made, valid for (days), requested in (days from the quote), lines (item, quantity,
# discount %), what happens to it. Those in ANSWERING answer an open opportunity of the pipeline.
QUOTES = [
    ("loop", "C-MEDIA", 0, 30, 28, [("KT-200", 200, 0)], "accept"),
    ("jd-kettles", "C-JD", 0, 21, 21, [("KT-200", 30, 0)], "accept"),
    ("homeplus", "C-HOMEPLUS", 4, 30, 45, [("TS-400", 120, 0), ("CB-EU", 20, 0)], "send"),
    ("jd-blenders", "C-JD", 6, 30, 30, [("BL-600", 60, 2)], "send"),
    ("jd-cables", "C-JD", 2, 14, 14, [("CB-EU", 10, 0)], "send"),
    ("portal", "C-MEDIA", 2, 5, 40, [("TS-400", 80, 0)], "send"),  # three days of validity left
    ("media-blenders", "C-MEDIA", 12, 30, 30, [("BL-600", 50, 5)], "revise"),
    ("homeplus-lost", "C-HOMEPLUS", 20, 21, 30, [("KT-200", 60, 0)], "reject"),
    ("jd-expired", "C-JD", 45, 30, 30, [("KT-200", 40, 3)], "send"),  # expires by the daily task
    ("media-spring", "C-MEDIA", 1, 30, 90, [("KT-200", 500, 0), ("TS-400", 200, 0)], "draft"),
    ("jd-draft", "C-JD", 0, 30, 30, [("TS-400", 25, 0)], "draft"),
]
ANSWERING = {"loop", "jd-kettles", "media-blenders", "homeplus", "jd-blenders"}
REJECTIONS = {
    "media-blenders": "The price is above our budget for the promotion; 8 % off would work.",
    "homeplus-lost": "Bought from a competitor at a lower price.",
}
REVISED_DISCOUNT = Decimal(8)
# Their PO numbers, given when they accept.
PO_NUMBERS = {"loop": "MH-4500912", "jd-kettles": "JD20261188"}


def load() -> dict[str, int]:
    if not Quote.objects.exists() and Partner.objects.filter(code__in=("C-MEDIA", "C-JD", "C-HOMEPLUS")).exists():
        _Quotes().make()
    return {"quotes": Quote.objects.count(), "quote lines": QuoteLine.objects.count()}


class _Quotes:
    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.seller = get_user_model().objects.get(username="sales")
        self.warehouse = Warehouse.objects.get(code="MAIN")
        self.partners = {partner.code: partner for partner in Partner.objects.filter(code__startswith="C-")}
        self.items = {item.code: item for item in Item.objects.filter(code__in=("KT-200", "TS-400", "BL-600", "CB-EU"))}
        self.taxes = {rate.code: rate for rate in TaxRate.objects.all()}

    def _moment(self, days_ago: int) -> datetime.datetime:
        day = self.today - datetime.timedelta(days=days_ago)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))

    def _tax(self, customer: Partner) -> TaxRate | None:
        # Exports are zero-rated, as ERP's demo invoices them.
        return self.taxes.get("VAT13" if customer.country == "CN" else "EXPORT0")

    def _create(self, customer: Partner, valid_for: int, requested_in: int, lines: list, answering: bool) -> Quote:
        today = timezone.localdate()
        contact = Contact.objects.filter(partner=customer, active=True).order_by("-is_primary", "name").first()
        # An opportunity of its own, the one closing first among those no quote answers yet.
        opportunity = (
            Opportunity.objects.filter(account=customer, state=OpportunityState.OPEN, quotes__isnull=True)
            .order_by("close_date")
            .first()
            if answering
            else None
        )
        rows: list[dict[str, Any]] = [
            {
                "item": self.items[code],
                "quantity": Decimal(quantity),
                "discount_pct": Decimal(discount),
                "tax_rate": self._tax(customer),
            }
            for code, quantity, discount in lines
        ]
        return services.quote_create(
            account=customer,
            contact=contact,
            opportunity=opportunity,
            warehouse=self.warehouse,
            valid_until=today + datetime.timedelta(days=valid_for),
            requested_date=today + datetime.timedelta(days=requested_in),
            salesperson=self.seller,
            lines=rows,
        )

    def make(self) -> None:
        for key, code, days_ago, valid_for, requested_in, lines, fate in sorted(QUOTES, key=lambda q: -q[2]):
            customer = self.partners.get(code)
            if customer is None:
                continue
            with time_machine.travel(self._moment(days_ago), tick=False):
                quote = self._create(customer, valid_for, requested_in, lines, key in ANSWERING)
                if fate == "draft":
                    continue
                # Only today's are promised: a promise of an earlier day (from stock: that day) has lapsed, and
                # such a quote is revised for a new one before it can be accepted.
                if days_ago == 0:
                    quote = services.quote_promise(quote=quote)
                quote = services.quote_send(quote=quote, user=self.seller)
            if fate == "accept":
                services.quote_accept(quote=quote, user=self.seller, customer_reference=PO_NUMBERS[key])
            elif fate in ("reject", "revise"):
                with time_machine.travel(self._moment(max(days_ago - 3, 0)), tick=False):
                    quote = services.quote_reject(quote=quote, reason=REJECTIONS[key], user=self.seller)
            if fate == "revise":  # today, promised today
                revision = services.quote_revise(quote=quote, user=self.seller)
                for line in revision.lines.all():
                    services.quote_line_update(line=line, discount_pct=REVISED_DISCOUNT)
                services.quote_send(quote=services.quote_promise(quote=revision), user=self.seller)
        services.quotes_expire(today=self.today)
