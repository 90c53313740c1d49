from core.roles import OFFICE, Access, Role

SELLERS = {Role.ADMIN, Role.SALES}
SERVICE = {Role.ADMIN, Role.SALES, Role.QUALITY}

MODEL_ACCESS = {
    # After-sales service: sales and quality work the cases and authorize returns; the warehouse sees them
    # (and receives the returns: EXTRA_PERMISSIONS); sales sets the SLA terms.
    "crm.slapolicy": Access(view=OFFICE, manage={Role.ADMIN, Role.SALES}),
    "crm.servicecase": Access(view=OFFICE | {Role.WAREHOUSE}, manage=SERVICE),
    "crm.caseupdate": Access(view=OFFICE | {Role.WAREHOUSE}, manage=SERVICE),
    "crm.rma": Access(view=OFFICE | {Role.WAREHOUSE}, manage=SERVICE),
    "crm.rmaline": Access(view=OFFICE | {Role.WAREHOUSE}, manage=SERVICE),
    # Accounts: leads and the activity timeline; sales works them, the office reads them.
    "crm.lead": Access(view=OFFICE, manage=SELLERS),
    "crm.activity": Access(view=OFFICE, manage=SELLERS),
    # The sales pipeline: sales works opportunities and sets targets, the office reads them.
    "crm.stage": Access(view=OFFICE, manage=SELLERS),
    "crm.lostreason": Access(view=OFFICE, manage=SELLERS),
    "crm.opportunity": Access(view=OFFICE, manage=SELLERS),
    "crm.salestarget": Access(view=OFFICE, manage=SELLERS),
    # Quotations: sales makes, sends and accepts them (accepting needs ERP's sales order rights too).
    "crm.quote": Access(view=OFFICE, manage=SELLERS),
    "crm.quoteline": Access(view=OFFICE, manage=SELLERS),
}

# Receiving a return is the warehouse's job (quality may do it too): a right of its own, not "manage".
EXTRA_PERMISSIONS = {Role.WAREHOUSE: ["crm.receive_rma"], Role.QUALITY: ["crm.receive_rma"]}
