"""Finance's own postings: manual journal entries, and their reversal.

Everything else in the books is posted by the business events (stock moves, invoices, payments,
production); those entries are corrected through their documents (cancel the invoice, post a stock
move), never by hand, so that the sub-ledgers and the accounts keep agreeing.
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import Partner
from erp.choices import AccountRole, JournalSource
from erp.models import Account, AccountMapping, CostCenter, JournalEntry
from erp.services.journal import Posting, journal_entry_post, journal_entry_reverse, to_cents

ZERO = Decimal(0)

# Accounts a sub-ledger keeps: the stock valuation (inventory) and the open invoices (receivables,
# payables). A manual posting there would make the account disagree with its sub-ledger for good.
CONTROL_ROLES = (AccountRole.INVENTORY, AccountRole.RECEIVABLES, AccountRole.PAYABLES)


def control_accounts() -> dict[int, str]:
    """Account id -> the role whose sub-ledger keeps it."""
    return {
        account_id: str(AccountRole(role).label)
        for account_id, role in AccountMapping.objects.filter(role__in=CONTROL_ROLES).values_list("account_id", "role")
    }


def _by_code(model, value: Any, field: str, errors: dict) -> Any:
    """A record given as itself or by its code; an unknown code is an error on `field`."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    record = model._default_manager.filter(code=str(value)).first()
    if record is None:
        message = _("There is no %(what)s with code %(code)s.") % {"what": model._meta.verbose_name, "code": value}
        errors[field] = ValidationError(message, code="does_not_exist")
    return record


def _money(value: Any, field: str, errors: dict) -> Decimal:
    if value is None or value == "":
        return ZERO
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = ValidationError(_("Enter an amount."), code="invalid")
        return ZERO
    if not amount.is_finite():
        errors[field] = ValidationError(_("Enter an amount."), code="invalid")
        return ZERO
    if amount < 0:
        errors[field] = ValidationError(_("Amounts are zero or more: use the other side."), code="min_value")
    elif to_cents(amount) != amount:
        errors[field] = ValidationError(_("Amounts are in cents."), code="precision")
    return amount


def journal_entry_create_manual(
    *,
    date: datetime.date,
    memo: str,
    lines: Iterable[Mapping[str, Any]],
    reference: str = "",
    user: Any = None,
) -> JournalEntry:
    """Post an entry finance writes by hand (accruals, bank charges, opening balances of equity...).

    Each line: `account` (code), `debit` or `credit` (one of them, in cents, company currency), and
    optionally `description`, `partner` and `cost_center` (codes). Debits must equal credits. Errors
    name the line: `lines.1.credit`. Inventory, receivables and payables are refused: their
    sub-ledgers (stock valuation, open invoices) keep them.
    """
    errors: dict[str, ValidationError] = {}
    memo = (memo or "").strip()
    if not memo:
        errors["memo"] = ValidationError(_("Say what the entry is for."), code="required")
    lines = list(lines)
    if len(lines) < 2:
        errors["lines"] = ValidationError(_("An entry has at least two lines."), code="too_few_lines")
    controlled = control_accounts()
    postings: list[Posting] = []
    debits = credits = ZERO
    for index, line in enumerate(lines):
        prefix = f"lines.{index}."
        account = _by_code(Account, line.get("account"), prefix + "account", errors)
        if account is None and prefix + "account" not in errors:
            errors[prefix + "account"] = ValidationError(_("Choose an account."), code="required")
        debit = _money(line.get("debit"), prefix + "debit", errors)
        credit = _money(line.get("credit"), prefix + "credit", errors)
        if (debit > 0) == (credit > 0) and prefix + "debit" not in errors and prefix + "credit" not in errors:
            message = _("A line is either a debit or a credit, and not zero.")
            errors[prefix + "debit"] = ValidationError(message, code="one_side")
        partner = _by_code(Partner, line.get("partner"), prefix + "partner", errors)
        cost_center = _by_code(CostCenter, line.get("cost_center"), prefix + "cost_center", errors)
        if account is not None:
            if not account.active:
                message = _("Account %(account)s is inactive.") % {"account": account.code}
                errors[prefix + "account"] = ValidationError(message, code="inactive")
            elif account.pk in controlled:
                message = _("%(account)s is kept by its sub-ledger (%(role)s): post the business document.") % {
                    "account": account.code,
                    "role": controlled[account.pk].lower(),
                }
                errors[prefix + "account"] = ValidationError(message, code="control_account")
        debits += debit
        credits += credit
        if account is not None:
            postings.append(
                Posting(account, debit - credit, str(line.get("description") or ""), partner, None, cost_center)
            )
    if not errors and debits != credits:
        message = _("The entry does not balance: debits %(debit)s, credits %(credit)s.") % {
            "debit": debits,
            "credit": credits,
        }
        errors["lines"] = ValidationError(message, code="unbalanced")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = journal_entry_post(
            date=date, memo=memo, source=JournalSource.MANUAL, postings=postings, reference=reference, user=user
        )
        assert entry is not None  # every line is more than zero
        return entry


def journal_entry_reverse_manual(
    *, entry: JournalEntry, date: datetime.date | None = None, user: Any = None, memo: str = ""
) -> JournalEntry:
    """Reverse a manual entry (dated `date`, default the entry's own date). Entries the business events
    posted are refused: their documents correct them (an invoice is cancelled, stock is moved back)."""
    if entry.source != JournalSource.MANUAL:
        message = _("%(entry)s was posted by %(source)s: correct it through its document.") % {
            "entry": entry.number,
            "source": entry.get_source_display().lower(),
        }
        raise ValidationError(message, code="document_entry")
    return journal_entry_reverse(entry=entry, date=date, user=user, memo=memo)
