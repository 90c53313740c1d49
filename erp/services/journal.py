"""Double-entry postings: every business event that moves money or value books one balanced entry."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.models import Item, ItemCategory, Partner
from erp.choices import AccountRole, JournalSource
from erp.models import Account, AccountMapping, CostCenter, JournalEntry, JournalLine

CENT = Decimal("0.01")
ZERO = Decimal("0")


def to_cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Posting:
    """One line of an entry: a positive amount is a debit, a negative one a credit."""

    account: Account
    amount: Decimal
    description: str = ""
    partner: Partner | None = None
    item: Item | None = None
    cost_center: CostCenter | None = None


def _category_chain(category: ItemCategory | None) -> list[ItemCategory | None]:
    chain: list[ItemCategory | None] = []
    while category is not None and category not in chain:
        chain.append(category)
        category = category.parent
    return [*chain, None]


def account_for(role: str, *, item: Item | None = None) -> Account:
    """The account a role books to for an item: its category's mapping, a parent's, or the default."""
    chain = _category_chain(item.category if item is not None else None)
    categories = [category.pk for category in chain if category is not None]
    mappings = {
        mapping.category_id: mapping.account
        for mapping in AccountMapping.objects.select_related("account").filter(
            Q(category__in=categories) | Q(category=None), role=role
        )
    }
    for category in chain:
        account = mappings.get(category.pk if category is not None else None)
        if account is not None:
            return account
    message = _("No account is mapped for %(role)s; add an account mapping.") % {"role": AccountRole(role).label}
    raise ValidationError(message, code="account_mapping_missing")


def _next_entry_number() -> str:
    # A database sequence, not the gap-free counter: entries are posted inside stock moves, and a
    # counter row locked there would serialize (and could deadlock) every warehouse transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('erp_journal_entry_number')")
        (value,) = cursor.fetchone()
    return f"JE-{value:08d}"


def journal_entry_post(
    *,
    date: datetime.date,
    memo: str,
    source: str,
    postings: Iterable[Posting],
    reference: str = "",
    user: Any = None,
    reversal_of: JournalEntry | None = None,
) -> JournalEntry | None:
    """Book a balanced entry; lines that round to zero are left out, and nothing at all is booked
    (None is returned) when every line does. Amounts are in the company currency."""
    lines = [(posting, to_cents(posting.amount)) for posting in postings]
    lines = [(posting, amount) for posting, amount in lines if amount]
    if not lines:
        return None
    debit = sum((amount for _posting, amount in lines if amount > 0), ZERO)
    credit = -sum((amount for _posting, amount in lines if amount < 0), ZERO)
    if debit != credit:
        message = _("The entry does not balance: debits %(debit)s, credits %(credit)s.") % {
            "debit": debit,
            "credit": credit,
        }
        raise ValidationError(message, code="unbalanced")
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            number=_next_entry_number(),
            date=date,
            memo=memo[:255],
            source=source,
            reference=reference[:100],
            posted_by=user if getattr(user, "is_authenticated", False) else None,
            reversal_of=reversal_of,
        )
        JournalLine.objects.bulk_create(
            JournalLine(
                entry=entry,
                account=posting.account,
                debit=amount if amount > 0 else ZERO,
                credit=-amount if amount < 0 else ZERO,
                description=posting.description[:255],
                partner=posting.partner,
                item=posting.item,
                cost_center=posting.cost_center,
            )
            for posting, amount in lines
        )
    return entry


def journal_entry_reverse(
    *, entry: JournalEntry, date: datetime.date | None = None, user: Any = None, memo: str = ""
) -> JournalEntry:
    """Cancel an entry by its mirror image; the original stays as it was."""
    if entry.source == JournalSource.REVERSAL or hasattr(entry, "reversed_by"):
        raise ValidationError(_("%(entry)s is already reversed or is a reversal.") % {"entry": entry.number})
    postings = [
        Posting(
            account=line.account,
            amount=line.credit - line.debit,
            description=line.description,
            partner=line.partner,
            item=line.item,
            cost_center=line.cost_center,
        )
        for line in entry.lines.select_related("account", "partner", "item", "cost_center")
    ]
    reversal = journal_entry_post(
        date=date or entry.date,
        memo=memo or _("Reversal of %(entry)s: %(memo)s") % {"entry": entry.number, "memo": entry.memo},
        source=JournalSource.REVERSAL,
        reference=entry.reference,
        postings=postings,
        user=user,
        reversal_of=entry,
    )
    assert reversal is not None  # a posted entry has lines
    return reversal
