from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TaktModel, code_field


class UnitConversionError(ValidationError):
    """Raised when a quantity is converted between units of different categories."""


class UnitCategory(TaktModel):
    """Units convert within a category (mass, length...), never across."""

    code = code_field()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "unit categories"

    def __str__(self) -> str:
        return self.name


class Unit(TaktModel):
    code = code_field(16)
    name = models.CharField(max_length=100)
    category = models.ForeignKey(UnitCategory, on_delete=models.PROTECT, related_name="units")
    factor = models.DecimalField(
        max_digits=24,
        decimal_places=12,
        help_text=_("How many of the category's reference unit one of this unit is (kg: 1, g: 0.001)."),
    )
    decimals = models.PositiveSmallIntegerField(
        default=3, help_text=_("Decimal places a quantity in this unit keeps; 0 for discrete units.")
    )

    class Meta:
        ordering = ["category__code", "factor"]
        constraints = [models.CheckConstraint(condition=models.Q(factor__gt=0), name="unit_factor_positive")]

    def __str__(self) -> str:
        return self.code

    @property
    def is_discrete(self) -> bool:
        return self.decimals == 0

    def ratio_to(self, to_unit: "Unit") -> Decimal:
        """How many `to_unit` one of this unit is, unrounded: for computations that round at the end."""
        if self.pk == to_unit.pk:
            return Decimal(1)
        if self.category_id != to_unit.category_id:
            raise UnitConversionError(
                _("Cannot convert %(from)s (%(from_cat)s) to %(to)s (%(to_cat)s): different unit categories."),
                code="unit_category_mismatch",
                params={
                    "from": self.code,
                    "from_cat": self.category.name,
                    "to": to_unit.code,
                    "to_cat": to_unit.category.name,
                },
            )
        return self.factor / to_unit.factor

    def convert(self, quantity: Decimal, to_unit: "Unit") -> Decimal:
        """Convert a quantity in this unit into `to_unit`, rounded to the target unit's decimals."""
        if self.pk == to_unit.pk:
            return quantity
        converted = Decimal(quantity) * self.ratio_to(to_unit)
        return converted.quantize(Decimal(1).scaleb(-to_unit.decimals))
