"""Forms of the quote screens. Customers and items are typed (or scanned) by their code, opportunities by
their number."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.forms import BootstrapWidgetsMixin, CodeField
from core.models import Contact, Currency, Item, Partner
from crm.models import Opportunity, OpportunityState, Quote
from erp.models import PriceList, TaxRate
from wms.models import Warehouse

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CUSTOMERS = Partner.objects.filter(Q(kind=PartnerKind.CUSTOMER) | Q(kind=PartnerKind.BOTH))
QUANTITY = {"max_digits": 18, "decimal_places": 6}


class QuoteForm(BootstrapWidgetsMixin, forms.Form):
    """A quote's header; handed to quote_create / quote_update. The account is fixed once the quote exists."""

    account = CodeField(CUSTOMERS, what=_("customer"), label=_("Customer code"))
    contact = forms.ModelChoiceField(
        Contact.objects.filter(active=True).select_related("partner"), required=False, label=_("Contact")
    )
    opportunity = forms.ModelChoiceField(
        Opportunity.objects.filter(state=OpportunityState.OPEN),
        to_field_name="number",
        required=False,
        label=_("Opportunity number"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid_choice": _("There is no open opportunity %(value)s.")},
    )
    price_list = forms.ModelChoiceField(
        PriceList.objects.filter(active=True).select_related("customer").order_by("code"),
        required=False,
        label=_("Price list"),
        empty_label=_("(the customer's lists, then the general ones)"),
    )
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"),
        required=False,
        label=_("Currency"),
        empty_label=_("(the price list's, else the customer's, else the company's)"),
    )
    warehouse = forms.ModelChoiceField(
        Warehouse.objects.order_by("code"), required=False, label=_("Ships from"), empty_label=_("(the first one)")
    )
    quote_date = forms.DateField(widget=DATE, required=False, label=_("Quote date"), help_text=_("Default: today."))
    valid_until = forms.DateField(
        widget=DATE, required=False, label=_("Valid until"), help_text=_("Default: 30 days from the quote date.")
    )
    requested_date = forms.DateField(widget=DATE, label=_("Requested delivery"))
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Notes"), help_text=_("Printed on the quote.")
    )

    def __init__(self, *args, quote: Quote | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if quote is None:
            return
        for name in self.fields:
            value = getattr(quote, name)
            self.initial[name] = value.code if name == "account" else value
        self.initial["opportunity"] = quote.opportunity.number if quote.opportunity_id else ""
        self.fields["account"].disabled = True
        self.fields["contact"].queryset = quote.account.contacts.filter(active=True).select_related("partner")
        # Its own opportunity stays choosable once won (a quote revised after the deal was marked won).
        self.fields["opportunity"].queryset = Opportunity.objects.filter(
            Q(state=OpportunityState.OPEN) | Q(pk=quote.opportunity_id)
        )


class QuoteLineForm(BootstrapWidgetsMixin, forms.Form):
    item = CodeField(Item.objects.filter(active=True), what=_("active item"), label=_("Item code"))
    quantity = forms.DecimalField(label=_("Quantity"), **QUANTITY, min_value=0)
    unit_price = forms.DecimalField(
        label=_("Unit price"), **QUANTITY, min_value=0, required=False, help_text=_("Empty: from the price list.")
    )
    discount_pct = forms.DecimalField(
        label=_("Discount %"), max_digits=6, decimal_places=3, min_value=0, max_value=100, initial=0, required=False
    )
    tax_rate = forms.ModelChoiceField(TaxRate.objects.order_by("code"), required=False, label=_("Tax"))
    promised_date = forms.DateField(widget=DATE, required=False, label=_("Promised"))
