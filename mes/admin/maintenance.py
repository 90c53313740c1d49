from django.contrib import admin

from core.admin import ReadOnlyAdmin
from mes import models


@admin.register(models.MaintenancePlan)
class MaintenancePlanAdmin(admin.ModelAdmin):
    """Plans are configuration; the screens' service also sets a new plan's meter to the machine's reading."""

    list_display = ("name", "machine", "trigger", "interval", "duration_minutes", "last_done_at", "active")
    list_filter = ("trigger", "active")
    search_fields = ("name", "machine__code")
    list_select_related = ("machine",)
    autocomplete_fields = ("machine",)


# Orders and what is booked on them are written by the services only (windows, downtime, stock moves).


class MaintenanceTaskInline(admin.TabularInline):
    model = models.MaintenanceTask
    fields = ("position", "description", "done_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.MaintenanceOrder)
class MaintenanceOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "machine", "kind", "state", "planned_start", "started_at", "finished_at")
    list_filter = ("kind", "state")
    search_fields = ("number", "machine__code", "description")
    list_select_related = ("machine",)
    date_hierarchy = "created_at"
    inlines = [MaintenanceTaskInline]


@admin.register(models.MaintenanceTask)
class MaintenanceTaskAdmin(ReadOnlyAdmin):
    list_display = ("order", "position", "description", "done_at")
    search_fields = ("order__number", "description")
    list_select_related = ("order__machine",)


@admin.register(models.MaintenancePart)
class MaintenancePartAdmin(ReadOnlyAdmin):
    list_display = ("order", "item", "quantity", "lot", "issued_at")
    search_fields = ("order__number", "item__code", "lot__code")
    list_select_related = ("order__machine", "item", "lot__item")


@admin.register(models.MaintenanceLabor)
class MaintenanceLaborAdmin(ReadOnlyAdmin):
    list_display = ("order", "employee", "date", "minutes")
    search_fields = ("order__number", "employee__number", "employee__last_name")
    list_select_related = ("order__machine", "employee")
