from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel


class PickState(models.TextChoices):
    OPEN = "open", _("Open")
    PICKED = "picked", _("Picked")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")


class Wave(TaktModel):
    """Pick lists released together, walked in one pick path."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="waves")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return self.number


class PickList(TaktModel):
    number = models.CharField(max_length=32, unique=True, editable=False)
    request = models.ForeignKey("wms.StockRequest", on_delete=models.PROTECT, related_name="pick_lists")
    wave = models.ForeignKey(Wave, null=True, blank=True, on_delete=models.SET_NULL, related_name="pick_lists")
    state = models.CharField(max_length=16, choices=PickState.choices, default=PickState.OPEN)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.request.number})"


class PickLine(TaktModel):
    """Take a reserved quantity from one bin to the output location."""

    pick_list = models.ForeignKey(PickList, on_delete=models.CASCADE, related_name="lines")
    request_line = models.ForeignKey("wms.StockRequestLine", on_delete=models.PROTECT, related_name="pick_lines")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    picked_qty = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    short_qty = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    short_reason = models.CharField(max_length=200, blank=True)
    picked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["from_location__pick_sequence", "from_location__code", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pick_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(picked_qty__gte=0) & Q(short_qty__gte=0), name="pick_line_progress_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.item.code} from {self.from_location.code}"

    @property
    def open_qty(self):
        return self.quantity - self.picked_qty - self.short_qty


class Shipment(TaktModel):
    """What leaves for a customer: its packages, its delivery note number and the carrier's tracking."""

    number = models.CharField(max_length=32, unique=True, editable=False, verbose_name=_("delivery note"))
    request = models.ForeignKey("wms.StockRequest", on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return self.number


class Package(TaktModel):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="packages")
    code = models.CharField(max_length=64)
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    contents = models.TextField(blank=True, help_text=_("What is in it, as packed."))

    class Meta:
        ordering = ["shipment", "code"]
        constraints = [models.UniqueConstraint(fields=["shipment", "code"], name="package_code_unique")]

    def __str__(self) -> str:
        return f"{self.shipment.number}/{self.code}"
