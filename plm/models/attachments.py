from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel


def validate_attachment(upload) -> None:
    """Size and type limits: engineering documents only, never anything a browser would run."""
    limit = settings.TAKT_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; attachments may be at most %(limit)s MB."),
            code="file_too_large",
            params={"size": round(upload.size / 1e6, 1), "limit": round(limit / 1e6, 1)},
        )
    suffix = Path(upload.name).suffix.lower().lstrip(".")
    if suffix not in settings.TAKT_ATTACHMENT_TYPES:
        raise ValidationError(
            _("Files of type .%(suffix)s cannot be attached. Allowed: %(allowed)s."),
            code="file_type_not_allowed",
            params={"suffix": suffix or "(none)", "allowed": ", ".join(sorted(settings.TAKT_ATTACHMENT_TYPES))},
        )


class Attachment(TaktModel):
    """A drawing, specification or instruction attached to an item, a revision, an operation or an ECO."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=500, validators=[validate_attachment])
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(editable=False)
    description = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_target_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plm:attachment_detail", args=[self.pk])

    def get_download_url(self) -> str:
        return reverse("plm:attachment_download", args=[self.pk])


def attachment_targets() -> dict[str, type[models.Model]]:
    """What attachments can hang on, by the name the API and filters use."""
    from django.apps import apps

    return {
        name: apps.get_model(label)
        for name, label in (
            ("item", "core.Item"),
            ("bomrevision", "plm.BomRevision"),
            ("routingrevision", "plm.RoutingRevision"),
            ("routingoperation", "plm.RoutingOperation"),
            ("engineeringchangeorder", "plm.EngineeringChangeOrder"),
        )
    }
