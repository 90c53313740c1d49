"""The demo company's sales pipeline: about thirty opportunities with its customers, open ones spread over the
stages and the next six months' close dates (a few past due), won and lost ones over the past year (the lost
with their reasons), and each salesperson's monthly targets from a year back to six months ahead.

Two salespeople own them: Sara Li (the demo's `sales` login) and Kai Sun, who is made here as a second
owner (no demo login: the forecast by owner needs someone to compare Sara with). Everything is made by the
pipeline's services; wins and losses of past days are made on those days (time_machine), so their close
dates and timestamps are that day's. Loaded once: a second run leaves the pipeline as it is.
"""

import datetime
import random
from decimal import Decimal

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone

from core.choices import PartnerKind
from core.models import Contact, Partner
from core.roles import Role
from core.selectors.currencies import company_currency, exchange_rate_on
from crm.models import LostReason, Opportunity, SalesTarget, Stage
from crm.selectors.pipeline import add_months, month_start
from crm.services.opportunities import (
    opportunity_create,
    opportunity_lose,
    opportunity_win,
    pipeline_defaults_ensure,
)

SEED = 10
SECOND_SELLER = ("kai", "Kai", "Sun")
# What the customers buy: a deal is named after one of them.
DEALS = [
    "Kettles for the spring catalog",
    "Toaster range refresh",
    "Blender promotion",
    "Private-label kettles",
    "Christmas bundle: kettle and toaster",
    "Replacement parts contract",
    "Online shop exclusive colours",
    "Store opening assortment",
    "Hotel room kettles",
    "Back-to-school blenders",
]
# stage, how many open, expected revenue range (CNY, converted to the customer's currency)
OPEN = [
    ("Prospecting", 6, (60_000, 260_000)),
    ("Qualification", 5, (80_000, 300_000)),
    ("Proposal", 5, (100_000, 400_000)),
    ("Negotiation", 4, (120_000, 450_000)),
]
WON_IN_PAST_YEAR = 7
LOST_IN_PAST_YEAR = 5
# CNY per month; from a year back to six months ahead.
TARGETS = {"sales": Decimal(450_000), "kai": Decimal(350_000)}


def _second_seller():
    username, first, last = SECOND_SELLER
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@smartappliance.example"},
    )
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=Role.SALES.value))
    return user


def _amount(rng: random.Random, low: int, high: int, account: Partner, rates: dict) -> Decimal:
    """A round amount in the account's currency worth about `low` to `high` CNY."""
    cny = Decimal(rng.randrange(low, high, 5_000))
    rate = rates.get(account.currency_id, Decimal(1))
    return (cny / rate).quantize(Decimal(1000))


def _history(rng: random.Random, today: datetime.date, count: int) -> list[datetime.date]:
    """`count` days over the past year, oldest first, the last of them today."""
    days = sorted(today - datetime.timedelta(days=rng.randrange(10, 360)) for _ in range(count - 1))
    return [*days, today]


def load() -> dict[str, int]:
    pipeline_defaults_ensure()
    if not Opportunity.objects.exists():
        _Pipeline().make()
    return {
        "opportunities": Opportunity.objects.count(),
        "sales targets": SalesTarget.objects.count(),
    }


class _Pipeline:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.home = company_currency()
        self.owners = [get_user_model().objects.get(username="sales"), _second_seller()]
        self.accounts = list(
            Partner.objects.filter(Q(kind=PartnerKind.CUSTOMER) | Q(kind=PartnerKind.BOTH), active=True)
            .select_related("currency")
            .order_by("code")
        )
        # Each account's primary contact where it has one (the last one read wins: primary ones come last).
        self.contacts = {
            contact.partner_id: contact
            for contact in Contact.objects.filter(partner__in=self.accounts, active=True).order_by(
                "is_primary", "-name"
            )
        }
        self.rates = {
            account.currency_id: exchange_rate_on(currency=account.currency, on=self.today)
            for account in self.accounts
            if account.currency_id
        }
        self.stages = {stage.name: stage for stage in Stage.objects.all()}
        self.reasons = list(LostReason.objects.filter(active=True).order_by("code"))
        self.deal = 0

    def _open(self, stage: str, close_date: datetime.date, revenue: tuple[int, int]) -> Opportunity:
        account = self.accounts[self.deal % len(self.accounts)]
        owner = self.owners[self.deal % len(self.owners)]
        name = DEALS[self.deal % len(DEALS)]
        self.deal += 1
        return opportunity_create(
            account=account,
            name=f"{name} ({account.name.split()[0]})",
            owner=owner,
            expected_revenue=_amount(self.rng, *revenue, account, self.rates),
            currency=account.currency or self.home,
            close_date=close_date,
            stage=self.stages[stage],
            contact=self.contacts.get(account.pk),
            user=owner,
        )

    def make(self) -> None:
        if not self.accounts:
            return
        # Open: over the next six months, two of them past their close date already.
        for stage, count, revenue in OPEN:
            for index in range(count):
                if stage == "Negotiation" and index < 2:
                    close_date = self.today - datetime.timedelta(days=3 + 4 * index)
                else:
                    close_date = self.today + datetime.timedelta(days=self.rng.randrange(5, 183))
                self._open(stage, close_date, revenue)
        # Closed over the past year: each made some weeks before and won or lost on its day.
        closings = [("won", day) for day in _history(self.rng, self.today, WON_IN_PAST_YEAR)]
        closings += [("lost", day) for day in _history(self.rng, self.today, LOST_IN_PAST_YEAR)]
        for outcome, day in sorted(closings, key=lambda closing: closing[1]):
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 30)))
            with time_machine.travel(moment - datetime.timedelta(days=45), tick=False):
                opportunity = self._open("Proposal", day, (80_000, 400_000))
            with time_machine.travel(moment, tick=False):
                if outcome == "won":
                    opportunity_win(opportunity=opportunity, user=opportunity.owner)
                else:
                    opportunity_lose(
                        opportunity=opportunity,
                        lost_reason=self.reasons[self.deal % len(self.reasons)],
                        lost_note="" if self.deal % 2 else "Customer chose the cheaper offer after the second round.",
                        user=opportunity.owner,
                    )
        first = month_start(self.today)
        for owner in self.owners:
            amount = TARGETS.get(owner.get_username(), Decimal(300_000))
            for offset in range(-12, 7):
                SalesTarget.objects.get_or_create(
                    owner=owner, month=add_months(first, offset), defaults={"amount": amount, "currency": self.home}
                )
