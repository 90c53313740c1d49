import datetime

from django.db import transaction
from django.utils import timezone

from core.models import NumberSequence


def next_document_number(*, doc_type: str, on: datetime.date | None = None) -> str:
    """Issue the next number of a document type in a year, e.g. `SO-2026-00042`.

    Gap-free: the counter row is locked and advanced in the caller's transaction, so a document
    whose transaction rolls back gives its number back. Call it inside the transaction that saves
    the document; concurrent callers of one type wait on the row lock, in order.
    """
    year = (on or timezone.localdate()).year
    with transaction.atomic():
        # Create the counter if this is the year's first document; a concurrent creator is ignored.
        NumberSequence.objects.bulk_create([NumberSequence(doc_type=doc_type, year=year)], ignore_conflicts=True)
        sequence = NumberSequence.objects.select_for_update().get(doc_type=doc_type, year=year)
        sequence.last_value += 1
        sequence.save(update_fields=["last_value"])
    return f"{doc_type}-{year}-{sequence.last_value:05d}"
