from django.db import models
from django.utils.translation import gettext_lazy as _


class PlannedOrderKind(models.TextChoices):
    MAKE = "make", _("Make (production order)")
    BUY = "buy", _("Buy (purchase order)")


class PlannedOrderState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    FIRMED = "firmed", _("Firmed")


class DemandKind(models.TextChoices):
    SALES_ORDER = "sales_order", _("Sales order line")
    FORECAST = "forecast", _("Forecast")
    MASTER_SCHEDULE = "mps", _("Master production schedule")
    DEPENDENT = "dependent", _("Dependent (a parent's order)")
    SAFETY_STOCK = "safety_stock", _("Safety stock")


class SupplyKind(models.TextChoices):
    ON_HAND = "on_hand", _("On hand")
    PURCHASE_ORDER = "purchase_order", _("Purchase order line")
    PRODUCTION_ORDER = "production_order", _("Production order")


class ExceptionKind(models.TextChoices):
    PAST_DUE = "past_due", _("Past due")
    START_LATE = "start_late", _("Start late")
    EXPEDITE = "expedite", _("Expedite")
    DEFER = "defer", _("Defer")
    CANCEL = "cancel", _("Cancel")
    INCREASE = "increase", _("Increase")
    REDUCE = "reduce", _("Reduce")
    NO_SUPPLIER = "no_supplier", _("No supplier")
    NO_BOM = "no_bom", _("No released BOM")


class ForecastMethod(models.TextChoices):
    MOVING_AVERAGE = "moving_average", _("Moving average (3 months)")
    EXPONENTIAL_SMOOTHING = "exponential_smoothing", _("Exponential smoothing")
    SEASONAL_NAIVE = "seasonal_naive", _("Same month last year")


class ScheduleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SOLVING = "solving", _("Solving")
    SOLVED = "solved", _("Solved")
    FAILED = "failed", _("Failed")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class SolverStatus(models.TextChoices):
    OPTIMAL = "OPTIMAL", _("Optimal")
    FEASIBLE = "FEASIBLE", _("Feasible")
    INFEASIBLE = "INFEASIBLE", _("Infeasible")
    UNKNOWN = "UNKNOWN", _("Unknown")


class MachineWindowKind(models.TextChoices):
    DOWN = "down", _("Down (maintenance, breakdown)")
    EXTRA = "extra", _("Extra shift")


class FixedReason(models.TextChoices):
    STARTED = "started", _("Started on the shop floor")
    FROZEN = "frozen", _("Inside the frozen horizon")
    PINNED = "pinned", _("Placed by a planner")


class JobSource(models.TextChoices):
    PRODUCTION_ORDER = "production_order", _("Production order")
    PLANNED_ORDER = "planned_order", _("Planned order (MRP)")
    WHAT_IF = "what_if", _("What-if order")
