"""FilterSets of the MRP lists, shared by the screens and the API
(`?item=KT-200&kind=buy&state=planned&due_date_after=2026-12-01&start_late=true`)."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from aps.choices import ExceptionKind, PlannedOrderKind, PlannedOrderState
from aps.models import MrpException, PlannedOrder
from core.filtersets import SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Item, Partner


class PlannedOrderFilterSet(SearchFilterSet):
    """Planned orders by item, kind, state, supplier, due date, and those that should have started already."""

    search_fields = ("number", "item__code", "item__name")
    item = code_filter(Item.objects.all(), _("Item code"), "item")
    kind = django_filters.MultipleChoiceFilter(
        choices=PlannedOrderKind.choices, label=_("Kind"), widget=forms.SelectMultiple(attrs={"size": 2})
    )
    state = django_filters.MultipleChoiceFilter(
        choices=PlannedOrderState.choices, label=_("State"), widget=forms.SelectMultiple(attrs={"size": 2})
    )
    supplier = code_filter(Partner.objects.all(), _("Supplier"), "supplier")
    due_date = date_range_filter(_("Due"))
    start_late = django_filters.BooleanFilter(
        method="filter_start_late",
        label=_("Start late"),
        help_text=_("Cannot meet its due date on its lead time: it starts on the plan's date, late."),
    )

    class Meta:
        model = PlannedOrder
        fields = ["item", "kind", "state", "supplier", "due_date", "start_late"]
        form = FilterForm

    def filter_start_late(self, queryset, name, value):
        # A plan never starts before its planning date: the run flags an order its lead time makes late.
        if value is None:
            return queryset
        late = Exists(MrpException.objects.filter(planned_order=OuterRef("pk"), kind=ExceptionKind.START_LATE))
        return queryset.filter(late) if value else queryset.exclude(late)


class MrpExceptionFilterSet(SearchFilterSet):
    """The run's exceptions by kind, item and the reference of the order or demand they are about."""

    search_fields = ("reference", "message", "item__code")
    kind = django_filters.MultipleChoiceFilter(
        choices=ExceptionKind.choices, label=_("Kind"), widget=forms.SelectMultiple(attrs={"size": 4})
    )
    item = code_filter(Item.objects.all(), _("Item code"), "item")
    reference = django_filters.CharFilter(lookup_expr="icontains", label=_("Reference"))

    class Meta:
        model = MrpException
        fields = ["kind", "item", "reference"]
        form = FilterForm
