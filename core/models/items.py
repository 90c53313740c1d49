from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import LotPolicy, PartnerKind, Procurement, Tracking
from core.formatting import format_quantity

from .base import TaktModel, code_field

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ItemCategory(TaktModel):
    code = code_field()
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "item categories"

    def __str__(self) -> str:
        return self.name


class Item(TaktModel):
    """The material master: everything a plant buys, makes, stocks or sells."""

    code = code_field(64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    uom = models.ForeignKey("core.Unit", on_delete=models.PROTECT, verbose_name=_("unit of measure"))
    category = models.ForeignKey(ItemCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    procurement = models.CharField(max_length=8, choices=Procurement.choices, default=Procurement.BUY)
    tracking = models.CharField(max_length=8, choices=Tracking.choices, default=Tracking.NONE)
    lead_time_days = models.PositiveIntegerField(default=0)
    safety_stock = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal("0"), validators=NON_NEGATIVE)
    lot_policy = models.CharField(max_length=16, choices=LotPolicy.choices, default=LotPolicy.LOT_FOR_LOT)
    lot_qty = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True, validators=NON_NEGATIVE)
    min_qty = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True, validators=NON_NEGATIVE)
    multiple_qty = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True, validators=NON_NEGATIVE)
    standard_cost = models.DecimalField(
        max_digits=18,
        decimal_places=6,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
        help_text=_("Per unit of measure, in the company currency."),
    )
    default_supplier = models.ForeignKey(
        "core.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supplied_items",
        limit_choices_to={"kind__in": [PartnerKind.SUPPLIER, PartnerKind.BOTH]},
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def precision_error(self, quantity: Decimal, code: str = "precision") -> ValidationError | None:
        """A quantity with more decimals than the item's unit keeps (1.5 of an item counted in ea), or None.
        `code` names the error as the caller's API reports it."""
        if quantity == quantity.quantize(Decimal(1).scaleb(-self.uom.decimals)):
            return None
        message = _("%(item)s is counted in %(unit)s to %(places)s decimal places; %(qty)s is not.") % {
            "item": self.code,
            "unit": self.uom.code,
            "places": self.uom.decimals,
            "qty": format_quantity(quantity),
        }
        return ValidationError(message, code=code)

    def clean(self) -> None:
        errors = {}
        if self.lot_policy == LotPolicy.FIXED and not self.lot_qty:
            errors["lot_qty"] = _("A fixed lot policy needs a lot quantity greater than zero.")
        if self.lot_policy == LotPolicy.MIN_MULTIPLE and not self.multiple_qty:
            errors["multiple_qty"] = _("A minimum-and-multiple policy needs a multiple greater than zero.")
        if self.default_supplier_id and not self.default_supplier.is_supplier:
            errors["default_supplier"] = _("The default supplier must be a supplier.")
        if errors:
            raise ValidationError(errors)
