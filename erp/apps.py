from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs):
    from erp.chart import default_chart_load

    default_chart_load()


def _register_search() -> None:
    from core.search import SearchKind, register_search

    def order(key, label, model, partner):
        return SearchKind(
            key,
            label,
            model,
            codes=("number",),
            texts=(f"{partner}__code", f"{partner}__name", f"{partner}_reference"),
            details=(f"{partner}.name", "get_state_display"),
            select_related=(partner,),
        )

    register_search(order("sales_orders", _("Sales orders"), "erp.salesorder", "customer"))
    register_search(order("purchase_orders", _("Purchase orders"), "erp.purchaseorder", "supplier"))
    register_search(
        SearchKind(
            "production_orders",
            _("Production orders"),
            "erp.productionorder",
            codes=("number",),
            texts=("item__code", "item__name"),
            details=("item.name", "get_state_display"),
            select_related=("item",),
        )
    )
    register_search(
        SearchKind(
            "invoices",
            _("Invoices"),
            "erp.invoice",
            codes=("number",),
            texts=("partner__code", "partner__name", "supplier_reference"),
            details=("partner.name", "get_kind_display", "get_state_display"),
            select_related=("partner",),
        )
    )


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = "ERP"

    def ready(self):
        import erp.handlers  # noqa: F401  (subscribes ERP to the lower apps' events)
        from core.dashboards import register_panels
        from core.navigation import Menu, MenuItem, model_item, register_menu
        from erp.dashboards import PANELS

        register_panels(*PANELS)
        from erp import eco_impact
        from plm.impact import register_impact_provider

        # Stock is valued from the first move on: the default chart exists in every database.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="erp.after_migrate")
        # What an ECO touches in stock and open orders, recorded when it is submitted for review.
        register_impact_provider(_("Stock of changed and obsoleted items"), eco_impact.stock_impact)
        register_impact_provider(_("Open production orders"), eco_impact.production_impact)
        register_impact_provider(_("Obsoleted parts still on order"), eco_impact.purchase_impact)
        register_menu(
            Menu(
                _("Sales"),
                (
                    model_item(_("Sales orders"), "erp.salesorder"),
                    model_item(_("Price lists"), "erp.pricelist"),
                    model_item(_("Sales forecasts"), "erp.salesforecast"),
                ),
            )
        )
        register_menu(Menu(_("Purchasing"), (model_item(_("Purchase orders"), "erp.purchaseorder"),)))
        _register_search()
        register_menu(
            Menu(
                _("Production"),
                (
                    model_item(_("Production orders"), "erp.productionorder"),
                    MenuItem(_("Variances"), "erp:variance_report", "erp.view_productionvariance"),
                    model_item(_("Cost versions"), "erp.costversion"),
                    MenuItem(_("Compare cost versions"), "erp:costversion_compare", "erp.view_costversion"),
                    model_item(_("Standard costs"), "erp.itemcost"),
                    model_item(_("Work center rates"), "erp.workcenterrate"),
                ),
            )
        )
        register_menu(
            Menu(
                _("Finance"),
                (
                    model_item(_("Invoices"), "erp.invoice"),
                    model_item(_("Payments"), "erp.payment"),
                    model_item(_("Journal"), "erp.journalentry"),
                    MenuItem(_("Trial balance"), "erp:trial_balance", "erp.view_journalentry"),
                    MenuItem(_("Profit and loss"), "erp:profit_and_loss", "erp.view_journalentry"),
                    MenuItem(_("Balance sheet"), "erp:balance_sheet", "erp.view_journalentry"),
                    MenuItem(_("Aged receivables and payables"), "erp:aging", "erp.view_payment"),
                    MenuItem(_("Budget vs actual"), "erp:budget_report", "erp.view_budget"),
                    MenuItem(_("Stock valuation"), "erp:stock_valuation", "erp.view_itemvaluation"),
                    model_item(_("Budgets"), "erp.budget"),
                    model_item(_("Cost centers"), "erp.costcenter"),
                    model_item(_("Chart of accounts"), "erp.account"),
                ),
            )
        )
        register_menu(
            Menu(
                _("People"),
                (
                    model_item(_("Employees"), "erp.employee"),
                    model_item(_("Departments"), "erp.department"),
                    model_item(_("Qualifications"), "erp.qualification"),
                    MenuItem(_("Expiring qualifications"), "erp:qualification_expiring", "erp.view_qualification"),
                    MenuItem(_("Roster week"), "erp:roster_week", "erp.view_rosterentry"),
                    model_item(_("Roster entries"), "erp.rosterentry"),
                    model_item(_("Attendance"), "erp.attendance"),
                    model_item(_("Labor bookings"), "erp.laborbooking"),
                    MenuItem(_("Labor hours and cost"), "erp:labor_report", "erp.view_laborbooking"),
                ),
                system=_("Finance"),
            )
        )
