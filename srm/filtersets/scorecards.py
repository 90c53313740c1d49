"""The scorecard filters (`?supplier=S-HEAT&rating=warn`)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Partner
from srm.models import Scorecard, ScorecardRating


class ScorecardFilterSet(SearchFilterSet):
    search_fields = ("supplier__code", "supplier__name")
    supplier = code_filter(Partner.objects.all(), _("Supplier code"), "supplier")
    rating = django_filters.ChoiceFilter(choices=ScorecardRating.choices)
    period_start = date_range_filter(_("Month"))

    class Meta:
        model = Scorecard
        fields = ["supplier", "rating", "period_start"]
        form = FilterForm
