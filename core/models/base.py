from decimal import Decimal

from django.db import models
from django.urls import reverse
from django.utils import timezone


class TaktModel(models.Model):
    """Timestamps and a detail URL named `<app>:<model>_detail`, shared by every business model."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Hold decimals at their column's scale, as the database will: the audit trail then sees
        # 85 and 85.0000 as the same value, and the instance matches what a reload returns.
        for field in self._meta.concrete_fields:
            if isinstance(field, models.DecimalField):
                value = getattr(self, field.attname)
                if value is not None:
                    setattr(self, field.attname, Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(f"{self._meta.app_label}:{self._meta.model_name}_detail", args=[self.pk])

    def touch(self) -> None:
        """Record that the record changed though none of its own fields did (a line of the document did), so
        its API ETag (core/api/concurrency.py) moves: one UPDATE of `updated_at`, no save() and no signals."""
        self.updated_at = timezone.now()
        type(self)._base_manager.filter(pk=self.pk).update(updated_at=self.updated_at)


def code_field(max_length: int = 32, **kwargs) -> models.CharField:
    """The business key of a master-data record, as plants type it and import it."""
    return models.CharField(max_length=max_length, unique=True, **kwargs)
