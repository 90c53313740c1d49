"""FilterSets of the maintenance lists, shared by the screens and the API
(`?machine=ASSY-1&state=planned&kind=preventive`). Machines are filtered by the code people type or scan."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet
from core.forms import FilterForm
from mes.choices import MaintenanceKind, MaintenanceState, MaintenanceTrigger
from mes.filtersets.execution import machine_filter
from mes.models import MaintenanceOrder, MaintenancePlan


class MaintenancePlanFilterSet(SearchFilterSet):
    """Plans by machine, trigger and whether active; `q` searches the name and the machine."""

    search_fields = ("name", "machine__code", "machine__name")
    machine = machine_filter()
    trigger = django_filters.ChoiceFilter(choices=MaintenanceTrigger.choices, label=_("Due by"))

    class Meta:
        model = MaintenancePlan
        fields = ["machine", "trigger", "active"]
        form = FilterForm


class MaintenanceOrderFilterSet(SearchFilterSet):
    """Orders by state, kind, machine and plan; `q` searches the number, the description and the machine."""

    search_fields = ("number", "description", "machine__code")
    state = django_filters.MultipleChoiceFilter(choices=MaintenanceState.choices, label=_("State"))
    kind = django_filters.ChoiceFilter(choices=MaintenanceKind.choices, label=_("Kind"))
    machine = machine_filter()

    class Meta:
        model = MaintenanceOrder
        fields = ["state", "kind", "machine", "plan"]
        form = FilterForm
