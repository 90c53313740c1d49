from django.contrib import admin

from aps import models
from core.admin import ReadOnlyAdmin


@admin.register(models.MrpRun)
class MrpRunAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "planning_date", "finished_at", "item_count", "planned_order_count", "exception_count")


@admin.register(models.PlanDemand)
class PlanDemandAdmin(ReadOnlyAdmin):
    list_display = ("reference", "item", "kind", "due_date", "quantity")
    list_filter = ("kind",)
    search_fields = ("reference", "item__code")
    list_select_related = ("item",)


@admin.register(models.PlanSupply)
class PlanSupplyAdmin(ReadOnlyAdmin):
    list_display = ("reference", "item", "kind", "due_date", "quantity")
    list_filter = ("kind",)
    search_fields = ("reference", "item__code")
    list_select_related = ("item",)


@admin.register(models.PlannedOrder)
class PlannedOrderAdmin(ReadOnlyAdmin):
    # Firming goes through the planner's screens (aps.services.firming): it creates the real order.
    list_display = ("number", "item", "kind", "quantity", "start_date", "due_date", "supplier", "state")
    list_filter = ("kind", "state")
    search_fields = ("number", "item__code")
    list_select_related = ("item", "supplier")


@admin.register(models.Pegging)
class PeggingAdmin(ReadOnlyAdmin):
    list_display = ("demand", "planned_order", "supply", "quantity")
    list_select_related = ("demand__item", "planned_order__item", "supply__item")


@admin.register(models.MrpException)
class MrpExceptionAdmin(ReadOnlyAdmin):
    list_display = ("item", "kind", "reference", "due_date", "suggested_date", "message")
    list_filter = ("kind",)
    search_fields = ("reference", "item__code")
    list_select_related = ("item",)


class DemandForecastPeriodInline(admin.TabularInline):
    model = models.DemandForecastPeriod
    fields = ("month", "statistical_qty", "adjusted_qty", "note")
    readonly_fields = ("month", "statistical_qty")
    extra = 0
    can_delete = False


@admin.register(models.DemandForecast)
class DemandForecastAdmin(admin.ModelAdmin):
    list_display = ("item", "method", "mape", "history_months", "generated_on")
    list_filter = ("method",)
    search_fields = ("item__code",)
    readonly_fields = ("item", "method", "mape", "method_errors", "history_months", "generated_on")
    inlines = [DemandForecastPeriodInline]


@admin.register(models.DemandForecastPeriod)
class DemandForecastPeriodAdmin(admin.ModelAdmin):
    list_display = ("forecast", "month", "statistical_qty", "adjusted_qty")
    readonly_fields = ("forecast", "month", "statistical_qty")


@admin.register(models.MasterScheduleEntry)
class MasterScheduleEntryAdmin(admin.ModelAdmin):
    list_display = ("item", "week_start", "quantity", "note")
    search_fields = ("item__code",)
    autocomplete_fields = ("item",)
    date_hierarchy = "week_start"


@admin.register(models.SchedulingSettings)
class SchedulingSettingsAdmin(admin.ModelAdmin):
    # One row (SchedulingSettings.load() makes it): added once, never deleted.
    list_display = ("__str__", "frozen_hours", "horizon_days", "time_limit_seconds", "include_planned_orders")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not models.SchedulingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Changeover)
class ChangeoverAdmin(admin.ModelAdmin):
    list_display = ("work_center", "from_family", "to_family", "minutes")
    list_filter = ("work_center",)
    search_fields = ("work_center__code", "from_family__code", "to_family__code")
    list_select_related = ("work_center", "from_family", "to_family")
    autocomplete_fields = ("work_center", "from_family", "to_family")


@admin.register(models.MachineWindow)
class MachineWindowAdmin(admin.ModelAdmin):
    # A scenario's windows are made by the scenario's service: the admin shows them, never moves one between.
    list_display = ("machine", "kind", "start", "end", "reason", "schedule")
    list_filter = ("kind",)
    search_fields = ("machine__code", "reason")
    list_select_related = ("machine", "schedule")
    autocomplete_fields = ("machine",)
    readonly_fields = ("schedule",)
    date_hierarchy = "start"


@admin.register(models.Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "state",
        "is_scenario",
        "solver_status",
        "tardy_orders",
        "weighted_tardiness",
        "makespan_minutes",
        "created_at",
        "published_at",
    )
    list_filter = ("state", "is_scenario")
    search_fields = ("name", "reason")


@admin.register(models.ScheduleJob)
class ScheduleJobAdmin(ReadOnlyAdmin):
    list_display = ("reference", "schedule", "item", "quantity", "due", "weight", "end", "tardiness_minutes")
    search_fields = ("reference", "item__code")
    list_select_related = ("schedule", "item")


@admin.register(models.ScheduleOperation)
class ScheduleOperationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "name", "work_center", "machine", "start", "end", "applied_setup_minutes", "fixed")
    list_filter = ("fixed",)
    search_fields = ("job__reference", "name", "machine__code")
    list_select_related = ("job", "work_center", "machine")
