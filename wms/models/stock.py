from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.formatting import trim_decimal
from core.models.base import TaktModel
from wms.choices import MoveKind, RemovalStrategy


class StockPolicy(TaktModel):
    """How an item (or every item of a category) is stocked: removal strategy, inspection, ABC class."""

    item = models.OneToOneField("core.Item", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.OneToOneField(
        "core.ItemCategory", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    removal_strategy = models.CharField(max_length=16, choices=RemovalStrategy.choices, default=RemovalStrategy.FIFO)
    requires_inspection = models.BooleanField(default=False, help_text=_("Receipts go to quality hold first."))
    abc_class = models.CharField(max_length=1, blank=True, choices=[("A", "A"), ("B", "B"), ("C", "C")])

    class Meta:
        verbose_name_plural = "stock policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=True) ^ Q(category__isnull=True), name="stock_policy_item_xor_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item or self.category}: {self.get_removal_strategy_display()}"


class Lot(TaktModel):
    """A lot, or for serial-tracked items one serial number (its quants hold at most 1)."""

    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(max_length=64)
    expiry_date = models.DateField(null=True, blank=True)
    supplier_lot = models.CharField(max_length=64, blank=True)
    on_hold = models.BooleanField(
        default=False, help_text=_("Held by quality: it cannot be reserved, picked, shipped or consumed.")
    )
    hold_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["item__code", "code"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="lot_code_unique_per_item")]

    def __str__(self) -> str:
        return f"{self.item.code} {self.code}"


class Quant(models.Model):
    """On hand of an item (and lot) in one internal location: always the sum of its moves."""

    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="quants")
    location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="quants")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="quants")
    quantity = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    reserved = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    in_date = models.DateTimeField(default=timezone.now, help_text=_("First arrival here: the FIFO order."))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "location", "lot"], nulls_distinct=False, name="quant_unique_item_location_lot"
            ),
            # The ledger's promise, kept by the database as well as by the services.
            models.CheckConstraint(condition=Q(quantity__gte=0), name="quant_never_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("quantity")), name="quant_reserved_within_quantity"
            ),
        ]
        indexes = [models.Index(fields=["item", "location"], name="quant_item_location_idx")]

    def __str__(self) -> str:
        lot = f" lot {self.lot.code}" if self.lot_id else ""
        return f"{trim_decimal(self.quantity, 0)} {self.item.code} @ {self.location.code}{lot}"

    @property
    def available(self):
        return self.quantity - self.reserved


class StockMove(models.Model):
    """The ledger: one quantity of an item (and lot) from one location to another. Never edited."""

    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="stock_moves")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="moves")
    quantity = models.DecimalField(max_digits=18, decimal_places=6, help_text=_("In the item's unit."))
    from_location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="moves_out")
    to_location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="moves_in")
    kind = models.CharField(max_length=16, choices=MoveKind.choices)
    unit_cost = models.DecimalField(
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Cost per unit carried by the move (receipts, adjustments); ERP values it."),
    )
    reference = models.CharField(max_length=100, blank=True, help_text=_("The source document, e.g. PO-2026-00012."))
    note = models.CharField(max_length=255, blank=True)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    moved_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-moved_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="move_quantity_positive"),
            models.CheckConstraint(condition=~Q(from_location=F("to_location")), name="move_between_two_locations"),
        ]
        indexes = [
            models.Index(fields=["item", "moved_at"], name="move_item_time_idx"),
            models.Index(fields=["from_location", "item"], name="move_from_idx"),
            models.Index(fields=["to_location", "item"], name="move_to_idx"),
            models.Index(fields=["reference"], name="move_reference_idx"),
        ]

    def __str__(self) -> str:
        return f"{trim_decimal(self.quantity, 0)} {self.item.code}: {self.from_location.code} → {self.to_location.code}"
