"""FilterSets of the production lists, shared by the screens and the API
(`?item=KT-200&state=released&due_date_after=2026-12-01`). Items and work centers are filtered by the
code people type, not by a select of thousands."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.filtersets import CodeFilter, SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Item, WorkCenter
from erp import models
from erp.choices import OperationState, ProductionOrderState, VarianceKind
from wms.models import Warehouse


def _item(field_name: str) -> CodeFilter:
    return code_filter(Item.objects.all(), _("Item code"), field_name)


class ProductionOrderFilterSet(SearchFilterSet):
    """Orders by state, item, warehouse, dates; `q` searches the number and the item."""

    search_fields = ("number", "item__code", "item__name")
    state = django_filters.MultipleChoiceFilter(
        choices=ProductionOrderState.choices, label=_("State"), widget=forms.SelectMultiple(attrs={"size": 3})
    )
    item = _item("item")
    warehouse = django_filters.ModelChoiceFilter(
        queryset=Warehouse.objects.all(), to_field_name="code", field_name="warehouse", label=_("Warehouse")
    )
    start_date = date_range_filter(_("Start"))
    due_date = date_range_filter(_("Due"))

    class Meta:
        model = models.ProductionOrder
        fields = ["state", "item", "warehouse", "start_date", "due_date"]
        form = FilterForm


class ProductionOperationFilterSet(SearchFilterSet):
    """Operations by order number, state and work center: what MES asks for its dispatch lists."""

    search_fields = ("order__number", "order__item__code", "name")
    order = django_filters.CharFilter(field_name="order__number", label=_("Order number"))
    state = django_filters.MultipleChoiceFilter(choices=OperationState.choices, label=_("State"))
    work_center = code_filter(WorkCenter.objects.all(), _("Work center"), "work_center")
    order_state = django_filters.MultipleChoiceFilter(
        field_name="order__state", choices=ProductionOrderState.choices, label=_("Order state")
    )

    class Meta:
        model = models.ProductionOperation
        fields = ["order", "state", "work_center", "order_state"]
        form = FilterForm


class ProductionVarianceFilterSet(SearchFilterSet):
    """Variances by order, item, kind and the date the order was closed."""

    search_fields = ("order__number", "order__item__code")
    order = django_filters.CharFilter(field_name="order__number", label=_("Order number"))
    item = _item("order__item")
    kind = django_filters.MultipleChoiceFilter(choices=VarianceKind.choices, label=_("Kind"))
    date = date_range_filter(_("Closed"))

    class Meta:
        model = models.ProductionVariance
        fields = ["order", "item", "kind", "date"]
        form = FilterForm
