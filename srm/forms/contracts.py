"""Forms of the contract screens. They only collect input: the services decide, and their refusals are put
back onto the form (`core.forms.add_service_errors`)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapWidgetsMixin, CodeField
from core.models import Currency, Item
from srm.forms.sourcing import DATE, POSITIVE, QUANTITY, active_suppliers, warehouse_field
from srm.models import Contract
from srm.selectors.sourcing import ContractLineRemaining


class ContractForm(BootstrapWidgetsMixin, forms.Form):
    """The header of a contract; its lines are edited on its page while it is a draft."""

    supplier = forms.ModelChoiceField(active_suppliers(), label=_("Supplier"))
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE)
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"),
        label=_("Currency"),
        required=False,
        empty_label=_("(the supplier's, else the company's)"),
    )
    terms = forms.CharField(label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, contract: Contract | None = None, **kwargs):
        if contract is not None:
            kwargs.setdefault(
                "initial",
                {
                    "supplier": contract.supplier_id,
                    "valid_from": contract.valid_from,
                    "valid_to": contract.valid_to,
                    "currency": contract.currency_id,
                    "terms": contract.terms,
                },
            )
        super().__init__(*args, **kwargs)


class ContractLineForm(BootstrapWidgetsMixin, forms.Form):
    item = CodeField(Item.objects.all(), what=_("item"), label=_("Item code"))
    quantity = forms.DecimalField(label=_("Quantity agreed"), min_value=POSITIVE, **QUANTITY)
    unit_price = forms.DecimalField(label=_("Unit price"), min_value=0, **QUANTITY)


class CallOffForm(BootstrapWidgetsMixin, forms.Form):
    """Per contract line the quantity called off now (empty: none) and when it is wanted, and where the
    order is received."""

    def __init__(self, *args, remaining: list[ContractLineRemaining], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = warehouse_field()
        self.remaining = [row for row in remaining if row.remaining_qty > 0]
        for row in self.remaining:
            pk = row.line.pk
            self.fields[f"quantity_{pk}"] = forms.DecimalField(
                label=_("Quantity of %(item)s") % {"item": row.line.item.code},
                min_value=POSITIVE,
                required=False,
                **QUANTITY,
            )
            self.fields[f"date_{pk}"] = forms.DateField(
                label=_("Wanted on, %(item)s") % {"item": row.line.item.code}, widget=DATE, required=False
            )

    @property
    def rows(self):
        """(remaining row, quantity field, date field) per line with something left, for the template."""
        return [(row, self[f"quantity_{row.line.pk}"], self[f"date_{row.line.pk}"]) for row in self.remaining]

    def clean(self):
        cleaned = super().clean()
        lines = []
        for row in self.remaining:
            quantity: Decimal | None = cleaned.get(f"quantity_{row.line.pk}")
            if quantity:
                lines.append(
                    {"item": row.line.item, "quantity": quantity, "expected_date": cleaned.get(f"date_{row.line.pk}")}
                )
        if not lines and not self.errors:
            raise forms.ValidationError(_("Enter the quantity of at least one item."), code="required")
        cleaned["lines"] = lines
        return cleaned
