"""The demo company's customer accounts as sales works them: contacts and addresses of its customers (and
MediaHome's Austrian subsidiary, a child account), a dozen leads in every status over the past months (two
converted, one the likely duplicate of MediaHome), and a few months of calls, meetings, e-mails and notes
with the open tasks still to do, some of them overdue.

Everything is made by CRM's services; leads and activities of past days are made on those days
(time_machine), so their numbers and timestamps are that day's. Contacts and addresses are matched by name,
so a second run adds nothing; leads and activities are made once.
"""

import datetime
import random
from decimal import Decimal

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.choices import PartnerKind
from core.models import Contact, Currency, Partner, PartnerAddress
from crm.models import Activity, Lead
from crm.services.accounts import address_create, contact_create
from crm.services.activities import activity_log, task_complete, task_create
from crm.services.leads import lead_convert, lead_create, lead_disqualify, lead_qualify
from crm.services.opportunities import pipeline_defaults_ensure

SEED = 11
CHILD_ACCOUNT = ("C-MEDIA-AT", "MediaHome Austria GmbH", "C-MEDIA", "EUR", "Vienna", "AT", "150000")
VAT_NUMBERS = {"C-MEDIA": "DE811234567", "C-JD": "91110000MA01ABCD2X", "C-MEDIA-AT": "ATU12345678"}
# account, name, job title, e-mail user, phone
CONTACTS = [
    ("C-MEDIA", "Jana Weber", "Head of purchasing", "j.weber", "+49 40 3070 110"),
    ("C-MEDIA", "Tom Krause", "Logistics manager", "t.krause", "+49 40 3070 240"),
    ("C-MEDIA", "Petra Lang", "Accounts payable", "p.lang", "+49 40 3070 300"),
    ("C-MEDIA-AT", "Anna Gruber", "Category manager small appliances", "a.gruber", "+43 1 512 4400"),
    ("C-HOMEPLUS", "Mike Johnson", "Category manager", "mike.johnson", "+1 312 555 0140"),
    ("C-HOMEPLUS", "Linda Park", "Supply chain planner", "linda.park", "+1 312 555 0177"),
    ("C-JD", "Wang Lei", "Purchasing director", "wang.lei", "+86 10 8911 2200"),
    ("C-JD", "Chen Jing", "Supplier quality engineer", "chen.jing", "+86 10 8911 2315"),
]
# account, kind, name, street, postal code, city, country
ADDRESSES = [
    ("C-MEDIA", "billing", "MediaHome GmbH head office", "Ballindamm 12", "20095", "Hamburg", "DE"),
    ("C-MEDIA", "shipping", "Hamburg distribution center", "Am Hafen 40", "21129", "Hamburg", "DE"),
    ("C-MEDIA", "shipping", "Munich warehouse", "Lagerstrasse 7", "80807", "Munich", "DE"),
    ("C-MEDIA-AT", "shipping", "Vienna warehouse", "Industriestrasse 5", "1230", "Vienna", "AT"),
    ("C-HOMEPLUS", "billing", "HomePlus Retail headquarters", "233 S Wacker Dr", "60606", "Chicago", "US"),
    ("C-HOMEPLUS", "shipping", "Joliet distribution center", "2500 Channahon Rd", "60436", "Joliet", "US"),
    ("C-JD", "shipping", "Langfang regional warehouse", "18 Huaxiang Road", "065001", "Langfang", "CN"),
]
# days ago, company, contact, e-mail, VAT number, country, source, what becomes of it
LEADS = [
    (
        118,
        "Nordic Kitchen AB",
        "Lars Berg",
        "lars.berg@nordickitchen.example",
        "SE556677889901",
        "SE",
        "trade_show",
        "converted_new",
    ),
    (
        104,
        "Alpine Haushalt GmbH",
        "Stefan Huber",
        "s.huber@media-at.example",
        "",
        "AT",
        "referral",
        "converted_existing",
    ),
    (
        96,
        "Café Culture BV",
        "Eva de Vries",
        "eva@cafeculture.example",
        "NL123456789B01",
        "NL",
        "referral",
        "disqualified:Buys espresso machines only: not our range.",
    ),
    (
        88,
        "Casa Bella S.r.l.",
        "Giulia Rossi",
        "g.rossi@casabella.example",
        "IT01234567890",
        "IT",
        "trade_show",
        "qualified",
    ),
    (75, "Shenzhen Smart Home Co., Ltd", "Liu Yang", "liu.yang@szsmarthome.example", "", "CN", "partner", "qualified"),
    (
        63,
        "Budget Appliances LLC",
        "Dan Miller",
        "dan@gmail.com",
        "",
        "US",
        "cold_call",
        "disqualified:No budget before next year; call again in Q3.",
    ),
    (
        51,
        "Kitchen Pro Ltd",
        "Oliver Smith",
        "oliver.smith@kitchenpro.example",
        "GB123456789",
        "GB",
        "cold_call",
        "contacted",
    ),
    (40, "Tokyo Kaden K.K.", "Sato Haruki", "h.sato@tokyokaden.example", "", "JP", "trade_show", "contacted"),
    (
        27,
        "Polska AGD Sp. z o.o.",
        "Piotr Nowak",
        "p.nowak@polskaagd.example",
        "PL5261040828",
        "PL",
        "partner",
        "contacted",
    ),
    (15, "Media Home GmbH", "Klaus Becker", "k.becker@media.example", "DE 811 234 567", "DE", "website", "new"),
    (9, "HomeGoods Direct Inc", "Sarah Lee", "sarah.lee@homegoodsdirect.example", "", "US", "website", "new"),
    (
        3,
        "Maison & Cuisine SARL",
        "Claire Dubois",
        "claire@maison-cuisine.example",
        "FR40303265045",
        "FR",
        "website",
        "new",
    ),
]
# kind, subject, notes: what sales does with an account, repeated over the months
ACCOUNT_ACTIVITIES = [
    ("call", "Reorder of KT-200 kettles", "Wants the next lot two weeks earlier; checked with planning."),
    ("email", "Sent the new price list", ""),
    ("meeting", "Quarterly business review", "Sell-through of kettles up 12 %; toasters flat. Asked for a promotion."),
    ("call", "Delivery delay question", "Shipment was held at customs; tracking sent."),
    ("note", "Competitor offered 5 % lower on toasters", "Keep an eye on the next tender."),
    ("email", "Sample request for the new blender", "Two samples to be sent with the next shipment."),
    ("meeting", "Visit at their warehouse", "Pallet height limits: 1.6 m, needs to be on the packing instructions."),
    ("call", "Payment reminder follow-up", "Paid the open invoice the same week."),
]
# subject, days from now it is due (negative: overdue), account
TASKS = [
    ("Send the Q3 promotion proposal", -4, "C-MEDIA"),
    ("Confirm the pallet labels with logistics", -1, "C-HOMEPLUS"),
    ("Call about the blender samples", 2, "C-MEDIA"),
    ("Prepare the annual price negotiation", 9, "C-JD"),
    ("Introduce the new kettle colours", 16, "C-MEDIA-AT"),
]
LEAD_ACTIVITIES = {
    "converted_new": [("meeting", "Met at Ambiente, Frankfurt"), ("email", "Sent catalog and price indication")],
    "converted_existing": [("call", "Introduced by MediaHome Hamburg"), ("email", "Sent the Austrian price list")],
    "qualified": [("call", "Discovery call"), ("meeting", "Presentation of the kettle range")],
    "contacted": [("email", "First contact with the catalog")],
    "disqualified": [("call", "Discovery call")],
}


