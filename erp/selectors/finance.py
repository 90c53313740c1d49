"""The finance reports, read from the journal: trial balance, profit and loss (with budgets), balance sheet,
aged receivables and payables, and budget against actual. Amounts are in the company currency.

Every report is a few grouped queries whatever the size of the journal: lines are summed per account
(and cost center, month) in the database, never loaded one by one.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_lazy as _

from core.models import Partner
from erp.choices import BALANCE_SHEET_KINDS, AccountKind, AccountRole, InvoiceKind, InvoiceState
from erp.models import Account, AccountMapping, Budget, CostCenter, Invoice, JournalLine

ZERO = Decimal("0.00")  # money: sums of nothing read 0.00
# Kinds whose balance is read as credit less debit.
CREDIT_KINDS = (AccountKind.LIABILITY, AccountKind.EQUITY, AccountKind.INCOME)


def signed(kind: str, debit: Decimal, credit: Decimal) -> Decimal:
    """An account's amount as people read it: credit-positive for liabilities, equity and income."""
    return credit - debit if kind in CREDIT_KINDS else debit - credit


def _sums(lines: QuerySet[JournalLine]) -> dict[int, tuple[Decimal, Decimal]]:
    """(debit, credit) per account id."""
    return {
        row["account"]: (row["debit"], row["credit"])
        for row in lines.values("account").annotate(debit=Sum("debit"), credit=Sum("credit")).order_by()
    }


def _accounts(ids) -> list[Account]:
    return list(Account.objects.filter(pk__in=ids).order_by("code"))


# --- Trial balance ------------------------------------------------------------------------------------------


@dataclass
class TrialBalanceRow:
    account: Account
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        """Debit-positive."""
        return self.debit - self.credit


@dataclass
class TrialBalance:
    as_of: datetime.date
    rows: list[TrialBalanceRow]
    debit: Decimal = field(init=False)
    credit: Decimal = field(init=False)
    balance: Decimal = field(init=False)

    def __post_init__(self):
        self.debit = sum((row.debit for row in self.rows), ZERO)
        self.credit = sum((row.credit for row in self.rows), ZERO)
        self.balance = sum((row.balance for row in self.rows), ZERO)  # zero: every entry balances


def trial_balance(*, as_of: datetime.date) -> TrialBalance:
    """Debits, credits and balance of every account with postings up to the end of `as_of`."""
    sums = _sums(JournalLine.objects.filter(entry__date__lte=as_of))
    rows = [TrialBalanceRow(account, *sums[account.pk]) for account in _accounts(sums)]
    return TrialBalance(as_of=as_of, rows=rows)


# --- Profit and loss -----------------------------------------------------------------------------------------


def _budget_sums(
    date_from: datetime.date, date_to: datetime.date, cost_center: CostCenter | None
) -> dict[int, Decimal]:
    """Budget per account over every month the period touches: one range over year * 12 + month, however
    many months (a condition per month made a long period's query crawl)."""
    budgets = Budget.objects.alias(month_index=F("year") * 12 + F("month")).filter(
        month_index__range=(date_from.year * 12 + date_from.month, date_to.year * 12 + date_to.month)
    )
    if cost_center is not None:
        budgets = budgets.filter(cost_center=cost_center)
    return {
        row["account"]: row["amount"] for row in budgets.values("account").annotate(amount=Sum("amount")).order_by()
    }


@dataclass
class ReportRow:
    account: Account
    actual: Decimal
    budget: Decimal = ZERO

    @property
    def variance(self) -> Decimal:
        """Actual less budget, as the account reads (for income, more is better; for expenses, worse)."""
        return self.actual - self.budget


@dataclass
class Section:
    kind: str
    rows: list[ReportRow]

    @property
    def label(self) -> str:
        return str(AccountKind(self.kind).label)

    @property
    def actual(self) -> Decimal:
        return sum((row.actual for row in self.rows), ZERO)

    @property
    def budget(self) -> Decimal:
        return sum((row.budget for row in self.rows), ZERO)


