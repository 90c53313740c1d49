from core.roles import OFFICE, STAFF, Access, Role

STOCK_KEEPERS = {Role.ADMIN, Role.WAREHOUSE}

MODEL_ACCESS = {
    "wms.warehouse": Access(view=STAFF, manage={Role.ADMIN}),
    "wms.location": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.stockpolicy": Access(view=OFFICE | {Role.WAREHOUSE}, manage={Role.ADMIN, Role.PLANNER, Role.WAREHOUSE}),
    "wms.lot": Access(view=STAFF, manage=STOCK_KEEPERS | {Role.QUALITY}),
    "wms.quant": Access(view=STAFF),
    # Posting moves is the warehouse's job; everyone on staff reads the ledger.
    "wms.stockmove": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.stockrequest": Access(view=STAFF, manage=STOCK_KEEPERS | {Role.SALES, Role.PLANNER}),
    "wms.stockrequestline": Access(view=STAFF, manage=STOCK_KEEPERS | {Role.SALES, Role.PLANNER}),
    "wms.reservation": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.receipt": Access(view=STAFF, manage=STOCK_KEEPERS | {Role.BUYER}),
    "wms.receiptline": Access(view=STAFF, manage=STOCK_KEEPERS | {Role.BUYER}),
    "wms.putawayrule": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.stocktask": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.wave": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.picklist": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.pickline": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.shipment": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.package": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.cyclecount": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.cyclecountline": Access(view=STAFF, manage=STOCK_KEEPERS),
    "wms.replenishmentrule": Access(view=STAFF, manage=STOCK_KEEPERS | {Role.PLANNER}),
}

# Count differences above the tolerance are approved by finance (or an admin), not by who counted.
EXTRA_PERMISSIONS = {Role.FINANCE: ["wms.approve_cyclecount"]}
