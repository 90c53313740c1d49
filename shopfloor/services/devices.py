"""Devices and tags as engineers set them up (screens, API, admin, import_data).

Their rules are the models' own (`clean()`: a register number that fits the data type, a node id, a state
map that parses, one tag per role and device). One rule belongs to the writes: a tag that reads another value
from now on (its address, data type or word order changed, or its device's protocol or Modbus unit) must not
compare that value with the last one read from the old place. Its counter is rebased: the next value read
is the new baseline and counts nothing, as a new tag's first value does.
"""

import datetime
import logging
from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone

from shopfloor.models import Device, Tag, TagCounter

logger = logging.getLogger(__name__)

# Fields that change which value is read: a different register, word, type or PLC behind a gateway.
TAG_READ_FIELDS = ("address", "data_type", "word_order")
DEVICE_READ_FIELDS = ("protocol", "unit_id")


def _stored(record: models.Model, fields: tuple[str, ...]) -> tuple | None:
    if record.pk is None:
        return None
    return type(record)._default_manager.filter(pk=record.pk).values_list(*fields).first()


def _reads_elsewhere(before: tuple | None, record: models.Model, fields: tuple[str, ...]) -> bool:
    return before is not None and before != tuple(getattr(record, field) for field in fields)


def counters_rebase(*, tag_ids: Iterable[int], at: datetime.datetime) -> int:
    """The next value read from each tag is its new baseline. A reading taken until `at` is skipped as
    already recorded. Returns the number of counters rebased."""
    tag_ids = list(tag_ids)
    rebased = TagCounter.objects.filter(tag_id__in=tag_ids).update(last_raw=None, last_read_at=at)
    if rebased:
        logger.info("Rebased %s tag counter(s) %s: the next value read from each is its baseline.", rebased, tag_ids)
    return rebased


def device_save(*, device: Device) -> Device:
    """Create or change a device; a new protocol or Modbus unit rebases its tags' counters."""
    with transaction.atomic():
        before = _stored(device, DEVICE_READ_FIELDS)
        device.full_clean()
        device.save()
        if _reads_elsewhere(before, device, DEVICE_READ_FIELDS):
            counters_rebase(tag_ids=device.tags.values_list("pk", flat=True), at=timezone.now())
    return device


def tag_save(*, tag: Tag) -> Tag:
    """Create or change a tag; a new address, data type or word order rebases its counter."""
    with transaction.atomic():
        before = _stored(tag, TAG_READ_FIELDS)
        tag.full_clean()
        tag.save()
        if _reads_elsewhere(before, tag, TAG_READ_FIELDS):
            counters_rebase(tag_ids=[tag.pk], at=timezone.now())
    return tag
