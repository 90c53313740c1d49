import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TaktModel, code_field


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Company(TaktModel):
    code = code_field()
    name = models.CharField(max_length=200)
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, help_text=_("The currency the books are kept in.")
    )
    vat_number = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Site(TaktModel):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="sites")
    code = code_field()
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    address = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
