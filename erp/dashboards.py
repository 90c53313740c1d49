"""ERP's dashboard panels (core.dashboards): for finance, profit and loss and the aging of receivables and
payables; for the warehouse and finance, the value of the stock and how fast it turns."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dashboards import Chart, Figure, Panel, Series, link
from core.roles import Role
from core.selectors.currencies import company_currency
from erp.choices import InvoiceKind
from erp.selectors.dashboard import profit_months, stock_trend
from erp.selectors.finance import BUCKET_LABELS, BUCKETS, aging, profit_and_loss
from wms.choices import MoveKind


def _month_labels(months) -> list[str]:
    return [f"{month.month:%Y-%m}" for month in months]


def profit_panel(user) -> dict:
    today = timezone.localdate()
    year = profit_and_loss(date_from=datetime.date(today.year, 1, 1), date_to=today)
    months = profit_months(today=today)
    currency = company_currency().code
    url = link(user, "erp:profit_and_loss", "erp.view_journalentry")
    return {
        "figures": [
            Figure(_("Income, year to date"), year.income.actual, url, unit=currency),
            Figure(_("Expenses, year to date"), year.expense.actual, url, unit=currency),
            Figure(_("Profit, year to date"), year.profit, url, unit=currency, alert=year.profit < 0),
            Figure(_("Profit, this month"), months[-1].profit, url, unit=currency, alert=months[-1].profit < 0),
        ],
        "charts": [
            Chart(
                _("Income, expenses and profit per month"),
                "bar",
                _month_labels(months),
                [
                    Series(_("Income"), [month.income for month in months]),
                    Series(_("Expenses"), [month.expense for month in months]),
                    Series(_("Profit"), [month.profit for month in months], type="line"),
                ],
                unit=currency,
            )
        ],
    }


def aging_panel(user) -> dict:
    today = timezone.localdate()
    receivables = aging(kind=InvoiceKind.CUSTOMER, as_of=today)
    payables = aging(kind=InvoiceKind.SUPPLIER, as_of=today)
    currency = company_currency().code
    url = link(user, "erp:aging", "erp.view_invoice")

    def overdue(report) -> object:
        return sum(report.totals[1:])  # every bucket but "current"

    def of(kind: str) -> str:
        return url and f"{url}?kind={kind}"

    return {
        "figures": [
            Figure(_("Receivables"), receivables.total, of(InvoiceKind.CUSTOMER), unit=currency),
            Figure(
                _("Receivables overdue"),
                overdue(receivables),
                of(InvoiceKind.CUSTOMER),
                unit=currency,
                alert=bool(overdue(receivables)),
            ),
            Figure(_("Payables"), payables.total, of(InvoiceKind.SUPPLIER), unit=currency),
            Figure(_("Payables overdue"), overdue(payables), of(InvoiceKind.SUPPLIER), unit=currency),
        ],
        "charts": [
            Chart(
                _("Open invoices by days past due"),
                "bar",
                [BUCKET_LABELS[bucket] for bucket in BUCKETS],
                [Series(_("Receivables"), receivables.totals), Series(_("Payables"), payables.totals)],
                unit=currency,
            )
        ],
    }


def stock_panel(user) -> dict:
    today = timezone.localdate()
    trend = stock_trend(today=today)
    currency = company_currency().code
    valuation = link(user, "erp:stock_valuation", "erp.view_itemvaluation")
    shipments = link(user, "wms:stockmove_list", "wms.view_stockmove")
    first = trend.months[0].month
    opening_day = first - datetime.timedelta(days=1)
    shipped = sum(month.shipped_cost for month in trend.months)
    return {
        "figures": [
            Figure(_("Stock value"), trend.value, valuation, unit=currency),
            Figure(_("Inventory turns, 12 months"), trend.turns, decimals="1"),
            Figure(
                _("Cost of goods shipped, 12 months"),
                shipped,
                shipments and f"{shipments}?kind={MoveKind.SHIPMENT}&moved_at_after={first}&moved_at_before={today}",
                unit=currency,
            ),
            Figure(
                _("Stock value on %(date)s") % {"date": opening_day.isoformat()},
                trend.opening,
                valuation and f"{valuation}?as_of={opening_day}",
                unit=currency,
            ),
        ],
        "charts": [
            Chart(
                _("Stock value at month end and cost of goods shipped"),
                "bar",
                _month_labels(trend.months),
                [
                    Series(_("Stock value"), [month.value for month in trend.months], type="line"),
                    Series(_("Cost of goods shipped"), [month.shipped_cost for month in trend.months]),
                ],
                unit=currency,
            )
        ],
    }


PANELS = (
    Panel(
        "finance-profit",
        gettext_lazy("Profit and loss"),
        frozenset({Role.FINANCE}),
        profit_panel,
        permission="erp.view_journalentry",
        order=10,
    ),
    Panel(
        "finance-aging",
        gettext_lazy("Receivables and payables by age"),
        frozenset({Role.FINANCE}),
        aging_panel,
        permission="erp.view_invoice",
        order=20,
    ),
    # The warehouse sees the total value, not the valuation per item (that list is finance's).
    Panel(
        "stock-value",
        gettext_lazy("Stock value and turns"),
        frozenset({Role.WAREHOUSE, Role.FINANCE}),
        stock_panel,
        permission="wms.view_quant",
        order=30,
    ),
)
