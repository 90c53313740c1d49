"""The role dashboards of the home page. Each app registers, in AppConfig.ready(), the panels it offers to
some roles; the home page shows a signed-in user the panels of one of their roles at a time (an
administrator may look at every role's). A panel is a card of key figures and charts, its data read by a
callable of the app's own selectors, so core knows nothing of the upper apps.

Charts are described as data (`Chart`), carried to the page with json_script and drawn by one static
script (static/js/dashboard.js): a panel needs a selector, not its own JavaScript.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import reverse

from core.roles import Role

PANEL_TEMPLATE = "core/dashboard/panel.html"


@dataclass(frozen=True)
class Panel:
    key: str  # unique, used in element ids
    title: str
    roles: frozenset[Role]
    context: Callable[[Any], dict]  # (user) -> what the template shows: figures, charts, and its own extras
    permission: str = ""  # the data's view permission: a role holding the panel but not this does not see it
    template: str = PANEL_TEMPLATE  # an app's template extends it to add a table below the charts
    order: int = 100  # left to right, top to bottom


@dataclass(frozen=True)
class Figure:
    """A key figure: the number, what it is, and the list behind it (empty when there is none to open)."""

    label: str
    value: Decimal | int | None  # None shows a dash: nothing to measure
    url: str = ""
    unit: str = ""  # "%", or a currency code
    decimals: str = "0g"  # floatformat's argument: "0g" whole numbers grouped, "1" one decimal
    hint: str = ""
    alert: bool = False  # shown in red: late, overloaded, overdue


_panels: dict[str, Panel] = {}


def register_panels(*panels: Panel) -> None:
    """Add panels; registering a key again replaces its panel."""
    for panel in panels:
        _panels[panel.key] = panel


def registered_panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))


def dashboard_roles(user) -> list[Role]:
    """The roles whose dashboards the user may open, in the order of the Role enum: their own roles that have
    panels, and for an administrator every role that has one. One query."""
    if not user.is_authenticated:
        return []
    with_panels = {role for panel in _panels.values() for role in panel.roles}
    held = {Role(name) for name in user.groups.values_list("name", flat=True) if name in Role.values}
    if user.is_superuser or Role.ADMIN in held:
        held = with_panels
    return [role for role in Role if role in held & with_panels]


def panels_for(user, role: Role) -> list[Panel]:
    """The panels of `role` the user may see: the role must be one of their dashboards, and each panel's
    permission theirs."""
    if role not in dashboard_roles(user):
        return []
    return [
        panel
        for panel in registered_panels()
        if role in panel.roles and (not panel.permission or user.has_perm(panel.permission))
    ]


def link(user, url_name: str, permission: str, *args, query: str = "") -> str:
    """The address of a list a figure opens, or "" when the user may not open it."""
    if permission and not user.has_perm(permission):
        return ""
    url = reverse(url_name, args=args)
    return f"{url}?{query}" if query else url


# --- Charts ------------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else value


@dataclass
class Series:
    label: str
    data: Sequence[Any]
    type: str = ""  # another type than the chart's: a line over bars
    axis: str = ""  # "right": a second y axis (a percentage beside amounts)

    def as_dict(self) -> dict:
        spec: dict[str, Any] = {"label": str(self.label), "data": [_number(value) for value in self.data]}
        for name in ("type", "axis"):
            if getattr(self, name):
                spec[name] = getattr(self, name)
        return spec


@dataclass
class Chart:
    """What static/js/dashboard.js draws with Chart.js. `unit` is "%" for percentages (0 to 100) or a
    currency code; `horizontal` turns bars sideways (long labels); `stacked` stacks the bars."""

    title: str
    type: str  # bar, line, doughnut
    labels: Sequence[Any]
    series: list[Series] = field(default_factory=list)
    unit: str = ""
    right_unit: str = ""  # of the series on the right axis
    stacked: bool = False
    horizontal: bool = False

    def as_dict(self) -> dict:
        return {
            "type": self.type,
            "labels": [str(label) for label in self.labels],
            "datasets": [series.as_dict() for series in self.series],
            "unit": self.unit,
            "rightUnit": self.right_unit,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
        }


def chart_specs(panel_key: str, charts: Iterable[Chart]) -> list[dict]:
    """The charts of a panel as the template renders them: a title, a unique element id and the spec."""
    return [
        {"title": chart.title, "id": f"chart-{panel_key}-{index}", "spec": chart.as_dict()}
        for index, chart in enumerate(charts)
    ]


# --- Periods ---------------------------------------------------------------------------------------------


def last_months(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the `count` months up to and including today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [datetime.date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(count - 1, -1, -1)]


def last_weeks(today: datetime.date, count: int) -> list[datetime.date]:
    """The Mondays of the `count` weeks up to and including today's, oldest first."""
    monday = today - datetime.timedelta(days=today.weekday())
    return [monday - datetime.timedelta(weeks=back) for back in range(count - 1, -1, -1)]


def as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    """A truncated month or week as a date (TruncMonth of a datetime field gives a datetime)."""
    return value.date() if isinstance(value, datetime.datetime) else value
