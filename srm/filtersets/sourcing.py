"""The RFQ and contract filters, shared by the list screens and the API (`?state=sent&supplier=HEATCO`)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter
from core.forms import FilterForm
from core.models import Item, Partner
from srm.models import Contract, ContractState, Rfq, RfqState


class RfqFilterSet(SearchFilterSet):
    search_fields = ("number", "title")
    state = django_filters.ChoiceFilter(choices=RfqState.choices)
    supplier = code_filter(Partner.objects.all(), _("Supplier code"), "invitations__supplier", method="filter_supplier")
    item = code_filter(Item.objects.all(), _("Item code"), "lines__item", method="filter_item")
    respond_by = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Rfq
        fields = ["state", "supplier", "item", "respond_by"]
        form = FilterForm

    # Subqueries, not joins: an RFQ with the item on two lines is listed once.
    def filter_supplier(self, queryset, name, value):
        return queryset.filter(pk__in=Rfq.objects.filter(invitations__supplier=value).values("pk"))

    def filter_item(self, queryset, name, value):
        return queryset.filter(pk__in=Rfq.objects.filter(lines__item=value).values("pk"))


class ContractFilterSet(SearchFilterSet):
    search_fields = ("number", "supplier__code", "supplier__name")
    state = django_filters.ChoiceFilter(choices=ContractState.choices)
    supplier = code_filter(Partner.objects.all(), _("Supplier code"), "supplier")
    item = code_filter(Item.objects.all(), _("Item code"), "lines__item", method="filter_item")
    valid_to = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Contract
        fields = ["state", "supplier", "item", "valid_to"]
        form = FilterForm

    def filter_item(self, queryset, name, value):
        return queryset.filter(pk__in=Contract.objects.filter(lines__item=value).values("pk"))
