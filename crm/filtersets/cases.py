"""The FilterSets of the service-case and RMA lists, shared by the screens and the API
(`?state=open&priority=urgent&owner=li.wei&breached=true`)."""

import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Item, Partner
from crm.models import CasePriority, CaseState, Rma, RmaState, ServiceCase
from crm.selectors.cases import breached_q


def _breached(queryset, name, value):
    condition = breached_q(timezone.now())
    return queryset.filter(condition) if value else queryset.exclude(condition)


class ServiceCaseFilterSet(SearchFilterSet):
    """Cases by state, priority, owner, customer and unit; `breached` keeps those that missed (or are missing)
    an SLA target, or, false, those that did not."""

    search_fields = ("number", "subject", "serial", "lot__code", "account__code", "account__name")
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, label=_("State"))
    priority = django_filters.MultipleChoiceFilter(choices=CasePriority.choices, label=_("Priority"))
    owner = code_filter(get_user_model().objects.all(), _("Owner (user name)"), "owner", to_field_name="username")
    account = code_filter(Partner.objects.all(), _("Customer code"), "account")
    item = code_filter(Item.objects.all(), _("Item code"), "item")
    breached = django_filters.BooleanFilter(method=_breached, label=_("SLA breached"))
    opened_at = date_range_filter(_("Opened"))

    class Meta:
        model = ServiceCase
        fields = ["state", "priority", "owner", "account", "item", "breached", "opened_at"]
        form = FilterForm


class RmaFilterSet(SearchFilterSet):
    search_fields = ("number", "case__number", "case__account__code", "receipt__number")
    state = django_filters.MultipleChoiceFilter(choices=RmaState.choices, label=_("State"))
    case = code_filter(ServiceCase.objects.all(), _("Case number"), "case", to_field_name="number")
    account = code_filter(Partner.objects.all(), _("Customer code"), "case__account")

    class Meta:
        model = Rma
        fields = ["state", "case", "account"]
        form = FilterForm
