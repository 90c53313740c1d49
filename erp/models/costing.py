from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from erp.choices import CostVersionState
from erp.models.sales import QUANTITY


class CostVersion(TaktModel):
    """A standard-cost roll-up at a date; activating it makes its costs the items' standard costs."""

    code = code_field()
    name = models.CharField(max_length=200)
    as_of = models.DateField(help_text=_("BOM and routing revisions effective on this day are rolled up."))
    state = models.CharField(max_length=16, choices=CostVersionState.choices, default=CostVersionState.DRAFT)
    rolled_up_at = models.DateTimeField(null=True, blank=True, editable=False)
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-as_of", "-code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ItemCost(models.Model):
    """One item's unit cost in a cost version, split into material, labor and machine overhead."""

    version = models.ForeignKey(CostVersion, on_delete=models.CASCADE, related_name="item_costs")
    item = models.ForeignKey("core.Item", on_delete=models.PROTECT, related_name="item_costs")
    material = models.DecimalField(**QUANTITY, default=Decimal("0"))
    labor = models.DecimalField(**QUANTITY, default=Decimal("0"))
    machine = models.DecimalField(**QUANTITY, default=Decimal("0"))
    total = models.DecimalField(**QUANTITY, default=Decimal("0"))
    level = models.PositiveIntegerField(default=0, help_text=_("Low-level code: 0 for end items."))
    detail = models.JSONField(default=list, blank=True, help_text=_("Contributions per component and operation."))

    class Meta:
        ordering = ["version", "item__code"]
        constraints = [models.UniqueConstraint(fields=["version", "item"], name="item_cost_unique_per_version")]

    def __str__(self) -> str:
        return f"{self.item.code} @ {self.version.code}"

    def get_absolute_url(self) -> str:
        return reverse("erp:itemcost_detail", args=[self.pk])
