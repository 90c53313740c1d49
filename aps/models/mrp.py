"""The current material plan: one MRP run's demands, supplies, planned orders, pegging and exceptions.

A run replaces the previous plan in one transaction (docs/mrp.md): the rows of older runs are
deleted with them, except planned orders that planners firmed, which stay as the record of what
became a real order.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aps.choices import DemandKind, ExceptionKind, PlannedOrderKind, PlannedOrderState, SupplyKind
from core.models.base import TaktModel

QUANTITY = {"max_digits": 18, "decimal_places": 6}
# The plan tables are derived data that only an MRP run writes, whole, a million rows for a big plant:
# their references are kept by the run and by Django's on_delete, not checked row by row by the
# database (per-row foreign-key triggers would cost more than the run itself), and they are UNLOGGED
# (migration 0002): after a database crash they are empty until the next run.
UNCHECKED = {"db_constraint": False}


class MrpRun(TaktModel):
    """A finished MRP run: the plan that planners see until the next one replaces it."""

    planning_date = models.DateField(help_text=_("Today, for the run: requirements before it are past due."))
    finished_at = models.DateTimeField()
    seconds = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("0"))
    item_count = models.PositiveIntegerField(default=0)
    planned_order_count = models.PositiveIntegerField(default=0)
    exception_count = models.PositiveIntegerField(default=0)
    task_run = models.ForeignKey("core.TaskRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("MRP run")

    def __str__(self) -> str:
        return f"MRP {self.planning_date} #{self.pk}"


class PlanDemand(models.Model):
    """A gross requirement of an item on a day, as the run saw it."""

    run = models.ForeignKey(MrpRun, **UNCHECKED, db_index=False, on_delete=models.CASCADE, related_name="demands")
    item = models.ForeignKey("core.Item", **UNCHECKED, db_index=False, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=DemandKind.choices)
    due_date = models.DateField()
    requested_date = models.DateField(help_text=_("The date asked for; before the run's date when past due."))
    quantity = models.DecimalField(**QUANTITY)
    reference = models.CharField(max_length=100)
    sales_order_line = models.ForeignKey(
        "erp.SalesOrderLine",
        null=True,
        blank=True,
        **UNCHECKED,
        db_index=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    forecast = models.ForeignKey(
        "erp.SalesForecast",
        null=True,
        blank=True,
        **UNCHECKED,
        db_index=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    schedule_entry = models.ForeignKey(
        "aps.MasterScheduleEntry",
        null=True,
        blank=True,
        **UNCHECKED,
        db_index=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    production_order = models.ForeignKey(
        "erp.ProductionOrder",
        null=True,
        blank=True,
        **UNCHECKED,
        db_index=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The open parent order a dependent requirement comes from."),
    )
    parent_order = models.ForeignKey(
        "aps.PlannedOrder",
        null=True,
        blank=True,
        **UNCHECKED,
        on_delete=models.CASCADE,
        related_name="component_demands",
        help_text=_("The planned parent order a dependent requirement comes from."),
    )

    class Meta:
        ordering = ["item__code", "due_date", "id"]
        indexes = [models.Index(fields=["run", "item", "due_date"], name="aps_demand_run_item_idx")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} {self.item.code} on {self.due_date}"


class PlanSupply(models.Model):
    """Stock on hand or an open order's receipt, as the run saw it."""

    run = models.ForeignKey(MrpRun, **UNCHECKED, on_delete=models.CASCADE, related_name="supplies")
    item = models.ForeignKey("core.Item", **UNCHECKED, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=SupplyKind.choices)
    due_date = models.DateField()
    quantity = models.DecimalField(**QUANTITY)
    reference = models.CharField(max_length=100)
    purchase_order_line = models.ForeignKey(
        "erp.PurchaseOrderLine", null=True, blank=True, **UNCHECKED, on_delete=models.SET_NULL, related_name="+"
    )
    production_order = models.ForeignKey(
        "erp.ProductionOrder", null=True, blank=True, **UNCHECKED, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["item__code", "due_date", "id"]
        verbose_name_plural = _("plan supplies")
        indexes = [models.Index(fields=["run", "item", "due_date"], name="aps_supply_run_item_idx")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} {self.item.code} on {self.due_date}"


class PlannedOrder(TaktModel):
    """MRP's proposal to make or buy an item, until a planner firms it into a real order."""

    run = models.ForeignKey(
        MrpRun,
        null=True,
        blank=True,
        **UNCHECKED,
        db_index=False,
        on_delete=models.SET_NULL,
        related_name="planned_orders",
    )
    # "PL-<id>": unique by construction, so indexed without a unique constraint (a constraint's index
    # would be kept up row by row while a run writes its orders).
    number = models.CharField(max_length=32, editable=False)
    item = models.ForeignKey("core.Item", **UNCHECKED, on_delete=models.PROTECT, related_name="planned_orders")
    kind = models.CharField(max_length=8, choices=PlannedOrderKind.choices)
    quantity = models.DecimalField(**QUANTITY)
    start_date = models.DateField()
    due_date = models.DateField()
    supplier = models.ForeignKey(
        "core.Partner", null=True, blank=True, **UNCHECKED, db_index=False, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=8, choices=PlannedOrderState.choices, default=PlannedOrderState.PLANNED)
    production_order = models.ForeignKey(
        "erp.ProductionOrder", null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )
    purchase_order = models.ForeignKey(
        "erp.PurchaseOrder", null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )
    firmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    firmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, db_index=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "item__code", "id"]
        indexes = [
            models.Index(fields=["state", "due_date"], name="aps_planned_state_due_idx"),
            models.Index(fields=["number"], name="aps_planned_number_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="aps_planned_quantity_positive"),
            models.CheckConstraint(condition=Q(start_date__lte=models.F("due_date")), name="aps_planned_start_by_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()} {self.quantity} {self.item.code} due {self.due_date}"


class Pegging(models.Model):
    """How much of a demand one supply (a planned order, or stock and open orders) covers."""

    demand = models.ForeignKey(PlanDemand, **UNCHECKED, on_delete=models.CASCADE, related_name="pegs")
    planned_order = models.ForeignKey(
        PlannedOrder, null=True, blank=True, **UNCHECKED, db_index=False, on_delete=models.CASCADE, related_name="pegs"
    )
    supply = models.ForeignKey(
        PlanSupply, null=True, blank=True, **UNCHECKED, on_delete=models.CASCADE, related_name="pegs"
    )
    quantity = models.DecimalField(**QUANTITY)

    class Meta:
        ordering = ["demand__due_date", "id"]
        # Each peg has one of the two: an index of only the rows that have it is half the size to build.
        indexes = [
            models.Index(
                fields=["planned_order"], condition=Q(planned_order__isnull=False), name="aps_peg_planned_idx"
            ),
            models.Index(fields=["supply"], condition=Q(supply__isnull=False), name="aps_peg_supply_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_order__isnull=True) ^ Q(supply__isnull=True), name="aps_peg_one_supply"
            ),
        ]

    def __str__(self) -> str:
        source = self.planned_order or self.supply
        return f"{self.quantity} of {self.demand.reference} from {source}"


class MrpException(models.Model):
    """What the run asks a planner to look at, and what to do about it."""

    run = models.ForeignKey(MrpRun, **UNCHECKED, db_index=False, on_delete=models.CASCADE, related_name="exceptions")
    item = models.ForeignKey("core.Item", **UNCHECKED, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ExceptionKind.choices)
    reference = models.CharField(max_length=100, help_text=_("The order or demand it is about."))
    message = models.TextField()
    due_date = models.DateField(null=True, blank=True)
    suggested_date = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(**QUANTITY, null=True, blank=True)
    planned_order = models.ForeignKey(
        PlannedOrder, null=True, blank=True, **UNCHECKED, on_delete=models.CASCADE, related_name="exceptions"
    )
    supply = models.ForeignKey(
        PlanSupply, null=True, blank=True, **UNCHECKED, on_delete=models.CASCADE, related_name="exceptions"
    )
    demand = models.ForeignKey(
        PlanDemand, null=True, blank=True, **UNCHECKED, on_delete=models.CASCADE, related_name="exceptions"
    )

    class Meta:
        ordering = ["item__code", "due_date", "id"]
        verbose_name = _("MRP exception")
        indexes = [models.Index(fields=["run", "kind"], name="aps_exception_run_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"
