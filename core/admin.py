from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core import models
from core.services.tokens import api_token_revoke


class CodeNameAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(models.Company)
class CompanyAdmin(CodeNameAdmin):
    list_display = ("code", "name", "currency")


@admin.register(models.Site)
class SiteAdmin(CodeNameAdmin):
    list_display = ("code", "name", "company", "timezone")
    list_filter = ("company",)


class UnitInline(admin.TabularInline):
    model = models.Unit
    extra = 0


@admin.register(models.UnitCategory)
class UnitCategoryAdmin(CodeNameAdmin):
    inlines = [UnitInline]


@admin.register(models.Unit)
class UnitAdmin(CodeNameAdmin):
    list_display = ("code", "name", "category", "factor", "decimals")
    list_filter = ("category",)


class ExchangeRateInline(admin.TabularInline):
    model = models.ExchangeRate
    extra = 0


@admin.register(models.Currency)
class CurrencyAdmin(CodeNameAdmin):
    list_display = ("code", "name", "symbol", "decimals")
    inlines = [ExchangeRateInline]


@admin.register(models.ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "valid_from", "rate")
    list_filter = ("currency",)
    date_hierarchy = "valid_from"


class PartnerAddressInline(admin.TabularInline):
    model = models.PartnerAddress
    extra = 0


class ContactInline(admin.TabularInline):
    model = models.Contact
    extra = 0
    fields = ("name", "job_title", "email", "phone", "is_primary", "active")


@admin.register(models.Partner)
class PartnerAdmin(CodeNameAdmin):
    list_display = ("code", "name", "kind", "city", "country", "active")
    list_filter = ("kind", "active", "country")
    search_fields = ("code", "name", "email", "vat_number")
    autocomplete_fields = ("parent",)
    inlines = [ContactInline, PartnerAddressInline]


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "partner", "job_title", "email", "phone", "is_primary", "active")
    list_filter = ("active", "partner__kind")
    search_fields = ("name", "email", "partner__code", "partner__name")
    autocomplete_fields = ("partner",)


@admin.register(models.PartnerAddress)
class PartnerAddressAdmin(admin.ModelAdmin):
    list_display = ("partner", "kind", "name", "city", "country", "is_default")
    list_filter = ("kind", "country")
    search_fields = ("partner__code", "name", "city")
    autocomplete_fields = ("partner",)


@admin.register(models.PartnerUser)
class PartnerUserAdmin(admin.ModelAdmin):
    """Which logins belong to a customer or supplier: they reach only the portal, scoped to that partner."""

    list_display = ("user", "partner", "contact")
    search_fields = ("user__username", "partner__code", "partner__name")
    autocomplete_fields = ("user", "partner", "contact")


@admin.register(models.PartnerBlock)
class PartnerBlockAdmin(admin.ModelAdmin):
    list_display = ("partner", "purpose", "reason", "effective_from", "lifted_at", "source")
    list_filter = ("purpose", "lifted_at")
    search_fields = ("partner__code", "reason", "source")
    autocomplete_fields = ("partner",)


@admin.register(models.ItemCategory)
class ItemCategoryAdmin(CodeNameAdmin):
    list_display = ("code", "name", "parent")


@admin.register(models.Item)
class ItemAdmin(CodeNameAdmin):
    list_display = ("code", "name", "uom", "category", "procurement", "tracking", "active")
    list_filter = ("procurement", "tracking", "category", "active")
    autocomplete_fields = ("default_supplier", "category")


class WorkCenterInline(admin.TabularInline):
    model = models.WorkCenter
    extra = 0


@admin.register(models.Area)
class AreaAdmin(CodeNameAdmin):
    list_display = ("code", "name", "site")
    inlines = [WorkCenterInline]


class MachineInline(admin.TabularInline):
    model = models.Machine
    extra = 0


@admin.register(models.WorkCenter)
class WorkCenterAdmin(CodeNameAdmin):
    list_display = ("code", "name", "area", "calendar", "hours_per_day", "cost_per_hour")
    list_filter = ("area",)
    inlines = [MachineInline]


@admin.register(models.Machine)
class MachineAdmin(CodeNameAdmin):
    list_display = ("code", "name", "work_center", "active")
    list_filter = ("work_center", "active")


class ShiftInline(admin.TabularInline):
    model = models.Shift
    extra = 0


class CalendarExceptionInline(admin.TabularInline):
    model = models.CalendarException
    extra = 0


@admin.register(models.WorkCalendar)
class WorkCalendarAdmin(CodeNameAdmin):
    list_display = ("code", "name", "timezone")
    inlines = [ShiftInline, CalendarExceptionInline]


@admin.register(models.NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ("doc_type", "year", "last_value")
    # Numbers are issued by the numbering service only; editing them here would create gaps.
    readonly_fields = ("doc_type", "year", "last_value")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the services write (events, runs, postings, plans): the admin reads, never writes."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """The lines of a record the services write, shown on its read-only admin page: `fields`, all read-only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.DomainEvent)
class DomainEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "aggregate_type", "aggregate_id", "occurred_at", "dispatched_at", "attempts")
    list_filter = ("name",)


@admin.register(models.TaskRun)
class TaskRunAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "percent", "created_by", "created_at", "finished_at")
    list_filter = ("status", "task_name")


@admin.register(models.Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ("calendar", "name", "weekday", "start_time", "end_time")
    list_filter = ("calendar", "weekday")


@admin.register(models.CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ("calendar", "date", "is_working", "start_time", "end_time", "reason")
    list_filter = ("calendar", "is_working")
    date_hierarchy = "date"


@admin.register(models.WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    # Created and changed through the API (its service generates the secret and checks the event names).
    list_display = ("url", "partner", "active", "created_by", "created_at")
    list_filter = ("active",)
    exclude = ("secret",)


@admin.register(models.WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status",)


@admin.register(models.IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    # The stored answers of API writes sent with an Idempotency-Key, replayed to retries until they expire.
    list_display = ("key", "user", "method", "path", "status", "created_at")
    list_filter = ("method", "status")
    search_fields = ("key", "path", "user__username")


@admin.register(models.ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    # Made through the API (the key is shown once, only its hash is kept); revoked here or there.
    list_display = ("name", "prefix", "user", "scopes", "expires_at", "revoked_at", "last_used_at", "created_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    exclude = ("key_hash",)
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, by=request.user)

    def has_revoke_permission(self, request):
        return request.user.has_perm("core.change_apitoken")
