"""FilterSets of the sales lists, shared by the screens and the API (`?customer=MEDIAHOME&state=confirmed`).

Customers and items are filtered by the code people type, not by a select of thousands.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import CodeFilter, SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Currency, Item, Partner
from erp import models
from erp.choices import SalesOrderState
from wms.models import Warehouse


def _customer(field_name: str = "customer") -> CodeFilter:
    return code_filter(Partner.objects.all(), _("Customer code"), field_name)


def _item(field_name: str = "item", **kwargs) -> CodeFilter:
    return code_filter(Item.objects.all(), _("Item code"), field_name, **kwargs)


def _by_code(model, label, field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=model.objects.all(), to_field_name="code", field_name=field_name, label=label
    )


def _with_item(queryset, name, value):
    return queryset.filter(lines__item=value).distinct()


class SalesOrderFilterSet(SearchFilterSet):
    """Orders by customer, state, an item on their lines, warehouse and dates."""

    search_fields = ("number", "customer__code", "customer__name", "customer_reference")
    customer = _customer()
    state = django_filters.MultipleChoiceFilter(choices=SalesOrderState.choices, label=_("State"))
    item = _item("item", method=_with_item, help_text=_("Orders with a line of this item."))
    warehouse = _by_code(Warehouse, _("Warehouse"), "warehouse")
    order_date = date_range_filter(_("Order date"))
    requested_date = date_range_filter(_("Requested date"))

    class Meta:
        model = models.SalesOrder
        fields = ["customer", "state", "item", "warehouse", "order_date", "requested_date"]
        form = FilterForm


class PriceListFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "customer__code", "customer__name")
    customer = _customer()
    general = django_filters.BooleanFilter(field_name="customer", lookup_expr="isnull", label=_("For every customer"))
    currency = _by_code(Currency, _("Currency"), "currency")
    item = _item("items__item", distinct=True, help_text=_("Lists that price this item."))

    class Meta:
        model = models.PriceList
        fields = ["customer", "general", "currency", "active", "item"]
        form = FilterForm


class PriceListItemFilterSet(SearchFilterSet):
    search_fields = ("item__code", "item__name", "price_list__code")
    price_list = code_filter(models.PriceList.objects.all(), _("Price list code"), "price_list")
    item = _item()

    class Meta:
        model = models.PriceListItem
        fields = ["price_list", "item"]
        form = FilterForm


class SalesForecastFilterSet(SearchFilterSet):
    search_fields = ("reference", "item__code", "item__name", "customer__code")
    item = _item()
    customer = _customer()
    due_date = date_range_filter(_("Due date"))

    class Meta:
        model = models.SalesForecast
        fields = ["reference", "item", "customer", "due_date"]
        form = FilterForm
