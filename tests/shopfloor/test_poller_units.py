"""The poller's parts without servers: decoding registers, raw values of counters, register reads, shards,
the reading buffer with its spill file, and recording a batch again."""

import datetime
import json
import math

import pytest

from core.models import Machine, WorkCenter
from shopfloor.choices import DataType, Protocol, TagRole, WordOrder
from shopfloor.models import Device, Tag, TagCounter
from shopfloor.poller.buffer import ReadingBuffer
from shopfloor.poller.config import TagConfig, register_blocks
from shopfloor.poller.decoding import reading_raw, registers_decode, registers_encode
from shopfloor.selectors.devices import Shard, devices_of_shard
from shopfloor.services.readings import Reading, readings_record

T0 = datetime.datetime(2026, 11, 23, 6, 0, tzinfo=datetime.UTC)


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("registers", "data_type", "word_order", "value"),
    [
        ([0xFFFF], DataType.UINT16, WordOrder.BIG, 65535),
        ([0xFFFF], DataType.INT16, WordOrder.BIG, -1),
        ([0x8000], DataType.INT16, WordOrder.BIG, -32768),
        ([0x0001, 0x1170], DataType.UINT32, WordOrder.BIG, 70_000),
        ([0x1170, 0x0001], DataType.UINT32, WordOrder.LITTLE, 70_000),
        ([0xFFFF, 0xFFFE], DataType.INT32, WordOrder.BIG, -2),
        ([0xFFFE, 0xFFFF], DataType.INT32, WordOrder.LITTLE, -2),
        ([0x3FC0, 0x0000], DataType.FLOAT32, WordOrder.BIG, 1.5),
        ([0x0000, 0x3FC0], DataType.FLOAT32, WordOrder.LITTLE, 1.5),
    ],
)
def test_registers_decode_every_type_in_both_word_orders(registers, data_type, word_order, value):
    assert registers_decode(registers, data_type, word_order) == value
    assert registers_encode(value, data_type, word_order) == registers


def test_registers_decode_refuses_the_wrong_number_of_registers_or_values_past_16_bits():
    with pytest.raises(ValueError, match="uint32 takes 2 register"):
        registers_decode([1], DataType.UINT32)
    with pytest.raises(ValueError, match="not 16-bit"):
        registers_decode([70_000], DataType.UINT16)


@pytest.mark.parametrize(
    ("value", "role", "data_type", "raw"),
    [
        (65535, TagRole.GOOD_COUNT, DataType.UINT16, 65535),
        (2**32 - 1, TagRole.REJECT_COUNT, DataType.UINT32, 2**32 - 1),
        # A signed counter rolling past its maximum into negative numbers counts on across the wrap.
        (-32768, TagRole.GOOD_COUNT, DataType.INT16, 0),
        (-1, TagRole.GOOD_COUNT, DataType.INT16, 32767),
        (-(2**31), TagRole.GOOD_COUNT, DataType.INT32, 0),
        (1234.6, TagRole.GOOD_COUNT, DataType.FLOAT32, 1235),
        (-3, TagRole.STATE, DataType.INT16, -3),  # a state code is what it is
        (6.0, TagRole.STATE, DataType.FLOAT32, 6),
        (True, TagRole.ALARM, DataType.UINT16, 1),
        (math.nan, TagRole.GOOD_COUNT, DataType.FLOAT32, None),
    ],
)
def test_reading_raw(value, role, data_type, raw):
    assert reading_raw(value, role=role, data_type=data_type) == raw


def tag_at(tag_id: int, address: str, data_type: str = DataType.UINT16) -> TagConfig:
    return TagConfig(tag_id, TagRole.GOOD_COUNT, address, data_type, WordOrder.BIG)


def test_register_blocks_share_reads_of_nearby_tags_within_125_registers():
    tags = (
        tag_at(1, "0"),
        tag_at(2, "2", DataType.UINT32),
        tag_at(3, "10"),
        tag_at(4, "40"),  # more than 16 registers after the last: a read of its own
        tag_at(5, "150"),  # would make the read longer than 125 registers
        tag_at(6, "40001x"),
        tag_at(7, "65535", DataType.UINT32),
    )
    blocks, problems = register_blocks(tags)
    assert [(block.start, block.count, [(tag.id, offset) for tag, offset in block.tags]) for block in blocks] == [
        (0, 11, [(1, 0), (2, 2), (3, 10)]),
        (40, 1, [(4, 0)]),
        (150, 1, [(5, 0)]),
    ]
    assert len(problems) == 2 and "'40001x'" in problems[0] and "out of range" in problems[1]


def test_shards_parse_and_refuse_nonsense():
    assert Shard.parse("1/3") == Shard(1, 3)
    for text in ("3/3", "1", "a/b", "-1/2"):
        with pytest.raises(ValueError, match=r"i/n|needs"):
            Shard.parse(text)


