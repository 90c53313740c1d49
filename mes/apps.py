from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MesConfig(AppConfig):
    name = "mes"
    verbose_name = "MES"

    def ready(self):
        from core.dashboards import register_panels
        from core.navigation import Menu, ObjectLink, register_menu, register_object_link
        from mes.dashboards import PANELS
        from mes.views import execution, genealogy, maintenance, oee, quality, tablet

        register_panels(*PANELS)

        register_menu(Menu(_("Shop floor"), (*execution.MENU, *tablet.MENU, *oee.MENU, *genealogy.MENU)))
        register_menu(Menu(_("Quality"), quality.MENU, system=_("Shop floor")))
        register_menu(Menu(_("Maintenance"), maintenance.MENU, system=_("Shop floor")))
        register_object_link("wms.lot", ObjectLink(_("Genealogy"), "mes:lot_backward", "mes.view_lotlink"))
