"""The supervisor board (every machine's state now, refreshed by htmx every few seconds) and the OEE page
(a table per machine and day, shift or order, with the trend and the loss breakdown as charts)."""

from decimal import Decimal

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from core.navigation import MenuItem
from core.views.generic import ModelPermissionMixin
from mes.forms.oee import OeeForm
from mes.models import MachineCount, MachineStatus
from mes.selectors.board import machine_board
from mes.selectors.oee import OeeFigures, OeeGrouping, OeeRow, oee_report

BOARD_REFRESH_SECONDS = 10


class BoardView(ModelPermissionMixin, generic.TemplateView):
    """Big tiles coloured by state; htmx polls the same address and swaps the tiles only."""

    model = MachineStatus
    template_name = "mes/board/board.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["mes/board/_tiles.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return super().get_context_data(groups=machine_board(), refresh_seconds=BOARD_REFRESH_SECONDS, **kwargs)


def _percent(ratio: Decimal | None) -> float | None:
    return None if ratio is None else float(ratio * 100)


def _charts(trend: list[OeeRow], total: OeeFigures) -> dict:
    """What the two charts draw: the ratios per day, and where the planned busy time was lost (minutes)."""
    # Planned stops (breaks) are outside the planned busy time: not a loss.
    losses = [
        (f"{loss.reason.code} {loss.reason.name}", loss.minutes)
        for loss in total.downtime_by_reason
        if loss.reason.counts_against_availability
    ]
    losses += [
        (_("Idle, no operation"), total.idle_minutes),
        (_("Speed loss"), total.speed_loss_minutes),
        (_("Scrap"), total.scrap_loss_minutes),
    ]
    return {
        "trend": {
            "labels": [row.label for row in trend],
            "series": [
                {"label": _("OEE"), "data": [_percent(row.figures.oee) for row in trend]},
                {"label": _("Availability"), "data": [_percent(row.figures.availability) for row in trend]},
                {"label": _("Performance"), "data": [_percent(row.figures.performance) for row in trend]},
                {"label": _("Quality"), "data": [_percent(row.figures.quality) for row in trend]},
            ],
        },
        "losses": {
            "labels": [label for label, _minutes in losses],
            "minutes": [float(minutes) for _label, minutes in losses],
            "title": _("Minutes lost"),
        },
    }


class OeeView(ModelPermissionMixin, generic.TemplateView):
    model = MachineCount
    template_name = "mes/oee/oee.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Every field is optional: an empty query is the last week per day, all machines.
        form = context["form"] = OeeForm(self.request.GET)
        if not form.is_valid():
            return context
        start, end = form.period()
        machines, grouping = form.machines(), form.cleaned_data["group_by"]
        report = oee_report(start=start, end=end, machines=machines, grouping=grouping)
        by_day = report
        if grouping != OeeGrouping.DAY:
            by_day = oee_report(start=start, end=end, machines=machines, grouping=OeeGrouping.DAY)
        total = report.total
        context.update(
            report=report,
            total=total,
            grouping_label=OeeGrouping(grouping).label,
            charts=_charts(by_day.combined(), total),
        )
        return context


urlpatterns = [
    path("board/", BoardView.as_view(), name="board"),
    path("oee/", OeeView.as_view(), name="oee"),
]

MENU = (
    MenuItem(gettext_lazy("Supervisor board"), "mes:board", "mes.view_machinestatus"),
    MenuItem(gettext_lazy("OEE"), "mes:oee", "mes.view_machinecount"),
)
