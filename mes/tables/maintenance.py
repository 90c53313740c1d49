import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import DecimalColumn, QuantityColumn, TaktTable
from mes import models


class MaintenancePlanTable(TaktTable):
    name = tables.Column(linkify=True)
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"), order_by=("machine__code",))
    interval = DecimalColumn()

    class Meta(TaktTable.Meta):
        model = models.MaintenancePlan
        fields = ("name", "machine", "trigger", "interval", "duration_minutes", "last_done_at", "active")


class MaintenanceOrderTable(TaktTable):
    number = tables.Column(linkify=True)
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"), order_by=("machine__code",))
    description = tables.Column(attrs={"td": {"class": "text-truncate", "style": "max-width: 24rem"}})
    plan = tables.Column(accessor="plan__name", verbose_name=_("Plan"), order_by=("plan__name",))

    class Meta(TaktTable.Meta):
        model = models.MaintenanceOrder
        fields = (
            "number",
            "machine",
            "kind",
            "state",
            "description",
            "plan",
            "planned_start",
            "planned_end",
            "started_at",
            "finished_at",
        )


class ReliabilityTable(tables.Table):
    """A row per machine (selectors.maintenance.Reliability)."""

    work_center = tables.Column(accessor="machine__work_center__code", verbose_name=_("Work center"))
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"))
    name = tables.Column(accessor="machine__name", verbose_name=_("Name"))
    failures = tables.Column(verbose_name=_("Breakdowns"), attrs={"td": {"class": "text-end"}})
    operating_hours = QuantityColumn(verbose_name=_("Running (h)"))
    repair_minutes = QuantityColumn(verbose_name=_("Down for repair (min)"))
    mtbf_hours = QuantityColumn(verbose_name=_("MTBF (h)"), default="—")
    mttr_minutes = QuantityColumn(verbose_name=_("MTTR (min)"), default="—")

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle", "id": "reliability"}
        orderable = False
