import datetime

from celery import shared_task
from django.utils import timezone

from plm.services.changes import revisions_obsolete_expired


@shared_task(name="plm.tasks.obsolete_expired_revisions")
def obsolete_expired_revisions(today: str | None = None) -> int:
    """Daily: revisions replaced by a change dated in the past few hours become obsolete."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return revisions_obsolete_expired(today=day)