@dataclass
class ProfitAndLoss:
    date_from: datetime.date
    date_to: datetime.date
    cost_center: CostCenter | None
    income: Section
    expense: Section

    @property
    def profit(self) -> Decimal:
        return self.income.actual - self.expense.actual

    @property
    def budget_profit(self) -> Decimal:
        return self.income.budget - self.expense.budget


def profit_and_loss(
    *, date_from: datetime.date, date_to: datetime.date, cost_center: CostCenter | None = None
) -> ProfitAndLoss:
    """Income and expenses booked in the period (of one cost center, if given) beside their budgets.

    Budgets are monthly: the period carries the budgets of every month it touches. A budget without a
    cost center plans the postings that carry none, so without a filter every budget row counts once.
    """
    lines = JournalLine.objects.filter(
        entry__date__gte=date_from,
        entry__date__lte=date_to,
        account__kind__in=(AccountKind.INCOME, AccountKind.EXPENSE),
    )
    if cost_center is not None:
        lines = lines.filter(cost_center=cost_center)
    sums = _sums(lines)
    budgets = _budget_sums(date_from, date_to, cost_center)
    ids = set(sums) | set(budgets)
    sections = {kind: Section(kind, []) for kind in (AccountKind.INCOME, AccountKind.EXPENSE)}
    for account in _accounts(ids):
        if account.kind not in sections:
            continue  # a budget on a balance-sheet account: see the budget report
        debit, credit = sums.get(account.pk, (ZERO, ZERO))
        sections[account.kind].rows.append(
            ReportRow(account, signed(account.kind, debit, credit), budgets.get(account.pk, ZERO))
        )
    return ProfitAndLoss(
        date_from=date_from,
        date_to=date_to,
        cost_center=cost_center,
        income=sections[AccountKind.INCOME],
        expense=sections[AccountKind.EXPENSE],
    )


# --- Balance sheet ---------------------------------------------------------------------------------------------


@dataclass
class BalanceSheet:
    as_of: datetime.date
    assets: Section
    liabilities: Section
    equity: Section
    profit: Decimal  # of the open period: income less expenses not yet closed to retained earnings

    @property
    def liabilities_and_equity(self) -> Decimal:
        return self.liabilities.actual + self.equity.actual + self.profit

    @property
    def difference(self) -> Decimal:
        """Zero: assets equal liabilities, equity and the open period's profit."""
        return self.assets.actual - self.liabilities_and_equity


def balance_sheet(*, as_of: datetime.date) -> BalanceSheet:
    """Assets, liabilities and equity at the end of `as_of`, with the profit not closed yet.

    Takt does not close periods: the profit is everything income and expenses booked up to the day.
    """
    sums = _sums(JournalLine.objects.filter(entry__date__lte=as_of))
    sections = {kind: Section(kind, []) for kind in BALANCE_SHEET_KINDS}
    profit = ZERO
    for account in _accounts(sums):
        debit, credit = sums[account.pk]
        if account.kind in sections:
            sections[account.kind].rows.append(ReportRow(account, signed(account.kind, debit, credit)))
        else:
            profit += credit - debit
    return BalanceSheet(
        as_of=as_of,
        assets=sections[AccountKind.ASSET],
        liabilities=sections[AccountKind.LIABILITY],
        equity=sections[AccountKind.EQUITY],
        profit=profit,
    )


# --- Aged receivables and payables --------------------------------------------------------------------------

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")
BUCKET_LABELS = {
    "current": _("Current"),
    "days_1_30": _("1-30 days"),
    "days_31_60": _("31-60 days"),
    "days_61_90": _("61-90 days"),
    "over_90": _("Over 90 days"),
}


