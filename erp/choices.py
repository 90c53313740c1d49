from django.db import models
from django.utils.translation import gettext_lazy as _


class ValuationMethod(models.TextChoices):
    STANDARD = "standard", _("Standard cost")
    AVERAGE = "average", _("Moving average")
    FIFO = "fifo", _("FIFO")


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


# Balance-sheet kinds; income and expense make the profit and loss.
BALANCE_SHEET_KINDS = (AccountKind.ASSET, AccountKind.LIABILITY, AccountKind.EQUITY)


class AccountRole(models.TextChoices):
    """What a posting is for; an AccountMapping says which account books it (per item category or default)."""

    INVENTORY = "inventory", _("Inventory")
    GOODS_RECEIVED_NOT_INVOICED = "grni", _("Goods received not invoiced")
    COST_OF_GOODS_SOLD = "cogs", _("Cost of goods sold")
    SALES = "sales", _("Sales revenue")
    RECEIVABLES = "receivables", _("Accounts receivable")
    PAYABLES = "payables", _("Accounts payable")
    TAX_PAYABLE = "tax_payable", _("Output tax payable")
    TAX_RECEIVABLE = "tax_receivable", _("Input tax receivable")
    BANK = "bank", _("Bank")
    WORK_IN_PROGRESS = "wip", _("Work in progress")
    LABOR_ABSORBED = "labor_absorbed", _("Labor absorbed")
    MACHINE_ABSORBED = "machine_absorbed", _("Machine overhead absorbed")
    PURCHASE_PRICE_VARIANCE = "purchase_price_variance", _("Purchase price variance")
    MATERIAL_PRICE_VARIANCE = "material_price_variance", _("Material price variance")
    MATERIAL_USAGE_VARIANCE = "material_usage_variance", _("Material usage variance")
    LABOR_EFFICIENCY_VARIANCE = "labor_efficiency_variance", _("Labor efficiency variance")
    MACHINE_EFFICIENCY_VARIANCE = "machine_efficiency_variance", _("Machine efficiency variance")
    SCRAP_VARIANCE = "scrap_variance", _("Scrap variance")
    SCRAP_EXPENSE = "scrap_expense", _("Scrapped stock")
    INVENTORY_ADJUSTMENT = "inventory_adjustment", _("Inventory adjustment")
    REVALUATION = "revaluation", _("Standard cost revaluation")
    EXPENSE = "expense", _("Purchased services and expenses")
    OPENING_BALANCE = "opening_balance", _("Opening balances")


class JournalSource(models.TextChoices):
    STOCK_MOVE = "stock_move", _("Stock move")
    CUSTOMER_INVOICE = "customer_invoice", _("Customer invoice")
    SUPPLIER_INVOICE = "supplier_invoice", _("Supplier invoice")
    PAYMENT = "payment", _("Payment")
    PRODUCTION = "production", _("Production order")
    REVALUATION = "revaluation", _("Revaluation")
    MANUAL = "manual", _("Manual entry")
    REVERSAL = "reversal", _("Reversal")


class InvoiceKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer invoice")
    SUPPLIER = "supplier", _("Supplier invoice")


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentDirection(models.TextChoices):
    RECEIVED = "received", _("Received from a customer")
    PAID = "paid", _("Paid to a supplier")


class SalesOrderState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PRODUCTION = "in_production", _("In production")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    INVOICED = "invoiced", _("Invoiced")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrderState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    CONFIRMED = "confirmed", _("Confirmed")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    BILLED = "billed", _("Billed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class ProductionOrderState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    FIRM = "firm", _("Firm")
    RELEASED = "released", _("Released")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class OperationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    READY = "ready", _("Ready")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class VarianceKind(models.TextChoices):
    MATERIAL_PRICE = "material_price", _("Material price")
    MATERIAL_USAGE = "material_usage", _("Material usage")
    LABOR_EFFICIENCY = "labor_efficiency", _("Labor efficiency")
    MACHINE_EFFICIENCY = "machine_efficiency", _("Machine efficiency")
    SCRAP = "scrap", _("Scrap")


class CostVersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


class DemandKind(models.TextChoices):
    SALES_ORDER = "sales_order", _("Sales order")
    FORECAST = "forecast", _("Forecast")


class AttendanceSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    MES = "mes", _("MES sign-in")
