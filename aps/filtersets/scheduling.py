"""FilterSets of the scheduling lists, shared by the screens and the API
(`?machine=LATHE-1&start_after=2026-11-23T06:00&start_before=2026-11-24T06:00`)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from aps.choices import FixedReason, MachineWindowKind, ScheduleState
from aps.models import Changeover, MachineWindow, Schedule, ScheduleOperation
from core.filtersets import SearchFilterSet, code_filter, datetime_range_filter
from core.forms import FilterForm
from core.models import ItemCategory, Machine, WorkCenter


class ScheduleFilterSet(SearchFilterSet):
    """Schedules by state, what-if or not, and the schedule a scenario was copied from."""

    search_fields = ("name", "reason")
    state = django_filters.MultipleChoiceFilter(
        choices=ScheduleState.choices, label=_("State"), widget=forms.SelectMultiple(attrs={"size": 3})
    )
    is_scenario = django_filters.BooleanFilter(label=_("Scenario"))
    based_on = django_filters.ModelChoiceFilter(
        queryset=Schedule.objects.all(), label=_("Based on"), help_text=_("The schedule's id.")
    )

    class Meta:
        model = Schedule
        fields = ["state", "is_scenario", "based_on"]
        form = FilterForm


class ScheduleOperationFilterSet(SearchFilterSet):
    """A schedule's operations by machine, work center and start: a machine's dispatch list."""

    search_fields = ("job__reference", "job__item__code", "name")
    schedule = django_filters.ModelChoiceFilter(
        queryset=Schedule.objects.all(),
        field_name="job__schedule",
        label=_("Schedule"),
        help_text=_("The schedule's id; the published schedule when left out."),
    )
    machine = code_filter(Machine.objects.all(), _("Machine"), "machine")
    work_center = code_filter(WorkCenter.objects.all(), _("Work center"), "work_center")
    start = datetime_range_filter(_("Start"))
    fixed = django_filters.ChoiceFilter(choices=FixedReason.choices, label=_("Fixed"))

    class Meta:
        model = ScheduleOperation
        fields = ["schedule", "machine", "work_center", "start", "fixed"]
        form = FilterForm


class ChangeoverFilterSet(SearchFilterSet):
    search_fields = ("work_center__code", "from_family__code", "to_family__code")
    work_center = code_filter(WorkCenter.objects.all(), _("Work center"), "work_center")
    from_family = code_filter(ItemCategory.objects.all(), _("From family"), "from_family")
    to_family = code_filter(ItemCategory.objects.all(), _("To family"), "to_family")

    class Meta:
        model = Changeover
        fields = ["work_center", "from_family", "to_family"]
        form = FilterForm


class MachineWindowFilterSet(SearchFilterSet):
    search_fields = ("machine__code", "reason")
    machine = code_filter(Machine.objects.all(), _("Machine"), "machine")
    work_center = code_filter(WorkCenter.objects.all(), _("Work center"), "machine__work_center")
    kind = django_filters.ChoiceFilter(choices=MachineWindowKind.choices, label=_("Kind"))
    start = datetime_range_filter(_("Start"))

    class Meta:
        model = MachineWindow
        fields = ["machine", "work_center", "kind", "start"]
        form = FilterForm
