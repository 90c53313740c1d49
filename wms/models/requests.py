from django.db import models
from django.db.models import Q

from core.models.base import TaktModel
from wms.choices import RequestKind, RequestState


class StockRequest(TaktModel):
    """Stock asked of the warehouse: a sales shipment or a production material request."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    reference = models.CharField(max_length=100, blank=True, help_text="The source document, e.g. SO-2026-00012.")
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="requests")
    destination = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey("core.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    needed_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=RequestState.choices, default=RequestState.OPEN)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} {self.reference}".strip()


class StockRequestLine(TaktModel):
    request = models.ForeignKey(StockRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    delivered = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["request", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="request_line_quantity_positive"),
            models.CheckConstraint(condition=Q(delivered__gte=0), name="request_line_delivered_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.request.number}: {self.quantity} {self.item.code}"


class Reservation(TaktModel):
    """A quantity of one quant held for one request line; released when picked or cancelled."""

    line = models.ForeignKey(StockRequestLine, on_delete=models.CASCADE, related_name="reservations")
    quant = models.ForeignKey("wms.Quant", on_delete=models.PROTECT, related_name="reservations")
    quantity = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        ordering = ["line", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.quant} for {self.line}"
