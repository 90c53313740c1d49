from django.db import models
from django.urls import reverse


class TaktModel(models.Model):
    """Timestamps and a detail URL named `<app>:<model>_detail`, shared by every business model."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return reverse(f"{self._meta.app_label}:{self._meta.model_name}_detail", args=[self.pk])


def code_field(max_length: int = 32, **kwargs) -> models.CharField:
    """The business key of a master-data record, as plants type it and import it."""
    return models.CharField(max_length=max_length, unique=True, **kwargs)
