"""The stored answers of API writes sent with an Idempotency-Key (core.api.idempotency): their lifetime."""

import datetime
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.models import IdempotencyRecord


def idempotency_expiry_cutoff() -> datetime.datetime:
    """Records created before this have expired: their key may be used again, and the purge removes them."""
    return timezone.now() - timedelta(hours=settings.TAKT_IDEMPOTENCY_TTL_HOURS)


def idempotency_records_purge() -> int:
    """Delete the expired records; the number deleted."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=idempotency_expiry_cutoff()).delete()
    return deleted
