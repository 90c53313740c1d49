from core.roles import OFFICE, STAFF, Access, Role

FINANCE = {Role.ADMIN, Role.FINANCE}
SELLERS = {Role.ADMIN, Role.SALES}
BUYERS = {Role.ADMIN, Role.BUYER}
PLANNERS = {Role.ADMIN, Role.PLANNER}
PEOPLE = {Role.ADMIN, Role.HR}

MODEL_ACCESS = {
    # Settings and the books: finance keeps them, the office reads what it needs.
    "erp.erpsettings": Access(view=OFFICE, manage=FINANCE),
    "erp.valuationpolicy": Access(view=OFFICE, manage=FINANCE),
    "erp.workcenterrate": Access(view=OFFICE, manage=FINANCE),
    "erp.account": Access(view=OFFICE, manage=FINANCE),
    "erp.accountmapping": Access(view=FINANCE, manage=FINANCE),
    "erp.costcenter": Access(view=OFFICE | {Role.HR}, manage=FINANCE),
    "erp.taxrate": Access(view=OFFICE, manage=FINANCE),
    "erp.journalentry": Access(view=FINANCE, manage=FINANCE),
    "erp.journalline": Access(view=FINANCE, manage=FINANCE),
    "erp.invoice": Access(view=FINANCE | {Role.SALES, Role.BUYER}, manage=FINANCE),
    "erp.invoiceline": Access(view=FINANCE | {Role.SALES, Role.BUYER}, manage=FINANCE),
    "erp.payment": Access(view=FINANCE | {Role.SALES, Role.BUYER}, manage=FINANCE),
    "erp.budget": Access(view=FINANCE, manage=FINANCE),
    "erp.itemvaluation": Access(view=FINANCE | {Role.PLANNER, Role.BUYER}),
    "erp.valuationlayer": Access(view=FINANCE),
    # Selling.
    "erp.pricelist": Access(view=OFFICE, manage=SELLERS | {Role.FINANCE}),
    "erp.pricelistitem": Access(view=OFFICE, manage=SELLERS | {Role.FINANCE}),
    "erp.salesorder": Access(view=STAFF, manage=SELLERS),
    "erp.salesorderline": Access(view=STAFF, manage=SELLERS),
    "erp.salesforecast": Access(view=OFFICE, manage=SELLERS | {Role.PLANNER}),
    # Buying.
    "erp.purchaseorder": Access(view=STAFF, manage=BUYERS),
    "erp.purchaseorderline": Access(view=STAFF, manage=BUYERS),
    # Making and costing.
    "erp.productionorder": Access(view=STAFF, manage=PLANNERS),
    "erp.productioncomponent": Access(view=STAFF, manage=PLANNERS),
    "erp.productionoperation": Access(view=STAFF, manage=PLANNERS),
    "erp.productionvariance": Access(view=FINANCE | {Role.PLANNER}),
    "erp.costversion": Access(view=OFFICE, manage=FINANCE),
    "erp.itemcost": Access(view=OFFICE),
    # People.
    "erp.department": Access(view=STAFF, manage=PEOPLE),
    "erp.employee": Access(view=PEOPLE | {Role.PLANNER, Role.FINANCE, Role.QUALITY}, manage=PEOPLE),
    "erp.qualification": Access(view=STAFF, manage=PEOPLE),
    "erp.rosterentry": Access(view=STAFF, manage=PEOPLE | {Role.PLANNER}),
    "erp.attendance": Access(view=PEOPLE | {Role.PLANNER, Role.FINANCE}, manage=PEOPLE),
    "erp.laborbooking": Access(view=PEOPLE | {Role.PLANNER, Role.FINANCE}, manage=PEOPLE),
}
