"""FilterSets of the costing lists, shared by the screens and the API (`?version=CV-2027&item=KT-200`).

Versions, items and work centers are filtered by the code people type, not by a select of thousands.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import code_filter, filterset
from core.models import Item, WorkCenter
from erp.models import CostVersion, ItemCost, WorkCenterRate

CostVersionFilterSet = filterset(
    CostVersion, ["state"], search=("code", "name"), as_of=django_filters.DateFromToRangeFilter(label=_("As of"))
)

ItemCostFilterSet = filterset(
    ItemCost,
    ["level"],
    search=("item__code", "item__name"),
    version=code_filter(CostVersion.objects.all(), _("Version code"), "version"),
    item=code_filter(Item.objects.all(), _("Item code"), "item"),
)

WorkCenterRateFilterSet = filterset(
    WorkCenterRate,
    [],
    search=("work_center__code", "work_center__name"),
    work_center=code_filter(WorkCenter.objects.all(), _("Work center code"), "work_center"),
)
