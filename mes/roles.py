from core.roles import OFFICE, STAFF, Access, Role

FLOOR = frozenset({Role.ADMIN, Role.OPERATOR, Role.QUALITY, Role.PLANNER})
QUALITY = frozenset({Role.ADMIN, Role.QUALITY})
MAINTENANCE = frozenset({Role.ADMIN, Role.ENGINEER})
SHOP = STAFF - {Role.HR, Role.FINANCE}

MODEL_ACCESS = {
    # Reason codes are configuration; the floor records against them.
    "mes.scrapreason": Access(view=SHOP, manage={Role.ADMIN, Role.QUALITY}),
    "mes.downtimereason": Access(view=SHOP, manage={Role.ADMIN, Role.ENGINEER}),
    # The production record is written by services only (operators through the tablet, machines through
    # the shopfloor service): nobody edits it; everyone on the floor and in the office reads it.
    "mes.productionevent": Access(view=STAFF),
    "mes.machinestatus": Access(view=STAFF),
    "mes.operationrun": Access(view=STAFF, manage=FLOOR),
    "mes.operatorassignment": Access(view=STAFF),
    "mes.downtime": Access(view=STAFF),
    "mes.machinecount": Access(view=STAFF),
    "mes.lotlink": Access(view=STAFF),
    # Quality: quality engineers plan and decide; operators record inspections.
    "mes.inspectionplan": Access(view=SHOP, manage=QUALITY),
    "mes.characteristic": Access(view=SHOP, manage=QUALITY),
    "mes.inspection": Access(view=SHOP, manage=QUALITY | {Role.OPERATOR, Role.WAREHOUSE}),
    "mes.measurement": Access(view=SHOP),
    "mes.nonconformance": Access(view=OFFICE | {Role.OPERATOR, Role.WAREHOUSE}, manage=QUALITY),
    "mes.correctiveaction": Access(view=OFFICE, manage=QUALITY),
    # Maintenance: engineers plan and run it; operators raise requests from a breakdown.
    "mes.maintenanceplan": Access(view=SHOP, manage=MAINTENANCE),
    "mes.maintenanceorder": Access(view=SHOP, manage=MAINTENANCE | {Role.OPERATOR}),
    "mes.maintenancetask": Access(view=SHOP, manage=MAINTENANCE),
    "mes.maintenancepart": Access(view=SHOP, manage=MAINTENANCE),
    "mes.maintenancelabor": Access(view=SHOP, manage=MAINTENANCE),
}
