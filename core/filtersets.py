"""FilterSets shared by the UI lists and the API lists, and the filters every app's FilterSets use."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core import models
from core.forms import FilterForm


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ModelChoiceFilter):
    """A record by the code (or number) people type or scan (`?item=KT-200`), not a select of thousands; in
    the schema, a string. An unknown code is a form error."""


def code_filter(queryset: QuerySet, label: str, field_name: str, to_field_name: str = "code", **kwargs) -> CodeFilter:
    """A `CodeFilter` in a text box labelled `label`."""
    return CodeFilter(
        queryset=queryset,
        to_field_name=to_field_name,
        field_name=field_name,
        label=label,
        widget=forms.TextInput(attrs={"placeholder": label, "autocomplete": "off"}),
        **kwargs,
    )


def date_range_filter(label: str | None = None) -> django_filters.DateFromToRangeFilter:
    """From and to, with the browser's date pickers (`?due_date_after=2026-12-01&due_date_before=...`)."""
    return django_filters.DateFromToRangeFilter(
        label=label, widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment, in UTC: ISO lets a client write an offset (-16:53) that PostgreSQL refuses."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:  # past year 9999 in UTC
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeRangeField(django_filters.fields.RangeField):
    widget = django_filters.widgets.DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((UtcIsoDateTimeField(), UtcIsoDateTimeField()), *args, **kwargs)


class MomentRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    field_class = UtcIsoDateTimeRangeField


def datetime_range_filter(label: str, **kwargs) -> MomentRangeFilter:
    """From and to as ISO 8601 moments (`?start_after=2026-11-23T06:00&start_before=...`)."""
    return MomentRangeFilter(
        label=label, widget=django_filters.widgets.DateRangeWidget(attrs={"type": "datetime-local"}), **kwargs
    )


class SearchFilterSet(django_filters.FilterSet):
    """Adds `q`: a case-insensitive search over the model's `search_fields`."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    search_fields: tuple[str, ...] = ()

    @property
    def form(self):
        form = super().form
        # Search first: it is what people reach for.
        if "q" in form.fields and next(iter(form.fields)) != "q":
            form.fields = {"q": form.fields.pop("q"), **form.fields}
        return form

    def search(self, queryset, name, value):
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)


def filterset(model, fields: list[str], search: tuple[str, ...] = ("code", "name"), **filters):
    """A FilterSet for `model` on `fields`, searching `search` with `q`; extra filters by keyword."""
    meta = type("Meta", (), {"model": model, "fields": fields, "form": FilterForm})
    return type(f"{model.__name__}FilterSet", (SearchFilterSet,), {"search_fields": search, "Meta": meta, **filters})


def _dates():
    return django_filters.DateFromToRangeFilter()


CompanyFilterSet = filterset(models.Company, ["currency"])
SiteFilterSet = filterset(models.Site, ["company"])
UnitCategoryFilterSet = filterset(models.UnitCategory, [])
UnitFilterSet = filterset(models.Unit, ["category"])
CurrencyFilterSet = filterset(models.Currency, [])
ExchangeRateFilterSet = filterset(
    models.ExchangeRate, ["currency", "valid_from"], search=("currency__code",), valid_from=_dates()
)
PartnerFilterSet = filterset(
    models.Partner, ["kind", "country", "currency", "active"], search=("code", "name", "email", "vat_number", "city")
)
ItemCategoryFilterSet = filterset(models.ItemCategory, ["parent"])
ItemFilterSet = filterset(
    models.Item,
    ["procurement", "tracking", "category", "uom", "default_supplier", "active"],
    search=("code", "name", "description"),
)
AreaFilterSet = filterset(models.Area, ["site"])
WorkCenterFilterSet = filterset(models.WorkCenter, ["area", "calendar"])
MachineFilterSet = filterset(models.Machine, ["work_center", "active"])
WorkCalendarFilterSet = filterset(models.WorkCalendar, ["timezone"])
ShiftFilterSet = filterset(models.Shift, ["calendar", "weekday"], search=("name",))
CalendarExceptionFilterSet = filterset(
    models.CalendarException, ["calendar", "is_working", "date"], search=("reason",), date=_dates()
)
TaskRunFilterSet = filterset(models.TaskRun, ["status", "task_name"], search=("title", "message"))
DomainEventFilterSet = filterset(
    models.DomainEvent,
    ["name", "aggregate_type"],
    search=("name", "aggregate_id"),
    undispatched=django_filters.BooleanFilter(
        field_name="dispatched_at", lookup_expr="isnull", label=_("Undispatched")
    ),
)
