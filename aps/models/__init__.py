from aps.models.mrp import MrpException, MrpRun, Pegging, PlanDemand, PlannedOrder, PlanSupply
from aps.models.planning import DemandForecast, DemandForecastPeriod, MasterScheduleEntry

__all__ = [
    "DemandForecast",
    "DemandForecastPeriod",
    "MasterScheduleEntry",
    "MrpException",
    "MrpRun",
    "Pegging",
    "PlanDemand",
    "PlanSupply",
    "PlannedOrder",
]
