"""Forms of the supplier screens. They only collect input: the services decide, and their refusals are put
back onto the form (`core.forms.add_service_errors`)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.forms import BootstrapWidgetsMixin, CodeField
from core.models import Currency, Item, Partner
from srm.models import Approval, Certificate, CertificateKind, SupplierItem

QUANTITY = {"max_digits": 18, "decimal_places": 6}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def supplier_choices():
    return Partner.objects.filter(kind__in=(PartnerKind.SUPPLIER, PartnerKind.BOTH)).order_by("code")


class SupplierItemTermsForm(BootstrapWidgetsMixin, forms.Form):
    """A source's terms, as they are changed on its "Edit" page."""

    supplier_part_number = forms.CharField(label=_("Supplier's part number"), max_length=100, required=False)
    lead_time_days = forms.IntegerField(label=_("Lead time (days)"), min_value=0)
    min_order_qty = forms.DecimalField(label=_("Minimum order quantity"), min_value=0, initial=0, **QUANTITY)
    order_multiple = forms.DecimalField(
        label=_("Order multiple"), min_value=0, initial=0, help_text=_("0 for any quantity."), **QUANTITY
    )
    currency = forms.ModelChoiceField(Currency.objects.order_by("code"), label=_("Currency"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, supplier_item: SupplierItem | None = None, **kwargs):
        if supplier_item is not None:
            current = {name: getattr(supplier_item, name) for name in self.base_fields}
            kwargs["initial"] = {**current, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)


class SupplierItemForm(SupplierItemTermsForm):
    """A new source: who supplies which item, our approval of them for it, and the terms. Lead time and
    currency default to the supplier's."""

    supplier = forms.ModelChoiceField(supplier_choices(), label=_("Supplier"))
    item = CodeField(Item.objects.all(), what=_("item"), label=_("Item code"))
    approval = forms.ChoiceField(label=_("Approval"), choices=Approval.choices, initial=Approval.PENDING)
    preferred = forms.BooleanField(
        label=_("Preferred source"),
        required=False,
        help_text=_("Approved sources only; the item's other one is unset."),
    )
    field_order = ["supplier", "item", "supplier_part_number", "approval", "preferred"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_time_days"].required = False
        self.fields["lead_time_days"].help_text = _("Empty: the supplier's.")
        self.fields["currency"].required = False
        self.fields["currency"].empty_label = _("(the supplier's, else the company's)")


class ApprovalForm(BootstrapWidgetsMixin, forms.Form):
    approval = forms.ChoiceField(label=_("Approval"), choices=Approval.choices)


class SupplierPriceForm(BootstrapWidgetsMixin, forms.Form):
    min_quantity = forms.DecimalField(label=_("From quantity"), min_value=0, initial=0, **QUANTITY)
    unit_price = forms.DecimalField(label=_("Unit price"), min_value=0, **QUANTITY)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE, required=False)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE, required=False)


class CertificateDetailsForm(BootstrapWidgetsMixin, forms.Form):
    """A certificate's details, as they are corrected on its "Edit" page (its validity changes by renewal)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CertificateKind.choices)
    number = forms.CharField(label=_("Number"), max_length=100)
    issued_by = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    blocks_purchasing = forms.BooleanField(
        label=_("Required"),
        required=False,
        help_text=_("Purchasing from the supplier is blocked from the day after it expires."),
    )
    document = forms.FileField(label=_("Document"), required=False, help_text=_("A PDF or scan of the certificate."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, certificate: Certificate | None = None, **kwargs):
        if certificate is not None:
            current = {name: getattr(certificate, name) for name in self.base_fields if name != "document"}
            kwargs["initial"] = {**current, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)


class CertificateForm(CertificateDetailsForm):
    supplier = forms.ModelChoiceField(supplier_choices(), label=_("Supplier"))
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE, help_text=_("The last day it is valid."))
    field_order = ["supplier", "kind", "number", "issued_by", "valid_from", "valid_to", "blocks_purchasing"]


class CertificateRenewForm(BootstrapWidgetsMixin, forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE, help_text=_("Later than the current expiry."))
    number = forms.CharField(label=_("Number"), max_length=100, required=False, help_text=_("Empty: the number stays."))
    document = forms.FileField(label=_("Document"), required=False)


class SourceQueryForm(BootstrapWidgetsMixin, forms.Form):
    """What the item's sources page prices and picks for: a quantity on a day."""

    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.000001"), **QUANTITY)
    on = forms.DateField(label=_("On"), widget=DATE)
