"""FilterSets of the quality lists, shared by the screens and the API (`?item=KT-200&state=open`,
`?lot=MO-2026-00012-01&result=failed`). Items, plans, lots and suppliers are filtered by the code people
type or scan; an unknown code is a 400 naming the filter."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter, datetime_range_filter
from core.forms import FilterForm
from core.models import Item, Partner
from mes.choices import (
    CharacteristicKind,
    Disposition,
    InspectionResult,
    InspectionTrigger,
    NonconformanceState,
    SamplingFrequency,
)
from mes.models import Characteristic, CorrectiveAction, Inspection, InspectionPlan, Nonconformance


def _item(field_name: str = "item"):
    return code_filter(Item.objects.all(), _("Item code"), field_name)


def _plan(field_name: str = "plan"):
    return code_filter(InspectionPlan.objects.all(), _("Plan code"), field_name)


def _lot(field_name: str = "lot__code"):
    return django_filters.CharFilter(field_name=field_name, label=_("Lot or serial number"))


class InspectionPlanFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "item__code", "item__name")
    item = _item()
    trigger = django_filters.ChoiceFilter(choices=InspectionTrigger.choices, label=_("Trigger"))
    frequency = django_filters.ChoiceFilter(choices=SamplingFrequency.choices, label=_("Frequency"))

    class Meta:
        model = InspectionPlan
        fields = ["item", "trigger", "frequency", "active"]
        form = FilterForm


class CharacteristicFilterSet(SearchFilterSet):
    search_fields = ("name", "plan__code", "plan__name")
    plan = _plan()
    item = _item("plan__item")
    kind = django_filters.ChoiceFilter(choices=CharacteristicKind.choices, label=_("Kind"))

    class Meta:
        model = Characteristic
        fields = ["plan", "item", "kind"]
        form = FilterForm


class InspectionFilterSet(SearchFilterSet):
    search_fields = ("number", "plan__code", "lot__code", "operation__order__number")
    result = django_filters.ChoiceFilter(choices=InspectionResult.choices, label=_("Result"))
    plan = _plan()
    item = _item("plan__item")
    lot = _lot()
    order = django_filters.CharFilter(field_name="operation__order__number", label=_("Order number"))
    inspected_at = datetime_range_filter(_("Inspected"))

    class Meta:
        model = Inspection
        fields = ["result", "plan", "item", "lot", "order", "inspected_at"]
        form = FilterForm


class NonconformanceFilterSet(SearchFilterSet):
    search_fields = ("number", "item__code", "lot__code", "description")
    state = django_filters.MultipleChoiceFilter(choices=NonconformanceState.choices, label=_("State"))
    disposition = django_filters.ChoiceFilter(choices=Disposition.choices, label=_("Disposition"))
    item = _item()
    lot = _lot()
    supplier = code_filter(Partner.objects.all(), _("Supplier code"), "supplier")
    raised_at = datetime_range_filter(_("Raised"))

    class Meta:
        model = Nonconformance
        fields = ["state", "disposition", "item", "lot", "supplier", "raised_at"]
        form = FilterForm


class CorrectiveActionFilterSet(SearchFilterSet):
    search_fields = ("description", "nonconformance__number")
    nonconformance = django_filters.CharFilter(field_name="nonconformance__number", label=_("Nonconformance"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"))
    due_date = django_filters.DateFromToRangeFilter(label=_("Due"))

    class Meta:
        model = CorrectiveAction
        fields = ["nonconformance", "open", "due_date"]
        form = FilterForm

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset if value is None else queryset.filter(done_at__isnull=value)
