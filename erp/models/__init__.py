from erp.models.costing import CostVersion, ItemCost
from erp.models.finance import (
    Account,
    AccountMapping,
    Budget,
    CostCenter,
    ImmutableError,
    Invoice,
    InvoiceLine,
    JournalEntry,
    JournalLine,
    Payment,
    TaxRate,
)
from erp.models.people import Attendance, Department, Employee, LaborBooking, Qualification, RosterEntry
from erp.models.production import ProductionComponent, ProductionOperation, ProductionOrder, ProductionVariance
from erp.models.purchasing import PurchaseOrder, PurchaseOrderLine
from erp.models.sales import PriceList, PriceListItem, SalesForecast, SalesOrder, SalesOrderLine
from erp.models.settings import ErpSettings, ValuationPolicy, WorkCenterRate
from erp.models.valuation import ItemValuation, ValuationLayer

__all__ = [
    "Account",
    "AccountMapping",
    "Attendance",
    "Budget",
    "CostCenter",
    "CostVersion",
    "Department",
    "Employee",
    "ErpSettings",
    "ImmutableError",
    "Invoice",
    "InvoiceLine",
    "ItemCost",
    "ItemValuation",
    "JournalEntry",
    "JournalLine",
    "LaborBooking",
    "Payment",
    "PriceList",
    "PriceListItem",
    "ProductionComponent",
    "ProductionOperation",
    "ProductionOrder",
    "ProductionVariance",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Qualification",
    "RosterEntry",
    "SalesForecast",
    "SalesOrder",
    "SalesOrderLine",
    "TaxRate",
    "ValuationLayer",
    "ValuationPolicy",
    "WorkCenterRate",
]
