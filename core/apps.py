from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import class_prepared, post_migrate
from django.utils.translation import gettext_lazy as _

from core.i18n import translate_model_names

# Connected before any model module loads, so every Takt model's names are translatable (core/i18n.py).
class_prepared.connect(translate_model_names, dispatch_uid="core.translate_model_names")


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
        from core.metrics import CORE_PERMISSION, RequestCollector, TaskRunCollector, register_collector
        from core.navigation import Menu, MenuItem, model_item, register_menu
        from core.services.events import ALL_EVENTS, subscribe
        from core.services.webhooks import webhook_fan_out
        from core.two_factor import mark_pending_at_sign_in

        # Every committed event is fanned out to the webhook endpoints that subscribe to it, from the outbox
        # (a worker's task per event: no query in the publisher's transaction).
        subscribe(ALL_EVENTS, mode="task")(webhook_fan_out)
        # An enrolled user (or one whose role requires it) signs in with a code after the password.
        user_logged_in.connect(mark_pending_at_sign_in, dispatch_uid="core.two_factor_pending")
        # GET /metrics: the web processes' requests, and the background runs and outbox of every worker.
        register_collector("requests", RequestCollector(), permission=CORE_PERMISSION)
        register_collector("task_runs", TaskRunCollector(), permission=CORE_PERMISSION)

        # The unit catalog and the role groups are (re)made after every migrate and test-database flush.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="core.after_migrate")
        from core.search import SearchKind, register_search

        register_search(SearchKind("items", _("Items"), "core.item", codes=("code",), texts=("name",)))
        register_search(
            SearchKind(
                "partners",
                _("Partners"),
                "core.partner",
                codes=("code",),
                texts=("name", "city"),
                details=("get_kind_display", "city"),
            )
        )
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
                system=_("Settings"),
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
                system=_("Settings"),
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
                system=_("Settings"),
            )
        )
