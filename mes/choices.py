from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    START = "start", _("Operation started")
    PAUSE = "pause", _("Operation paused")
    RESUME = "resume", _("Operation resumed")
    COMPLETE = "complete", _("Operation completed")
    COUNT = "count", _("Quantity counted")
    CONSUME = "consume", _("Material consumed")
    PRODUCE = "produce", _("Lot produced")
    DOWNTIME_START = "downtime_start", _("Downtime started")
    DOWNTIME_END = "downtime_end", _("Downtime ended")
    MACHINE_STATE = "machine_state", _("Machine state")
    OPERATOR_ON = "operator_on", _("Operator signed on")
    OPERATOR_OFF = "operator_off", _("Operator signed off")
    CORRECTION = "correction", _("Correction")


class EventSource(models.TextChoices):
    TABLET = "tablet", _("Tablet")
    PLC = "plc", _("Machine (PLC)")
    API = "api", _("API")
    SYSTEM = "system", _("System")


class MachineState(models.TextChoices):
    RUNNING = "running", _("Running")
    IDLE = "idle", _("Idle")
    SETUP = "setup", _("Setup")
    DOWN = "down", _("Down")
    HELD = "held", _("Held")


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")


class DowntimeCategory(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNPLANNED = "unplanned", _("Unplanned")


class DowntimeKind(models.TextChoices):
    CHANGEOVER = "changeover", _("Changeover")
    MAINTENANCE = "maintenance", _("Maintenance")
    BREAK = "break", _("Break")
    BREAKDOWN = "breakdown", _("Breakdown")
    NO_MATERIAL = "no_material", _("No material")
    NO_OPERATOR = "no_operator", _("No operator")
    QUALITY_HOLD = "quality_hold", _("Quality hold")
    OTHER = "other", _("Other")


# --- Quality ---


class InspectionTrigger(models.TextChoices):
    OPERATION = "operation", _("At an operation")
    RECEIPT = "receipt", _("At goods receipt")


class SamplingFrequency(models.TextChoices):
    EVERY_UNIT = "every_unit", _("Every unit")
    FIRST_PIECE = "first_piece", _("First piece")
    EVERY_NTH = "every_nth", _("Every n-th unit")
    PER_LOT = "per_lot", _("Once per lot")


class CharacteristicKind(models.TextChoices):
    VARIABLE = "variable", _("Measured (nominal and limits)")
    ATTRIBUTE = "attribute", _("Pass / fail")


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class NonconformanceState(models.TextChoices):
    OPEN = "open", _("Open")
    DISPOSITIONED = "dispositioned", _("Dispositioned")
    CLOSED = "closed", _("Closed")


class Disposition(models.TextChoices):
    USE_AS_IS = "use_as_is", _("Use as is")
    REWORK = "rework", _("Rework")
    SCRAP = "scrap", _("Scrap")
    RETURN_TO_SUPPLIER = "return_to_supplier", _("Return to supplier")


# --- Maintenance ---


class MaintenanceTrigger(models.TextChoices):
    CALENDAR = "calendar", _("Every n days")
    RUN_HOURS = "run_hours", _("Every n run hours")
    CYCLES = "cycles", _("Every n cycles")


class MaintenanceKind(models.TextChoices):
    PREVENTIVE = "preventive", _("Preventive")
    CORRECTIVE = "corrective", _("Corrective")


class MaintenanceState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
