from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _pipeline_defaults(**kwargs):
    from crm.services.opportunities import pipeline_defaults_ensure

    pipeline_defaults_ensure()


def _register_search() -> None:
    from core.search import SearchKind, register_search

    account = ("account__code", "account__name")
    register_search(
        SearchKind(
            "quotes",
            _("Quotes"),
            "crm.quote",
            codes=("number",),
            texts=(*account, "customer_reference"),
            details=("account.name", "get_state_display"),
            select_related=("account",),
        )
    )
    register_search(
        SearchKind(
            "opportunities",
            _("Opportunities"),
            "crm.opportunity",
            codes=("number",),
            texts=("name", *account),
            details=("account.name", "get_state_display"),
            select_related=("account",),
        )
    )
    register_search(
        SearchKind(
            "service_cases",
            _("Service cases"),
            "crm.servicecase",
            codes=("number",),
            texts=("subject", "serial", *account),
            details=("account.name", "serial", "get_state_display"),
            select_related=("account",),
        )
    )


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self):
        from core.dashboards import register_panels
        from core.navigation import Menu, MenuItem, ObjectLink, model_item, register_menu, register_object_link
        from crm.dashboards import PANELS

        register_panels(*PANELS)
        _register_search()

        register_menu(
            Menu(
                _("Customers"),
                (
                    MenuItem(_("Accounts"), "crm:account_list", "crm.view_activity"),
                    model_item(_("Leads"), "crm.lead"),
                    MenuItem(_("My open tasks"), "crm:my_tasks", "crm.view_activity"),
                    model_item(_("Activities"), "crm.activity"),
                ),
                system=_("Sales"),
            )
        )
        # The pipeline's stages and lost reasons exist in every database, as the board needs its columns.
        post_migrate.connect(_pipeline_defaults, sender=self, dispatch_uid="crm.pipeline_defaults")
        register_menu(
            Menu(
                _("Sales"),
                (
                    MenuItem(_("CRM dashboard"), "crm:dashboard", "crm.view_opportunity"),
                    MenuItem(_("Pipeline board"), "crm:pipeline", "crm.view_opportunity"),
                    model_item(_("Opportunities"), "crm.opportunity"),
                    MenuItem(_("Forecast"), "crm:forecast", "crm.view_opportunity"),
                    model_item(_("Sales targets"), "crm.salestarget"),
                    model_item(_("Stages"), "crm.stage"),
                    model_item(_("Lost reasons"), "crm.lostreason"),
                ),
            )
        )
        register_menu(
            Menu(
                _("Sales"),
                (
                    model_item(_("Quotes"), "crm.quote"),
                    MenuItem(_("Order tracking"), "crm:order_tracking", "erp.view_salesorder"),
                ),
            )
        )
        from crm.views import cases

        register_menu(Menu(_("Customers"), cases.MENU, system=_("Sales")))
        # The sales order's page (ERP knows nothing of CRM) links to what the customer sees of the order.
        register_object_link(
            "erp.salesorder", ObjectLink(_("Customer tracking"), "crm:order_tracking_detail", "erp.view_salesorder")
        )
