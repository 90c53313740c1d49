from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SrmConfig(AppConfig):
    name = "srm"
    verbose_name = "SRM"

    def ready(self):
        import srm.handlers  # noqa: F401  (subscribes SRM to ERP's events)
        from core.dashboards import register_panels
        from core.navigation import Menu, ObjectLink, model_item, register_menu, register_object_link
        from srm.dashboards import PANELS

        register_panels(*PANELS)
        from srm.views import asns, scorecards, suppliers

        register_menu(Menu(_("Purchasing"), suppliers.MENU))
        register_object_link("core.item", ObjectLink(_("Sources"), "srm:item_sources", suppliers.VIEW))
        register_object_link("core.partner", ObjectLink(_("Supplier page"), "srm:supplier_detail", suppliers.VIEW))
        register_menu(
            Menu(
                _("Purchasing"),
                (
                    model_item(_("RFQs"), "srm.rfq"),
                    model_item(_("Contracts"), "srm.contract"),
                    *asns.MENU,
                    *scorecards.MENU,
                ),
            )
        )
        register_object_link(
            "erp.purchaseorder",
            ObjectLink(_("Supplier's confirmations and ASNs"), "srm:purchaseorder_supplier", "srm.view_asn"),
        )
        register_object_link(
            "core.partner", ObjectLink(_("Scorecards"), "srm:supplier_scorecards", "srm.view_scorecard")
        )