@pytest.mark.django_db
def test_shards_split_the_active_devices_by_id():
    machine = Machine.objects.create(work_center=WorkCenter.objects.create(code="WC", name="WC"), code="M", name="M")
    devices = [
        Device.objects.create(code=f"PLC-{n}", machine=machine, protocol=Protocol.MODBUS, host="plc", port=502)
        for n in range(5)
    ]
    Device.objects.filter(pk=devices[4].pk).update(active=False)
    shards = [{device.code for device in devices_of_shard(shard=Shard(i, 2))} for i in (0, 1)]
    assert shards[0] | shards[1] == {"PLC-0", "PLC-1", "PLC-2", "PLC-3"} and not shards[0] & shards[1]
    assert all(device.pk % 2 == 1 for device in devices_of_shard(shard=Shard(1, 2)))


def readings(*values: int, start: int = 0) -> list[Reading]:
    return [Reading(1, value, at(start + n)) for n, value in enumerate(values)]


def test_the_buffer_spills_past_its_bound_and_hands_the_file_over_first_in_order(tmp_path):
    path = tmp_path / "spill.jsonl"
    buffer = ReadingBuffer(spill_path=path, memory_limit=3)
    for reading in readings(*range(1, 6)):  # 4 readings overflow memory and spill; the 5th stays there
        buffer.put(reading)
    assert (buffer.spilled, len(buffer.memory), len(buffer)) == (4, 1, 5)
    assert [r.raw for r in buffer.peek(3)] == [1, 2, 3]
    buffer.release()  # recording failed: the same again
    assert [r.raw for r in buffer.peek(3)] == [1, 2, 3]
    buffer.commit()
    assert [r.raw for r in buffer.peek(10)] == [4]  # the rest of the file before anything in memory
    buffer.commit()
    assert not path.exists()  # all of the file recorded
    assert [r.raw for r in buffer.peek(10)] == [5]
    buffer.commit()
    assert len(buffer) == 0


def test_a_spill_while_a_peek_from_memory_is_being_recorded_keeps_the_order(tmp_path):
    buffer = ReadingBuffer(spill_path=tmp_path / "spill.jsonl", memory_limit=4)
    for reading in readings(1, 2, 3):
        buffer.put(reading)
    assert [r.raw for r in buffer.peek(2)] == [1, 2]  # being recorded ...
    for reading in readings(4, 5, start=3):  # ... while new readings overflow memory
        buffer.put(reading)
    buffer.commit()  # 1 and 2 are recorded: they went to the file first and are skipped there
    assert [r.raw for r in buffer.peek(10)] == [3, 4, 5]


def test_a_full_spill_file_drops_the_newest_readings(tmp_path):
    buffer = ReadingBuffer(spill_path=tmp_path / "spill.jsonl", memory_limit=1, file_limit=3)
    for reading in readings(1, 2, 3, 4, 5, 6):
        buffer.put(reading)
    assert (buffer.spilled, buffer.dropped) == (3, 3)  # 4, 5 and 6
    assert [r.raw for r in buffer.peek(10)] == [1, 2, 3]


def test_a_new_buffer_takes_over_the_spill_file_of_a_crashed_run_and_skips_a_cut_line(tmp_path):
    path = tmp_path / "spill.jsonl"
    lines = [json.dumps([1, value, at(value).isoformat()]) for value in (7, 8)]
    path.write_text("\n".join(lines) + '\n[1, 9, "2026-11-2')  # the crash cut the last line short
    buffer = ReadingBuffer(spill_path=path)
    assert len(buffer) == 2
    buffer.put(Reading(1, 10, at(10)))
    assert [r.raw for r in buffer.peek(10)] == [7, 8]
    buffer.commit()
    assert not path.exists()
    assert [r.raw for r in buffer.peek(10)] == [10]


@pytest.mark.django_db
def test_a_batch_handed_over_again_after_it_was_recorded_counts_nothing():
    """The database went away after committing and before confirming, or the spill file of a crashed run
    is replayed: the readings are recorded already and are skipped, not taken for a counter reset."""
    machine = Machine.objects.create(work_center=WorkCenter.objects.create(code="WC", name="WC"), code="M", name="M")
    device = Device.objects.create(code="PLC", machine=machine, protocol=Protocol.MODBUS, host="127.0.0.1", port=502)
    good = Tag.objects.create(device=device, role=TagRole.GOOD_COUNT, address="0")
    readings_record(readings=[Reading(good.pk, 100, at(1))])
    batch = [Reading(good.pk, 105, at(2)), Reading(good.pk, 110, at(3))]
    assert readings_record(readings=batch) == 2
    assert readings_record(readings=batch) == 0
    assert readings_record(readings=[*batch, Reading(good.pk, 112, at(4))]) == 1
    counter = TagCounter.objects.get(tag=good)
    assert (counter.total, counter.resets, counter.last_raw) == (12, 0, 112)


def test_readings_that_cannot_be_spilled_stay_in_memory(tmp_path):
    (tmp_path / "var").write_text("")  # a file where the spill directory should be: every write fails
    buffer = ReadingBuffer(spill_path=tmp_path / "var" / "spill.jsonl", memory_limit=1)
    for reading in readings(1, 2, 3):
        buffer.put(reading)
    assert (len(buffer.memory), buffer.spilled, buffer.dropped) == (3, 0, 0)
    assert buffer.spill_error
