"""Forms of the purchasing screens. They only collect input: the services decide, and their refusals
are put back onto the form (`core.forms.add_service_errors`)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.formatting import format_quantity
from core.forms import BootstrapWidgetsMixin, CodeField
from core.models import Currency, Item, Partner
from erp.models import PurchaseOrder, PurchaseOrderLine, TaxRate
from erp.selectors.purchasing import InvoiceProposal
from wms.models import Warehouse

QUANTITY = {"max_digits": 18, "decimal_places": 6}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _quantity(value: Decimal | None) -> str:
    return format_quantity(value) if value is not None else ""


class PurchaseOrderForm(BootstrapWidgetsMixin, forms.Form):
    """The header of a draft order; its lines are edited on the order's page."""

    supplier = forms.ModelChoiceField(
        Partner.objects.filter(kind__in=(PartnerKind.SUPPLIER, PartnerKind.BOTH), active=True).order_by("code"),
        label=_("Supplier"),
    )
    warehouse = forms.ModelChoiceField(
        Warehouse.objects.order_by("code"), label=_("Warehouse"), help_text=_("Where the goods are received.")
    )
    order_date = forms.DateField(label=_("Order date"), widget=DATE)
    expected_date = forms.DateField(
        label=_("Expected date"),
        widget=DATE,
        required=False,
        help_text=_("When the goods are due; empty: the order date plus the supplier's lead time."),
    )
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"),
        label=_("Currency"),
        required=False,
        empty_label=_("(the supplier's, else the company's)"),
        help_text=_("Prices are in this currency, converted at the rate of the order date."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, order: PurchaseOrder | None = None, **kwargs):
        if order is not None:
            kwargs.setdefault(
                "initial",
                {
                    "supplier": order.supplier_id,
                    "warehouse": order.warehouse_id,
                    "order_date": order.order_date,
                    "expected_date": order.expected_date,
                    "currency": order.currency_id,
                    "notes": order.notes,
                },
            )
        super().__init__(*args, **kwargs)
        if order is None:
            self.fields["order_date"].initial = timezone.localdate()
            warehouses = list(Warehouse.objects.order_by("code")[:2])
            if len(warehouses) == 1:
                self.fields["warehouse"].initial = warehouses[0].pk


class PurchaseOrderLineForm(BootstrapWidgetsMixin, forms.Form):
    item = CodeField(Item.objects.all(), what=_("item"), label=_("Item code"))
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.000001"), **QUANTITY)
    unit_price = forms.DecimalField(label=_("Unit price"), min_value=0, **QUANTITY)
    tax_rate = forms.ModelChoiceField(
        TaxRate.objects.order_by("code"), label=_("Tax"), required=False, empty_label=_("(none)")
    )
    expected_date = forms.DateField(label=_("Expected date"), widget=DATE, required=False)


class ConfirmForm(BootstrapWidgetsMixin, forms.Form):
    """The supplier's confirmation: its reference and the dates it promises (per line when they differ)."""

    supplier_reference = forms.CharField(label=_("Supplier's reference"), max_length=100)
    expected_date = forms.DateField(label=_("Expected date"), widget=DATE, required=False)

    def __init__(self, *args, order: PurchaseOrder, lines: list[PurchaseOrderLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier_reference"].initial = order.supplier_reference
        self.fields["expected_date"].initial = order.expected_date
        self.line_fields = []
        for line in lines:
            name = f"line_{line.position}"
            self.fields[name] = forms.DateField(
                label=_("Line %(position)s %(item)s") % {"position": line.position, "item": line.item.code},
                widget=DATE,
                required=False,
                initial=line.expected_date or order.expected_date,
            )
            self.line_fields.append((line, name))

    def line_dates(self) -> dict[int, object]:
        """The line dates the supplier moved: only those changed here, so the others keep following the order's."""
        return {
            line.position: self.cleaned_data[name]
            for line, name in self.line_fields
            if name in self.changed_data and self.cleaned_data.get(name)
        }


class SupplierInvoiceForm(BootstrapWidgetsMixin, forms.Form):
    """A supplier's invoice for an order: per line the quantity and price billed, prefilled with what was
    received and not billed yet at the order price. Lines left at zero are not on the invoice."""

    supplier_reference = forms.CharField(label=_("Supplier's invoice number"), max_length=100)
    invoice_date = forms.DateField(label=_("Invoice date"), widget=DATE)

    def __init__(self, *args, proposal: list[InvoiceProposal], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice_date"].initial = timezone.localdate()
        self.proposal = proposal
        for row in proposal:
            pk = row.line.pk
            self.fields[f"quantity_{pk}"] = forms.DecimalField(
                label=_("Quantity of line %(position)s") % {"position": row.line.position},
                min_value=0,
                required=False,
                initial=_quantity(row.quantity),
                **QUANTITY,
            )
            self.fields[f"price_{pk}"] = forms.DecimalField(
                label=_("Unit price of line %(position)s") % {"position": row.line.position},
                min_value=0,
                required=False,
                initial=_quantity(row.unit_price),
                **QUANTITY,
            )

    @property
    def rows(self):
        """(proposal, quantity field, price field) per order line, for the template."""
        return [(row, self[f"quantity_{row.line.pk}"], self[f"price_{row.line.pk}"]) for row in self.proposal]

    def clean(self):
        cleaned = super().clean()
        lines = []
        for row in self.proposal:
            quantity = cleaned.get(f"quantity_{row.line.pk}")
            if not quantity:
                continue
            price = cleaned.get(f"price_{row.line.pk}")
            if price is None:
                self.add_error(f"price_{row.line.pk}", _("Enter the invoiced price."))
                continue
            lines.append((row.line, quantity, price))
        if not lines and not self.errors:
            raise ValidationError(_("Enter the quantity billed on at least one line."), code="required")
        cleaned["lines"] = lines
        return cleaned
