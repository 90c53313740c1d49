from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel
from erp.choices import PurchaseOrderState
from erp.models.sales import PRICE, QUANTITY


class PurchaseOrder(TaktModel):
    number = models.CharField(max_length=32, unique=True, editable=False)
    supplier = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="purchase_orders")
    supplier_reference = models.CharField(max_length=100, blank=True, help_text=_("The supplier's confirmation."))
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    exchange_rate = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        default=Decimal("1"),
        help_text=_("Company currency per unit of the order currency, at the order date."),
    )
    order_date = models.DateField()
    expected_date = models.DateField(help_text=_("When the goods are due; lines may say otherwise."))
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=PurchaseOrderState.choices, default=PurchaseOrderState.DRAFT)
    receipt = models.OneToOneField(
        "wms.Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="purchase_order"
    )
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    notes = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="purchase_order_rate_positive")]

    def __str__(self) -> str:
        return f"{self.number} {self.supplier.code}"


class PurchaseOrderLine(TaktModel):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="purchase_order_lines")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**PRICE, help_text=_("In the order currency."))
    tax_rate = models.ForeignKey("erp.TaxRate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expected_date = models.DateField(null=True, blank=True, help_text=_("The order's date when empty."))
    received_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))
    billed_qty = models.DecimalField(**QUANTITY, default=Decimal("0"))

    class Meta:
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="purchase_line_position_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchase_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="purchase_line_price_not_negative"),
            models.CheckConstraint(condition=Q(received_qty__gte=0), name="purchase_line_received_not_negative"),
            models.CheckConstraint(condition=Q(billed_qty__gte=0), name="purchase_line_billed_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}/{self.position} {self.item.code}"

    def get_absolute_url(self) -> str:
        return self.order.get_absolute_url()

    @property
    def reference(self) -> str:
        """How WMS receipt lines name this line (their `order_line_ref`)."""
        return f"{self.order.number}/{self.position}"
