"""Readings into MES records exactly once: counter steps across wraps and resets, counts onto the open
operation (or unassigned), states through the state map, and the last value saved with the records."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from mes.choices import MachineState
from mes.models import Downtime, MachineStatus, ProductionEvent
from mes.services import execution as x
from shopfloor.choices import DataType, Protocol, TagRole
from shopfloor.models import Device, Tag, TagCounter
from shopfloor.services.readings import Reading, Step, counter_step, parse_state_map, readings_record
from tests.erp.conftest import company  # noqa: F401
from tests.mes.conftest import floor  # noqa: F401  (shared fixtures)
from tests.wms.conftest import bin_, warehouse  # noqa: F401

T0 = datetime.datetime(2026, 11, 23, 6, 0, tzinfo=datetime.UTC)


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("last", "raw", "bits", "expected"),
    [
        (None, 500, 16, Step(0, "first")),
        (10, 10, 16, Step(0, "up")),
        (10, 25, 16, Step(15, "up")),
        (65530, 4, 16, Step(10, "wrap")),  # 65530 .. 65535, 0 .. 4
        (65535, 0, 16, Step(1, "wrap")),
        (2**32 - 3, 2, 32, Step(5, "wrap")),
        (1200, 3, 16, Step(3, "reset")),  # power cycle: counts from 0
        (40000, 30000, 16, Step(30000, "reset")),
    ],
)
def test_counter_steps(last, raw, bits, expected):
    assert counter_step(last, raw, bits) == expected


def test_state_maps_parse_with_aliases_and_the_packml_preset():
    assert parse_state_map("6:running; 2:stopped ;11:held") == {6: "running", 2: "idle", 11: "held"}
    assert parse_state_map("packml")[6] == "running"
    with pytest.raises(Exception, match="'7:flying' is not code:state"):
        parse_state_map("6:running;7:flying")


@pytest.fixture
def device(floor):  # noqa: F811
    device = Device.objects.create(
        code="PLC-ASSY-1", machine=floor["assy1"], protocol=Protocol.MODBUS, host="127.0.0.1", port=5020
    )
    tags = {
        "good": Tag.objects.create(device=device, role=TagRole.GOOD_COUNT, address="0", data_type=DataType.UINT16),
        "reject": Tag.objects.create(device=device, role=TagRole.REJECT_COUNT, address="2", data_type=DataType.UINT32),
        "state": Tag.objects.create(device=device, role=TagRole.STATE, address="4", state_map="packml"),
    }
    return device, tags


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_clock")]


@pytest.fixture
def _clock():
    with time_machine.travel(at(3600), tick=False):
        yield


def test_counts_go_to_the_running_operation_exactly_once_across_a_wrap(floor, device):  # noqa: F811
    _, tags = device
    run = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    good = tags["good"].pk
    assert readings_record(readings=[Reading(good, 65530, at(1))]) == 0  # the baseline
    assert readings_record(readings=[Reading(good, 65534, at(2)), Reading(good, 3, at(3))]) == 2
    # The same value again (a poll with no change, or a retry of a flushed reading) counts nothing.
    assert readings_record(readings=[Reading(good, 3, at(4))]) == 0
    run.refresh_from_db()
    assert run.good_qty == 9  # 4 up to 65534, then 5 across the wrap
    counter = TagCounter.objects.get(tag_id=good)
    assert (counter.last_raw, counter.total, counter.wraps) == (3, 9, 1)


def test_a_counter_reset_counts_from_zero_and_rejects_are_scrap(floor, device):  # noqa: F811
    _, tags = device
    run = x.operation_start(operation=floor.order().operations.get(seq=10), machine=floor["assy1"], at=at(0))
    readings_record(readings=[Reading(tags["reject"].pk, 1000, at(1)), Reading(tags["reject"].pk, 1002, at(2))])
    readings_record(readings=[Reading(tags["reject"].pk, 1, at(3))])  # the PLC was power-cycled
    run.refresh_from_db()
    assert (run.good_qty, run.scrap_qty) == (0, 3)
    assert TagCounter.objects.get(tag=tags["reject"]).resets == 1


def test_counts_with_no_operation_open_are_kept_unassigned(floor, device):  # noqa: F811
    _, tags = device
    readings_record(readings=[Reading(tags["good"].pk, 10, at(1)), Reading(tags["good"].pk, 17, at(2))])
    event = ProductionEvent.objects.get()
    assert (event.operation, event.machine, event.good_qty, event.source) == (None, floor["assy1"], 7, "plc")


def test_a_failed_flush_counts_nothing_and_the_retry_counts_once(floor, device, monkeypatch):  # noqa: F811
    _, tags = device
    good = tags["good"].pk
    readings_record(readings=[Reading(good, 100, at(1))])

    def refuse(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("shopfloor.services.readings.machine_counts_record", refuse)
    with pytest.raises(RuntimeError):
        readings_record(readings=[Reading(good, 110, at(2))])
    assert TagCounter.objects.get(tag_id=good).last_raw == 100
    monkeypatch.undo()
    assert readings_record(readings=[Reading(good, 110, at(2))]) == 1
    assert ProductionEvent.objects.get().good_qty == 10


def test_machine_states_follow_the_state_map(floor, device):  # noqa: F811
    _, tags = device
    state = tags["state"].pk
    readings_record(readings=[Reading(state, 6, at(1))])
    assert MachineStatus.objects.get(machine=floor["assy1"]).state == MachineState.RUNNING
    readings_record(readings=[Reading(state, 11, at(60))])  # PackML Held
    readings_record(readings=[Reading(state, 11, at(61))])  # unchanged: nothing new
    readings_record(readings=[Reading(state, 6, at(300))])
    downtime = Downtime.objects.get()
    assert (downtime.reason.code, downtime.start, downtime.end) == ("QH", at(60), at(300))
    assert TagCounter.objects.get(tag_id=state).total == Decimal(0)
