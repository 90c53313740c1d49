from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from srm import models

# --- Supplier master ---------------------------------------------------------------------------------------


class SupplierPriceInline(admin.TabularInline):
    model = models.SupplierPrice
    extra = 0


@admin.register(models.SupplierItem)
class SupplierItemAdmin(admin.ModelAdmin):
    list_display = ("supplier", "item", "supplier_part_number", "approval", "preferred", "lead_time_days", "active")
    list_filter = ("approval", "preferred", "active")
    search_fields = ("supplier__code", "item__code", "supplier_part_number")
    readonly_fields = ("approval_changed_at", "approval_changed_by")
    inlines = [SupplierPriceInline]


@admin.register(models.SupplierPrice)
class SupplierPriceAdmin(admin.ModelAdmin):
    list_display = ("supplier_item", "min_quantity", "unit_price", "valid_from", "valid_to")
    search_fields = ("supplier_item__supplier__code", "supplier_item__item__code")


@admin.register(models.Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    # Read-only: a certificate's writes keep its purchasing block (srm.services.suppliers); use the SRM screens.
    list_display = ("supplier", "kind", "number", "valid_from", "valid_to", "blocks_purchasing")
    list_filter = ("kind", "blocks_purchasing")
    search_fields = ("supplier__code", "number")


# --- Sourcing and contracts: written by their services (states, called-off quantities), read here ---------------


class RfqLineInline(ReadOnlyInline):
    model = models.RfqLine
    fields = ("position", "item", "quantity", "required_date")


class RfqInvitationInline(ReadOnlyInline):
    model = models.RfqInvitation
    fields = ("supplier", "sent_at", "declined")


@admin.register(models.Rfq)
class RfqAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "state", "issued_on", "respond_by", "currency", "buyer")
    list_filter = ("state",)
    search_fields = ("number", "title")
    inlines = [RfqLineInline, RfqInvitationInline]


@admin.register(models.RfqLine)
class RfqLineAdmin(ReadOnlyAdmin):
    list_display = ("rfq", "position", "item", "quantity", "required_date")
    search_fields = ("rfq__number", "item__code")


@admin.register(models.RfqInvitation)
class RfqInvitationAdmin(ReadOnlyAdmin):
    list_display = ("rfq", "supplier", "sent_at", "declined")
    list_filter = ("declined",)
    search_fields = ("rfq__number", "supplier__code")


class SupplierQuoteLineInline(ReadOnlyInline):
    model = models.SupplierQuoteLine
    fields = ("rfq_line", "unit_price", "lead_time_days", "min_order_qty", "quantity", "purchase_order_line")


@admin.register(models.SupplierQuote)
class SupplierQuoteAdmin(ReadOnlyAdmin):
    list_display = ("rfq", "supplier", "reference", "currency", "state", "valid_until", "submitted_at")
    list_filter = ("state",)
    search_fields = ("rfq__number", "supplier__code", "reference")
    inlines = [SupplierQuoteLineInline]


@admin.register(models.SupplierQuoteLine)
class SupplierQuoteLineAdmin(ReadOnlyAdmin):
    list_display = ("quote", "rfq_line", "unit_price", "lead_time_days", "min_order_qty", "quantity")
    search_fields = ("quote__rfq__number", "quote__supplier__code")


class ContractLineInline(ReadOnlyInline):
    model = models.ContractLine
    fields = ("item", "quantity", "unit_price", "called_off_qty")


@admin.register(models.Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("number", "supplier", "currency", "valid_from", "valid_to", "state", "buyer")
    list_filter = ("state",)
    search_fields = ("number", "supplier__code")
    inlines = [ContractLineInline]


@admin.register(models.ContractLine)
class ContractLineAdmin(ReadOnlyAdmin):
    list_display = ("contract", "item", "quantity", "unit_price", "called_off_qty")
    search_fields = ("contract__number", "item__code")


@admin.register(models.CallOff)
class CallOffAdmin(ReadOnlyAdmin):
    list_display = ("contract", "purchase_order", "created_by", "created_at", "cancelled_at")
    search_fields = ("contract__number", "purchase_order__number")


@admin.register(models.CallOffLine)
class CallOffLineAdmin(ReadOnlyAdmin):
    list_display = ("call_off", "contract_line", "quantity", "po_line")
    search_fields = ("call_off__contract__number",)


# --- Supplier portal and scorecards -------------------------------------------------------------------------
# Confirmations, ASNs and scorecards are written by their services (they move ERP dates, WMS receipts and
# purchasing blocks): read here. The thresholds are configuration, set here.


class PoConfirmationLineInline(ReadOnlyInline):
    model = models.PoConfirmationLine
    fields = ("po_line", "requested_date", "confirmed_date", "confirmed_quantity")


@admin.register(models.PoConfirmation)
class PoConfirmationAdmin(ReadOnlyAdmin):
    list_display = ("purchase_order", "supplier_reference", "confirmed_at", "confirmed_by")
    search_fields = ("purchase_order__number", "supplier_reference")
    inlines = [PoConfirmationLineInline]


@admin.register(models.PoConfirmationLine)
class PoConfirmationLineAdmin(ReadOnlyAdmin):
    list_display = ("confirmation", "po_line", "requested_date", "confirmed_date", "confirmed_quantity")
    search_fields = ("confirmation__purchase_order__number",)


class AsnLineInline(ReadOnlyInline):
    model = models.AsnLine
    fields = ("po_line", "quantity", "lot_code", "expiry_date", "receipt_line")


@admin.register(models.Asn)
class AsnAdmin(ReadOnlyAdmin):
    list_display = ("number", "asn_number", "supplier", "purchase_order", "ship_date", "expected_date", "carrier")
    search_fields = ("number", "asn_number", "supplier__code", "purchase_order__number", "tracking")
    date_hierarchy = "expected_date"
    inlines = [AsnLineInline]


@admin.register(models.AsnLine)
class AsnLineAdmin(ReadOnlyAdmin):
    list_display = ("asn", "po_line", "quantity", "lot_code", "expiry_date")
    search_fields = ("asn__number", "asn__asn_number", "lot_code")


@admin.register(models.Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ("supplier", "period_start", "deliveries", "on_time_pct", "reject_rate_pct", "score", "rating")
    list_filter = ("rating",)
    search_fields = ("supplier__code", "supplier__name")
    date_hierarchy = "period_start"


@admin.register(models.ScorecardThreshold)
class ScorecardThresholdAdmin(admin.ModelAdmin):
    list_display = ("metric", "warn_below", "warn_above", "block_below", "block_above", "active", "note")
    list_filter = ("metric", "active")
    list_editable = ("active",)


@admin.register(models.SupplierQualityEvent)
class SupplierQualityEventAdmin(ReadOnlyAdmin):
    list_display = ("reference", "supplier", "occurred_at", "quantity", "item", "lot", "source")
    list_filter = ("source",)
    search_fields = ("reference", "supplier__code", "item__code", "lot__code")
    date_hierarchy = "occurred_at"
