"""The FilterSet of the quote lists, shared by the screen and the API (`?account=MEDIAHOME&state=sent`)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Item, Partner
from crm.models import Quote, QuoteState


def _with_item(queryset, name, value):
    return queryset.filter(lines__item=value).distinct()


class QuoteFilterSet(SearchFilterSet):
    """Quotes by customer, state, an item on their lines, and dates; `latest` hides superseded versions."""

    search_fields = ("number", "account__code", "account__name", "customer_reference")
    account = code_filter(Partner.objects.all(), _("Customer code"), "account")
    state = django_filters.MultipleChoiceFilter(choices=QuoteState.choices, label=_("State"))
    latest = django_filters.BooleanFilter(
        field_name="superseded_by", lookup_expr="isnull", label=_("Latest versions only")
    )
    item = code_filter(
        Item.objects.all(), _("Item code"), "item", method=_with_item, help_text=_("Quotes with a line of this item.")
    )
    quote_date = date_range_filter(_("Quote date"))
    valid_until = date_range_filter(_("Valid until"))

    class Meta:
        model = Quote
        fields = ["account", "state", "latest", "item", "quote_date", "valid_until"]
        form = FilterForm
