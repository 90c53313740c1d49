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
BULK_BATCH = 1000


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
    return accounts_for([role], item=item)[role]


def accounts_for(roles: Iterable[str], *, item: Item | None = None) -> dict[str, Account]:
    """account_for() of several roles in one query: a stock move books two or three of them."""
    roles = list(dict.fromkeys(roles))
    chain = _category_chain(item.category if item is not None else None)
    categories = [category.pk for category in chain if category is not None]
    mappings = {
        (mapping.role, mapping.category_id): mapping.account
        for mapping in AccountMapping.objects.select_related("account").filter(
            Q(category__in=categories) | Q(category=None), role__in=roles
        )
    }
    found: dict[str, Account] = {}
    for role in roles:
        for category in chain:
            account = mappings.get((role, category.pk if category is not None else None))
            if account is not None:
                found[role] = account
                break
        else:
            message = _("No account is mapped for %(role)s; add an account mapping.") % {
                "role": AccountRole(role).label
            }
            raise ValidationError(message, code="account_mapping_missing")
    return found


class AccountBook:
    """account_for() for many items from one read of the mappings (and, if needed, of the category tree):
    a batch of stock moves books a few roles for many items."""

    def __init__(self, roles: Iterable[str]):
        self._mappings = {
            (mapping.role, mapping.category_id): mapping.account
            for mapping in AccountMapping.objects.select_related("account").filter(role__in=list(roles))
        }
        self._by_category = {role for role, category in self._mappings if category is not None}
        self._parents: dict[int, int | None] | None = None

    def _parent(self, category_id: int) -> int | None:
        if self._parents is None:
            self._parents = dict(ItemCategory.objects.values_list("pk", "parent_id"))
        return self._parents.get(category_id)

    def account(self, role: str, item: Item | None = None) -> Account:
        category_id = item.category_id if item is not None and role in self._by_category else None
        seen: set[int] = set()
        while category_id is not None and category_id not in seen:
            account = self._mappings.get((role, category_id))
            if account is not None:
                return account
            seen.add(category_id)
            category_id = self._parent(category_id)
        account = self._mappings.get((role, None))
        if account is None:
            message = _("No account is mapped for %(role)s; add an account mapping.") % {
                "role": AccountRole(role).label
            }
            raise ValidationError(message, code="account_mapping_missing")
        return account


def _next_entry_numbers(count: int) -> list[str]:
    # A database sequence, not the gap-free counter: entries are posted inside stock moves, and a
    # counter row locked there would serialize (and could deadlock) every warehouse transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('erp_journal_entry_number') FROM generate_series(1, %s)", [count])
        values = sorted(value for (value,) in cursor.fetchall())
    return [f"JE-{value:08d}" for value in values]


def _balanced_lines(postings: Iterable[Posting]) -> list[tuple[Posting, Decimal]]:
    """The postings rounded to cents, those of zero left out; refused unless debits equal credits."""
    lines = [(posting, to_cents(posting.amount)) for posting in postings]
    lines = [(posting, amount) for posting, amount in lines if amount]
    debit = sum((amount for _posting, amount in lines if amount > 0), ZERO)
    credit = -sum((amount for _posting, amount in lines if amount < 0), ZERO)
    if debit != credit:
        message = _("The entry does not balance: debits %(debit)s, credits %(credit)s.") % {
            "debit": debit,
            "credit": credit,
        }
        raise ValidationError(message, code="unbalanced")
    return lines


@dataclass(frozen=True)
class EntryDraft:
    """An entry to book with journal_entries_post(), as journal_entry_post() takes it."""

    date: datetime.date
    memo: str
    source: str
    postings: tuple[Posting, ...]
    reference: str = ""
    user: Any = None
    reversal_of: JournalEntry | None = None


def journal_entries_post(drafts: Iterable[EntryDraft]) -> list[JournalEntry | None]:
    """Book many balanced entries in a fixed number of queries (what a bulk stock import needs); one
    result per draft, None where every line rounds to zero. Nothing is booked if any draft is refused."""
    drafts = list(drafts)
    booked = [(draft, _balanced_lines(draft.postings)) for draft in drafts]
    wanted = [(draft, lines) for draft, lines in booked if lines]
    if not wanted:
        return [None] * len(drafts)
    numbers = _next_entry_numbers(len(wanted))
    entries = [
        JournalEntry(
            number=number,
            date=draft.date,
            memo=draft.memo[:255],
            source=draft.source,
            reference=draft.reference[:100],
            posted_by=draft.user if getattr(draft.user, "is_authenticated", False) else None,
            reversal_of=draft.reversal_of,
        )
        for number, (draft, _lines) in zip(numbers, wanted, strict=True)
    ]
    # An entry is its own audit record (who posted it, when; never changed), and bulk_create logs
    # nothing: stock moves would otherwise pay three more queries per entry.
    with transaction.atomic():
        JournalEntry.objects.bulk_create(entries, batch_size=BULK_BATCH)
        JournalLine.objects.bulk_create(
            (
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
                for entry, (_draft, lines) in zip(entries, wanted, strict=True)
                for posting, amount in lines
            ),
            batch_size=BULK_BATCH,
        )
    made = iter(entries)
    return [next(made) if lines else None for _draft, lines in booked]


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
    draft = EntryDraft(
        date=date,
        memo=memo,
        source=source,
        postings=tuple(postings),
        reference=reference,
        user=user,
        reversal_of=reversal_of,
    )
    return journal_entries_post([draft])[0]


def journal_entry_reverse(
    *, entry: JournalEntry, date: datetime.date | None = None, user: Any = None, memo: str = ""
) -> JournalEntry:
    """Cancel an entry by its mirror image; the original stays as it was."""
    with transaction.atomic():
        # Locked, so that two people reversing one entry at once get a refusal rather than an error.
        entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.source == JournalSource.REVERSAL or JournalEntry.objects.filter(reversal_of=entry).exists():
            message = _("%(entry)s is already reversed or is a reversal.") % {"entry": entry.number}
            raise ValidationError(message, code="already_reversed")
        if date is not None and date < entry.date:
            message = _("A reversal cannot be dated before the entry it reverses (%(date)s).") % {"date": entry.date}
            raise ValidationError({"date": ValidationError(message, code="before_entry")})
        return _mirror(entry, date=date, user=user, memo=memo)


def _mirror(entry: JournalEntry, *, date: datetime.date | None, user: Any, memo: str) -> JournalEntry:
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
