from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApsConfig(AppConfig):
    name = "aps"
    verbose_name = "APS"

    def ready(self):
        from aps.dashboards import PANELS
        from aps.views import mrp, planning, promise, scheduling
        from core.dashboards import register_panels
        from core.navigation import Menu, register_menu

        register_panels(*PANELS)

        register_menu(
            Menu(_("Planning"), (*mrp.MENU, *planning.MENU, *scheduling.MENU, *promise.MENU), system=_("Production"))
        )
