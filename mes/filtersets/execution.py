"""FilterSets of the execution lists, shared by the screens and the API
(`?machine=ASSY-1&order=MO-2026-00012&at_after=2026-11-23T06:00:00Z`). Machines, reasons and employees are
filtered by the code people type or scan; an unknown code is a 400 naming the filter."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter, datetime_range_filter, filterset
from core.forms import FilterForm
from core.models import Machine, WorkCenter
from erp.models import Employee
from mes.choices import DowntimeCategory, EventKind, EventSource, MachineState, RunState
from mes.models import Downtime, DowntimeReason, OperationRun, OperatorAssignment, ProductionEvent, ScrapReason


def machine_filter(field_name: str = "machine"):
    return code_filter(Machine.objects.all(), _("Machine"), field_name)


def _employee(field_name: str = "employee"):
    return code_filter(Employee.objects.all(), _("Employee number"), field_name, to_field_name="number")


def _open(help_text: str) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(method="filter_open", label=_("Open"), help_text=help_text)


class OpenFilterMixin:
    """`?open=true`: the records not ended yet (their end field, `open_field`, is empty); false: the ended."""

    open_field: str

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(**{f"{self.open_field}__isnull": value})


class ProductionEventFilterSet(SearchFilterSet):
    """The production record by machine, order and operation, kind, lot, who and when."""

    search_fields = ("operation__order__number", "machine__code", "lot__code", "note")
    machine = machine_filter()
    order = django_filters.CharFilter(field_name="operation__order__number", label=_("Order number"))
    seq = django_filters.NumberFilter(field_name="operation__seq", label=_("Operation number"))
    operation = django_filters.NumberFilter(
        field_name="operation", label=_("Operation"), help_text=_("The production operation's id.")
    )
    kind = django_filters.MultipleChoiceFilter(choices=EventKind.choices, label=_("Kind"))
    source = django_filters.ChoiceFilter(choices=EventSource.choices, label=_("Source"))
    lot = django_filters.CharFilter(field_name="lot__code", label=_("Lot or serial"))
    employee = _employee()
    at = datetime_range_filter(_("When"))

    class Meta:
        model = ProductionEvent
        fields = ["machine", "order", "seq", "operation", "kind", "source", "lot", "employee", "at"]
        form = FilterForm


class OperationRunFilterSet(SearchFilterSet):
    """Runs of operations on machines by machine, work center, state, order and start."""

    search_fields = ("operation__order__number", "operation__order__item__code", "machine__code")
    machine = machine_filter()
    work_center = code_filter(WorkCenter.objects.all(), _("Work center"), "machine__work_center")
    state = django_filters.MultipleChoiceFilter(choices=RunState.choices, label=_("State"))
    order = django_filters.CharFilter(field_name="operation__order__number", label=_("Order number"))
    started_at = datetime_range_filter(_("Started"))

    class Meta:
        model = OperationRun
        fields = ["machine", "work_center", "state", "order", "started_at"]
        form = FilterForm


class MachineStatusFilterSet(SearchFilterSet):
    """Machines by work center and by live state (a machine that never reported is idle)."""

    search_fields = ("code", "name")
    work_center = code_filter(WorkCenter.objects.all(), _("Work center"), "work_center")
    state = django_filters.MultipleChoiceFilter(choices=MachineState.choices, field_name="live_state", label=_("State"))

    class Meta:
        model = Machine
        fields = ["work_center", "state"]
        form = FilterForm


class DowntimeFilterSet(OpenFilterMixin, SearchFilterSet):
    """Stops by machine, reason, category and the period they overlap; `open` for machines still down."""

    search_fields = ("machine__code", "reason__code", "reason__name")
    open_field = "end"
    machine = machine_filter()
    work_center = code_filter(WorkCenter.objects.all(), _("Work center"), "machine__work_center")
    reason = code_filter(DowntimeReason.objects.all(), _("Reason"), "reason")
    category = django_filters.ChoiceFilter(
        choices=DowntimeCategory.choices, field_name="reason__category", label=_("Category")
    )
    period = datetime_range_filter(
        _("Period"),
        method="filter_period",
        help_text=_("Stops that overlap it, open ones included (`period_after`, `period_before`)."),
    )
    open = _open(_("True: machines still down; false: ended stops."))

    class Meta:
        model = Downtime
        fields = ["machine", "work_center", "reason", "category", "period", "open"]
        form = FilterForm

    def filter_period(self, queryset: QuerySet, name: str, value: slice | None) -> QuerySet:
        if value is None:
            return queryset
        if value.start is not None:
            queryset = queryset.filter(Q(end__isnull=True) | Q(end__gt=value.start))
        if value.stop is not None:
            queryset = queryset.filter(start__lt=value.stop)
        return queryset


class OperatorAssignmentFilterSet(OpenFilterMixin, SearchFilterSet):
    """Who is (or was) signed on to which machine; `open` for who is on a machine now."""

    search_fields = ("employee__number", "employee__first_name", "employee__last_name", "machine__code")
    open_field = "until"
    machine = machine_filter()
    employee = _employee()
    open = _open(_("True: operators on the machine now; false: ended assignments."))

    class Meta:
        model = OperatorAssignment
        fields = ["machine", "employee", "open"]
        form = FilterForm


ScrapReasonFilterSet = filterset(ScrapReason, ["code", "active"])
DowntimeReasonFilterSet = filterset(
    DowntimeReason, ["code", "category", "kind", "counts_against_availability", "active"]
)
