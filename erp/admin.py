from django.contrib import admin

from core.admin import ReadOnlyAdmin
from erp import models


@admin.register(models.ErpSettings)
class ErpSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "over_receipt_tolerance_pct",
        "invoice_price_tolerance_pct",
        "invoice_quantity_tolerance_pct",
        "default_valuation_method",
    )

    def has_add_permission(self, request):
        return not models.ErpSettings.objects.exists()


@admin.register(models.ValuationPolicy)
class ValuationPolicyAdmin(admin.ModelAdmin):
    list_display = ("category", "method")
    list_filter = ("method",)


@admin.register(models.WorkCenterRate)
class WorkCenterRateAdmin(admin.ModelAdmin):
    list_display = ("work_center", "labor_rate_per_hour", "machine_rate_per_hour", "crew_size")


@admin.register(models.Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(models.AccountMapping)
class AccountMappingAdmin(admin.ModelAdmin):
    list_display = ("role", "category", "account")
    list_filter = ("role",)


@admin.register(models.CostCenter)
class CostCenterAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "work_center")
    search_fields = ("code", "name")


@admin.register(models.TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "rate_pct")


class JournalLineInline(admin.TabularInline):
    model = models.JournalLine
    fields = ("account", "debit", "credit", "description", "partner", "item", "cost_center")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(models.JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("number", "date", "memo", "source", "reference", "reversal_of")
    list_filter = ("source",)
    search_fields = ("number", "memo", "reference")
    date_hierarchy = "date"
    inlines = [JournalLineInline]


@admin.register(models.JournalLine)
class JournalLineAdmin(ReadOnlyAdmin):
    list_display = ("entry", "account", "debit", "credit", "partner", "item", "cost_center")
    list_filter = ("account",)
    search_fields = ("entry__number", "description")


class InvoiceLineInline(admin.TabularInline):
    model = models.InvoiceLine
    extra = 0


@admin.register(models.Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "partner", "invoice_date", "due_date", "total_amount", "paid_amount", "state")
    list_filter = ("kind", "state")
    search_fields = ("number", "partner__code", "supplier_reference")
    readonly_fields = ("journal_entry",)
    inlines = [InvoiceLineInline]


@admin.register(models.InvoiceLine)
class InvoiceLineAdmin(admin.ModelAdmin):
    list_display = ("invoice", "position", "item", "quantity", "unit_price", "net_amount", "account")
    search_fields = ("invoice__number", "item__code")


@admin.register(models.Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("number", "direction", "partner", "invoice", "date", "amount")
    list_filter = ("direction",)
    search_fields = ("number", "partner__code", "invoice__number", "reference")
    readonly_fields = ("journal_entry",)


@admin.register(models.Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("account", "cost_center", "year", "month", "amount")
    list_filter = ("year", "cost_center")


@admin.register(models.ItemValuation)
class ItemValuationAdmin(ReadOnlyAdmin):
    list_display = ("item", "method", "quantity", "value")
    list_filter = ("method",)
    search_fields = ("item__code",)


@admin.register(models.ValuationLayer)
class ValuationLayerAdmin(ReadOnlyAdmin):
    list_display = ("item", "date", "quantity", "unit_cost", "value", "remaining_qty", "journal_entry")
    search_fields = ("item__code", "description")


class PriceListItemInline(admin.TabularInline):
    model = models.PriceListItem
    extra = 0


@admin.register(models.PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "currency", "customer", "valid_from", "valid_to", "active")
    search_fields = ("code", "name", "customer__code")
    inlines = [PriceListItemInline]


@admin.register(models.PriceListItem)
class PriceListItemAdmin(admin.ModelAdmin):
    list_display = ("price_list", "item", "min_quantity", "unit_price")
    search_fields = ("item__code", "price_list__code")


class SalesOrderLineInline(admin.TabularInline):
    model = models.SalesOrderLine
    extra = 0


@admin.register(models.SalesOrder)
class SalesOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "order_date", "requested_date", "promised_date", "state")
    list_filter = ("state",)
    search_fields = ("number", "customer__code", "customer_reference")
    inlines = [SalesOrderLineInline]


@admin.register(models.SalesOrderLine)
class SalesOrderLineAdmin(admin.ModelAdmin):
    list_display = ("order", "position", "item", "quantity", "unit_price", "shipped_qty", "invoiced_qty")
    search_fields = ("order__number", "item__code")


@admin.register(models.SalesForecast)
class SalesForecastAdmin(admin.ModelAdmin):
    list_display = ("reference", "item", "customer", "due_date", "quantity")
    search_fields = ("reference", "item__code")


class PurchaseOrderLineInline(admin.TabularInline):
    model = models.PurchaseOrderLine
    extra = 0


@admin.register(models.PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "supplier", "order_date", "expected_date", "state")
    list_filter = ("state",)
    search_fields = ("number", "supplier__code", "supplier_reference")
    inlines = [PurchaseOrderLineInline]


@admin.register(models.PurchaseOrderLine)
class PurchaseOrderLineAdmin(admin.ModelAdmin):
    list_display = ("order", "position", "item", "quantity", "unit_price", "received_qty", "billed_qty")
    search_fields = ("order__number", "item__code")


class ProductionComponentInline(admin.TabularInline):
    model = models.ProductionComponent
    extra = 0


class ProductionOperationInline(admin.TabularInline):
    model = models.ProductionOperation
    extra = 0
    fields = ("seq", "name", "work_center", "setup_minutes", "run_minutes_per_unit", "state", "good_qty", "scrap_qty")


@admin.register(models.ProductionOrder)
class ProductionOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "item", "quantity", "start_date", "due_date", "state", "completed_qty")
    list_filter = ("state",)
    search_fields = ("number", "item__code")
    inlines = [ProductionComponentInline, ProductionOperationInline]


@admin.register(models.ProductionComponent)
class ProductionComponentAdmin(admin.ModelAdmin):
    list_display = ("order", "position", "item", "required_qty", "issued_qty")
    search_fields = ("order__number", "item__code")


@admin.register(models.ProductionOperation)
class ProductionOperationAdmin(admin.ModelAdmin):
    list_display = ("order", "seq", "work_center", "state", "good_qty", "scrap_qty", "actual_machine_minutes")
    list_filter = ("state", "work_center")
    search_fields = ("order__number",)


@admin.register(models.ProductionVariance)
class ProductionVarianceAdmin(ReadOnlyAdmin):
    list_display = ("order", "kind", "amount", "date")
    list_filter = ("kind",)


class ItemCostInline(admin.TabularInline):
    model = models.ItemCost
    fields = ("item", "level", "material", "labor", "machine", "total")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(models.CostVersion)
class CostVersionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "as_of", "state", "rolled_up_at", "activated_at")
    list_filter = ("state",)
    inlines = [ItemCostInline]


@admin.register(models.ItemCost)
class ItemCostAdmin(ReadOnlyAdmin):
    list_display = ("version", "item", "level", "material", "labor", "machine", "total")
    search_fields = ("item__code",)


@admin.register(models.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "cost_center")


class QualificationInline(admin.TabularInline):
    model = models.Qualification
    extra = 0


@admin.register(models.Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ("number", "first_name", "last_name", "department", "position", "labor_cost_rate", "active")
    list_filter = ("department", "active")
    search_fields = ("number", "first_name", "last_name", "badge")
    inlines = [QualificationInline]


@admin.register(models.Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ("employee", "work_center", "machine", "valid_from", "valid_until")
    search_fields = ("employee__number", "employee__last_name")


@admin.register(models.RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ("date", "employee", "shift", "work_center")
    date_hierarchy = "date"


@admin.register(models.Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("employee", "clock_in", "clock_out", "machine", "source")
    list_filter = ("source",)


@admin.register(models.LaborBooking)
class LaborBookingAdmin(ReadOnlyAdmin):
    list_display = ("date", "employee", "operation", "minutes", "cost", "source")
