"""Tables of the costing screens: cost versions, item costs, work center rates."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, TaktTable
from erp.models import CostVersion, ItemCost, WorkCenterRate


class CostVersionTable(TaktTable):
    code = tables.Column(linkify=True)
    item_count = tables.Column(
        verbose_name=_("Items"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )

    class Meta(TaktTable.Meta):
        model = CostVersion
        fields = ("code", "name", "as_of", "state", "item_count", "rolled_up_at", "activated_at", "activated_by")


def _cost_detail(record) -> str:
    return reverse("erp:itemcost_detail", args=[record.pk])


class ItemCostTable(TaktTable):
    """An item's unit cost split; the item code opens the contributions that make it up."""

    version = tables.Column(
        accessor="version__code", verbose_name=_("Version"), linkify=lambda record: record.version.get_absolute_url()
    )
    item = tables.Column(accessor="item__code", verbose_name=_("Item"), linkify=_cost_detail, order_by=("item__code",))
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"), orderable=False)
    level = tables.Column(verbose_name=_("Level"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    material = DecimalColumn()
    labor = DecimalColumn()
    machine = DecimalColumn(verbose_name=_("Machine"))
    total = DecimalColumn(attrs={"td": {"class": "text-end fw-semibold"}, "th": {"class": "text-end"}})
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Per"), orderable=False)

    class Meta(TaktTable.Meta):
        model = ItemCost
        fields = ("version", "item", "item_name", "level", "material", "labor", "machine", "total", "unit")


class WorkCenterRateTable(TaktTable):
    work_center = tables.Column(
        accessor="work_center__code", verbose_name=_("Work center"), linkify=True, order_by=("work_center__code",)
    )
    work_center_name = tables.Column(accessor="work_center__name", verbose_name=_("Name"), orderable=False)
    labor_rate_per_hour = DecimalColumn(verbose_name=_("Labor / h"))
    crew_size = DecimalColumn(verbose_name=_("Crew"))
    machine_rate_per_hour = DecimalColumn(verbose_name=_("Machine / h"))
    work_center_cost = DecimalColumn(
        accessor="work_center__cost_per_hour",
        verbose_name=_("Work center cost / h"),
        order_by=("work_center__cost_per_hour",),
    )

    class Meta(TaktTable.Meta):
        model = WorkCenterRate
        fields = (
            "work_center",
            "work_center_name",
            "labor_rate_per_hour",
            "crew_size",
            "machine_rate_per_hour",
            "work_center_cost",
        )
