from decimal import Decimal

from django.db import models

from mes.models.execution import QUANTITY


class LotLink(models.Model):
    """A produced lot (or serial) was made from a consumed lot, on a production order: the edges the
    backward and forward traces walk. Written with the produce and consume events that make them."""

    id = models.BigAutoField(primary_key=True)
    produced_lot = models.ForeignKey("wms.Lot", on_delete=models.PROTECT, related_name="made_from")
    consumed_lot = models.ForeignKey("wms.Lot", on_delete=models.PROTECT, related_name="used_in")
    order = models.ForeignKey("erp.ProductionOrder", on_delete=models.PROTECT, related_name="lot_links")
    consumed_qty = models.DecimalField(**QUANTITY, default=Decimal("0"), help_text="Of the consumed lot, on the order.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["produced_lot", "consumed_lot", "order"], name="mes_lot_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(produced_lot=models.F("consumed_lot")), name="mes_lot_link_not_self"
            ),
        ]
        indexes = [models.Index(fields=["consumed_lot"], name="mes_lot_link_consumed_idx")]

    def __str__(self) -> str:
        return f"{self.produced_lot} ← {self.consumed_lot}"
