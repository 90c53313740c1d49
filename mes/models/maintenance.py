from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel
from mes.choices import MaintenanceKind, MaintenanceState, MaintenanceTrigger
from mes.models.execution import QUANTITY, Downtime


class MaintenancePlan(TaktModel):
    """Preventive maintenance of a machine, due by the calendar or by what the machine did (run hours or
    cycles, counted from MES and shopfloor data)."""

    machine = models.ForeignKey("core.Machine", on_delete=models.PROTECT, related_name="maintenance_plans")
    name = models.CharField(max_length=200)
    trigger = models.CharField(max_length=16, choices=MaintenanceTrigger.choices, default=MaintenanceTrigger.CALENDAR)
    interval = models.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("Days, run hours or cycles, by the trigger.")
    )
    duration_minutes = models.PositiveIntegerField(default=60, help_text=_("How long the machine is down for it."))
    tasks = models.TextField(blank=True, help_text=_("One task per line; copied onto each maintenance order."))
    last_done_at = models.DateTimeField(null=True, blank=True)
    last_done_meter = models.DecimalField(
        max_digits=18, decimal_places=3, default=Decimal("0"), help_text=_("Run hours or cycles when last done.")
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["machine", "name"]
        constraints = [models.CheckConstraint(condition=Q(interval__gt=0), name="mes_maintenance_interval_positive")]

    def __str__(self) -> str:
        return f"{self.machine.code}: {self.name}"


class MaintenanceOrder(TaktModel):
    """Work on a machine: preventive (from a plan) or corrective (a request raised from a breakdown)."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    machine = models.ForeignKey("core.Machine", on_delete=models.PROTECT, related_name="maintenance_orders")
    kind = models.CharField(max_length=16, choices=MaintenanceKind.choices)
    state = models.CharField(max_length=16, choices=MaintenanceState.choices, default=MaintenanceState.REQUESTED)
    plan = models.ForeignKey(MaintenancePlan, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    downtime = models.ForeignKey(Downtime, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    machine_window = models.OneToOneField(
        "aps.MachineWindow", null=True, blank=True, on_delete=models.SET_NULL, related_name="maintenance_order"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gt=models.F("planned_start")),
                name="mes_maintenance_planned_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.machine.code}"


class MaintenanceTask(models.Model):
    order = models.ForeignKey(MaintenanceOrder, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=255)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "position"]
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="mes_maintenance_task_unique")]

    def __str__(self) -> str:
        return f"{self.order.number}/{self.position} {self.description}"


class MaintenancePart(models.Model):
    """A spare part issued from WMS to the order."""

    order = models.ForeignKey(MaintenanceOrder, on_delete=models.CASCADE, related_name="parts")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    move = models.OneToOneField("wms.StockMove", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.order.number}: {self.quantity} {self.item.code}"


class MaintenanceLabor(models.Model):
    order = models.ForeignKey(MaintenanceOrder, on_delete=models.CASCADE, related_name="labor")
    employee = models.ForeignKey("erp.Employee", on_delete=models.PROTECT, related_name="+")
    minutes = models.DecimalField(max_digits=12, decimal_places=2)
    date = models.DateField()

    class Meta:
        ordering = ["order", "date"]
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0), name="mes_maintenance_labor_positive")]

    def __str__(self) -> str:
        return f"{self.order.number}: {self.employee} {self.minutes} min"
