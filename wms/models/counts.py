from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel


class CountState(models.TextChoices):
    OPEN = "open", _("Counting")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class CycleCount(TaktModel):
    """A count of some bins (a zone, an aisle) or of some items (an ABC class), posted as adjustments."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="cycle_counts")
    location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Count every bin under this location."),
    )
    abc_class = models.CharField(max_length=1, blank=True, help_text=_("Or count every item of this ABC class."))
    tolerance_pct = models.DecimalField(
        max_digits=5, decimal_places=2, help_text=_("Differences above this need approval before posting.")
    )
    state = models.CharField(max_length=16, choices=CountState.choices, default=CountState.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        permissions = [("approve_cyclecount", "Can approve count differences above the tolerance")]

    def __str__(self) -> str:
        return self.number


class CycleCountLine(TaktModel):
    count = models.ForeignKey(CycleCount, on_delete=models.CASCADE, related_name="lines")
    location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expected_qty = models.DecimalField(max_digits=18, decimal_places=6, help_text=_("On hand when the count was made."))
    counted_qty = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["count", "location__pick_sequence", "location__code", "item__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["count", "location", "item", "lot"], nulls_distinct=False, name="count_line_unique"
            ),
            models.CheckConstraint(condition=Q(counted_qty__gte=0), name="count_line_counted_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.count.number}: {self.item.code} @ {self.location.code}"

    @property
    def difference(self):
        return None if self.counted_qty is None else self.counted_qty - self.expected_qty


class ReplenishmentRule(TaktModel):
    """Keep a pick face between a minimum and a maximum of one item, refilled from the other bins."""

    location = models.ForeignKey("wms.Location", on_delete=models.CASCADE, related_name="replenishment_rules")
    item = models.ForeignKey("core.Item", on_delete=models.CASCADE, related_name="+")
    min_qty = models.DecimalField(max_digits=18, decimal_places=6)
    max_qty = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        ordering = ["location__code", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["location", "item"], name="replenishment_rule_unique"),
            models.CheckConstraint(
                condition=Q(min_qty__gte=0) & Q(max_qty__gt=models.F("min_qty")), name="replenishment_min_below_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} @ {self.location.code}: {self.min_qty} to {self.max_qty}"
