"""FilterSets of the accounts lists, shared by the screens and the API (`?country=DE&parent=C-MEDIA`,
`/activities/?account=C-MEDIA&open_tasks=true`)."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind
from core.filtersets import SearchFilterSet, code_filter, datetime_range_filter
from core.forms import FilterForm
from core.models import Contact, Currency, Partner
from crm.models import Activity, ActivityKind, Lead, Opportunity


def owner_filter(field_name: str = "owner") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.order_by("username"),
        to_field_name="username",
        field_name=field_name,
        label=_("Owner"),
    )


class AccountFilterSet(SearchFilterSet):
    """Customer accounts by kind, country, currency, parent, activity; searched by code, name, e-mail, VAT
    number, city and their contacts' names."""

    search_fields = ("code", "name", "email", "vat_number", "city", "contacts__name")
    kind = django_filters.ChoiceFilter(
        choices=[
            (PartnerKind.CUSTOMER.value, PartnerKind.CUSTOMER.label),
            (PartnerKind.BOTH.value, PartnerKind.BOTH.label),
        ],
        label=_("Kind"),
    )
    parent = code_filter(Partner.objects.all(), _("Parent code"), "parent")
    currency = django_filters.ModelChoiceFilter(
        queryset=Currency.objects.order_by("code"), to_field_name="code", label=_("Currency")
    )

    class Meta:
        model = Partner
        fields = ["kind", "country", "currency", "parent", "active"]
        form = FilterForm

    def search(self, queryset, name, value):
        # A name matching several contacts would list the account once per contact.
        return super().search(queryset, name, value).distinct()


def _open_tasks(queryset, name, value):
    if value is None:
        return queryset
    open_task = Q(kind=ActivityKind.TASK, done_at__isnull=True)
    return queryset.filter(open_task) if value else queryset.exclude(open_task)


def _overdue(queryset, name, value):
    if value is None:
        return queryset
    overdue = Q(kind=ActivityKind.TASK, done_at__isnull=True, due_at__lt=timezone.now())
    return queryset.filter(overdue) if value else queryset.exclude(overdue)


class ActivityFilterSet(SearchFilterSet):
    search_fields = ("subject", "notes", "account__code", "account__name", "lead__company_name")
    kind = django_filters.MultipleChoiceFilter(choices=ActivityKind.choices, label=_("Kind"))
    owner = owner_filter()
    account = code_filter(Partner.objects.all(), _("Account code"), "account")
    lead = code_filter(Lead.objects.all(), _("Lead number"), "lead", to_field_name="number")
    opportunity = code_filter(Opportunity.objects.all(), _("Opportunity number"), "opportunity", to_field_name="number")
    open_tasks = django_filters.BooleanFilter(method=_open_tasks, label=_("Open tasks"))
    overdue = django_filters.BooleanFilter(method=_overdue, label=_("Overdue tasks"))
    occurred_at = datetime_range_filter(_("Happened"))
    due_at = datetime_range_filter(_("Due"))

    class Meta:
        model = Activity
        fields = ["kind", "owner", "account", "lead", "opportunity", "open_tasks", "overdue", "occurred_at", "due_at"]
        form = FilterForm


class ContactFilterSet(SearchFilterSet):
    search_fields = ("name", "email", "job_title", "partner__code", "partner__name")
    account = code_filter(Partner.objects.all(), _("Account code"), "partner")

    class Meta:
        model = Contact
        fields = ["account", "is_primary", "active"]
        form = FilterForm
