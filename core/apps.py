from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(**kwargs):
    from core.catalog import catalog_load
    from core.services.roles import ensure_permissions_exist, roles_sync

    catalog_load()
    ensure_permissions_exist()
    roles_sync()


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core.api import schema  # noqa: F401 (registers the OpenAPI extensions)
        from core.navigation import Menu, MenuItem, model_item, register_menu
        from core.services.events import ALL_EVENTS, subscribe
        from core.services.webhooks import webhook_fan_out

        # Every committed event is fanned out to the webhook endpoints that subscribe to it, from the outbox
        # (a worker's task per event: no query in the publisher's transaction).
        subscribe(ALL_EVENTS, mode="task")(webhook_fan_out)

        # The unit catalog and the role groups are (re)made after every migrate and test-database flush.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="core.after_migrate")
        register_menu(
            Menu(
                _("Master data"),
                (
                    model_item(_("Items"), "core.item"),
                    model_item(_("Item categories"), "core.itemcategory"),
                    model_item(_("Partners"), "core.partner"),
                    model_item(_("Units of measure"), "core.unit"),
                    model_item(_("Unit categories"), "core.unitcategory"),
                ),
            )
        )
        register_menu(
            Menu(
                _("Plant"),
                (
                    model_item(_("Company"), "core.company"),
                    model_item(_("Sites"), "core.site"),
                    model_item(_("Areas"), "core.area"),
                    model_item(_("Work centers"), "core.workcenter"),
                    model_item(_("Machines"), "core.machine"),
                    model_item(_("Calendars"), "core.workcalendar"),
                    model_item(_("Shifts"), "core.shift"),
                    model_item(_("Calendar exceptions"), "core.calendarexception"),
                ),
            )
        )
        register_menu(
            Menu(
                _("Finance"),
                (model_item(_("Currencies"), "core.currency"), model_item(_("Exchange rates"), "core.exchangerate")),
            )
        )
        register_menu(
            Menu(
                _("System"),
                (
                    MenuItem(_("Import data"), "core:data_import", "core.import_data"),
                    model_item(_("Background runs"), "core.taskrun"),
                    model_item(_("Domain events"), "core.domainevent"),
                    MenuItem(_("API documentation"), "api-docs"),
                    MenuItem(_("Admin console"), "admin:index", "auth.change_user"),
                ),
            )
        )
