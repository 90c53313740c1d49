from django.contrib import admin

from wms import models


@admin.register(models.Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "site", "stock_location")
    search_fields = ("code", "name")


@admin.register(models.Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "warehouse", "pick_sequence", "capacity_qty", "quality_hold", "active")
    list_filter = ("kind", "warehouse", "quality_hold", "active")
    search_fields = ("code", "name")


@admin.register(models.StockPolicy)
class StockPolicyAdmin(admin.ModelAdmin):
    list_display = ("item", "category", "removal_strategy", "requires_inspection", "abc_class")
    list_filter = ("removal_strategy", "requires_inspection", "abc_class")


@admin.register(models.Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ("item", "code", "expiry_date", "supplier_lot")
    search_fields = ("code", "item__code", "supplier_lot")


class LedgerAdmin(admin.ModelAdmin):
    """Stock changes only through moves posted by the services: the admin reads, never writes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Quant)
class QuantAdmin(LedgerAdmin):
    list_display = ("item", "location", "lot", "quantity", "reserved", "in_date")
    list_filter = ("location__warehouse",)
    search_fields = ("item__code", "location__code", "lot__code")


@admin.register(models.StockMove)
class StockMoveAdmin(LedgerAdmin):
    list_display = ("moved_at", "kind", "item", "lot", "quantity", "from_location", "to_location", "reference")
    list_filter = ("kind",)
    search_fields = ("item__code", "reference", "lot__code")
    date_hierarchy = "moved_at"


class StockRequestLineInline(admin.TabularInline):
    model = models.StockRequestLine
    extra = 0
    readonly_fields = ("delivered",)


@admin.register(models.StockRequest)
class StockRequestAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "reference", "warehouse", "destination", "state", "needed_on")
    list_filter = ("kind", "state", "warehouse")
    readonly_fields = ("number", "state")
    inlines = [StockRequestLineInline]


@admin.register(models.StockRequestLine)
class StockRequestLineAdmin(LedgerAdmin):
    list_display = ("request", "item", "quantity", "delivered", "lot")


@admin.register(models.Reservation)
class ReservationAdmin(LedgerAdmin):
    list_display = ("line", "quant", "quantity")


class ReceiptLineInline(admin.TabularInline):
    model = models.ReceiptLine
    extra = 0
    readonly_fields = ("received_qty",)


@admin.register(models.Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ("number", "supplier", "reference", "asn_number", "warehouse", "expected_on", "state")
    list_filter = ("state", "warehouse")
    search_fields = ("number", "reference", "asn_number", "supplier__code")
    readonly_fields = ("number", "state")
    inlines = [ReceiptLineInline]


@admin.register(models.ReceiptLine)
class ReceiptLineAdmin(LedgerAdmin):
    list_display = ("receipt", "item", "expected_qty", "received_qty", "lot_code")


@admin.register(models.PutawayRule)
class PutawayRuleAdmin(admin.ModelAdmin):
    list_display = ("warehouse", "item", "category", "zone")
    list_filter = ("warehouse",)


@admin.register(models.StockTask)
class StockTaskAdmin(LedgerAdmin):
    list_display = ("item", "lot", "quantity", "from_location", "to_location", "state", "receipt")
    list_filter = ("state", "warehouse")


class PickLineInline(admin.TabularInline):
    model = models.PickLine
    extra = 0
    readonly_fields = ("item", "lot", "from_location", "quantity", "picked_qty", "short_qty", "short_reason")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.PickList)
class PickListAdmin(LedgerAdmin):
    list_display = ("number", "request", "wave", "state")
    list_filter = ("state",)
    inlines = [PickLineInline]


@admin.register(models.PickLine)
class PickLineAdmin(LedgerAdmin):
    list_display = ("pick_list", "item", "lot", "from_location", "quantity", "picked_qty", "short_qty")


@admin.register(models.Wave)
class WaveAdmin(LedgerAdmin):
    list_display = ("number", "warehouse", "created_by", "created_at")


class PackageInline(admin.TabularInline):
    model = models.Package
    extra = 0


@admin.register(models.Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("number", "request", "carrier", "tracking_number", "shipped_at")
    search_fields = ("number", "tracking_number", "request__reference")
    readonly_fields = ("number", "request", "shipped_at", "shipped_by")
    inlines = [PackageInline]


@admin.register(models.Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ("shipment", "code", "weight_kg")


class CycleCountLineInline(admin.TabularInline):
    model = models.CycleCountLine
    extra = 0
    readonly_fields = ("location", "item", "lot", "expected_qty", "counted_qty", "counted_by")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.CycleCount)
class CycleCountAdmin(LedgerAdmin):
    list_display = ("number", "warehouse", "location", "abc_class", "state", "approved_by", "posted_at")
    list_filter = ("state", "warehouse")
    inlines = [CycleCountLineInline]


@admin.register(models.CycleCountLine)
class CycleCountLineAdmin(LedgerAdmin):
    list_display = ("count", "location", "item", "lot", "expected_qty", "counted_qty")


@admin.register(models.ReplenishmentRule)
class ReplenishmentRuleAdmin(admin.ModelAdmin):
    list_display = ("location", "item", "min_qty", "max_qty")
    search_fields = ("location__code", "item__code")
