"""The production dashboard's panels (core.dashboards): OEE per week with its losses, and output against plan.
Shown to operators and engineers (the shop floor and who improves it); planners see their own."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dashboards import Chart, Figure, Panel, Series, link
from core.roles import Role
from mes.selectors.dashboard import oee_weeks, output_weeks
from mes.selectors.oee import OeeFigures

PRODUCTION = frozenset({Role.OPERATOR, Role.ENGINEER})


def _percent(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else ratio * 100


def _losses(total: OeeFigures) -> list[tuple[str, Decimal]]:
    """Where the planned busy time went, in minutes: downtime per reason (planned stops are no loss), idle
    time, speed and scrap."""
    losses = [
        (f"{loss.reason.code} {loss.reason.name}", loss.minutes)
        for loss in total.downtime_by_reason
        if loss.reason.counts_against_availability
    ]
    return [
        *losses,
        (_("Idle, no operation"), total.idle_minutes),
        (_("Speed loss"), total.speed_loss_minutes),
        (_("Scrap"), total.scrap_loss_minutes),
    ]


def oee_panel(user) -> dict:
    weeks = oee_weeks(today=timezone.localdate())
    total = OeeFigures()
    for week in weeks:
        total.add(week.figures)
    url = link(user, "mes:oee", "mes.view_machinecount")
    losses = _losses(total)
    labels = [week.week.isoformat() for week in weeks]
    return {
        "figures": [
            # Over the same weeks as its factors: a week with no production (a plant working in campaigns) has none.
            Figure(_("OEE, 8 weeks"), _percent(total.oee), url, unit="%", decimals="1"),
            Figure(_("Availability, 8 weeks"), _percent(total.availability), url, unit="%", decimals="1"),
            Figure(_("Performance, 8 weeks"), _percent(total.performance), url, unit="%", decimals="1"),
            Figure(_("Quality, 8 weeks"), _percent(total.quality), url, unit="%", decimals="1"),
        ],
        "charts": [
            Chart(
                _("OEE per week"),
                "line",
                labels,
                [
                    Series(_("OEE"), [_percent(week.figures.oee) for week in weeks]),
                    Series(_("Availability"), [_percent(week.figures.availability) for week in weeks]),
                    Series(_("Performance"), [_percent(week.figures.performance) for week in weeks]),
                    Series(_("Quality"), [_percent(week.figures.quality) for week in weeks]),
                ],
                unit="%",
            ),
            Chart(
                _("Losses, 8 weeks (minutes)"),
                "bar",
                [label for label, _minutes in losses],
                [Series(_("Minutes lost"), [minutes for _label, minutes in losses])],
                horizontal=True,
            ),
        ],
    }


def output_panel(user) -> dict:
    weeks = output_weeks(today=timezone.localdate())
    planned = sum(week.planned for week in weeks)
    made = sum(week.made for week in weeks)
    orders = link(user, "erp:productionorder_list", "erp.view_productionorder")
    return {
        "figures": [
            Figure(_("Planned, 8 weeks"), planned, orders),
            Figure(_("Made, 8 weeks"), made, orders),
            Figure(_("Of plan"), made * 100 / planned if planned else None, orders, unit="%", decimals="1"),
            Figure(_("Made last week"), weeks[-2].made, orders),
        ],
        "charts": [
            Chart(
                _("Good output against plan per week of due date (units)"),
                "bar",
                [week.week.isoformat() for week in weeks],
                [
                    Series(_("Planned"), [week.planned for week in weeks]),
                    Series(_("Made"), [week.made for week in weeks]),
                ],
            )
        ],
    }


PANELS = (
    Panel(
        "production-oee",
        gettext_lazy("OEE and losses"),
        PRODUCTION,
        oee_panel,
        permission="mes.view_machinecount",
        order=10,
    ),
    Panel(
        "production-output",
        gettext_lazy("Output against plan"),
        PRODUCTION,
        output_panel,
        permission="erp.view_productionorder",
        order=20,
    ),
)
