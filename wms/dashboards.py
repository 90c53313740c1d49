"""The warehouse's dashboard panel (core.dashboards): the open work and the week's traffic. The stock's value
and turns are ERP's panel (erp.dashboards), as the value is the books'."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dashboards import Chart, Figure, Panel, Series, link
from core.roles import Role
from wms.choices import MoveKind
from wms.models import PickState
from wms.selectors.dashboard import TRAFFIC, move_weeks, open_work


def work_panel(user) -> dict:
    work = open_work()
    weeks = move_weeks(today=timezone.localdate())
    tasks = link(user, "wms:stocktask_list", "wms.view_stocktask")
    picks = link(user, "wms:picklist_list", "wms.view_picklist")
    receipts = link(user, "wms:receipt_list", "wms.view_receipt")
    open_kinds = [
        (_("Receipts"), work.receipts),
        (_("Put-aways"), work.putaways),
        (_("Replenishments"), work.replenishments),
        (_("Picks"), work.picks),
        (_("To ship"), work.to_ship),
        (_("Cycle counts"), work.counts),
    ]
    return {
        "figures": [
            Figure(_("Receipts to receive"), work.receipts, receipts),
            Figure(
                _("Open stock tasks"),
                work.putaways + work.replenishments,
                tasks,
                hint=_("%(putaways)d put-away, %(replenishments)d replenishment")
                % {"putaways": work.putaways, "replenishments": work.replenishments},
            ),
            Figure(_("Pick lists to pick"), work.picks, picks and f"{picks}?state={PickState.OPEN}"),
            Figure(_("Picked, to ship"), work.to_ship, picks and f"{picks}?state={PickState.PICKED}"),
        ],
        "charts": [
            Chart(
                _("Open work"),
                "bar",
                [label for label, _count in open_kinds],
                [Series(_("Open"), [count for _label, count in open_kinds])],
            ),
            Chart(
                _("Moves per week"),
                "bar",
                [week.week.isoformat() for week in weeks],
                [Series(MoveKind(kind).label, [week.moves[kind] for week in weeks]) for kind in TRAFFIC],
                stacked=True,
            ),
        ],
    }


PANELS = (
    Panel(
        "warehouse-work",
        gettext_lazy("Open warehouse work"),
        frozenset({Role.WAREHOUSE}),
        work_panel,
        permission="wms.view_stocktask",
        order=10,
    ),
)
