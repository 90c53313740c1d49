"""The finance lists: invoices, payments, journal entries and their lines, the chart of accounts, budgets."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, TaktTable
from erp.choices import AccountRole
from erp.models import Account, Budget, CostCenter, Invoice, JournalEntry, JournalLine, Payment


class MoneyColumn(DecimalColumn):
    """Right-aligned, always two decimals."""

    def render(self, value):
        return f"{value:,.2f}"


class InvoiceTable(TaktTable):
    number = tables.Column(linkify=True)
    partner = tables.Column(accessor="partner__code", verbose_name=_("Partner"), order_by=("partner__code",))
    partner_name = tables.Column(accessor="partner__name", verbose_name=_("Name"), orderable=False)
    currency = tables.Column(accessor="currency__code", verbose_name=_("Currency"), orderable=False)
    total_amount = MoneyColumn(verbose_name=_("Total"))
    paid_amount = MoneyColumn(verbose_name=_("Paid"))
    open = MoneyColumn(accessor="open_amount", verbose_name=_("Open"), orderable=False)

    class Meta(TaktTable.Meta):
        model = Invoice
        fields = (
            "number",
            "kind",
            "partner",
            "partner_name",
            "invoice_date",
            "due_date",
            "currency",
            "total_amount",
            "paid_amount",
            "open",
            "state",
        )


class PaymentTable(TaktTable):
    number = tables.Column(linkify=True)
    invoice = tables.Column(accessor="invoice__number", linkify=lambda record: record.invoice.get_absolute_url())
    partner = tables.Column(accessor="partner__code", verbose_name=_("Partner"), order_by=("partner__code",))
    amount = MoneyColumn()
    currency = tables.Column(accessor="invoice__currency__code", verbose_name=_("Currency"), orderable=False)

    class Meta(TaktTable.Meta):
        model = Payment
        fields = ("number", "direction", "date", "partner", "invoice", "amount", "currency", "reference")


class JournalEntryTable(TaktTable):
    number = tables.Column(linkify=True)
    debit = MoneyColumn(accessor="total_debit", verbose_name=_("Amount"), orderable=False)
    reversal_of = tables.Column(
        accessor="reversal_of__number",
        verbose_name=_("Reverses"),
        linkify=lambda record: record.reversal_of.get_absolute_url() if record.reversal_of_id else None,
    )

    class Meta(TaktTable.Meta):
        model = JournalEntry
        fields = ("number", "date", "source", "memo", "reference", "debit", "reversal_of", "posted_by")


class JournalLineTable(TaktTable):
    """Lines of one account (its ledger) or of one entry."""

    entry = tables.Column(
        accessor="entry__number", verbose_name=_("Entry"), linkify=lambda record: record.entry.get_absolute_url()
    )
    date = tables.Column(accessor="entry__date", verbose_name=_("Date"))
    account = tables.Column(linkify=True, order_by=("account__code",))
    debit = MoneyColumn()
    credit = MoneyColumn()
    partner = tables.Column(accessor="partner__code", verbose_name=_("Partner"))
    item = tables.Column(accessor="item__code", verbose_name=_("Item"))
    cost_center = tables.Column(accessor="cost_center__code", verbose_name=_("Cost center"))

    class Meta(TaktTable.Meta):
        model = JournalLine
        fields = ("entry", "date", "account", "debit", "credit", "description", "partner", "item", "cost_center")


class AccountTable(TaktTable):
    code = tables.Column(linkify=True)
    parent = tables.Column(accessor="parent__code", verbose_name=_("Parent"))
    # `role_list`: the roles mapped to the account, annotated by the list's queryset (one query).
    roles = tables.Column(accessor="role_list", verbose_name=_("Books"), orderable=False, default="")

    class Meta(TaktTable.Meta):
        model = Account
        fields = ("code", "name", "kind", "parent", "roles", "active")

    def render_roles(self, value) -> str:
        return ", ".join(sorted(str(AccountRole(role).label) for role in value if role))

    def value_roles(self, value) -> str:
        return self.render_roles(value)


class BudgetTable(TaktTable):
    period = tables.Column(
        accessor="pk",
        verbose_name=_("Month"),
        linkify=lambda record: record.get_absolute_url(),
        order_by=("year", "month"),
    )
    account = tables.Column(linkify=True, order_by=("account__code",))
    cost_center = tables.Column(accessor="cost_center__code", verbose_name=_("Cost center"))
    amount = MoneyColumn()

    class Meta(TaktTable.Meta):
        model = Budget
        fields = ("period", "account", "cost_center", "amount")

    def render_period(self, record) -> str:
        return f"{record.year}-{record.month:02d}"

    def value_period(self, record) -> str:
        return self.render_period(record)


class CostCenterTable(TaktTable):
    code = tables.Column(linkify=True)
    work_center = tables.Column(accessor="work_center__code", verbose_name=_("Work center"))

    class Meta(TaktTable.Meta):
        model = CostCenter
        fields = ("code", "name", "work_center")
