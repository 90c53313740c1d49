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
