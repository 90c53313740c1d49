from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline

from plm import models


class AttachmentInline(GenericTabularInline):
    model = models.Attachment
    extra = 0
    fields = ("file", "name", "description")


class DraftOnlyInline(admin.TabularInline):
    """Lines can be edited in the admin only while their revision is a draft (change control)."""

    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class BomLineInline(DraftOnlyInline):
    model = models.BomLine
    autocomplete_fields = ("component",)


class RoutingOperationInline(DraftOnlyInline):
    model = models.RoutingOperation


class RevisionAdmin(admin.ModelAdmin):
    list_display = ("item", "revision", "state", "effective_from", "effective_to", "eco")
    list_filter = ("state",)
    search_fields = ("item__code", "item__name")
    autocomplete_fields = ("item",)
    # State and effectivity change through ECO release only.
    readonly_fields = ("state", "effective_from", "effective_to", "eco")

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.is_editable) and super().has_change_permission(request, obj)


@admin.register(models.BomRevision)
class BomRevisionAdmin(RevisionAdmin):
    inlines = [BomLineInline, AttachmentInline]


@admin.register(models.RoutingRevision)
class RoutingRevisionAdmin(RevisionAdmin):
    inlines = [RoutingOperationInline, AttachmentInline]


@admin.register(models.BomLine)
class BomLineAdmin(admin.ModelAdmin):
    list_display = ("bom", "position", "component", "qty_per", "uom", "scrap_pct")
    search_fields = ("bom__item__code", "component__code")

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.bom.is_editable) and super().has_change_permission(request, obj)


@admin.register(models.RoutingOperation)
class RoutingOperationAdmin(admin.ModelAdmin):
    list_display = ("routing", "seq", "name", "work_center", "setup_minutes", "run_minutes_per_unit")
    search_fields = ("routing__item__code", "name")

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.routing.is_editable) and super().has_change_permission(request, obj)


class EcoApprovalInline(admin.TabularInline):
    model = models.EcoApproval
    extra = 0
    readonly_fields = ("role", "decision", "decided_by", "comment", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.EngineeringChangeOrder)
class EngineeringChangeOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "state", "effective_date", "requested_by", "released_at")
    list_filter = ("state",)
    search_fields = ("number", "title")
    readonly_fields = ("number", "state", "impact", "released_at", "released_by")
    inlines = [EcoApprovalInline, AttachmentInline]


@admin.register(models.EcoApproval)
class EcoApprovalAdmin(admin.ModelAdmin):
    list_display = ("eco", "role", "decision", "decided_by", "created_at")
    list_filter = ("role", "decision")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "content_type", "object_id", "size", "uploaded_by", "created_at")
    list_filter = ("content_type",)
    readonly_fields = ("size",)
