"""The purchase order filters, shared by the list screen and the API (`?state=sent&supplier=HEATCO`)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter
from core.forms import FilterForm
from core.models import Item, Partner
from erp.choices import PurchaseOrderState
from erp.models import PurchaseOrder
from wms.models import Warehouse


class PurchaseOrderFilterSet(SearchFilterSet):
    search_fields = ("number", "supplier__code", "supplier__name", "supplier_reference", "receipt__number")
    state = django_filters.ChoiceFilter(choices=PurchaseOrderState.choices)
    supplier = code_filter(Partner.objects.all(), _("Supplier code"), "supplier")
    item = code_filter(
        Item.objects.all(), _("Item code"), "lines__item", method="filter_item", help_text=_("Orders with this item.")
    )
    warehouse = django_filters.ModelChoiceFilter(
        queryset=Warehouse.objects.all(), to_field_name="code", field_name="warehouse", label=_("Warehouse")
    )
    order_date = django_filters.DateFromToRangeFilter()
    expected_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = PurchaseOrder
        fields = ["state", "supplier", "item", "warehouse", "order_date", "expected_date"]
        form = FilterForm

    def filter_item(self, queryset, name, value):
        # A subquery, not a join: an order with the item on two lines is listed once.
        return queryset.filter(pk__in=PurchaseOrder.objects.filter(lines__item=value).values("pk"))
