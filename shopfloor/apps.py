from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopfloorConfig(AppConfig):
    name = "shopfloor"
    verbose_name = "Shopfloor"

    def ready(self):
        from core.health import register_readiness_probe
        from core.metrics import register_collector
        from core.navigation import Menu, register_menu
        from shopfloor import views
        from shopfloor.health import poller_probe
        from shopfloor.metrics import PERMISSION, ShopfloorCollector

        # "Shop floor" is MES; this menu is the PLCs that feed it.
        register_menu(Menu(_("PLC devices"), views.MENU, system=_("Shop floor")))
        register_collector("shopfloor", ShopfloorCollector(), permission=PERMISSION)
        register_readiness_probe("poller", poller_probe)
