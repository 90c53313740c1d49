from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlmConfig(AppConfig):
    name = "plm"
    verbose_name = "PLM"

    def ready(self):
        from core.navigation import Menu, ObjectLink, model_item, register_menu, register_object_link

        register_menu(
            Menu(
                _("Engineering"),
                (
                    model_item(_("Change orders"), "plm.engineeringchangeorder"),
                    model_item(_("BOM revisions"), "plm.bomrevision"),
                    model_item(_("Routing revisions"), "plm.routingrevision"),
                    model_item(_("Attachments"), "plm.attachment"),
                ),
            )
        )
        register_object_link("core.item", ObjectLink(_("Engineering"), "plm:item_engineering", "plm.view_bomrevision"))
