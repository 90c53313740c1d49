"""shopfloor's files of the import format: devices.csv and tags.csv (see docs/import.md).

Devices are matched by code, tags by device and role (a device has one tag per role). Rows are checked by
the models' own rules: a Modbus address is a register number that leaves room for the data type, an OPC UA
address a node id, a state map parses. A tag whose address, data type or word order changes (or whose
device's protocol or unit id does) reads another value from now on: its counter is rebased, as the screens
do (shopfloor/services/devices.py). Tags the file does not name are left as they are.

Fields the format has no column for (a device's name, security mode and active flag, a tag's scale) keep
their values on re-import; new records take the defaults.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from core.models import Machine
from core.services.dataio import Changes, CsvFile, FileHandler, register
from shopfloor.models import Device, Tag
from shopfloor.services.devices import DEVICE_READ_FIELDS, TAG_READ_FIELDS, counters_rebase

DEVICE_COLUMNS = ("code", "protocol", "host", "port", "machine", "unit_id", "poll_ms", "endpoint_path")
DEVICE_PLAIN_COLUMNS = ("protocol", "host", "port", "unit_id", "poll_ms", "endpoint_path")
TAG_COLUMNS = ("device", "role", "address", "data_type", "word_order", "state_map")
TAG_PLAIN_COLUMNS = ("address", "data_type", "word_order", "state_map")
CODE_FIELD = Device._meta.get_field("code")
ROLE_FIELD = Tag._meta.get_field("role")


def _read_state(record: Device | Tag, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(record, field) for field in fields)


# --- devices.csv -----------------------------------------------------------------------------------------------


def devices_load(data: CsvFile) -> dict[str, int]:
    machines = {machine.code: machine for machine in Machine.objects.all()}
    stored = {device.code: device for device in Device.objects.all()}
    changes = Changes(Device, [*DEVICE_PLAIN_COLUMNS, "machine"])
    rebased: list[Device] = []
    seen: dict[str, int] = {}
    for row in data.rows:
        code = row.value("code", CODE_FIELD)
        row.once(seen, "code", code, f"device '{code}'")
        device = stored.get(code) or Device(code=code)
        before, reading = changes.state(device), _read_state(device, DEVICE_READ_FIELDS)
        for column in DEVICE_PLAIN_COLUMNS:
            row.assign(device, column)
        row.assign(device, "machine", lookup=machines)
        row.check(device)
        changes.add(device, before)
        if device.pk is not None and _read_state(device, DEVICE_READ_FIELDS) != reading:
            rebased.append(device)
    changes.save()
    if rebased:
        tag_ids = Tag.objects.filter(device__in=rebased).values_list("pk", flat=True)
        counters_rebase(tag_ids=tag_ids, at=timezone.now())
    return {"rows": len(data.rows), **changes.counts()}


def devices_export() -> Iterable[Sequence[Any]]:
    return Device.objects.order_by("code").values_list(
        "code", "protocol", "host", "port", "machine__code", "unit_id", "poll_ms", "endpoint_path"
    )


# --- tags.csv --------------------------------------------------------------------------------------------------


def tags_load(data: CsvFile) -> dict[str, int]:
    # Tag.clean() reads the device's protocol: the devices come as objects, not ids.
    devices = {device.code: device for device in Device.objects.all()}
    by_id = {device.pk: device for device in devices.values()}
    stored = {(tag.device_id, tag.role): tag for tag in Tag.objects.all()}
    for tag in stored.values():
        tag.device = by_id[tag.device_id]
    changes = Changes(Tag, TAG_PLAIN_COLUMNS)
    rebased: list[int] = []
    seen: dict[tuple[int, str], int] = {}
    for row in data.rows:
        device = row.lookup("device", devices, "device")
        role = row.value("role", ROLE_FIELD)
        row.once(seen, "role", (device.pk, role), f"the {role} tag of {device.code}")
        tag = stored.get((device.pk, role)) or Tag(device=device, role=role)
        before, reading = changes.state(tag), _read_state(tag, TAG_READ_FIELDS)
        for column in TAG_PLAIN_COLUMNS:
            row.assign(tag, column)
        row.check(tag)
        changes.add(tag, before)
        if tag.pk is not None and _read_state(tag, TAG_READ_FIELDS) != reading:
            rebased.append(tag.pk)
    changes.save()
    if rebased:
        counters_rebase(tag_ids=rebased, at=timezone.now())
    return {"rows": len(data.rows), **changes.counts()}


def tags_export() -> Iterable[Sequence[Any]]:
    return Tag.objects.order_by("device__code", "role").values_list(
        "device__code", "role", "address", "data_type", "word_order", "state_map"
    )


register(
    FileHandler(
        name="devices.csv",
        columns=DEVICE_COLUMNS,
        required=frozenset({"code", "protocol", "host", "port", "machine"}),
        load=devices_load,
        export=devices_export,
    )
)
register(
    FileHandler(
        name="tags.csv",
        columns=TAG_COLUMNS,
        required=frozenset({"device", "role", "address"}),
        load=tags_load,
        export=tags_export,
    )
)
