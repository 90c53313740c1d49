from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from erp.choices import AccountKind, AccountRole, InvoiceKind, InvoiceState, JournalSource, PaymentDirection

MONEY = {"max_digits": 18, "decimal_places": 2}


class Account(TaktModel):
    """An account of the chart of accounts, in the company currency."""

    code = code_field(20)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AccountMapping(TaktModel):
    """Which account books a posting role, for one item category or (no category) by default."""

    role = models.CharField(max_length=32, choices=AccountRole.choices)
    category = models.ForeignKey("core.ItemCategory", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="mappings")

    class Meta:
        ordering = ["role", "category__code"]
        constraints = [
            models.UniqueConstraint(fields=["role", "category"], nulls_distinct=False, name="account_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.category or _('default')}) → {self.account}"


class CostCenter(TaktModel):
    code = code_field()
    name = models.CharField(max_length=200)
    work_center = models.OneToOneField(
        "core.WorkCenter", null=True, blank=True, on_delete=models.SET_NULL, related_name="cost_center"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TaxRate(TaktModel):
    code = code_field()
    name = models.CharField(max_length=100)
    rate_pct = models.DecimalField(max_digits=6, decimal_places=3)

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(rate_pct__gte=0), name="tax_rate_not_negative")]

    def __str__(self) -> str:
        return f"{self.code} ({self.rate_pct.normalize()}%)"


class ImmutableError(ValidationError):
    pass


class JournalEntry(models.Model):
    """A posted double-entry record. Never changed or deleted: corrections are reversals."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    date = models.DateField(db_index=True)
    memo = models.CharField(max_length=255)
    source = models.CharField(max_length=32, choices=JournalSource.choices)
    reference = models.CharField(max_length=100, blank=True, db_index=True, help_text=_("The source document."))
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.number} {self.memo}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError(_("A posted journal entry cannot be changed; reverse it instead."))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("erp:journalentry_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ImmutableError(_("A posted journal entry cannot be deleted; reverse it instead."))


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = models.DecimalField(**MONEY, default=Decimal("0"))
    credit = models.DecimalField(**MONEY, default=Decimal("0"))
    description = models.CharField(max_length=255, blank=True)
    partner = models.ForeignKey("core.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("core.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cost_center = models.ForeignKey(CostCenter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["entry", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(debit__gte=0) & Q(credit__gte=0), name="journal_line_not_negative"),
            models.CheckConstraint(condition=Q(debit=0) | Q(credit=0), name="journal_line_one_side"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="journal_line_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "entry"], name="journal_line_account_idx")]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account.code} {side}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError(_("A posted journal line cannot be changed; reverse its entry instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(_("A posted journal line cannot be deleted; reverse its entry instead."))


class Invoice(TaktModel):
    """A customer invoice (receivable) or a supplier invoice (payable)."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices)
    partner = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="+")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    exchange_rate = models.DecimalField(
        max_digits=18, decimal_places=8, default=Decimal("1"), help_text=_("Company currency per unit.")
    )
    invoice_date = models.DateField()
    due_date = models.DateField()
    supplier_reference = models.CharField(max_length=100, blank=True, help_text=_("The supplier's invoice number."))
    state = models.CharField(max_length=16, choices=InvoiceState.choices, default=InvoiceState.DRAFT)
    sales_order = models.ForeignKey(
        "erp.SalesOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    purchase_order = models.ForeignKey(
        "erp.PurchaseOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    net_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    tax_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    total_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    paid_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    journal_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice"
    )

    class Meta:
        ordering = ["-invoice_date", "-number"]
        constraints = [
            models.CheckConstraint(condition=Q(paid_amount__lte=F("total_amount")), name="invoice_not_overpaid"),
            models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="invoice_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.partner.code}"

    @property
    def open_amount(self) -> Decimal:
        return self.total_amount - self.paid_amount


class InvoiceLine(TaktModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    item = models.ForeignKey("core.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=255, blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    unit_price = models.DecimalField(max_digits=18, decimal_places=6, help_text=_("In the invoice currency."))
    tax_rate = models.ForeignKey(TaxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    net_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    tax_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", help_text=_("Revenue, GRNI or expense account booked.")
    )
    sales_order_line = models.ForeignKey(
        "erp.SalesOrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    purchase_order_line = models.ForeignKey(
        "erp.PurchaseOrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.invoice.number}/{self.position}"

    def get_absolute_url(self) -> str:
        return self.invoice.get_absolute_url()


class Payment(TaktModel):
    """Money received from a customer or paid to a supplier, settling one invoice (in full or in part)."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    direction = models.CharField(max_length=16, choices=PaymentDirection.choices)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    partner = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    amount = models.DecimalField(**MONEY, help_text=_("In the invoice currency."))
    reference = models.CharField(max_length=100, blank=True, help_text=_("Bank reference."))
    journal_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )

    class Meta:
        ordering = ["-date", "-number"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.number} {self.amount} {self.invoice.number}"


class Budget(TaktModel):
    """The amount planned for an account (optionally one cost center) in one month."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="budgets")
    cost_center = models.ForeignKey(CostCenter, null=True, blank=True, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    amount = models.DecimalField(
        **MONEY, help_text=_("Debit-positive for expenses and assets, credit-positive for income.")
    )

    class Meta:
        ordering = ["year", "month", "account__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "cost_center", "year", "month"], nulls_distinct=False, name="budget_unique_period"
            ),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="budget_month_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.year}-{self.month:02d}: {self.amount}"
