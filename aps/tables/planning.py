"""Tables of the planning screens: the forecast list, with the coming months as columns."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aps.models import DemandForecast
from core.formatting import format_quantity, trim_decimal
from core.tables import TaktTable

RIGHT = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class DemandForecastTable(TaktTable):
    item = tables.Column(
        accessor="item__code",
        verbose_name=_("Item"),
        linkify=lambda record: record.get_absolute_url(),
        order_by=("item__code",),
    )
    item_name = tables.Column(accessor="item__name", verbose_name=_("Name"), orderable=False)
    mape = tables.Column(verbose_name=_("MAPE %"), attrs=RIGHT)
    history_months = tables.Column(verbose_name=_("History (months)"), attrs=RIGHT)
    unit = tables.Column(accessor="item__uom__code", verbose_name=_("Unit"), orderable=False)

    class Meta(TaktTable.Meta):
        model = DemandForecast
        fields = ("item", "item_name", "method", "mape", "history_months", "generated_on", "unit")

    def render_mape(self, value):
        return trim_decimal(value)


def month_columns(months) -> list[tuple[str, tables.Column]]:
    """One column per coming month: the planned quantity (adjusted, else statistical; adjusted in bold)."""
    return [(f"m{month:%Y%m}", _MonthColumn(month)) for month in months]


class _MonthColumn(tables.Column):
    def __init__(self, month):
        self.month = month
        super().__init__(verbose_name=f"{month:%Y-%m}", accessor="pk", orderable=False, empty_values=(), attrs=RIGHT)

    def _period(self, record):
        return next((p for p in record.periods.all() if p.month == self.month), None)

    def render(self, record):
        period = self._period(record)
        if period is None:
            return ""
        if period.adjusted_qty is None:
            return format_quantity(period.statistical_qty)
        return format_html('<strong title="{}">{}</strong>', _("Adjusted"), format_quantity(period.adjusted_qty))

    def value(self, record):
        period = self._period(record)
        return "" if period is None else period.planned_qty
