"""FilterSets of the lead lists, shared by the screens and the API (`?status=new&source=trade_show&owner=sara`)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, date_range_filter
from core.forms import FilterForm
from crm.filtersets.accounts import owner_filter
from crm.models import Lead, LeadSource, LeadStatus


class LeadFilterSet(SearchFilterSet):
    search_fields = ("number", "company_name", "contact_name", "email", "vat_number")
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices, label=_("Status"))
    source = django_filters.MultipleChoiceFilter(choices=LeadSource.choices, label=_("Source"))
    owner = owner_filter()
    created_at = date_range_filter(_("Created"))

    class Meta:
        model = Lead
        fields = ["status", "source", "owner", "country", "created_at"]
        form = FilterForm
