from core.roles import OFFICE, Access, Role

MODEL_ACCESS = {
    # Supplier master: buyers keep the approved vendor list and prices; quality keeps the certificates too.
    "srm.supplieritem": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.supplierprice": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.certificate": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER, Role.QUALITY}),
    # Sourcing and contracts: buyers run them, the office looks on.
    "srm.rfq": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.rfqline": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.rfqinvitation": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.supplierquote": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.supplierquoteline": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.contract": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.contractline": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.calloff": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.calloffline": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    # Supplier portal: suppliers write confirmations and ASNs through the portal API; buyers and the
    # warehouse (which receives against ASNs) read them.
    "srm.poconfirmation": Access(view=OFFICE | {Role.WAREHOUSE}, manage={Role.ADMIN}),
    "srm.poconfirmationline": Access(view=OFFICE | {Role.WAREHOUSE}, manage={Role.ADMIN}),
    "srm.asn": Access(view=OFFICE | {Role.WAREHOUSE}, manage={Role.ADMIN}),
    "srm.asnline": Access(view=OFFICE | {Role.WAREHOUSE}, manage={Role.ADMIN}),
    # Scorecards: computed (buyers may recompute a month); thresholds set by buyers; quality events reported.
    "srm.scorecard": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.scorecardthreshold": Access(view=OFFICE, manage={Role.ADMIN, Role.BUYER}),
    "srm.supplierqualityevent": Access(view=OFFICE | {Role.WAREHOUSE}, manage={Role.ADMIN, Role.QUALITY}),
}
