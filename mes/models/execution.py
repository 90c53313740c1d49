"""What happens on the shop floor: an immutable log of production events, and the projections the
screens read (machine status, operation runs, downtimes, counts per quarter hour), kept in the same
transaction as the events they derive from and rebuildable from them."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from mes.choices import DowntimeCategory, DowntimeKind, EventKind, EventSource, MachineState, RunState

QUANTITY = {"max_digits": 18, "decimal_places": 6}
# Counts are rolled up per quarter hour: shifts start and end on quarter hours, so a shift's OEE reads
# whole buckets.
BUCKET_MINUTES = 15


class ScrapReason(TaktModel):
    code = code_field()
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DowntimeReason(TaktModel):
    """Why a machine stood. Planned stops that are not part of the planned busy time (a break, planned
    maintenance) do not count against availability; a changeover does (ISO 22400 counts setup time
    inside the planned busy time)."""

    code = code_field()
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=DowntimeCategory.choices)
    kind = models.CharField(max_length=16, choices=DowntimeKind.choices, default=DowntimeKind.OTHER)
    counts_against_availability = models.BooleanField(
        default=True, help_text=_("Off: the time is taken out of the planned busy time (breaks, planned maintenance).")
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProductionEvent(models.Model):
    """One thing that happened, with who, when and where. Never updated nor deleted (the database refuses
    both); a mistake is put right by a correction event that references the one it corrects."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(help_text=_("When it happened on the floor."))
    recorded_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=8, choices=EventSource.choices, default=EventSource.TABLET)
    machine = models.ForeignKey("core.Machine", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    operation = models.ForeignKey(
        "erp.ProductionOperation", null=True, blank=True, on_delete=models.PROTECT, related_name="mes_events"
    )
    employee = models.ForeignKey("erp.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # PROTECT, not SET_NULL: the database refuses to update an event.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    good_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    scrap_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    scrap_reason = models.ForeignKey(ScrapReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    downtime_reason = models.ForeignKey(
        DowntimeReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    machine_state = models.CharField(max_length=8, choices=MachineState.choices, blank=True)
    component = models.ForeignKey(
        "erp.ProductionComponent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="mes_events")
    quantity = models.DecimalField(**QUANTITY, null=True, blank=True, help_text=_("Consumed or produced."))
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["machine", "at"], name="mes_event_machine_at_idx"),
            models.Index(fields=["operation", "at"], name="mes_event_operation_at_idx"),
            models.Index(fields=["lot"], name="mes_event_lot_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()}"


class MachineStatus(models.Model):
    """A machine's state now: the last state event, the operation running on it, the open downtime."""

    machine = models.OneToOneField("core.Machine", primary_key=True, on_delete=models.CASCADE, related_name="status")
    state = models.CharField(max_length=8, choices=MachineState.choices, default=MachineState.IDLE)
    since = models.DateTimeField()
    reason = models.ForeignKey(DowntimeReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    operation = models.ForeignKey(
        "erp.ProductionOperation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_event = models.ForeignKey(ProductionEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name_plural = "machine statuses"

    def __str__(self) -> str:
        return f"{self.machine.code}: {self.get_state_display()}"


class OperationRun(TaktModel):
    """An operation worked on one machine, from its start to its completion: its counts, its running time,
    and how much of both has been booked to ERP (cost and stock)."""

    operation = models.ForeignKey("erp.ProductionOperation", on_delete=models.PROTECT, related_name="runs")
    machine = models.ForeignKey("core.Machine", on_delete=models.PROTECT, related_name="operation_runs")
    state = models.CharField(max_length=8, choices=RunState.choices, default=RunState.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    running_since = models.DateTimeField(
        null=True, blank=True, help_text=_("Set while it runs; the time before is in run_seconds.")
    )
    run_seconds = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    good_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    scrap_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    booked_good = models.DecimalField(**QUANTITY, default=Decimal("0"))
    booked_scrap = models.DecimalField(**QUANTITY, default=Decimal("0"))
    booked_seconds = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal("0"))
    booked_at = models.DateTimeField(null=True, blank=True, help_text=_("Running time up to here is booked."))

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # One machine runs one operation at a time, and an operation is open on one machine at a time.
            models.UniqueConstraint(
                fields=["machine"], condition=~Q(state=RunState.DONE), name="mes_run_one_open_per_machine"
            ),
            models.UniqueConstraint(
                fields=["operation"], condition=~Q(state=RunState.DONE), name="mes_run_one_open_per_operation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation} on {self.machine.code}"

    def get_absolute_url(self) -> str:
        return self.operation.get_absolute_url()


class OperatorAssignment(models.Model):
    """An operator signed on to a machine; one operator may be on several machines (the labor time is
    split between them) and several operators on one."""

    employee = models.ForeignKey("erp.Employee", on_delete=models.PROTECT, related_name="machine_assignments")
    machine = models.ForeignKey("core.Machine", on_delete=models.PROTECT, related_name="operator_assignments")
    since = models.DateTimeField()
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "machine"], condition=Q(until__isnull=True), name="mes_assignment_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} on {self.machine.code}"


class Downtime(models.Model):
    """A stop of a machine, from its downtime-start event to its downtime-end event."""

    machine = models.ForeignKey("core.Machine", on_delete=models.PROTECT, related_name="downtimes")
    reason = models.ForeignKey(DowntimeReason, on_delete=models.PROTECT, related_name="downtimes")
    operation = models.ForeignKey(
        "erp.ProductionOperation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    start_event = models.OneToOneField(ProductionEvent, on_delete=models.PROTECT, related_name="+")
    end_event = models.OneToOneField(ProductionEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["machine", "start"], name="mes_downtime_machine_idx")]
        constraints = [
            models.UniqueConstraint(fields=["machine"], condition=Q(end__isnull=True), name="mes_downtime_one_open"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="mes_downtime_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.machine.code} {self.reason.code} from {self.start:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> Decimal | None:
        if self.end is None:
            return None
        return (Decimal((self.end - self.start).total_seconds()) / 60).quantize(Decimal("0.01"))


class MachineCount(models.Model):
    """Good and scrapped units per machine, operation and quarter hour: the roll-up OEE and the board
    read instead of the count events (a machine reporting every second makes 28,800 a shift)."""

    id = models.BigAutoField(primary_key=True)
    machine = models.ForeignKey("core.Machine", on_delete=models.PROTECT, related_name="+")
    operation = models.ForeignKey(
        "erp.ProductionOperation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bucket = models.DateTimeField(help_text=_("Start of the quarter hour."))
    good_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    scrap_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["machine", "bucket", "operation"], nulls_distinct=False, name="mes_count_bucket_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.machine.code} {self.bucket:%Y-%m-%d %H:%M}: {self.good_qty} good, {self.scrap_qty} scrap"
