"""Readings into MES records, exactly once.

The poller hands over what it read: one value per tag and moment, in the order read. A counter's
increase since the last value becomes good or reject units on the machine's open operation. Two cases
are handled:

- A counter that wrapped (uint16 past 65,535, uint32 past 2^32 - 1) is counted across the wrap.
- A counter the PLC reset to 0 (a power cycle, a job change) counts from 0 again, and the reset is logged.

State codes become MES machine states through the tag's state map. The last raw value of every tag is
saved in the same transaction as the records it produced. If the transaction fails, the poller still
holds the readings and hands them over again, and nothing was counted. If the poller restarts, it counts
from the saved value, so nothing is counted twice.

A reading no later than the tag's last saved one is already counted and is skipped: handing a batch over
again is harmless even when it did commit (the database went away before confirming the commit, or the
poller replays its spill file after a crash). Without this, an older value after a newer one would look
like a counter reset and count again.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from mes.choices import DowntimeKind, MachineState
from mes.models import DowntimeReason
from mes.services.execution import MachineCountReport, machine_counts_record, machine_state_record
from shopfloor.choices import COUNTER_BITS, PACKML_STATE_MAP, TagRole
from shopfloor.models import Tag, TagCounter

logger = logging.getLogger(__name__)

# A smaller value after one near the top of the range is a wrap; anything else smaller is a reset.
WRAP_ZONE = 4  # the top and bottom quarter of the range
# States PLCs use that MES names otherwise.
STATE_ALIASES = {"stopped": MachineState.IDLE, "stop": MachineState.IDLE, "aborted": MachineState.DOWN}
REASON_KIND_OF_STATE = {
    MachineState.DOWN: DowntimeKind.BREAKDOWN,
    MachineState.HELD: DowntimeKind.QUALITY_HOLD,
    MachineState.SETUP: DowntimeKind.CHANGEOVER,
}


@dataclass(frozen=True)
class Reading:
    tag_id: int
    raw: int
    at: datetime.datetime


@dataclass(frozen=True)
class Step:
    """What a new raw value of a counter means: `steps` counted, and how (first, up, wrap, reset)."""

    steps: int
    how: str


def counter_step(last: int | None, raw: int, bits: int) -> Step:
    """The increase of a counter from `last` to `raw`. The first value read is the baseline, so the
    counter's history before Takt knew it is not counted."""
    if last is None:
        return Step(0, "first")
    if raw >= last:
        return Step(raw - last, "up")
    size = 1 << bits
    if last >= size - size // WRAP_ZONE and raw < size // WRAP_ZONE:
        return Step(size - last + raw, "wrap")
    return Step(raw, "reset")


def parse_state_map(text: str) -> dict[int, str]:
    """'6:running;2:stopped;11:held' (or 'packml') as {code: MES state}; a bad pair is a ValidationError."""
    text = text.strip()
    if text.lower() == "packml":
        return dict(PACKML_STATE_MAP)
    states: dict[int, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(";"))):
        code, sep, state = pair.partition(":")
        state = STATE_ALIASES.get(state.strip().lower(), state.strip().lower())
        if not sep or not code.strip().lstrip("-").isdigit() or state not in MachineState.values:
            known = ", ".join([*MachineState.values, *STATE_ALIASES])
            raise ValidationError(f"'{pair}' is not code:state (states: {known})", code="invalid_state_map")
        states[int(code)] = state
    return states


def _reasons() -> dict[str, DowntimeReason]:
    """The downtime reason a machine-reported stop is recorded with, per state: the first active reason of
    the matching kind."""
    reasons: dict[str, DowntimeReason] = {}
    for state, kind in REASON_KIND_OF_STATE.items():
        reason = DowntimeReason.objects.filter(kind=kind, active=True).order_by("code").first()
        if reason is not None:
            reasons[state] = reason
    return reasons


def readings_record(*, readings: list[Reading]) -> int:
    """Turn readings into MES counts and machine states, and save each tag's last value, all in one
    transaction. Returns the number of MES count records written."""
    if not readings:
        return 0
    by_tag: dict[int, list[Reading]] = defaultdict(list)
    for reading in readings:
        by_tag[reading.tag_id].append(reading)
    with transaction.atomic():
        tags = {tag.pk: tag for tag in Tag.objects.filter(pk__in=by_tag).select_related("device__machine")}
        TagCounter.objects.bulk_create([TagCounter(tag_id=pk) for pk in tags], ignore_conflicts=True)
        counters = {
            counter.tag_id: counter
            for counter in TagCounter.objects.select_for_update().filter(tag_id__in=tags).order_by("tag_id")
        }
        reports: list[MachineCountReport] = []
        states: list[tuple[Tag, Reading]] = []
        for tag_id in sorted(by_tag):
            tag = tags.get(tag_id)
            if tag is None:  # deleted while the poller held its readings
                continue
            counter = counters[tag_id]
            for reading in sorted(by_tag[tag_id], key=lambda r: r.at):
                if counter.last_read_at is not None and reading.at <= counter.last_read_at:
                    continue  # already recorded: a batch handed over again
                if tag.role in (TagRole.GOOD_COUNT, TagRole.REJECT_COUNT):
                    reports.extend(_count(tag, counter, reading))
                elif tag.role == TagRole.STATE and reading.raw != counter.last_raw:
                    states.append((tag, reading))
                counter.last_raw, counter.last_read_at = reading.raw, reading.at
        events = machine_counts_record(reports=reports)
        if states:
            reasons = _reasons()
            for tag, reading in sorted(states, key=lambda pair: pair[1].at):
                _state(tag, reading, reasons)
        TagCounter.objects.bulk_update(
            counters.values(), ["last_raw", "last_read_at", "total", "wraps", "resets"], batch_size=500
        )
        return len(events)


def _count(tag: Tag, counter: TagCounter, reading: Reading) -> list[MachineCountReport]:
    step = counter_step(counter.last_raw, reading.raw, COUNTER_BITS.get(tag.data_type, 32))
    if step.how == "wrap":
        counter.wraps += 1
    elif step.how == "reset":
        counter.resets += 1
        logger.warning("Counter reset: %s went from %s to %s; counting from 0.", tag, counter.last_raw, reading.raw)
    if not step.steps:
        return []
    units = Decimal(step.steps) * tag.scale
    counter.total += units
    good = tag.role == TagRole.GOOD_COUNT
    return [
        MachineCountReport(
            machine_id=tag.device.machine_id,
            at=reading.at,
            good_qty=units if good else Decimal(0),
            scrap_qty=Decimal(0) if good else units,
        )
    ]


def _state(tag: Tag, reading: Reading, reasons: dict[str, DowntimeReason]) -> None:
    try:
        state = parse_state_map(tag.state_map).get(reading.raw)
    except ValidationError:
        logger.error("Tag %s has an unreadable state map %r; state %s ignored.", tag, tag.state_map, reading.raw)
        return
    if state is None:
        logger.warning("Tag %s: state code %s is not in its state map; ignored.", tag, reading.raw)
        return
    try:
        with transaction.atomic():
            machine_state_record(machine=tag.device.machine, state=state, reason=reasons.get(state), at=reading.at)
    except ValidationError as refused:
        # A state MES cannot take (no downtime reason set up for it) must not hold back the counts.
        logger.error("Tag %s: state %s of %s not recorded: %s", tag, state, reading.raw, refused.messages)
