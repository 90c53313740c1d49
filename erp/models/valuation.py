from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from erp.choices import ValuationMethod
from erp.models.finance import MONEY

QUANTITY = {"max_digits": 18, "decimal_places": 6}


class ItemValuation(models.Model):
    """Running quantity and value of an item's valued stock; locked while a move is valued."""

    item = models.OneToOneField("core.Item", on_delete=models.PROTECT, related_name="valuation")
    method = models.CharField(max_length=16, choices=ValuationMethod.choices)
    quantity = models.DecimalField(**QUANTITY, default=Decimal("0"))
    value = models.DecimalField(**MONEY, default=Decimal("0"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="item_valuation_quantity_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.quantity} worth {self.value}"

    @property
    def unit_cost(self) -> Decimal:
        return self.value / self.quantity if self.quantity else Decimal("0")


class ValuationLayer(models.Model):
    """The value a stock move added to or took from inventory; incoming layers are FIFO's cost layers."""

    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="valuation_layers")
    # Revaluations have no move. WMS never deletes moves; should one be deleted anyway (a test resetting
    # the ledger), the value it booked stays in the books, so its layer stays too.
    move = models.ForeignKey(
        "wms.StockMove", null=True, blank=True, on_delete=models.SET_NULL, related_name="valuation_layers"
    )
    date = models.DateTimeField(db_index=True)
    quantity = models.DecimalField(**QUANTITY, help_text=_("Positive in, negative out; zero for a revaluation."))
    unit_cost = models.DecimalField(**QUANTITY)
    value = models.DecimalField(**MONEY)
    remaining_qty = models.DecimalField(
        **QUANTITY, default=Decimal("0"), help_text=_("For incoming layers: what FIFO has not consumed yet.")
    )
    remaining_value = models.DecimalField(**MONEY, default=Decimal("0"))
    description = models.CharField(max_length=255, blank=True)
    journal_entry = models.ForeignKey(
        "erp.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="valuation_layers"
    )

    class Meta:
        ordering = ["item", "date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(remaining_qty__gte=0), name="layer_remaining_not_negative"),
        ]
        indexes = [
            models.Index(fields=["item", "date", "id"], condition=Q(remaining_qty__gt=0), name="layer_open_fifo_idx")
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.quantity} @ {self.unit_cost} = {self.value}"
