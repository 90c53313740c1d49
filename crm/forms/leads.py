"""Forms of the lead screens: a lead's fields, its qualification, why it is disqualified, and its conversion
into an account (new, or the existing one it turned out to be), a contact and an opportunity."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.forms import BootstrapWidgetsMixin, CodeField
from core.models import Currency, Partner
from crm.forms.accounts import NOTES, UserChoiceField, active_users
from crm.models import QUALIFICATION, Lead, LeadSource, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CUSTOMERS = Partner.objects.filter(Q(kind=PartnerKind.CUSTOMER) | Q(kind=PartnerKind.BOTH), active=True)
NEW_ACCOUNT = "new"
# Conversion form fields that make the new account, by the name the service gives them.
NEW_ACCOUNT_FIELDS = {
    "code": "code",
    "account_name": "name",
    "currency": "currency",
    "parent": "parent",
    "payment_terms_days": "payment_terms_days",
    "credit_limit": "credit_limit",
}
OPPORTUNITY_FIELDS = {
    "opportunity_name": "name",
    "expected_revenue": "expected_revenue",
    "opportunity_currency": "currency",
    "close_date": "close_date",
    "stage": "stage",
}


class LeadForm(BootstrapWidgetsMixin, forms.Form):
    """A lead's fields; handed to lead_create / lead_update. On a new lead, possible duplicates are shown
    first and the lead is made once the user says it is a new one (`duplicates_seen`)."""

    company_name = forms.CharField(max_length=200, label=_("Company"))
    contact_name = forms.CharField(max_length=200, required=False, label=_("Contact person"))
    email = forms.EmailField(required=False, label=_("E-mail"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    vat_number = forms.CharField(max_length=40, required=False, label=_("VAT number"))
    country = forms.CharField(max_length=2, required=False, label=_("Country"), help_text=_("ISO code, e.g. DE."))
    source = forms.ChoiceField(choices=LeadSource.choices, initial=LeadSource.OTHER, label=_("Source"))
    owner = UserChoiceField(active_users(), required=False, label=_("Owner"), empty_label=_("(who records it)"))
    notes = forms.CharField(required=False, widget=NOTES, label=_("Notes"))
    duplicates_seen = forms.BooleanField(
        required=False, widget=forms.HiddenInput, label=_("Create it although it looks like a known company")
    )

    def __init__(self, *args, lead: Lead | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if lead is not None:
            del self.fields["duplicates_seen"]
            self.fields["owner"].empty_label = _("(nobody)")
            for name in self.fields:
                self.initial[name] = getattr(lead, name)

    def show_duplicates_seen(self) -> None:
        """Duplicates were found: the user now confirms with a box they can see."""
        self.fields["duplicates_seen"].widget = forms.CheckboxInput(attrs={"class": "form-check-input"})


class QualifyForm(BootstrapWidgetsMixin, forms.Form):
    need = forms.BooleanField(required=False, label=_("Need"), help_text=Lead._meta.get_field("need").help_text)
    budget = forms.BooleanField(required=False, label=_("Budget"), help_text=Lead._meta.get_field("budget").help_text)
    authority = forms.BooleanField(
        required=False, label=_("Authority"), help_text=Lead._meta.get_field("authority").help_text
    )
    timing = forms.BooleanField(required=False, label=_("Timing"), help_text=Lead._meta.get_field("timing").help_text)
    notes = forms.CharField(required=False, widget=NOTES, label=_("Notes"))

    def __init__(self, *args, lead: Lead | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if lead is not None:
            for name, _label in QUALIFICATION:
                self.initial[name] = getattr(lead, name)
            self.initial["notes"] = lead.qualification_notes


class DisqualifyForm(BootstrapWidgetsMixin, forms.Form):
    reason = forms.CharField(max_length=300, label=_("Reason"))


class ConvertForm(BootstrapWidgetsMixin, forms.Form):
    """Into which account (a new one, one of the matching ones, or another by its code), and whether with an
    opportunity; handed to lead_convert."""

    target = forms.ChoiceField(widget=forms.RadioSelect, label=_("Convert into"))
    account = CodeField(
        CUSTOMERS,
        what=_("active customer"),
        required=False,
        label=_("Or another existing account"),
        help_text=_("Its code; leave empty to use the choice above."),
    )
    code = forms.CharField(max_length=32, required=False, label=_("New account's code"))
    account_name = forms.CharField(max_length=200, required=False, label=_("New account's name"))
    parent = CodeField(CUSTOMERS, what=_("active customer"), required=False, label=_("Parent account code"))
    currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"), required=False, label=_("Currency"), empty_label=_("(the company's)")
    )
    payment_terms_days = forms.IntegerField(min_value=0, initial=30, label=_("Payment terms (days)"))
    credit_limit = forms.DecimalField(max_digits=18, decimal_places=2, min_value=0, initial=0, label=_("Credit limit"))
    create_opportunity = forms.BooleanField(required=False, label=_("Create an opportunity"))
    opportunity_name = forms.CharField(max_length=200, required=False, label=_("Opportunity"))
    expected_revenue = forms.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, label=_("Expected revenue")
    )
    opportunity_currency = forms.ModelChoiceField(
        Currency.objects.order_by("code"), required=False, label=_("Currency"), empty_label=_("(the account's)")
    )
    close_date = forms.DateField(widget=DATE, required=False, label=_("Expected close date"))
    stage = forms.ModelChoiceField(
        Stage.objects.filter(active=True, is_won=False, is_lost=False).order_by("sequence"),
        required=False,
        label=_("Stage"),
        empty_label=_("(the first one)"),
    )

    def __init__(self, *args, lead: Lead, matches: list[Partner], **kwargs):
        super().__init__(*args, **kwargs)
        self.matches = {str(account.pk): account for account in matches}
        self.fields["target"].choices = [
            *((pk, _("Merge into %(account)s") % {"account": account}) for pk, account in self.matches.items()),
            (NEW_ACCOUNT, _("A new account")),
        ]
        self.initial.setdefault("target", next(iter(self.matches), NEW_ACCOUNT))
        words = "".join(c if c.isalnum() else " " for c in lead.company_name.upper()).split()
        self.initial.setdefault("code", f"C-{words[0][:12]}" if words else "")
        self.initial.setdefault("account_name", lead.company_name)
        self.initial.setdefault("opportunity_name", lead.company_name)
        self.initial.setdefault("close_date", timezone.localdate() + datetime.timedelta(days=90))

    def existing_account(self) -> Partner | None:
        """The account chosen: typed by its code, else the matching one picked; None for a new account."""
        data = self.cleaned_data
        return data.get("account") or self.matches.get(data["target"])

    def new_account(self) -> dict:
        return {name: self.cleaned_data.get(field) for field, name in NEW_ACCOUNT_FIELDS.items()}

    def opportunity(self) -> dict:
        return {name: self.cleaned_data.get(field) for field, name in OPPORTUNITY_FIELDS.items()}

    @staticmethod
    def error_fields() -> dict[str, str]:
        """The service's error names (`new_account.code`, `opportunity.close_date`) as this form's fields."""
        return {
            **{f"new_account.{name}": field for field, name in NEW_ACCOUNT_FIELDS.items()},
            **{f"opportunity.{name}": field for field, name in OPPORTUNITY_FIELDS.items()},
        }
