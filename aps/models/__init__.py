from aps.models.mrp import MrpException, MrpRun, Pegging, PlanDemand, PlannedOrder, PlanSupply
from aps.models.planning import DemandForecast, DemandForecastPeriod, MasterScheduleEntry
from aps.models.scheduling import (
    Changeover,
    MachineWindow,
    Schedule,
    ScheduleJob,
    ScheduleOperation,
    SchedulingSettings,
)

__all__ = [
    "Changeover",
    "DemandForecast",
    "DemandForecastPeriod",
    "MachineWindow",
    "MasterScheduleEntry",
    "MrpException",
    "MrpRun",
    "Pegging",
    "PlanDemand",
    "PlanSupply",
    "PlannedOrder",
    "Schedule",
    "ScheduleJob",
    "ScheduleOperation",
    "SchedulingSettings",
]
