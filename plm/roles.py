from core.roles import OFFICE, STAFF, Access, Role

MODEL_ACCESS = {
    "plm.bomrevision": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "plm.bomline": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "plm.routingrevision": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "plm.routingoperation": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "plm.engineeringchangeorder": Access(view=OFFICE, manage={Role.ADMIN, Role.ENGINEER}),
    # Approving is its own right, checked by role in the service; reviewers only need to see ECOs.
    "plm.ecoapproval": Access(view=OFFICE, manage={Role.ADMIN}),
    "plm.attachment": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER, Role.QUALITY}),
}
