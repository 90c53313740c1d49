from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _register_search() -> None:
    from core.search import SearchKind, register_search

    register_search(
        SearchKind(
            "change_orders",
            _("Change orders"),
            "plm.engineeringchangeorder",
            codes=("number",),
            texts=("title",),
            details=("get_state_display", "effective_date"),
        )
    )
    # A revision is found by its item's code ("KT-200") and narrowed by its letter ("KT-200 B").
    for key, label, model in (
        ("bom_revisions", _("BOM revisions"), "plm.bomrevision"),
        ("routing_revisions", _("Routing revisions"), "plm.routingrevision"),
    ):
        register_search(
            SearchKind(
                key,
                label,
                model,
                codes=("item__code",),
                texts=("item__name", "revision"),
                details=("item.name", "get_state_display"),
                select_related=("item",),
            )
        )


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
        _register_search()
