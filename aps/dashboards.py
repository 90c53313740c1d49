"""The planner's dashboard panels (core.dashboards): load per work center against capacity, and what is late
or needs a decision (late orders, the current MRP run's exceptions)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aps.choices import ExceptionKind
from aps.selectors.capacity import rough_cut_load
from aps.selectors.dashboard import UNDELIVERED, UNFINISHED, late_orders
from aps.selectors.mrp import current_run, exception_counts
from core.dashboards import Chart, Figure, Panel, Series, link
from core.roles import Role

LOAD_WEEKS = 4


def load_panel(user) -> dict:
    """The next weeks' rough-cut load of each work center summed, against its hours."""
    rough_cut = rough_cut_load(first_week=timezone.localdate(), weeks=LOAD_WEEKS)
    centers = [
        (row, sum(week.load_hours for week in row.weeks), sum(week.available_hours for week in row.weeks))
        for row in rough_cut.work_centers
    ]
    overloaded = [row for row in rough_cut.work_centers if row.overloaded_weeks]
    load_total = sum(load for _row, load, _available in centers)
    available_total = sum(available for _row, _load, available in centers)
    url = link(user, "aps:rough_cut", "aps.view_masterscheduleentry")
    return {
        "figures": [
            Figure(_("Load, hours"), load_total, url),
            Figure(_("Capacity, hours"), available_total, url),
            Figure(
                _("Utilization"),
                load_total * 100 / available_total if available_total else None,
                url,
                unit="%",
                decimals="1",
            ),
            Figure(_("Overloaded work centers"), len(overloaded), url, alert=bool(overloaded)),
        ],
        "charts": [
            Chart(
                _("Load and capacity per work center, next %(weeks)d weeks (hours)") % {"weeks": LOAD_WEEKS},
                "bar",
                [row.work_center.code for row, _load, _available in centers],
                [
                    Series(_("Load"), [load for _row, load, _available in centers]),
                    Series(_("Capacity"), [available for _row, _load, available in centers]),
                ],
            )
        ],
    }


def _states(states) -> str:
    return "&".join(f"state={state}" for state in states)


def attention_panel(user) -> dict:
    today = timezone.localdate()
    late = late_orders(today=today)
    run = current_run()
    counts = exception_counts(run=run) if run is not None else {}
    exceptions = link(user, "aps:mrpexception_list", "aps.view_mrpexception")
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    kinds = [kind for kind in ExceptionKind if kind in counts]
    return {
        "figures": [
            Figure(
                _("Late production orders"),
                late.production_late,
                link(
                    user,
                    "erp:productionorder_list",
                    "erp.view_productionorder",
                    query=f"{_states(UNFINISHED)}&due_date_before={yesterday}",
                ),
                hint=_("Of %(count)d open") % {"count": late.production_open},
                alert=bool(late.production_late),
            ),
            Figure(
                _("Late sales orders"),
                late.sales_late,
                link(user, "erp:salesorder_list", "erp.view_salesorder", query=_states(UNDELIVERED)),
                hint=_("Of %(count)d open") % {"count": late.sales_open},
                alert=bool(late.sales_late),
            ),
            Figure(_("MRP exceptions"), sum(counts.values()) if run else None, exceptions),
            Figure(
                _("Past due"),
                counts.get(ExceptionKind.PAST_DUE, 0) if run else None,
                exceptions and f"{exceptions}?kind={ExceptionKind.PAST_DUE}",
                alert=bool(counts.get(ExceptionKind.PAST_DUE)),
            ),
        ],
        "charts": [
            Chart(
                _("Exceptions of the MRP run of %(date)s by kind") % {"date": run.planning_date.isoformat()},
                "bar",
                [kind.label for kind in kinds],
                [Series(_("Exceptions"), [counts[kind] for kind in kinds])],
                horizontal=True,
            )
        ]
        if run is not None and kinds
        else [],
    }


PANELS = (
    Panel(
        "planning-load",
        gettext_lazy("Load per work center"),
        frozenset({Role.PLANNER}),
        load_panel,
        permission="aps.view_masterscheduleentry",
        order=10,
    ),
    Panel(
        "planning-attention",
        gettext_lazy("Late orders and MRP exceptions"),
        frozenset({Role.PLANNER}),
        attention_panel,
        permission="aps.view_mrpexception",
        order=20,
    ),
)
