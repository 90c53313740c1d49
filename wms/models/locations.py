from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from wms.choices import VIRTUAL_KINDS, LocationKind


class Warehouse(TaktModel):
    code = code_field(16)
    name = models.CharField(max_length=200)
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="warehouses")
    stock_location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The storage area (a zone or a bin) put-away falls back on when no rule names one."),
    )
    receiving_location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where receipts land before put-away."),
    )
    quality_location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where receipts of items that need inspection wait (a quality-hold location)."),
    )
    output_location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where picked stock is packed and shipped from."),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(TaktModel):
    """A place stock can be: a zone or aisle (view), a bin (internal), or a virtual source/sink."""

    code = code_field(64, help_text=_("Unique, e.g. MAIN/STOCK/A-01-02; also what its barcode encodes."))
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=LocationKind.choices, default=LocationKind.INTERNAL)
    warehouse = models.ForeignKey(
        Warehouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="locations",
        help_text=_("Empty for the virtual locations shared by all warehouses."),
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    pick_sequence = models.PositiveIntegerField(default=0, help_text=_("Pick paths visit bins in this order."))
    capacity_qty = models.DecimalField(
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Most units the bin holds; empty: no limit."),
    )
    capacity_kg = models.DecimalField(
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Most weight the bin holds; empty: no limit."),
    )
    quality_hold = models.BooleanField(
        default=False, help_text=_("Stock here waits for inspection: on hand, but not available.")
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(warehouse__isnull=False) | Q(kind__in=[*VIRTUAL_KINDS, LocationKind.VIEW]),
                name="location_internal_in_warehouse",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def holds_stock(self) -> bool:
        return self.kind == LocationKind.INTERNAL
