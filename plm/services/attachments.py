from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from plm.models import Attachment


def attachment_add(*, target: models.Model, upload: UploadedFile, user: Any, description: str = "") -> Attachment:
    """Attach a file to a record; size and type are checked before anything is stored."""
    with transaction.atomic():
        attachment = Attachment(
            target=target,
            file=upload,
            name=Path(upload.name).name[:255],
            size=upload.size,
            description=description,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        attachment.full_clean()
        attachment.save()
        return attachment


def attachment_remove(*, attachment: Attachment) -> None:
    storage, name = attachment.file.storage, attachment.file.name
    with transaction.atomic():
        attachment.delete()
        # The file goes once the row is gone for good; a rolled-back delete keeps it.
        transaction.on_commit(lambda: storage.delete(name))
