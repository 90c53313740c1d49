from core.roles import STAFF, Access, Role

ENGINEERS = {Role.ADMIN, Role.ENGINEER}

MODEL_ACCESS = {
    # Which PLC is on which machine and what its registers mean: set up by engineers.
    "shopfloor.device": Access(view=STAFF, manage=ENGINEERS),
    "shopfloor.tag": Access(view=STAFF, manage=ENGINEERS),
    # Kept by the poller.
    "shopfloor.tagcounter": Access(view=STAFF),
    "shopfloor.devicehealth": Access(view=STAFF),
}
