from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from crm import models


@admin.register(models.Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("number", "company_name", "contact_name", "source", "status", "owner", "converted_account")
    list_filter = ("status", "source")
    search_fields = ("number", "company_name", "contact_name", "email", "vat_number")
    raw_id_fields = ("owner", "converted_account", "converted_contact", "converted_opportunity")
    readonly_fields = (
        "number",
        "status",
        "disqualify_reason",
        "converted_account",
        "converted_contact",
        "converted_opportunity",
        "converted_at",
        "created_by",
    )

    def has_add_permission(self, request):
        return False  # a lead is numbered by lead_create: on its screens and through the API


@admin.register(models.Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "account", "lead", "opportunity", "owner", "occurred_at", "due_at", "done_at")
    list_filter = ("kind",)
    search_fields = ("subject", "notes", "account__code", "lead__number")
    raw_id_fields = ("account", "lead", "opportunity", "contact", "owner")
    readonly_fields = ("done_at", "created_by")


@admin.register(models.Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("name", "sequence", "probability_pct", "is_won", "is_lost", "active")
    list_filter = ("active",)


@admin.register(models.LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")
    search_fields = ("code", "name")


@admin.register(models.Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "name",
        "account",
        "stage",
        "state",
        "expected_revenue",
        "currency",
        "close_date",
        "owner",
    )
    list_filter = ("state", "stage")
    search_fields = ("number", "name", "account__code", "account__name")
    raw_id_fields = ("account", "contact", "owner", "lead")
    readonly_fields = ("number", "closed_at")


@admin.register(models.SalesTarget)
class SalesTargetAdmin(admin.ModelAdmin):
    list_display = ("month", "owner", "amount", "currency")
    list_filter = ("month",)


# --- After-sales service: SLA policies are configuration; cases, their updates and returns are written by
# crm.services.cases (numbered, timed, receiving stock) and only read here.


@admin.register(models.SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "customer",
        "priority",
        "first_response_hours",
        "resolution_hours",
        "clock",
        "calendar",
        "active",
    )
    list_filter = ("clock", "priority", "active")
    search_fields = ("code", "name", "customer__code")
    raw_id_fields = ("customer",)


class CaseUpdateInline(ReadOnlyInline):
    model = models.CaseUpdate
    fields = ("at", "kind", "text", "author")


@admin.register(models.ServiceCase)
class ServiceCaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "account", "subject", "priority", "state", "owner", "opened_at", "resolution_due")
    list_filter = ("state", "priority")
    search_fields = ("number", "subject", "serial", "account__code", "lot__code")
    list_select_related = ("account", "owner")
    date_hierarchy = "opened_at"
    inlines = [CaseUpdateInline]


@admin.register(models.CaseUpdate)
class CaseUpdateAdmin(ReadOnlyAdmin):
    list_display = ("case", "at", "kind", "author")
    list_filter = ("kind",)
    search_fields = ("case__number", "text")
    list_select_related = ("case", "author")


class RmaLineInline(ReadOnlyInline):
    model = models.RmaLine
    fields = ("item", "lot", "quantity", "reason")


@admin.register(models.Rma)
class RmaAdmin(ReadOnlyAdmin):
    list_display = ("number", "case", "state", "warehouse", "receipt", "authorized_at", "received_at")
    list_filter = ("state",)
    search_fields = ("number", "case__number", "receipt__number")
    list_select_related = ("case", "warehouse", "receipt")
    inlines = [RmaLineInline]


@admin.register(models.RmaLine)
class RmaLineAdmin(ReadOnlyAdmin):
    list_display = ("rma", "item", "lot", "quantity", "reason")
    search_fields = ("rma__number", "item__code", "lot__code")
    list_select_related = ("rma", "item", "lot")


class QuoteLineInline(admin.TabularInline):
    model = models.QuoteLine
    fields = (
        "position",
        "item",
        "quantity",
        "unit_price",
        "priced_from_list",
        "discount_pct",
        "tax_rate",
        "promised_date",
    )
    raw_id_fields = ("item",)
    extra = 0


@admin.register(models.Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "version",
        "account",
        "quote_date",
        "valid_until",
        "promised_date",
        "state",
        "sales_order",
    )
    list_filter = ("state",)
    search_fields = ("number", "account__code", "account__name", "customer_reference")
    list_select_related = ("account", "sales_order")
    raw_id_fields = ("account", "contact", "opportunity", "salesperson")
    readonly_fields = (
        "number",
        "version",
        "state",
        "sales_order",
        "sent_at",
        "accepted_at",
        "rejected_reason",
        "superseded_by",
    )
    inlines = [QuoteLineInline]


@admin.register(models.QuoteLine)
class QuoteLineAdmin(admin.ModelAdmin):
    list_display = ("quote", "position", "item", "quantity", "unit_price", "discount_pct", "promised_date")
    search_fields = ("quote__number", "item__code")
    list_select_related = ("quote", "item")
    raw_id_fields = ("quote", "item")
