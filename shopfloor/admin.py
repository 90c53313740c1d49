from django.contrib import admin

from core.admin import ReadOnlyAdmin
from shopfloor import models
from shopfloor.services.devices import device_save, tag_save


class TagInline(admin.TabularInline):
    model = models.Tag
    fields = ("role", "address", "data_type", "word_order", "scale", "state_map")
    extra = 0


@admin.register(models.Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("code", "machine", "protocol", "host", "port", "unit_id", "poll_ms", "active")
    list_filter = ("protocol", "active")
    search_fields = ("code", "machine__code", "host")
    list_select_related = ("machine",)
    inlines = [TagInline]

    # Saved through the services: a device or tag that reads elsewhere from now on rebases its counters.
    def save_model(self, request, obj, form, change):
        device_save(device=obj)

    def save_formset(self, request, form, formset, change):
        for tag in formset.save(commit=False):
            tag_save(tag=tag)
        for tag in formset.deleted_objects:
            tag.delete()


@admin.register(models.Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("device", "role", "address", "data_type", "word_order", "scale")
    list_filter = ("role", "data_type")
    search_fields = ("device__code", "address")
    list_select_related = ("device",)

    def save_model(self, request, obj, form, change):
        tag_save(tag=obj)


@admin.register(models.TagCounter)
class TagCounterAdmin(ReadOnlyAdmin):
    list_display = ("tag", "last_raw", "last_read_at", "total", "wraps", "resets")
    list_select_related = ("tag__device",)


@admin.register(models.DeviceHealth)
class DeviceHealthAdmin(ReadOnlyAdmin):
    list_display = ("device", "connected", "last_reading_at", "reads_per_second", "last_error", "poller")
    list_filter = ("connected",)
    list_select_related = ("device",)
