from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopfloorConfig(AppConfig):
    name = "shopfloor"
    verbose_name = "Shopfloor"

    def ready(self):
        from core.navigation import Menu, register_menu
        from shopfloor import views

        # "Shop floor" is MES; this menu is the PLCs that feed it.
        register_menu(Menu(_("PLC devices"), views.MENU))
