from django.contrib import admin

from core.admin import ReadOnlyAdmin
from mes import models


@admin.register(models.ScrapReason)
class ScrapReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(models.DowntimeReason)
class DowntimeReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "kind", "counts_against_availability", "active")
    list_filter = ("category", "kind", "counts_against_availability", "active")
    search_fields = ("code", "name")


# The production record and its projections are written by the services only.


@admin.register(models.ProductionEvent)
class ProductionEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "kind", "machine", "operation", "employee", "good_qty", "scrap_qty", "lot", "source")
    list_filter = ("kind", "source")
    search_fields = ("operation__order__number", "machine__code", "lot__code", "employee__badge")
    list_select_related = ("machine", "operation__order__item", "operation__work_center", "employee", "lot__item")
    date_hierarchy = "at"


@admin.register(models.MachineStatus)
class MachineStatusAdmin(ReadOnlyAdmin):
    list_display = ("machine", "state", "since", "reason", "operation")
    list_filter = ("state",)
    list_select_related = ("machine", "reason", "operation__order__item", "operation__work_center")


@admin.register(models.OperationRun)
class OperationRunAdmin(ReadOnlyAdmin):
    list_display = ("operation", "machine", "state", "started_at", "finished_at", "good_qty", "scrap_qty")
    list_filter = ("state",)
    search_fields = ("operation__order__number", "machine__code")
    list_select_related = ("operation__order__item", "operation__work_center", "machine")


@admin.register(models.OperatorAssignment)
class OperatorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("employee", "machine", "since", "until")
    list_select_related = ("employee", "machine")


@admin.register(models.Downtime)
class DowntimeAdmin(ReadOnlyAdmin):
    list_display = ("machine", "reason", "start", "end", "operation")
    list_filter = ("reason",)
    list_select_related = ("machine", "reason", "operation__order__item", "operation__work_center")
    date_hierarchy = "start"


@admin.register(models.MachineCount)
class MachineCountAdmin(ReadOnlyAdmin):
    list_display = ("machine", "bucket", "operation", "good_qty", "scrap_qty")
    list_select_related = ("machine", "operation__order__item", "operation__work_center")
    date_hierarchy = "bucket"


@admin.register(models.LotLink)
class LotLinkAdmin(ReadOnlyAdmin):
    list_display = ("produced_lot", "consumed_lot", "order", "consumed_qty")
    search_fields = ("produced_lot__code", "consumed_lot__code", "order__number")
    list_select_related = ("produced_lot__item", "consumed_lot__item", "order__item")
