"""A small plant for the device screens, API, import and metrics tests: a press line of two machines, and
devices on them with their tags, counters and health made directly (what the poller would have saved)."""

import datetime
from decimal import Decimal

import pytest

from core.models import Machine, WorkCenter
from shopfloor.choices import DataType, Protocol, TagRole
from shopfloor.models import Device, DeviceHealth, Tag, TagCounter

T0 = datetime.datetime(2026, 11, 23, 6, 0, tzinfo=datetime.UTC)


@pytest.fixture
def machines(db) -> dict[str, Machine]:
    press = WorkCenter.objects.create(code="PRESS", name="Presses")
    return {code: Machine.objects.create(work_center=press, code=code, name=code) for code in ("PRESS-1", "PRESS-2")}


def modbus_device(machine: Machine, code: str = "PLC-P1", **fields) -> Device:
    """A Modbus device with a good counter (uint16 at 0), a reject counter (uint32, little, at 2) and a PackML
    state (at 4)."""
    device = Device.objects.create(
        code=code, machine=machine, protocol=Protocol.MODBUS, host="10.0.4.21", port=502, **fields
    )
    Tag.objects.create(device=device, role=TagRole.GOOD_COUNT, address="0", data_type=DataType.UINT16)
    Tag.objects.create(
        device=device, role=TagRole.REJECT_COUNT, address="2", data_type=DataType.UINT32, word_order="little"
    )
    Tag.objects.create(device=device, role=TagRole.STATE, address="4", state_map="packml")
    return device


def counted(device: Device, role: str, *, raw: int, total: str, at: datetime.datetime = T0, resets: int = 0) -> None:
    """What the poller saves for a tag: the last raw value and the units counted."""
    TagCounter.objects.update_or_create(
        tag=device.tags.get(role=role),
        defaults={"last_raw": raw, "last_read_at": at, "total": Decimal(total), "resets": resets},
    )


def healthy(device: Device, *, connected: bool = True, reads: str = "3.00", error: str = "") -> DeviceHealth:
    """The device's health as a poller saved it just now."""
    return DeviceHealth.objects.create(
        device=device,
        connected=connected,
        last_reading_at=T0,
        last_error=error,
        reads_per_second=Decimal(reads),
        poller="host-a 0/1",
    )
