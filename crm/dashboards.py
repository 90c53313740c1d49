"""The sales role's dashboard panels (core.dashboards): the pipeline, and order intake with on-time delivery."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dashboards import Chart, Figure, Panel, Series, link
from core.roles import Role
from core.selectors.currencies import company_currency
from crm.selectors.dashboard import on_time_pct, sales_months
from crm.selectors.pipeline import CompanyMoney, pipeline_by_stage, win_rate

# Below it, recent on-time delivery shows in red.
ON_TIME_TARGET_PCT = 90


def pipeline_panel(user) -> dict:
    money = CompanyMoney()
    stages = pipeline_by_stage(money=money)
    rate = win_rate(money=money)
    board = link(user, "crm:pipeline", "crm.view_opportunity")
    currency = money.currency.code
    return {
        "figures": [
            Figure(_("Open pipeline"), sum(stage.value for stage in stages), board, unit=currency),
            Figure(_("Weighted"), sum(stage.weighted for stage in stages), board, unit=currency),
            Figure(_("Open opportunities"), sum(stage.count for stage in stages), board),
            Figure(
                _("Win rate, 12 months"),
                rate.by_count_pct,
                link(user, "crm:dashboard", "crm.view_opportunity"),
                unit="%",
                decimals="1",
            ),
        ],
        "charts": [
            Chart(
                _("Open pipeline by stage"),
                "bar",
                [stage.stage.name for stage in stages],
                [
                    Series(_("Value"), [stage.value for stage in stages]),
                    Series(_("Weighted"), [stage.weighted for stage in stages]),
                ],
                unit=currency,
            )
        ],
        "unconverted": money.unconverted,
    }


def orders_panel(user) -> dict:
    today = timezone.localdate()
    months = sales_months(today=today)
    orders = link(user, "erp:salesorder_list", "erp.view_salesorder")
    tracking = link(user, "crm:order_tracking", "erp.view_salesorder")
    recent = on_time_pct(months[-3:])
    currency = company_currency().code
    return {
        "figures": [
            Figure(_("Order intake, this month"), months[-1].intake, orders, unit=currency),
            Figure(_("Order intake, 12 months"), sum(month.intake for month in months), orders, unit=currency),
            Figure(
                _("On time, 3 months"),
                recent,
                tracking,
                unit="%",
                decimals="1",
                alert=recent is not None and recent < ON_TIME_TARGET_PCT,
            ),
            Figure(_("On time, 12 months"), on_time_pct(months), tracking, unit="%", decimals="1"),
        ],
        "charts": [
            Chart(
                _("Order intake and on-time delivery per month"),
                "bar",
                [month.month.strftime("%Y-%m") for month in months],
                [
                    Series(_("Order intake"), [month.intake for month in months]),
                    Series(_("On time %"), [month.on_time_pct for month in months], type="line", axis="right"),
                ],
                unit=currency,
                right_unit="%",
            )
        ],
    }


PANELS = (
    Panel(
        "sales-pipeline",
        gettext_lazy("Pipeline"),
        frozenset({Role.SALES}),
        pipeline_panel,
        permission="crm.view_opportunity",
        order=10,
    ),
    Panel(
        "sales-orders",
        gettext_lazy("Order intake and delivery"),
        frozenset({Role.SALES}),
        orders_panel,
        permission="erp.view_salesorder",
        order=20,
    ),
)
