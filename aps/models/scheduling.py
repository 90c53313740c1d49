"""Finite-capacity schedules (docs/scheduling.md): which machine does each operation when.

A schedule is a version of the plan: the operations it covers are copied from ERP's production orders
(and, if asked, MRP's planned orders) when it is made, so a what-if scenario can be changed and solved
without touching the real orders. One schedule at a time is published: the plan the shop floor works to.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aps.choices import FixedReason, JobSource, MachineWindowKind, ScheduleState, SolverStatus
from core.models.base import TaktModel

QUANTITY = {"max_digits": 18, "decimal_places": 6}
WEIGHT = [MinValueValidator(0), MaxValueValidator(1000)]


class SchedulingSettings(TaktModel):
    """The plant's scheduling defaults; one row (pk 1), made on first use."""

    frozen_hours = models.PositiveIntegerField(
        default=8,
        validators=[MaxValueValidator(24 * 366)],
        help_text=_("From now: operations planned to start inside it do not move."),
    )
    horizon_days = models.PositiveIntegerField(
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("How far ahead machine calendars are laid out; a longer plan extends it."),
    )
    # A solve holds a worker for this long: an hour is more than any plant waits for a plan.
    time_limit_seconds = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(3600)]
    )
    tardiness_weight = models.PositiveIntegerField(default=100, validators=WEIGHT)
    makespan_weight = models.PositiveIntegerField(default=1, validators=WEIGHT)
    setup_weight = models.PositiveIntegerField(default=1, validators=WEIGHT)
    include_planned_orders = models.BooleanField(
        default=False, help_text=_("Schedule MRP's planned make orders too, not only firm and released ones.")
    )
    auto_publish = models.BooleanField(
        default=False,
        help_text=_("Publish the reschedule proposed after a shop-floor event (late operation, machine down, scrap)."),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("scheduling settings")

    def __str__(self) -> str:
        return str(_("Scheduling settings"))

    @classmethod
    def load(cls) -> "SchedulingSettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class Changeover(TaktModel):
    """Sequence-dependent setup on a work center's machines: from one item family (category) to another.

    Where a pair has a row, its minutes replace the routing's setup time of the following operation.
    """

    work_center = models.ForeignKey("core.WorkCenter", on_delete=models.CASCADE, related_name="changeovers")
    from_family = models.ForeignKey(
        "core.ItemCategory",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: items without a category."),
    )
    to_family = models.ForeignKey(
        "core.ItemCategory",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: items without a category."),
    )
    minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["work_center", "from_family", "to_family"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_center", "from_family", "to_family"],
                nulls_distinct=False,
                name="aps_changeover_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_center.code}: {self.from_family or '-'} → {self.to_family or '-'} {self.minutes} min"


class MachineWindow(TaktModel):
    """A machine out of service (maintenance, a breakdown) or worked outside its calendar (an extra shift).

    Without a schedule it is real and every schedule respects it; with one it is that scenario's what-if.
    """

    machine = models.ForeignKey("core.Machine", on_delete=models.CASCADE, related_name="windows")
    kind = models.CharField(max_length=8, choices=MachineWindowKind.choices, default=MachineWindowKind.DOWN)
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    schedule = models.ForeignKey(
        "aps.Schedule", null=True, blank=True, on_delete=models.CASCADE, related_name="machine_windows"
    )

    class Meta:
        ordering = ["start", "machine"]
        constraints = [models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="aps_window_start_end")]

    def __str__(self) -> str:
        return f"{self.machine.code} {self.get_kind_display()} {self.start:%Y-%m-%d %H:%M} to {self.end:%H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": _("The window must end after it starts.")})


