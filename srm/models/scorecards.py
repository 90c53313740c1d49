"""Supplier scorecards: each supplier's delivery, quantity, quality and price figures for a month, the
score they add up to, and the rating the thresholds give it (ok, warn, block). How each figure is measured
is documented in srm.services.scorecards."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel

QUANTITY = {"max_digits": 18, "decimal_places": 6}
PERCENT = {"max_digits": 7, "decimal_places": 2, "null": True, "blank": True}


class ScorecardRating(models.TextChoices):
    OK = "ok", _("OK")
    WARN = "warn", _("Warning")
    BLOCK = "block", _("Blocked")


# Worst last: a scorecard's rating is the worst any threshold gives it.
RATING_ORDER = (ScorecardRating.OK, ScorecardRating.WARN, ScorecardRating.BLOCK)


class ScorecardMetric(models.TextChoices):
    """The figures of a scorecard a threshold can watch (each is a field of Scorecard)."""

    ON_TIME = "on_time_pct", _("On-time delivery %")
    QUANTITY_ACCURACY = "quantity_accuracy_pct", _("Quantity accuracy %")
    REJECT_RATE = "reject_rate_pct", _("Reject rate %")
    PRICE_VARIANCE = "price_variance_pct", _("Price variance %")
    SCORE = "score", _("Score")


class Scorecard(TaktModel):
    """One supplier's month. A figure is empty when there was nothing to measure it on (no deliveries due,
    nothing received, nothing invoiced); the score weighs the figures there are."""

    supplier = models.ForeignKey("core.Partner", on_delete=models.CASCADE, related_name="scorecards")
    period_start = models.DateField(help_text=_("The first day of the month."))
    period_end = models.DateField(help_text=_("The last day of the month."))
    deliveries = models.PositiveIntegerField(
        default=0, help_text=_("Purchase order lines due in the month whose due date (plus tolerance) has passed.")
    )
    on_time_deliveries = models.PositiveIntegerField(default=0)
    ordered_qty = models.DecimalField(**QUANTITY, default=0, help_text=_("Of the lines due in the month."))
    received_qty = models.DecimalField(**QUANTITY, default=0, help_text=_("Received on the lines due in the month."))
    receipts_qty = models.DecimalField(
        **QUANTITY, default=0, help_text=_("Everything received from the supplier in the month.")
    )
    rejected_qty = models.DecimalField(**QUANTITY, default=0, help_text=_("Of the supplier's goods, in the month."))
    on_time_pct = models.DecimalField(**PERCENT)
    quantity_accuracy_pct = models.DecimalField(**PERCENT)
    reject_rate_pct = models.DecimalField(**PERCENT)
    price_variance_pct = models.DecimalField(
        **PERCENT, help_text=_("Invoiced prices against the items' standard costs: above 0 is dearer.")
    )
    score = models.DecimalField(**PERCENT, help_text=_("0 to 100."))
    rating = models.CharField(max_length=8, choices=ScorecardRating.choices, default=ScorecardRating.OK)
    rating_reason = models.TextField(blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["supplier", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "period_start"], name="scorecard_one_per_supplier_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="scorecard_period_ordered"),
        ]
        indexes = [models.Index(fields=["supplier", "period_end"], name="scorecard_supplier_end_idx")]

    def __str__(self) -> str:
        return f"{self.supplier.code} {self.period_start:%Y-%m}"

    @property
    def period_label(self) -> str:
        return f"{self.period_start:%Y-%m}"


class ScorecardThreshold(TaktModel):
    """A limit on one figure: below `warn_below` (or above `warn_above`) the scorecard warns; beyond the
    block limits it blocks purchasing from the supplier until a later scorecard is back within them."""

    metric = models.CharField(max_length=32, choices=ScorecardMetric.choices)
    warn_below = models.DecimalField(**PERCENT)
    warn_above = models.DecimalField(**PERCENT)
    block_below = models.DecimalField(**PERCENT)
    block_above = models.DecimalField(**PERCENT)
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["metric", "pk"]

    def __str__(self) -> str:
        return str(self.get_metric_display())

    def get_absolute_url(self) -> str:
        return reverse("admin:srm_scorecardthreshold_change", args=[self.pk])

    def clean(self) -> None:
        limits = (self.warn_below, self.warn_above, self.block_below, self.block_above)
        if all(limit is None for limit in limits):
            raise ValidationError(_("Set at least one limit."), code="required")
        errors = {}
        if self.warn_below is not None and self.block_below is not None and self.block_below > self.warn_below:
            errors["block_below"] = ValidationError(
                _("Block below a value under the warning's: it is the worse case."), code="block_above_warn"
            )
        if self.warn_above is not None and self.block_above is not None and self.block_above < self.warn_above:
            errors["block_above"] = ValidationError(
                _("Block above a value over the warning's: it is the worse case."), code="block_below_warn"
            )
        if errors:
            raise ValidationError(errors)


class SupplierQualityEvent(TaktModel):
    """A quality problem with a supplier's goods reported from elsewhere (a nonconformance MES raised):
    its quantity counts against the supplier's reject rate in the month it occurred."""

    supplier = models.ForeignKey("core.Partner", on_delete=models.CASCADE, related_name="quality_events")
    occurred_at = models.DateTimeField()
    quantity = models.DecimalField(**QUANTITY, help_text=_("The quantity affected."))
    item = models.ForeignKey("core.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=100, help_text=_("Where it was reported, e.g. mes.nonconformance."))
    reference = models.CharField(max_length=100, help_text=_("The record there, e.g. NC-2026-00012."))
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="supplier_quality_event_once"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="supplier_quality_event_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.supplier.code})"

    def get_absolute_url(self) -> str:
        return reverse("srm:supplier_scorecards", args=[self.supplier_id])
