"""Quality in the admin console: inspection plans with their characteristics are configuration; the
inspections, measurements, nonconformances and corrective actions are written by mes.services.quality
(numbered, holding lots, moving stock) and only read here."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from mes import models


class CharacteristicInline(admin.TabularInline):
    model = models.Characteristic
    extra = 1
    fields = ("position", "name", "kind", "nominal", "lower_limit", "upper_limit", "unit")


@admin.register(models.InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "item", "trigger", "operation_seq", "frequency", "every_n", "active")
    list_filter = ("trigger", "frequency", "active")
    search_fields = ("code", "name", "item__code")
    list_select_related = ("item",)
    autocomplete_fields = ("item",)
    inlines = [CharacteristicInline]


@admin.register(models.Characteristic)
class CharacteristicAdmin(admin.ModelAdmin):
    list_display = ("plan", "position", "name", "kind", "nominal", "lower_limit", "upper_limit", "unit")
    list_filter = ("kind",)
    search_fields = ("name", "plan__code")
    list_select_related = ("plan", "unit")


class MeasurementInline(ReadOnlyInline):
    model = models.Measurement
    fields = ("characteristic", "value", "passed", "measured_at")


@admin.register(models.Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("number", "inspected_at", "plan", "operation", "lot", "machine", "result", "inspector")
    list_filter = ("result",)
    search_fields = ("number", "plan__code", "lot__code", "operation__order__number")
    list_select_related = (
        "plan",
        "operation__order__item",
        "operation__work_center",
        "lot__item",
        "machine",
        "inspector",
    )
    date_hierarchy = "inspected_at"
    inlines = [MeasurementInline]


@admin.register(models.Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ("inspection", "characteristic", "value", "passed", "measured_at")
    list_filter = ("passed",)
    search_fields = ("inspection__number", "characteristic__name")
    list_select_related = ("inspection__plan", "characteristic__plan")


class CorrectiveActionInline(ReadOnlyInline):
    model = models.CorrectiveAction
    fields = ("description", "owner", "due_date", "done_at")


@admin.register(models.Nonconformance)
class NonconformanceAdmin(ReadOnlyAdmin):
    list_display = ("number", "raised_at", "item", "lot", "quantity", "supplier", "state", "disposition")
    list_filter = ("state", "disposition")
    search_fields = ("number", "item__code", "lot__code", "description")
    list_select_related = ("item", "lot__item", "supplier")
    date_hierarchy = "raised_at"
    inlines = [CorrectiveActionInline]


@admin.register(models.CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ("nonconformance", "description", "owner", "due_date", "done_at")
    search_fields = ("nonconformance__number", "description")
    list_select_related = ("nonconformance__item", "owner")
