from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel


class ReceiptState(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    RECEIVING = "receiving", _("Receiving")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Receipt(TaktModel):
    """Goods expected from a supplier: from a purchase order, or an advance shipping notice (ASN)."""

    number = models.CharField(max_length=32, unique=True, editable=False)
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="receipts")
    supplier = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=100, blank=True, help_text=_("The purchase order, e.g. PO-2026-00012."))
    asn_number = models.CharField(max_length=100, blank=True, verbose_name=_("supplier's ASN number"))
    expected_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=ReceiptState.choices, default=ReceiptState.EXPECTED)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} {self.reference}".strip()


class ReceiptLine(TaktModel):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    expected_qty = models.DecimalField(max_digits=18, decimal_places=6)
    received_qty = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    lot_code = models.CharField(max_length=64, blank=True, help_text=_("The lot the supplier announced, if any."))
    expiry_date = models.DateField(null=True, blank=True)
    unit_cost = models.DecimalField(
        max_digits=18, decimal_places=6, null=True, blank=True, help_text=_("The order price, carried on the move.")
    )
    order_line_ref = models.CharField(max_length=100, blank=True, help_text=_("The purchase order line it fills."))
    asn_number = models.CharField(
        max_length=100,
        blank=True,
        verbose_name=_("supplier's ASN number"),
        help_text=_("The shipping notice that announced these goods; empty for goods ordered but not announced yet."),
    )

    class Meta:
        ordering = ["receipt", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expected_qty__gt=0), name="receipt_line_expected_positive"),
            models.CheckConstraint(condition=Q(received_qty__gte=0), name="receipt_line_received_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt.number}: {self.expected_qty} {self.item.code}"

    @property
    def outstanding(self):
        return max(self.expected_qty - self.received_qty, 0)


class PutawayRule(TaktModel):
    """Where received stock of an item (or of a category) goes: a zone, whose bins are filled fullest first."""

    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.CASCADE, related_name="putaway_rules")
    item = models.ForeignKey("core.Item", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("core.ItemCategory", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    zone = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["warehouse", "item", "category"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=True) | Q(category__isnull=True), name="putaway_rule_item_or_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item or self.category or _('anything')} → {self.zone}"


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskPurpose(models.TextChoices):
    PUTAWAY = "putaway", _("Put-away")
    REPLENISHMENT = "replenishment", _("Replenishment")


class StockTask(TaktModel):
    """Take stock from one location to another (receiving to a bin, bulk to a pick face); done by a scan."""

    purpose = models.CharField(max_length=16, choices=TaskPurpose.choices, default=TaskPurpose.PUTAWAY)
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="tasks")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey("wms.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    from_location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when no bin had room: the operator chooses one."),
    )
    state = models.CharField(max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    receipt = models.ForeignKey(Receipt, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    move = models.ForeignKey("wms.StockMove", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["state", "to_location__pick_sequence", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_task_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} {self.item.code}: {self.from_location} → {self.to_location or '?'}"
