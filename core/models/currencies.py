from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TaktModel


class Currency(TaktModel):
    code = models.CharField(max_length=3, unique=True, help_text=_("ISO 4217 code, e.g. EUR."))
    name = models.CharField(max_length=100)
    symbol = models.CharField(max_length=8, blank=True)
    decimals = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"

    def __str__(self) -> str:
        return self.code


class ExchangeRate(TaktModel):
    """One unit of `currency` is worth `rate` units of the company currency from `valid_from` on."""

    currency = models.ForeignKey(Currency, on_delete=models.CASCADE, related_name="rates")
    valid_from = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8)

    class Meta:
        ordering = ["currency__code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="exchange_rate_unique_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} @ {self.valid_from}"