def bucket_of(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "days_1_30"
    if days_past_due <= 60:
        return "days_31_60"
    if days_past_due <= 90:
        return "days_61_90"
    return "over_90"


@dataclass
class AgedInvoice:
    invoice: Invoice
    open_amount: Decimal  # invoice currency
    company_amount: Decimal
    days_past_due: int

    @property
    def bucket(self) -> str:
        return bucket_of(self.days_past_due)


@dataclass
class AgedPartner:
    partner: Partner
    invoices: list[AgedInvoice] = field(default_factory=list)

    def amount(self, bucket: str) -> Decimal:
        return sum((aged.company_amount for aged in self.invoices if aged.bucket == bucket), ZERO)

    @property
    def buckets(self) -> list[Decimal]:
        return [self.amount(bucket) for bucket in BUCKETS]

    @property
    def total(self) -> Decimal:
        return sum((aged.company_amount for aged in self.invoices), ZERO)


@dataclass
class Aging:
    kind: str
    as_of: datetime.date
    partners: list[AgedPartner]

    @property
    def totals(self) -> list[Decimal]:
        return [sum((p.amount(bucket) for p in self.partners), ZERO) for bucket in BUCKETS]

    @property
    def total(self) -> Decimal:
        return sum((p.total for p in self.partners), ZERO)


def open_invoices(*, kind: str, as_of: datetime.date) -> QuerySet[Invoice]:
    """Invoices posted by `as_of` and not cancelled by then, with `paid_by` (payments dated up to it)."""
    return (
        Invoice.objects.filter(kind=kind, invoice_date__lte=as_of, journal_entry__isnull=False)
        .exclude(state=InvoiceState.CANCELLED, journal_entry__reversed_by__date__lte=as_of)
        .annotate(paid_by=Sum("payments__amount", filter=Q(payments__date__lte=as_of), default=ZERO))
        .select_related("partner", "currency")
        .order_by("partner__code", "due_date", "number")
    )


def _booked(lines: QuerySet[JournalLine], by: str) -> dict[int, Decimal]:
    """Debits less credits per invoice (`by` leads from a line to its invoice)."""
    return {
        row[by]: row["debit"] - row["credit"]
        for row in lines.values(by).annotate(debit=Sum("debit"), credit=Sum("credit")).order_by()
    }


def aging(*, kind: str, as_of: datetime.date) -> Aging:
    """What customers owe (kind customer) or suppliers are owed (supplier) at the end of `as_of`, by how long
    it is past due: current, 1-30, 31-60, 61-90 and over 90 days.

    Company-currency amounts are what the receivables (payables) account holds for each invoice: what the
    invoice booked less what its payments up to the day booked, so the total equals the account's balance
    (every conversion was rounded once, when it was booked, and is not redone here).
    """
    invoices = [invoice for invoice in open_invoices(kind=kind, as_of=as_of) if invoice.total_amount > invoice.paid_by]
    role = AccountRole.RECEIVABLES if kind == InvoiceKind.CUSTOMER else AccountRole.PAYABLES
    balance_accounts = AccountMapping.objects.filter(role=role).values("account")
    ids = [invoice.pk for invoice in invoices]
    lines = JournalLine.objects.filter(account__in=balance_accounts)
    booked = _booked(lines.filter(entry__invoice__in=ids), "entry__invoice")
    paid = _booked(
        lines.filter(entry__payment__invoice__in=ids, entry__payment__date__lte=as_of), "entry__payment__invoice"
    )
    sign = Decimal(1) if kind == InvoiceKind.CUSTOMER else Decimal(-1)  # payables are credits
    partners: dict[int, AgedPartner] = {}
    for invoice in invoices:
        aged = AgedInvoice(
            invoice=invoice,
            open_amount=invoice.total_amount - invoice.paid_by,
            company_amount=sign * (booked.get(invoice.pk, ZERO) + paid.get(invoice.pk, ZERO)),
            days_past_due=(as_of - invoice.due_date).days,
        )
        partners.setdefault(invoice.partner_id, AgedPartner(invoice.partner)).invoices.append(aged)
    return Aging(kind=kind, as_of=as_of, partners=list(partners.values()))


# --- Budget against actual ---------------------------------------------------------------------------------------


@dataclass
class MonthFigures:
    month: int
    budget: Decimal = ZERO
    actual: Decimal = ZERO

    @property
    def variance(self) -> Decimal:
        return self.actual - self.budget


@dataclass
class BudgetRow:
    account: Account
    cost_center: CostCenter | None
    months: list[MonthFigures]

    @property
    def budget(self) -> Decimal:
        return sum((m.budget for m in self.months), ZERO)

    @property
    def actual(self) -> Decimal:
        return sum((m.actual for m in self.months), ZERO)

    @property
    def variance(self) -> Decimal:
        return self.actual - self.budget


@dataclass
class BudgetReport:
    year: int
    rows: list[BudgetRow]

    @property
    def budget(self) -> Decimal:
        return sum((row.budget for row in self.rows), ZERO)

    @property
    def actual(self) -> Decimal:
        return sum((row.actual for row in self.rows), ZERO)


def budget_report(*, year: int, account: Account | None = None, cost_center: CostCenter | None = None) -> BudgetReport:
    """Budget and actual per account, cost center and month of a year.

    Rows are every account and cost center with a budget that year, and every income or expense account
    and cost center with postings (unplanned spending shows with a budget of zero). A budget without a
    cost center plans the postings without one. Amounts read as the account does (see `signed`).
    """
    budgets = Budget.objects.filter(year=year)
    lines = JournalLine.objects.filter(entry__date__year=year)
    if account is not None:
        budgets, lines = budgets.filter(account=account), lines.filter(account=account)
    if cost_center is not None:
        budgets, lines = budgets.filter(cost_center=cost_center), lines.filter(cost_center=cost_center)
    figures: dict[tuple[int, int | None], dict[int, MonthFigures]] = defaultdict(dict)

    def cell(key, month) -> MonthFigures:
        return figures[key].setdefault(month, MonthFigures(month))

    for row in budgets.values("account", "cost_center", "month").annotate(amount=Sum("amount")).order_by():
        cell((row["account"], row["cost_center"]), row["month"]).budget = row["amount"]
    actuals = (
        lines.annotate(month=ExtractMonth("entry__date"))
        .values("account", "account__kind", "cost_center", "month")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .order_by()
    )
    for row in actuals:
        key = (row["account"], row["cost_center"])
        if key not in figures and row["account__kind"] not in (AccountKind.INCOME, AccountKind.EXPENSE):
            continue  # a balance-sheet account nobody budgeted
        cell(key, row["month"]).actual = signed(row["account__kind"], row["debit"], row["credit"])
    accounts = {a.pk: a for a in _accounts({key[0] for key in figures})}
    centers = {c.pk: c for c in CostCenter.objects.filter(pk__in={key[1] for key in figures if key[1]})}
    rows = [
        BudgetRow(
            account=accounts[account_id],
            cost_center=centers.get(center_id),
            months=[months.get(month, MonthFigures(month)) for month in range(1, 13)],
        )
        for (account_id, center_id), months in figures.items()
    ]
    rows.sort(key=lambda row: (row.account.code, row.cost_center.code if row.cost_center else ""))
    return BudgetReport(year=year, rows=rows)


# --- The ledger of one account ------------------------------------------------------------------------------


def account_lines(*, account: Account, limit: int = 100) -> QuerySet[JournalLine]:
    """An account's latest postings, newest first, with their entries."""
    return (
        JournalLine.objects.filter(account=account)
        .select_related("entry", "account", "partner", "item", "cost_center")
        .order_by("-entry__date", "-entry_id", "-pk")[:limit]
    )


def account_balance_of(*, account: Account, as_of: datetime.date | None = None) -> Decimal:
    """The account's balance as it reads (see `signed`), up to the end of `as_of` (default: everything)."""
    lines = JournalLine.objects.filter(account=account)
    if as_of is not None:
        lines = lines.filter(entry__date__lte=as_of)
    sums = lines.aggregate(debit=Sum("debit", default=ZERO), credit=Sum("credit", default=ZERO))
    return signed(account.kind, sums["debit"], sums["credit"])