class Schedule(TaktModel):
    """One version of the plan: its inputs (jobs and operations), the solver's answer and its KPIs."""

    name = models.CharField(max_length=200)
    is_scenario = models.BooleanField(default=False, help_text=_("A what-if: changed and compared before publishing."))
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text=_("Copied from.")
    )
    state = models.CharField(max_length=12, choices=ScheduleState.choices, default=ScheduleState.DRAFT)
    horizon_start = models.DateTimeField(help_text=_("Now, for this schedule: nothing starts before it."))
    frozen_until = models.DateTimeField()
    horizon_days = models.PositiveIntegerField(default=28)
    # A solve holds a worker for this long: an hour is more than any plant waits for a plan.
    time_limit_seconds = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(3600)]
    )
    tardiness_weight = models.PositiveIntegerField(default=100, validators=WEIGHT)
    makespan_weight = models.PositiveIntegerField(default=1, validators=WEIGHT)
    setup_weight = models.PositiveIntegerField(default=1, validators=WEIGHT)
    full_replan = models.BooleanField(
        default=False, help_text=_("Off: start from the published plan and change it as little as needed.")
    )
    reason = models.CharField(max_length=300, blank=True, help_text=_("Why it was made (a shop-floor event...)."))
    # The result.
    solver_status = models.CharField(max_length=12, choices=SolverStatus.choices, blank=True)
    solve_seconds = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    total_seconds = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    weighted_tardiness = models.BigIntegerField(
        null=True, blank=True, help_text=_("Minutes late times the order weight.")
    )
    tardy_orders = models.PositiveIntegerField(null=True, blank=True)
    makespan_minutes = models.PositiveIntegerField(null=True, blank=True)
    setup_minutes = models.PositiveIntegerField(null=True, blank=True)
    decomposed = models.BooleanField(default=False, help_text=_("Solved window by window (a large plan)."))
    error = models.TextField(blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_run = models.ForeignKey("core.TaskRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=Q(state=ScheduleState.PUBLISHED), name="aps_one_published_schedule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class ScheduleJob(TaktModel):
    """An order the schedule places: a production order, a planned one, or a scenario's what-if order."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="jobs")
    reference = models.CharField(max_length=64)
    production_order = models.ForeignKey(
        "erp.ProductionOrder", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Not a link to MRP's planned order: every MRP run replaces those; the reference names it.
    source = models.CharField(max_length=16, choices=JobSource.choices, default=JobSource.PRODUCTION_ORDER)
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    due = models.DateTimeField()
    weight = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)], help_text=_("Priority: 1 normal.")
    )
    material_ready = models.DateTimeField(
        null=True, blank=True, help_text=_("When the last purchased component arrives: no operation starts before.")
    )
    # The result.
    end = models.DateTimeField(null=True, blank=True)
    tardiness_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "production_order"],
                condition=Q(production_order__isnull=False),
                name="aps_job_order_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.item.code}"


class ScheduleOperation(TaktModel):
    """An operation of a job: what the solver must place, and where and when it placed it.

    `start` is when the machine begins the operation's setup, `end` when its last unit is done; a
    work center that splits operations across breaks may have breaks inside.
    """

    job = models.ForeignKey(ScheduleJob, on_delete=models.CASCADE, related_name="operations")
    operation = models.ForeignKey(
        "erp.ProductionOperation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    seq = models.PositiveIntegerField()
    name = models.CharField(max_length=200, blank=True)
    work_center = models.ForeignKey("core.WorkCenter", on_delete=models.PROTECT, related_name="+")
    setup_minutes = models.PositiveIntegerField(default=0, help_text=_("The routing's; changeovers may replace it."))
    run_minutes = models.PositiveIntegerField(help_text=_("For the quantity still to make."))
    gap_minutes = models.PositiveIntegerField(
        default=0, help_text=_("Move time after the previous operation plus queue time before this one.")
    )
    fixed = models.CharField(max_length=8, choices=FixedReason.choices, blank=True)
    # The result.
    machine = models.ForeignKey("core.Machine", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    applied_setup_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["job", "seq"]
        indexes = [models.Index(fields=["machine", "start"], name="aps_schedop_machine_start_idx")]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="aps_schedop_job_seq_unique")]

    def __str__(self) -> str:
        return f"{self.job.reference} op {self.seq}"