def load() -> dict[str, int]:
    pipeline_defaults_ensure()
    accounts = _accounts()
    if accounts:
        _people_and_places(accounts)
        if not Lead.objects.exists():
            _Desk(accounts).make()
    customers = Partner.objects.filter(kind__in=(PartnerKind.CUSTOMER, PartnerKind.BOTH))
    return {
        "contacts": Contact.objects.filter(partner__in=customers).count(),
        "addresses": PartnerAddress.objects.filter(partner__in=customers).count(),
        "leads": Lead.objects.count(),
        "activities": Activity.objects.count(),
    }


def _accounts() -> dict[str, Partner]:
    """The demo's customers by code, with MediaHome's Austrian subsidiary and the VAT numbers they lack."""
    accounts = {p.code: p for p in Partner.objects.filter(code__in=["C-MEDIA", "C-HOMEPLUS", "C-JD"])}
    if "C-MEDIA" not in accounts:
        return {}
    code, name, parent, currency, city, country, credit = CHILD_ACCOUNT
    accounts[code], _created = Partner.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": PartnerKind.CUSTOMER,
            "parent": accounts[parent],
            "currency": Currency.objects.get(code=currency),
            "city": city,
            "country": country,
            "credit_limit": Decimal(credit),
            "payment_terms_days": 45,
            "email": "orders@media-at.example",
        },
    )
    for account_code, vat_number in VAT_NUMBERS.items():
        account = accounts.get(account_code)
        if account is not None and not account.vat_number:
            account.vat_number = vat_number
            account.save(update_fields=["vat_number", "updated_at"])
    return accounts


def _domain(account: Partner) -> str:
    """The customer's mail domain, as core's demo gives its order address (orders@media.example)."""
    return account.email.rpartition("@")[2] or f"{account.code.lower()}.example"


