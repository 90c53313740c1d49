from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel
from erp.choices import ValuationMethod

PERCENT = [MinValueValidator(Decimal("0"))]


class ErpSettings(TaktModel):
    """The company's ERP rules; one row (pk 1), made on first use."""

    over_receipt_tolerance_pct = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("5"),
        validators=PERCENT,
        help_text=_("How much more than ordered may be received on a purchase order line."),
    )
    invoice_price_tolerance_pct = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("2"),
        validators=PERCENT,
        help_text=_("How far a supplier's invoiced price may differ from the order price."),
    )
    invoice_quantity_tolerance_pct = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=PERCENT,
        help_text=_("How much more than received may be billed."),
    )
    default_valuation_method = models.CharField(
        max_length=16,
        choices=ValuationMethod.choices,
        default=ValuationMethod.AVERAGE,
        help_text=_("For items whose category (and its parents) name no method."),
    )

    class Meta:
        verbose_name = verbose_name_plural = "ERP settings"

    def __str__(self) -> str:
        return str(_("ERP settings"))

    @classmethod
    def load(cls) -> "ErpSettings":
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings


class ValuationPolicy(TaktModel):
    """How the stock of an item category is valued."""

    category = models.OneToOneField("core.ItemCategory", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=16, choices=ValuationMethod.choices)

    class Meta:
        verbose_name_plural = "valuation policies"
        ordering = ["category__code"]

    def __str__(self) -> str:
        return f"{self.category}: {self.get_method_display()}"


class WorkCenterRate(TaktModel):
    """What an hour on a work center costs: labor (its crew) and machine overhead."""

    work_center = models.OneToOneField("core.WorkCenter", on_delete=models.CASCADE, related_name="erp_rate")
    labor_rate_per_hour = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal("0"), validators=PERCENT)
    machine_rate_per_hour = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        default=Decimal("0"),
        validators=PERCENT,
        help_text=_("Machine overhead; the work center's own cost per hour when none is set here."),
    )
    crew_size = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Operators per running machine: labor minutes = machine minutes x crew size."),
    )

    class Meta:
        ordering = ["work_center__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(labor_rate_per_hour__gte=0) & Q(machine_rate_per_hour__gte=0), name="wc_rate_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_center.code}: labor {self.labor_rate_per_hour}/h, machine {self.machine_rate_per_hour}/h"
