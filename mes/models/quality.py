from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from mes.choices import (
    CharacteristicKind,
    Disposition,
    InspectionResult,
    InspectionTrigger,
    NonconformanceState,
    SamplingFrequency,
)
from mes.models.execution import QUANTITY

MEASURE = {"max_digits": 18, "decimal_places": 6}


class InspectionPlan(TaktModel):
    """What to check on an item, at an operation (its routing sequence, or every operation of a work
    center) or at goods receipt, and how often."""

    code = code_field()
    name = models.CharField(max_length=200)
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="inspection_plans")
    trigger = models.CharField(max_length=16, choices=InspectionTrigger.choices, default=InspectionTrigger.OPERATION)
    operation_seq = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("The routing operation it applies to; empty: the last one.")
    )
    frequency = models.CharField(
        max_length=16, choices=SamplingFrequency.choices, default=SamplingFrequency.FIRST_PIECE
    )
    every_n = models.PositiveIntegerField(null=True, blank=True, help_text=_("For every n-th unit."))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(frequency=SamplingFrequency.EVERY_NTH) | Q(every_n__gte=1), name="mes_plan_every_n_set"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = {}
        if self.frequency == SamplingFrequency.EVERY_NTH and not self.every_n:
            errors["every_n"] = ValidationError(_("Say every how many units."), code="required")
        if self.trigger == InspectionTrigger.RECEIPT and self.operation_seq is not None:
            errors["operation_seq"] = ValidationError(
                _("A plan at goods receipt has no routing operation."), code="not_an_operation"
            )
        if errors:
            raise ValidationError(errors)


class Characteristic(TaktModel):
    """One thing measured (a nominal with limits, in a unit) or judged pass / fail."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="characteristics")
    position = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=CharacteristicKind.choices, default=CharacteristicKind.VARIABLE)
    nominal = models.DecimalField(**MEASURE, null=True, blank=True)
    lower_limit = models.DecimalField(**MEASURE, null=True, blank=True)
    upper_limit = models.DecimalField(**MEASURE, null=True, blank=True)
    unit = models.ForeignKey("core.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="mes_characteristic_position_unique"),
            models.CheckConstraint(
                condition=Q(lower_limit__isnull=True)
                | Q(upper_limit__isnull=True)
                | Q(lower_limit__lte=models.F("upper_limit")),
                name="mes_characteristic_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code}/{self.position} {self.name}"

    def clean(self) -> None:
        limits = (self.nominal, self.lower_limit, self.upper_limit)
        if self.kind == CharacteristicKind.ATTRIBUTE:
            if any(value is not None for value in limits) or self.unit_id:
                message = _("A pass / fail characteristic has no nominal, limits or unit.")
                raise ValidationError({"kind": ValidationError(message, code="attribute_measured")})
            return
        if self.lower_limit is None and self.upper_limit is None:
            message = _("A measured characteristic needs a lower limit, an upper limit or both.")
            raise ValidationError({"upper_limit": ValidationError(message, code="required")})
        if self.lower_limit is not None and self.upper_limit is not None and self.lower_limit > self.upper_limit:
            message = _("The lower limit is above the upper limit.")
            raise ValidationError({"lower_limit": ValidationError(message, code="limits_reversed")})
        if self.nominal is not None and not (
            (self.lower_limit is None or self.lower_limit <= self.nominal)
            and (self.upper_limit is None or self.nominal <= self.upper_limit)
        ):
            message = _("The nominal lies outside the limits.")
            raise ValidationError({"nominal": ValidationError(message, code="outside_limits")})


class Inspection(TaktModel):
    """One check of a plan: on an operation's output, a lot, or a receipt; its measurements decide it."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="inspections")
    operation = models.ForeignKey(
        "erp.ProductionOperation", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    machine = models.ForeignKey("core.Machine", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    receipt_line = models.ForeignKey(
        "wms.ReceiptLine", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    unit_number = models.PositiveIntegerField(null=True, blank=True, help_text=_("Which unit of the run was sampled."))
    sample_qty = models.DecimalField(**QUANTITY, default=Decimal("1"))
    result = models.CharField(max_length=8, choices=InspectionResult.choices)
    inspected_at = models.DateTimeField()
    inspector = models.ForeignKey("erp.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-inspected_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.plan.code}: {self.get_result_display()}"


class Measurement(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="measurements")
    characteristic = models.ForeignKey(Characteristic, on_delete=models.PROTECT, related_name="measurements")
    value = models.DecimalField(**MEASURE, null=True, blank=True, help_text=_("Measured value; empty for pass / fail."))
    passed = models.BooleanField()
    measured_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["inspection", "characteristic__position"]
        constraints = [models.UniqueConstraint(fields=["inspection", "characteristic"], name="mes_measurement_unique")]
        indexes = [models.Index(fields=["characteristic", "measured_at"], name="mes_measurement_char_idx")]

    def __str__(self) -> str:
        return f"{self.characteristic}: {self.value if self.value is not None else self.passed}"


class Nonconformance(TaktModel):
    """Something out of specification: raised by a failed inspection (automatically) or by hand; it holds
    the lot until a disposition decides what happens to it."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="nonconformances")
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="nonconformances")
    operation = models.ForeignKey(
        "erp.ProductionOperation", null=True, blank=True, on_delete=models.PROTECT, related_name="nonconformances"
    )
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="nonconformances"
    )
    supplier = models.ForeignKey(
        "core.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="nonconformances"
    )
    quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    description = models.TextField()
    state = models.CharField(max_length=16, choices=NonconformanceState.choices, default=NonconformanceState.OPEN)
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True)
    disposition_note = models.TextField(blank=True)
    rework_operation = models.ForeignKey(
        "erp.ProductionOperation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField()
    dispositioned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} {self.item.code}"


class CorrectiveAction(TaktModel):
    nonconformance = models.ForeignKey(Nonconformance, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["nonconformance", "due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.nonconformance.number}: {self.description[:60]}"

    def get_absolute_url(self) -> str:
        return self.nonconformance.get_absolute_url()