def _people_and_places(accounts: dict[str, Partner]) -> None:
    for code, name, job_title, mail_user, phone in CONTACTS:
        account = accounts.get(code)
        if account is not None and not account.contacts.filter(name=name).exists():
            contact_create(
                account=account, name=name, job_title=job_title, email=f"{mail_user}@{_domain(account)}", phone=phone
            )
    for code, kind, name, street, postal_code, city, country in ADDRESSES:
        account = accounts.get(code)
        if account is not None and not account.addresses.filter(name=name).exists():
            address_create(
                account=account,
                kind=kind,
                name=name,
                street=street,
                postal_code=postal_code,
                city=city,
                country=country,
            )


class _Desk:
    """Sara's leads and her history with the customers."""

    def __init__(self, accounts: dict[str, Partner]) -> None:
        self.rng = random.Random(SEED)
        self.accounts = accounts
        self.seller = get_user_model().objects.get(username="sales")
        self.now = timezone.now()

    def _at(self, days_ago: float, hour: int) -> datetime.datetime:
        day = timezone.localtime(self.now - datetime.timedelta(days=days_ago))
        return day.replace(hour=hour, minute=self.rng.choice((0, 15, 30, 45)), second=0, microsecond=0)

    def make(self) -> None:
        for days_ago, company, person, email, vat_number, country, source, outcome in LEADS:
            self._lead(days_ago, company, person, email, vat_number, country, source, outcome)
        self._account_history()
        self._tasks()

    def _lead(self, days_ago, company, person, email, vat_number, country, source, outcome) -> None:
        created = self._at(days_ago, 9)
        with time_machine.travel(created, tick=False):
            lead = lead_create(
                company_name=company,
                contact_name=person,
                email=email,
                vat_number=vat_number,
                country=country,
                source=source,
                owner=self.seller,
                user=self.seller,
            )
        outcome, _colon, reason = outcome.partition(":")
        history = LEAD_ACTIVITIES.get(outcome, [])
        for step, (kind, subject) in enumerate(history, start=1):
            moment = self._at(days_ago - 2 * step, 10 + step)
            with time_machine.travel(moment, tick=False):
                activity_log(kind=kind, subject=subject, lead=lead, occurred_at=moment, user=self.seller)
        decided = self._at(max(days_ago - 2 * len(history) - 3, 0.5), 16)
        with time_machine.travel(decided, tick=False):
            if outcome in ("qualified", "converted_new", "converted_existing"):
                lead_qualify(
                    lead=lead,
                    need=True,
                    budget=self.rng.random() < 0.8,
                    authority=True,
                    timing=outcome != "qualified" or self.rng.random() < 0.5,
                    notes="Ranges for the next season; decision with the buying committee.",
                    user=self.seller,
                )
            if outcome == "converted_new":
                lead_convert(
                    lead=lead,
                    new_account={
                        "code": "C-NORDIC",
                        "currency": Currency.objects.get(code="EUR"),
                        "payment_terms_days": 30,
                        "credit_limit": Decimal(30_000),
                    },
                    user=self.seller,
                )
            elif outcome == "converted_existing":
                lead_convert(lead=lead, account=self.accounts["C-MEDIA-AT"], user=self.seller)
            elif outcome == "disqualified":
                lead_disqualify(lead=lead, reason=reason, user=self.seller)

    def _account_history(self) -> None:
        """Every week or so over four months, something with one of the customers, with one of its people."""
        codes = list(self.accounts)
        for days_ago in range(120, 0, -6):
            account = self.accounts[codes[self.rng.randrange(len(codes))]]
            contacts = list(account.contacts.filter(active=True))
            kind, subject, notes = ACCOUNT_ACTIVITIES[self.rng.randrange(len(ACCOUNT_ACTIVITIES))]
            moment = self._at(days_ago - self.rng.random(), self.rng.randrange(8, 17))
            with time_machine.travel(moment, tick=False):
                activity_log(
                    kind=kind,
                    subject=subject,
                    notes=notes,
                    account=account,
                    contact=self.rng.choice(contacts) if contacts else None,
                    occurred_at=moment,
                    user=self.seller,
                )
            if days_ago % 30 == 0:  # a task done on time, now and then
                with time_machine.travel(moment, tick=False):
                    task = task_create(
                        subject=f"Follow up: {subject.lower()}",
                        due_at=moment + datetime.timedelta(days=3),
                        owner=self.seller,
                        account=account,
                        user=self.seller,
                    )
                done = moment + datetime.timedelta(days=2)
                with time_machine.travel(done, tick=False):
                    task_complete(task=task, user=self.seller)

    def _tasks(self) -> None:
        for subject, due_in_days, code in TASKS:
            account = self.accounts.get(code)
            if account is None:
                continue
            due = self._at(-due_in_days, 11)
            task_create(
                subject=subject,
                due_at=due,
                owner=self.seller,
                account=account,
                contact=account.contacts.filter(is_primary=True).first(),
                user=self.seller,
            )
