"""Forms of the pipeline screens: an opportunity's fields (handed to its services), the stage it moves to,
the reason it was lost, and the pipeline's settings (stages, lost reasons, sales targets)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.forms import BootstrapWidgetsMixin, CodeField, TaktModelForm
from core.models import Contact, Currency, Partner
from crm.models import LostReason, Opportunity, SalesTarget, Stage
from crm.selectors.pipeline import open_stages

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]
CUSTOMERS = Partner.objects.filter(Q(kind=PartnerKind.CUSTOMER) | Q(kind=PartnerKind.BOTH))


def salespeople():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.partner.code}: {obj.name}"


def month_field(**kwargs) -> forms.DateField:
    """A month picked in the browser (`2026-11`), cleaned to its first day."""
    return forms.DateField(widget=MONTH, input_formats=MONTH_FORMATS, **kwargs)


class OpportunityForm(BootstrapWidgetsMixin, forms.Form):
    """An opportunity's fields; handed to opportunity_create / opportunity_update. The stage is chosen when it
    is created; afterwards it moves (board, stage select) and is won or lost with its own buttons."""

    name = forms.CharField(max_length=200, label=_("Name"))
    account = CodeField(CUSTOMERS, what=_("customer"), label=_("Customer code"))
    contact = ContactChoiceField(
        Contact.objects.filter(active=True).select_related("partner").order_by("partner__code", "name"),
        required=False,
        label=_("Contact"),
    )
    owner = UserChoiceField(salespeople(), label=_("Owner"))
    stage = forms.ModelChoiceField(open_stages(), label=_("Stage"), required=False, empty_label=_("(the first one)"))
    expected_revenue = forms.DecimalField(max_digits=18, decimal_places=2, min_value=0, label=_("Expected revenue"))
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"),
        required=False,
        label=_("Currency"),
        empty_label=_("(the customer's, else the company's)"),
    )
    close_date = forms.DateField(widget=DATE, label=_("Expected close date"))
    probability_pct = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        label=_("Probability %"),
        help_text=_("Empty: the stage's."),
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Description"))

    def __init__(self, *args, opportunity: Opportunity | None = None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if opportunity is not None:
            del self.fields["stage"]  # moved on the board, not edited
            for name in self.fields:
                value = getattr(opportunity, name)
                self.initial[name] = value.code if name == "account" else value
            self.fields["probability_pct"].help_text = _("Set back to the stage's when it moves.")
            if not opportunity.is_open:
                for name, field in self.fields.items():
                    field.disabled = name not in ("description", "contact")
        elif user is not None and user.is_authenticated:
            self.initial.setdefault("owner", user.pk)


class StageMoveForm(BootstrapWidgetsMixin, forms.Form):
    stage = forms.ModelChoiceField(Stage.objects.filter(active=True), label=_("Stage"))


class LoseForm(BootstrapWidgetsMixin, forms.Form):
    lost_reason = forms.ModelChoiceField(LostReason.objects.filter(active=True), label=_("Reason"))
    lost_note = forms.CharField(required=False, max_length=1000, label=_("Note"))


class ReopenForm(BootstrapWidgetsMixin, forms.Form):
    stage = forms.ModelChoiceField(
        open_stages(), required=False, label=_("Stage"), empty_label=_("(the last open stage)")
    )


class OwnerFilterForm(BootstrapWidgetsMixin, forms.Form):
    """The board's and the forecast's filter: one salesperson, or everyone."""

    owner = UserChoiceField(salespeople(), required=False, label=_("Owner"), empty_label=_("(everyone)"))


class ForecastForm(OwnerFilterForm):
    start = month_field(required=False, label=_("From month"), help_text=_("Default: this month."))
    months = forms.IntegerField(min_value=1, max_value=24, initial=6, required=False, label=_("Months"))


class StageForm(TaktModelForm):
    class Meta:
        model = Stage
        fields = ("name", "sequence", "probability_pct", "is_won", "is_lost", "active")


class LostReasonForm(TaktModelForm):
    class Meta:
        model = LostReason
        fields = ("code", "name", "active")


class SalesTargetForm(TaktModelForm):
    owner = UserChoiceField(salespeople(), required=False, label=_("Owner"), empty_label=_("(the whole team)"))
    month = month_field(label=_("Month"))

    class Meta:
        model = SalesTarget
        fields = ("owner", "month", "amount", "currency")
