"""Forms of the service screens: opening and changing a case, the texts its steps ask for (an answer, a
question to the customer, the resolution, why it is reopened, a note), an RMA with its lines, and SLA
policies. Customers and items are typed (or scanned) by their code, sales orders by their number, lots and
serials by their code."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.forms import BootstrapWidgetsMixin, CodeField, CodesShownMixin, TaktModelForm
from core.models import Contact, Item, Partner
from crm.models import CasePriority, ServiceCase, SlaPolicy
from erp.models import SalesOrder
from wms.models import Lot, Warehouse

CUSTOMERS = Partner.objects.filter(Q(kind=PartnerKind.CUSTOMER) | Q(kind=PartnerKind.BOTH))
QUANTITY = {"max_digits": 18, "decimal_places": 6}
TEXT = forms.Textarea(attrs={"rows": 3})


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class CaseForm(BootstrapWidgetsMixin, forms.Form):
    """A case's header; handed to case_open (or, on a case, case_update). The customer is fixed once open."""

    account = CodeField(CUSTOMERS, what=_("customer"), label=_("Customer code"))
    subject = forms.CharField(max_length=200, label=_("Subject"))
    description = forms.CharField(required=False, widget=TEXT, label=_("What the customer reports"))
    priority = forms.ChoiceField(choices=CasePriority.choices, initial=CasePriority.NORMAL, label=_("Priority"))
    serial = forms.CharField(
        max_length=64,
        required=False,
        label=_("Serial or lot number"),
        help_text=_("As the customer reads it from the unit: the unit is found by it."),
    )
    item = CodeField(Item.objects.all(), what=_("item"), required=False, label=_("Item code"))
    contact = forms.ModelChoiceField(
        Contact.objects.filter(active=True).select_related("partner"), required=False, label=_("Contact")
    )
    sales_order = forms.ModelChoiceField(
        SalesOrder.objects.all(),
        to_field_name="number",
        required=False,
        label=_("Sales order"),
        help_text=_("Empty: the order the unit was shipped on."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid_choice": _("There is no sales order %(value)s.")},
    )
    owner = forms.ModelChoiceField(_users(), required=False, label=_("Owner"), to_field_name="username")

    def __init__(self, *args, case: ServiceCase | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()
        if case is None:
            return
        for name in ("subject", "description", "priority", "serial", "contact"):
            self.initial[name] = getattr(case, name)
        self.initial.update(
            account=case.account.code,
            item=case.item.code if case.item_id else "",
            sales_order=case.sales_order.number if case.sales_order_id else "",
            owner=case.owner.username if case.owner_id else "",
        )
        self.fields["account"].disabled = True
        self.fields["contact"].queryset = case.account.contacts.filter(active=True).select_related("partner")
        self.fields["sales_order"].help_text = ""
        self.fields["note"] = forms.CharField(required=False, widget=TEXT, label=_("Note"))


def _text_form(name: str, label, help_text="", required: bool = True) -> type[forms.Form]:
    field = forms.CharField(required=required, widget=TEXT, label=label, help_text=help_text)
    return type(f"{name.title()}Form", (BootstrapWidgetsMixin, forms.Form), {name: field})


RespondForm = _text_form("text", _("Answer to the customer"))
WaitForm = _text_form("text", _("What the customer is asked for"), _("The resolution clock stands until they answer."))
ResumeForm = _text_form("text", _("What the customer answered"), required=False)
ResolveForm = _text_form("resolution", _("Resolution"))
ReopenForm = _text_form("reason", _("Why it is reopened"))
NoteForm = _text_form("note", _("Note"))


class SuspectForm(forms.Form):
    """The component lot of the unit to trace forward (`?suspect=<lot id>` on the case page)."""

    suspect = forms.ModelChoiceField(Lot.objects.none(), required=False, label=_("Trace from this component lot"))

    def __init__(self, *args, components=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["suspect"]
        field.queryset = Lot.objects.filter(pk__in=[record.lot.pk for record in components])
        field.label_from_instance = lambda lot: f"{lot.item.code} {lot.code}"
        field.widget.attrs["class"] = "form-select form-select-sm"


class RmaForm(BootstrapWidgetsMixin, forms.Form):
    warehouse = forms.ModelChoiceField(
        Warehouse.objects.exclude(quality_location=None).order_by("code"),
        required=False,
        label=_("Comes back to"),
        empty_label=_("(the warehouse the order shipped from)"),
    )
    note = forms.CharField(required=False, widget=TEXT, label=_("Note"))


class RmaLineForm(BootstrapWidgetsMixin, forms.Form):
    """One returned item: its lot or serial by code, found among the item's lots."""

    item = CodeField(Item.objects.all(), what=_("item"), label=_("Item code"))
    lot = forms.CharField(max_length=64, required=False, label=_("Serial or lot"))
    quantity = forms.DecimalField(**QUANTITY, min_value=0, label=_("Quantity"))
    reason = forms.CharField(max_length=255, label=_("Reason"))

    def clean(self):
        data = super().clean()
        code, item = (data.get("lot") or "").strip(), data.get("item")
        data["lot"] = None
        if code and item is not None:
            data["lot"] = Lot.objects.filter(item=item, code=code).select_related("item").first()
            if data["lot"] is None:
                self.add_error("lot", _("%(item)s has no lot %(lot)s.") % {"item": item.code, "lot": code})
        return data


RmaLineFormSet = forms.formset_factory(RmaLineForm, extra=3, min_num=1, validate_min=True)


class SlaPolicyForm(CodesShownMixin, TaktModelForm):
    customer = CodeField(CUSTOMERS, what=_("customer"), required=False, label=_("Customer code"))

    class Meta:
        model = SlaPolicy
        fields = (
            "code",
            "name",
            "customer",
            "priority",
            "first_response_hours",
            "resolution_hours",
            "clock",
            "calendar",
            "active",
        )
