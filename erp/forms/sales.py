"""Forms of the sales screens. Customers and items are typed (or scanned) by their code."""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.forms import BootstrapWidgetsMixin, CodeField, CodesShownMixin, TaktModelForm
from core.models import Currency, Item, Partner
from erp.models import PriceList, SalesForecast, TaxRate
from wms.models import Warehouse

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CUSTOMERS = Partner.objects.filter(Q(kind=PartnerKind.CUSTOMER) | Q(kind=PartnerKind.BOTH))


def _customer(**kwargs) -> CodeField:
    return CodeField(CUSTOMERS, what=_("customer"), label=_("Customer code"), **kwargs)


def _item(**kwargs) -> CodeField:
    return CodeField(Item.objects.filter(active=True), what=_("active item"), label=_("Item code"), **kwargs)


class SalesOrderForm(BootstrapWidgetsMixin, forms.Form):
    """An order's header; handed to sales_order_create / sales_order_update."""

    customer = _customer()
    customer_reference = forms.CharField(
        max_length=100, required=False, label=_("Customer reference"), help_text=_("The customer's PO number.")
    )
    order_date = forms.DateField(widget=DATE, required=False, label=_("Order date"), help_text=_("Default: today."))
    requested_date = forms.DateField(widget=DATE, label=_("Requested date"))
    promised_date = forms.DateField(widget=DATE, required=False, label=_("Promised date"))
    warehouse = forms.ModelChoiceField(Warehouse.objects.order_by("code"), label=_("Warehouse"))
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"),
        required=False,
        label=_("Currency"),
        empty_label=_("(the customer's, else the company's)"),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Notes"))

    def __init__(self, *args, order=None, locked: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        warehouses = list(Warehouse.objects.order_by("code")[:2])
        if order is not None:
            for name in self.fields:
                value = getattr(order, name)
                self.initial[name] = value.code if name == "customer" else value
        elif len(warehouses) == 1:
            self.initial.setdefault("warehouse", warehouses[0].pk)
        for name in locked:
            self.fields[name].disabled = True


class SalesOrderLineForm(BootstrapWidgetsMixin, forms.Form):
    item = _item()
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=6, min_value=0)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=18,
        decimal_places=6,
        min_value=0,
        required=False,
        help_text=_("Empty: from the price list."),
    )
    discount_pct = forms.DecimalField(
        label=_("Discount %"), max_digits=6, decimal_places=3, min_value=0, max_value=100, initial=0, required=False
    )
    tax_rate = forms.ModelChoiceField(TaxRate.objects.order_by("code"), required=False, label=_("Tax"))
    requested_date = forms.DateField(widget=DATE, required=False, label=_("Requested"))
    promised_date = forms.DateField(widget=DATE, required=False, label=_("Promised"))


class PriceListForm(CodesShownMixin, TaktModelForm):
    customer = _customer(required=False, help_text=_("Empty: the list is for every customer."))

    class Meta:
        model = PriceList
        fields = ("code", "name", "currency", "customer", "valid_from", "valid_to", "active")
        widgets = {"valid_from": DATE, "valid_to": DATE}


class PriceListItemForm(BootstrapWidgetsMixin, forms.Form):
    item = _item()
    min_quantity = forms.DecimalField(
        label=_("From quantity"), max_digits=18, decimal_places=6, min_value=0, initial=0, required=False
    )
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=18, decimal_places=6, min_value=0)


class SalesForecastForm(CodesShownMixin, TaktModelForm):
    item = _item()
    customer = _customer(required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=6, min_value=Decimal("0.000001"))

    class Meta:
        model = SalesForecast
        fields = ("reference", "item", "customer", "due_date", "quantity")
        widgets = {"due_date": DATE}
