"""Forms of the accounts screens: an account's contacts and addresses, and the activities logged and tasks
planned on an account, a lead or an opportunity. Each is handed to a service of crm.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapWidgetsMixin
from core.models import AddressKind, Contact, Partner
from crm.models import Activity, ActivityKind

# The browser's own picker; the value it posts ("2026-11-22T14:30") is what Django's DateTimeField reads.
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
NOTES = forms.Textarea(attrs={"rows": 3})
LOGGED_KINDS = [(kind.value, kind.label) for kind in ActivityKind if kind != ActivityKind.TASK]


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ContactForm(BootstrapWidgetsMixin, forms.Form):
    """A contact's fields; handed to contact_create / contact_update."""

    name = forms.CharField(max_length=200, label=_("Name"))
    job_title = forms.CharField(max_length=100, required=False, label=_("Job title"))
    email = forms.EmailField(required=False, label=_("E-mail"))
    phone = forms.CharField(max_length=40, required=False, label=_("Phone"))
    is_primary = forms.BooleanField(required=False, label=_("Primary contact"))
    active = forms.BooleanField(required=False, initial=True, label=_("Active"), help_text=_("Off: left the company."))
    notes = forms.CharField(required=False, widget=NOTES, label=_("Notes"))

    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if contact is None:
            del self.fields["active"]  # a new contact is an active one
        else:
            for name in self.fields:
                self.initial[name] = getattr(contact, name)


class AddressForm(BootstrapWidgetsMixin, forms.Form):
    """An address's fields; handed to address_create / address_update."""

    kind = forms.ChoiceField(choices=AddressKind.choices, initial=AddressKind.SHIPPING, label=_("Kind"))
    name = forms.CharField(max_length=200, label=_("Name"), help_text=_("Who or what is there, e.g. Plant Lyon."))
    street = forms.CharField(max_length=200, label=_("Street"))
    city = forms.CharField(max_length=100, label=_("City"))
    postal_code = forms.CharField(max_length=20, required=False, label=_("Postal code"))
    country = forms.CharField(max_length=2, min_length=2, label=_("Country"), help_text=_("ISO code, e.g. DE."))
    is_default = forms.BooleanField(required=False, label=_("Default for its kind"))

    def __init__(self, *args, address=None, **kwargs):
        super().__init__(*args, **kwargs)
        if address is not None:
            for name in self.fields:
                self.initial[name] = getattr(address, name)


class _ActivityFormMixin:
    """The contact select offers the account's active contacts (none for a lead not converted yet)."""

    def _contacts_of(self, account: Partner | None) -> None:
        contacts = Contact.objects.none() if account is None else account.contacts.filter(active=True).order_by("name")
        self.fields["contact"].queryset = contacts
        if account is None:
            del self.fields["contact"]


class ActivityLogForm(_ActivityFormMixin, BootstrapWidgetsMixin, forms.Form):
    """A call, meeting, e-mail or note; handed to activity_log."""

    kind = forms.ChoiceField(choices=LOGGED_KINDS, initial=ActivityKind.CALL, label=_("Kind"))
    subject = forms.CharField(max_length=200, label=_("Subject"))
    occurred_at = forms.DateTimeField(widget=DATETIME, required=False, label=_("When"), help_text=_("Empty: now."))
    contact = forms.ModelChoiceField(Contact.objects.none(), required=False, label=_("With"))
    notes = forms.CharField(required=False, widget=NOTES, label=_("Notes"))

    def __init__(self, *args, account: Partner | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._contacts_of(account)


class TaskForm(_ActivityFormMixin, BootstrapWidgetsMixin, forms.Form):
    """Something to do by a date, for someone; handed to task_create."""

    subject = forms.CharField(max_length=200, label=_("Task"))
    due_at = forms.DateTimeField(widget=DATETIME, label=_("Due"))
    owner = UserChoiceField(active_users(), label=_("Owner"))
    contact = forms.ModelChoiceField(Contact.objects.none(), required=False, label=_("With"))
    notes = forms.CharField(required=False, widget=NOTES, label=_("Notes"))

    def __init__(self, *args, account: Partner | None = None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._contacts_of(account)
        if user is not None:
            self.initial.setdefault("owner", user.pk)


class ActivityEditForm(_ActivityFormMixin, BootstrapWidgetsMixin, forms.Form):
    """What activity_update may change: a logged activity's time, a task's due date, and either's owner,
    contact, subject and notes."""

    subject = forms.CharField(max_length=200, label=_("Subject"))
    occurred_at = forms.DateTimeField(widget=DATETIME, label=_("When"))
    due_at = forms.DateTimeField(widget=DATETIME, label=_("Due"))
    owner = UserChoiceField(active_users(), required=False, label=_("Owner"))
    contact = forms.ModelChoiceField(Contact.objects.none(), required=False, label=_("With"))
    notes = forms.CharField(required=False, widget=NOTES, label=_("Notes"))

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["occurred_at" if activity.is_task else "due_at"]
        if activity.is_task:
            self.fields["owner"].required = True
        self._contacts_of(activity.account)
        for name in self.fields:
            self.initial[name] = getattr(activity, name)
