"""Finance forms: accounts and budgets (model forms), invoice drafts and manual entries (a header and a
formset of lines, handed to a service), payments, cancellations and reversals, and the report filters."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DATE, BootstrapWidgetsMixin, TaktModelForm
from core.models import Currency, Item, ItemCategory, Partner
from erp.choices import InvoiceKind
from erp.models import Account, Budget, CostCenter, TaxRate


def by_code(queryset, label, required: bool = False) -> forms.ModelChoiceField:
    """A record by the code typed into a text box; an unknown code is a field error."""
    return forms.ModelChoiceField(
        queryset,
        to_field_name="code",
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"placeholder": label, "autocomplete": "off"}),
        error_messages={"invalid_choice": _("There is no such code.")},
    )


def money(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=18, decimal_places=2, min_value=0, **kwargs)


def service_errors(form: forms.Form, line_forms: list[forms.Form], error: ValidationError) -> None:
    """A service's refusal onto the forms: `lines.2.quantity` onto the third line's field, the rest onto the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(line_forms):
            line_form = line_forms[int(parts[1])]
            if parts[2] in line_form.fields:
                line_form.add_error(parts[2], errors)
                continue
        form.add_error(name if name in form.fields else None, errors)


class AccountForm(TaktModelForm):
    class Meta:
        model = Account
        fields = ("code", "name", "kind", "parent", "active")


class CostCenterForm(TaktModelForm):
    class Meta:
        model = CostCenter
        fields = ("code", "name", "work_center")


class BudgetForm(TaktModelForm):
    class Meta:
        model = Budget
        fields = ("account", "cost_center", "year", "month", "amount")

    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2999)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(active=True).order_by("code")


# --- Invoices -----------------------------------------------------------------------------------------------


class InvoiceForm(BootstrapWidgetsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InvoiceKind.choices)
    partner = by_code(Partner.objects.filter(active=True), _("Partner code"), required=True)
    invoice_date = forms.DateField(label=_("Invoice date"), widget=DATE)
    due_date = forms.DateField(
        label=_("Due date"), widget=DATE, required=False, help_text=_("Empty: after the partner's payment terms.")
    )
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"),
        to_field_name="code",
        label=_("Currency"),
        required=False,
        help_text=_("Empty: the partner's currency; its rate on the invoice date."),
    )
    supplier_reference = forms.CharField(label=_("Supplier's invoice number"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice_date"].initial = timezone.localdate()


class InvoiceLineForm(BootstrapWidgetsMixin, forms.Form):
    item = by_code(Item.objects.all(), _("Item code"))
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=6)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=18, decimal_places=6, min_value=0)
    tax_rate = forms.ModelChoiceField(TaxRate.objects.order_by("code"), label=_("Tax"), required=False)
    account = by_code(Account.objects.all(), _("Account code"))


InvoiceLineFormSet = forms.formset_factory(InvoiceLineForm, extra=4)


class PaymentForm(BootstrapWidgetsMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0)
    date = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)
    reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)


class DatedForm(BootstrapWidgetsMixin, forms.Form):
    """The date a cancellation or reversal is booked on."""

    date = forms.DateField(label=_("Booked on"), widget=DATE, required=False, help_text=_("Empty: today."))


# --- Manual entries ---------------------------------------------------------------------------------------


class JournalEntryForm(BootstrapWidgetsMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    memo = forms.CharField(label=_("Memo"), max_length=255)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class JournalLineForm(BootstrapWidgetsMixin, forms.Form):
    account = by_code(Account.objects.all(), _("Account code"), required=True)
    debit = money(_("Debit"), required=False)
    credit = money(_("Credit"), required=False)
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    partner = by_code(Partner.objects.all(), _("Partner code"))
    cost_center = by_code(CostCenter.objects.all(), _("Cost center code"))


JournalLineFormSet = forms.formset_factory(JournalLineForm, extra=4)


# --- Report filters ---------------------------------------------------------------------------------------


class AsOfForm(BootstrapWidgetsMixin, forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=DATE)


class PeriodForm(BootstrapWidgetsMixin, forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE)
    date_to = forms.DateField(label=_("To"), widget=DATE)
    cost_center = by_code(CostCenter.objects.all(), _("Cost center code"))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", ValidationError(_("The period ends after it starts."), code="before_start"))
        return data


class AgingForm(AsOfForm):
    kind = forms.ChoiceField(
        label=_("Of"),
        choices=[(InvoiceKind.CUSTOMER, _("Receivables")), (InvoiceKind.SUPPLIER, _("Payables"))],
    )


class BudgetReportForm(BootstrapWidgetsMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2999)
    account = by_code(Account.objects.all(), _("Account code"))
    cost_center = by_code(CostCenter.objects.all(), _("Cost center code"))


class StockValuationForm(AsOfForm):
    category = by_code(ItemCategory.objects.all(), _("Item category code"))


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)
