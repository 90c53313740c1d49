"""FilterSets of the pipeline lists, shared by the screens and the API
(`?stage=Proposal&owner=sally&state=open&close_month=2026-12`)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filtersets import SearchFilterSet, code_filter, date_range_filter
from core.forms import FilterForm
from core.models import Partner
from crm.models import LostReason, Opportunity, OpportunityState, SalesTarget, Stage

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


@extend_schema_field(OpenApiTypes.STR)
class MonthFilter(django_filters.DateFilter):
    """Records whose date falls in a month, given as `2026-12`."""

    field_class = forms.DateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", MONTH_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__year": value.year, f"{self.field_name}__month": value.month})


def _owner(field_name: str = "owner", **kwargs) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.order_by("username"),
        to_field_name="username",
        field_name=field_name,
        label=_("Owner"),
        **kwargs,
    )


class OpportunityFilterSet(SearchFilterSet):
    """Opportunities by stage, owner, state, account and close month (or dates)."""

    search_fields = ("number", "name", "account__code", "account__name")
    stage = django_filters.ModelChoiceFilter(
        queryset=Stage.objects.order_by("sequence"), to_field_name="name", label=_("Stage")
    )
    owner = _owner()
    state = django_filters.MultipleChoiceFilter(choices=OpportunityState.choices, label=_("State"))
    account = code_filter(Partner.objects.all(), _("Customer code"), "account")
    close_month = MonthFilter(field_name="close_date", label=_("Close month"))
    close_date = date_range_filter(_("Close date"))

    class Meta:
        model = Opportunity
        fields = ["stage", "owner", "state", "account", "close_month", "close_date"]
        form = FilterForm


class StageFilterSet(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = Stage
        fields = ["active", "is_won", "is_lost"]
        form = FilterForm


class LostReasonFilterSet(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = LostReason
        fields = ["active"]
        form = FilterForm


class SalesTargetFilterSet(SearchFilterSet):
    search_fields = ("owner__username",)
    owner = _owner()
    team = django_filters.BooleanFilter(field_name="owner", lookup_expr="isnull", label=_("Whole team"))
    month = MonthFilter(field_name="month", label=_("Month"))

    class Meta:
        model = SalesTarget
        fields = ["owner", "team", "month"]
        form = FilterForm
