"""Contracts (blanket orders): a total quantity per item agreed with a supplier at a fixed price for a
period, bought by call-offs, each an ERP purchase order for part of what remains.

States: draft > active (call-offs may be made while today is within its validity) > closed; an active
contract past its end is expired. A cancelled call-off's purchase order gives its quantity back.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel

QUANTITY = {"max_digits": 18, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}


class ContractState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    CLOSED = "closed", _("Closed")


class Contract(TaktModel):
    number = models.CharField(max_length=32, unique=True, editable=False)
    supplier = models.ForeignKey("core.Partner", on_delete=models.PROTECT, related_name="supply_contracts")
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField()
    state = models.CharField(max_length=16, choices=ContractState.choices, default=ContractState.DRAFT)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    terms = models.TextField(blank=True, help_text=_("What else was agreed: delivery, packing, payment."))

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="contract_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.supplier.code}"


class ContractLine(TaktModel):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="contract_lines")
    quantity = models.DecimalField(**QUANTITY, help_text=_("The total agreed over the contract's period."))
    unit_price = models.DecimalField(**PRICE, help_text=_("In the contract's currency."))
    called_off_qty = models.DecimalField(**QUANTITY, default=Decimal("0"), editable=False)

    class Meta:
        ordering = ["contract", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "item"], name="contract_line_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="contract_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="contract_line_price_not_negative"),
            models.CheckConstraint(condition=Q(called_off_qty__gte=0), name="contract_line_called_off_not_negative"),
            # The last guard of select_for_update's: however call-offs race, never more than agreed.
            models.CheckConstraint(
                condition=Q(called_off_qty__lte=F("quantity")), name="contract_line_called_off_within_agreed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.item.code}"

    def get_absolute_url(self) -> str:
        return self.contract.get_absolute_url()

    @property
    def remaining_qty(self) -> Decimal:
        return self.quantity - self.called_off_qty


class CallOff(TaktModel):
    """A release against a contract: one ERP purchase order for some of its remaining quantities."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="call_offs")
    purchase_order = models.OneToOneField("erp.PurchaseOrder", on_delete=models.PROTECT, related_name="call_off")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("Its order was cancelled: the quantities went back.")
    )

    class Meta:
        ordering = ["contract", "-created_at"]
        verbose_name = _("call-off")

    def __str__(self) -> str:
        return f"{self.contract.number} {self.purchase_order.number}"

    def get_absolute_url(self) -> str:
        return self.contract.get_absolute_url()


class CallOffLine(TaktModel):
    call_off = models.ForeignKey(CallOff, on_delete=models.CASCADE, related_name="lines")
    contract_line = models.ForeignKey(ContractLine, on_delete=models.PROTECT, related_name="call_off_lines")
    quantity = models.DecimalField(**QUANTITY)
    # Null once the line is taken off its draft order in ERP; what was called off stays called off (cancelling
    # the order is what gives quantities back).
    po_line = models.OneToOneField(
        "erp.PurchaseOrderLine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_off_line",
        verbose_name=_("PO line"),
    )

    class Meta:
        ordering = ["call_off", "po_line__position"]
        verbose_name = _("call-off line")
        constraints = [
            models.UniqueConstraint(fields=["call_off", "contract_line"], name="call_off_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="call_off_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.call_off} {self.contract_line.item.code}"

    def get_absolute_url(self) -> str:
        return self.call_off.get_absolute_url()
