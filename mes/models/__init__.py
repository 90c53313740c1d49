from mes.models.execution import (
    Downtime,
    DowntimeReason,
    MachineCount,
    MachineStatus,
    OperationRun,
    OperatorAssignment,
    ProductionEvent,
    ScrapReason,
)
from mes.models.genealogy import LotLink
from mes.models.maintenance import MaintenanceLabor, MaintenanceOrder, MaintenancePart, MaintenancePlan, MaintenanceTask
from mes.models.quality import (
    Characteristic,
    CorrectiveAction,
    Inspection,
    InspectionPlan,
    Measurement,
    Nonconformance,
)

__all__ = [
    "Characteristic",
    "CorrectiveAction",
    "Downtime",
    "DowntimeReason",
    "Inspection",
    "InspectionPlan",
    "LotLink",
    "MachineCount",
    "MachineStatus",
    "MaintenanceLabor",
    "MaintenanceOrder",
    "MaintenancePart",
    "MaintenancePlan",
    "MaintenanceTask",
    "Measurement",
    "Nonconformance",
    "OperationRun",
    "OperatorAssignment",
    "ProductionEvent",
    "ScrapReason",
]
