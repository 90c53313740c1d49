from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel

# The first bytes of a file of these types: a file named as one that does not start so is refused.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
# The start of a page or an image a browser would render and run scripts in, whatever the file is named.
PAGE_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<iframe", b"<?xml")


def _head(upload, size: int = 512) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def validate_attachment(upload) -> None:
    """Size and type limits: engineering documents only, never anything a browser would run. The type is
    the name's suffix, and the content must agree with it (an HTML page renamed .pdf is refused)."""
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
    head = _head(upload)
    signatures = SIGNATURES.get(suffix)
    page = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(PAGE_MARKUP)
    if page or (signatures is not None and not head.startswith(signatures)):
        raise ValidationError(
            _("The content of the file does not match its type .%(suffix)s."),
            code="file_content_mismatch",
            params={"suffix": suffix},
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
