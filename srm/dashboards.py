"""The buyer's dashboard panel (core.dashboards): the supplier scorecards of the latest month and the trend."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dashboards import Chart, Figure, Panel, Series, link
from core.roles import Role
from srm.models import ScorecardRating
from srm.selectors.dashboard import latest_month_scorecards, scorecard_months

# The chart names the worst suppliers: past a screenful of bars it stops being read.
SUPPLIERS_SHOWN = 15


def scorecards_panel(user) -> dict:
    cards = list(latest_month_scorecards())
    months = scorecard_months(today=timezone.localdate())
    url = link(user, "srm:scorecard_list", "srm.view_scorecard")
    month = cards[0].period_start if cards else None
    label = f"{month:%Y-%m}" if month else ""
    period = f"period_start_after={month.isoformat()}&period_start_before={month.isoformat()}" if month else ""

    def rated(rating: str) -> str:
        return url and f"{url}?rating={rating}&{period}"

    warned = sum(card.rating == ScorecardRating.WARN for card in cards)
    blocked = sum(card.rating == ScorecardRating.BLOCK for card in cards)
    on_time = [card.on_time_pct for card in cards if card.on_time_pct is not None]
    shown = cards[:SUPPLIERS_SHOWN]
    return {
        "figures": [
            Figure(_("Suppliers scored"), len(cards), url and f"{url}?{period}", hint=label),
            Figure(_("Rated warning"), warned, rated(ScorecardRating.WARN), alert=bool(warned)),
            Figure(_("Rated blocked"), blocked, rated(ScorecardRating.BLOCK), alert=bool(blocked)),
            Figure(
                _("On time, average"),
                sum(on_time) / len(on_time) if on_time else None,
                url and f"{url}?{period}",
                unit="%",
                decimals="1",
            ),
        ],
        "charts": [
            Chart(
                _("Score of the latest month, lowest first"),
                "bar",
                [card.supplier.code for card in shown],
                [
                    Series(_("Score"), [card.score for card in shown]),
                    Series(_("On time %"), [card.on_time_pct for card in shown]),
                ],
                unit="%",
                horizontal=True,
            ),
            Chart(
                _("Average score and on-time delivery per month"),
                "line",
                [f"{row.month:%Y-%m}" for row in months],
                [
                    Series(_("Score"), [row.score for row in months]),
                    Series(_("On time %"), [row.on_time_pct for row in months]),
                ],
                unit="%",
            ),
        ],
    }


PANELS = (
    Panel(
        "purchasing-scorecards",
        gettext_lazy("Supplier scorecards"),
        frozenset({Role.BUYER}),
        scorecards_panel,
        permission="srm.view_scorecard",
        order=10,
    ),
)
