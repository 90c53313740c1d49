"""FilterSets of the planning lists, shared by the screens and the API (`?item=KT-200&method=seasonal_naive`)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from aps.choices import ForecastMethod
from aps.models import DemandForecast, MasterScheduleEntry
from core.filtersets import SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Item


class DemandForecastFilterSet(SearchFilterSet):
    search_fields = ("item__code", "item__name")
    item = code_filter(Item.objects.all(), _("Item code"), "item")
    method = django_filters.ChoiceFilter(choices=ForecastMethod.choices, label=_("Method"))

    class Meta:
        model = DemandForecast
        fields = ["item", "method"]
        form = FilterForm


class MasterScheduleEntryFilterSet(SearchFilterSet):
    """Entries by item and by the weeks they start (`?week_start_after=2026-12-07&week_start_before=...`)."""

    search_fields = ("item__code", "item__name", "note")
    item = code_filter(Item.objects.all(), _("Item code"), "item")
    week_start = date_range_filter(_("Week (Monday)"))

    class Meta:
        model = MasterScheduleEntry
        fields = ["item", "week_start"]
        form = FilterForm
