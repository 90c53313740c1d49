from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import PartnerKind

from .base import TaktModel, code_field


class Partner(TaktModel):
    """A customer, a supplier, or both. CRM and SRM add their own records around it."""

    code = code_field()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=PartnerKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The group or head office this partner belongs to."),
    )
    currency = models.ForeignKey("core.Currency", null=True, blank=True, on_delete=models.PROTECT)
    lead_time_days = models.PositiveIntegerField(
        default=0, help_text=_("For suppliers: the default lead time of items bought from them.")
    )
    payment_terms_days = models.PositiveIntegerField(default=30)
    credit_limit = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    vat_number = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166 alpha-2 code."))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_customer(self) -> bool:
        return self.kind in (PartnerKind.CUSTOMER, PartnerKind.BOTH)

    @property
    def is_supplier(self) -> bool:
        return self.kind in (PartnerKind.SUPPLIER, PartnerKind.BOTH)
