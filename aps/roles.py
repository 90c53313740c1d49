from core.roles import OFFICE, STAFF, Access, Role

PLANNERS = {Role.ADMIN, Role.PLANNER}

MODEL_ACCESS = {
    # The plan is written by MRP runs; planners firm it, the office reads it.
    "aps.mrprun": Access(view=OFFICE),
    "aps.plandemand": Access(view=OFFICE),
    "aps.plansupply": Access(view=OFFICE),
    "aps.pegging": Access(view=OFFICE),
    "aps.mrpexception": Access(view=OFFICE),
    "aps.plannedorder": Access(view=OFFICE, manage=PLANNERS),
    # What planners decide: the forecast they adjust and the master schedule they edit.
    "aps.demandforecast": Access(view=OFFICE, manage=PLANNERS),
    "aps.demandforecastperiod": Access(view=OFFICE, manage=PLANNERS | {Role.SALES}),
    "aps.masterscheduleentry": Access(view=STAFF - {Role.OPERATOR}, manage=PLANNERS),
    # Finite-capacity scheduling: planners make, change and publish schedules; operators read the
    # published one's operations, their dispatch list.
    "aps.schedulingsettings": Access(view=OFFICE, manage=PLANNERS),
    "aps.changeover": Access(view=OFFICE, manage=PLANNERS),
    "aps.machinewindow": Access(view=OFFICE, manage=PLANNERS),
    "aps.schedule": Access(view=OFFICE | {Role.OPERATOR}, manage=PLANNERS),
    "aps.schedulejob": Access(view=OFFICE | {Role.OPERATOR}, manage=PLANNERS),
    "aps.scheduleoperation": Access(view=OFFICE | {Role.OPERATOR}, manage=PLANNERS),
}
