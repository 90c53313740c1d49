"""Tables of the scheduling screens: the schedules (the published one highlighted), a schedule's jobs
and its machine loads, the changeover rows of a work center and the machines' real downtime."""

from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aps.choices import ScheduleState
from aps.models import Changeover, MachineWindow, Schedule, ScheduleJob
from core.formatting import trim_decimal
from core.tables import DateTimeColumn, QuantityColumn, TaktTable

RIGHT = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}
STATE_STYLES = {
    ScheduleState.DRAFT: "secondary",
    ScheduleState.SOLVING: "info",
    ScheduleState.SOLVED: "primary",
    ScheduleState.FAILED: "danger",
    ScheduleState.PUBLISHED: "success",
    ScheduleState.SUPERSEDED: "light",
}


def hours(minutes: int | None) -> str:
    """Minutes as hours with one decimal (90 -> 1.5); empty for None."""
    if minutes is None:
        return ""
    return trim_decimal((Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), min_places=1)


def job_url(job: ScheduleJob) -> str | None:
    """The production order a job places; None for a planned or what-if order."""
    if job.production_order_id:
        return reverse("erp:productionorder_detail", args=[job.production_order_id])
    return None


class ScheduleTable(TaktTable):
    # Ticked to compare; out of CSV exports.
    select = tables.TemplateColumn(
        '<input class="form-check-input" type="checkbox" name="ids" value="{{ record.pk }}" '
        'aria-label="{{ record.name }}" form="compare-form">',
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )
    name = tables.Column(linkify=True)
    based_on = tables.Column(
        verbose_name=_("Scenario of"),
        linkify=lambda record: record.based_on.get_absolute_url() if record.based_on_id else None,
        empty_values=(),
    )
    state = tables.Column()
    solver_status = tables.Column(verbose_name=_("Solver"))
    tardy_orders = tables.Column(verbose_name=_("Tardy orders"), attrs=RIGHT)
    weighted_tardiness = tables.Column(verbose_name=_("Weighted tardiness"), attrs=RIGHT)
    makespan = tables.Column(
        accessor="makespan_minutes", verbose_name=_("Makespan (h)"), attrs=RIGHT, order_by=("makespan_minutes",)
    )
    setup_minutes = tables.Column(verbose_name=_("Setups (min)"), attrs=RIGHT)
    created_by = tables.Column(
        accessor="created_by__username", verbose_name=_("By"), order_by=("created_by__username",)
    )

    class Meta(TaktTable.Meta):
        model = Schedule
        fields = (
            "select",
            "name",
            "based_on",
            "state",
            "solver_status",
            "tardy_orders",
            "weighted_tardiness",
            "makespan",
            "setup_minutes",
            "created_at",
            "created_by",
        )
        row_attrs = {
            "class": lambda record: "table-success" if record.state == ScheduleState.PUBLISHED else "",
            "data-published": lambda record: "true" if record.state == ScheduleState.PUBLISHED else None,
        }

    def render_state(self, record):
        return format_html(
            '<span class="badge text-bg-{}" data-state="{}">{}</span>',
            STATE_STYLES.get(record.state, "secondary"),
            record.state,
            record.get_state_display(),
        )

    def value_state(self, record):
        return record.get_state_display()

    def render_based_on(self, value, record):
        return value.name if value is not None else "—"

    def value_based_on(self, value):
        return value.name if value is not None else ""

    def render_makespan(self, value):
        return hours(value)


class ScheduleJobTable(TaktTable):
    reference = tables.Column(linkify=lambda record: job_url(record))
    item = tables.Column(accessor="item__code", verbose_name=_("Item"), order_by=("item__code",))
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"), orderable=False)
    quantity = QuantityColumn()
    weight = tables.Column(verbose_name=_("Priority"), attrs=RIGHT)
    end = DateTimeColumn(verbose_name=_("Planned end"))
    tardiness_minutes = tables.Column(verbose_name=_("Minutes late"), attrs=RIGHT)

    class Meta(TaktTable.Meta):
        model = ScheduleJob
        fields = (
            "reference",
            "source",
            "item",
            "item_name",
            "quantity",
            "weight",
            "due",
            "end",
            "tardiness_minutes",
        )
        row_attrs = {"class": lambda record: "table-danger" if record.tardiness_minutes else ""}

    def render_tardiness_minutes(self, value):
        return value if value else "0"


class MachineLoadTable(tables.Table):
    """aps.selectors.scheduling.MachineLoad rows."""

    work_center = tables.Column(accessor="machine__work_center__code", verbose_name=_("Work center"))
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"))
    busy = tables.Column(accessor="busy_minutes", verbose_name=_("Busy (h)"), attrs=RIGHT)
    setup = tables.Column(accessor="setup_minutes", verbose_name=_("Setup (h)"), attrs=RIGHT)
    available = tables.Column(accessor="available_minutes", verbose_name=_("Available (h)"), attrs=RIGHT)
    utilization_pct = tables.Column(verbose_name=_("Utilization %"), attrs=RIGHT, empty_values=())

    class Meta:
        attrs = {"class": "table table-sm align-middle", "id": "machine-loads"}
        orderable = False

    def render_busy(self, value):
        return hours(value)

    def render_setup(self, value):
        return hours(value)

    def render_available(self, value):
        return hours(value)

    def render_utilization_pct(self, value):
        return "—" if value is None else trim_decimal(value, min_places=1)


class ChangeoverTable(TaktTable):
    from_family = tables.Column(verbose_name=_("From family"), empty_values=())
    to_family = tables.Column(verbose_name=_("To family"), empty_values=())
    minutes = tables.Column(attrs=RIGHT)
    delete = tables.TemplateColumn(
        template_name="aps/scheduling/_delete_button.html", verbose_name="", orderable=False, exclude_from_export=True
    )

    class Meta(TaktTable.Meta):
        model = Changeover
        fields = ("from_family", "to_family", "minutes", "delete")
        attrs = {**TaktTable.Meta.attrs, "id": "changeovers"}

    def render_from_family(self, value):
        return value.code if value is not None else _("(no category)")

    def render_to_family(self, value):
        return value.code if value is not None else _("(no category)")


class MachineWindowTable(TaktTable):
    machine = tables.Column(accessor="machine__code", verbose_name=_("Machine"), order_by=("machine__code",))
    work_center = tables.Column(
        accessor="machine__work_center__code", verbose_name=_("Work center"), order_by=("machine__work_center__code",)
    )
    delete = tables.TemplateColumn(
        template_name="aps/scheduling/_delete_button.html", verbose_name="", orderable=False, exclude_from_export=True
    )

    class Meta(TaktTable.Meta):
        model = MachineWindow
        fields = ("machine", "work_center", "kind", "start", "end", "reason", "delete")
        attrs = {**TaktTable.Meta.attrs, "id": "machine-windows"}
