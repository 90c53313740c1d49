"""What the simulator reads from the database (in its database thread): the devices it serves, with
where each counter stood, and the work MES has on each machine."""

import ipaddress
import struct
from dataclasses import dataclass
from decimal import Decimal

from asyncua import ua
from asyncua.ua.uaerrors import UaStringParsingError
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from mes.choices import EventSource, MachineState, RunState
from mes.models import Downtime, MachineStatus, OperationRun
from shopfloor.choices import DataType, Protocol, TagRole
from shopfloor.models import Tag, TagCounter
from shopfloor.poller.config import DeviceConfig, TagConfig, device_config
from shopfloor.poller.decoding import registers_encode
from shopfloor.selectors.devices import devices_of_shard
from shopfloor.services.readings import parse_state_map
from shopfloor.simulator.machine import Work

COUNTER_ROLES = (TagRole.GOOD_COUNT, TagRole.REJECT_COUNT)
# A uint16 counter no poller has read yet starts just below its wrap: the demo shows one within minutes.
UINT16_START = 65_500
# The code a PackML machine shows for each MES state (the preset maps several codes to most states).
PACKML_CODES = {
    MachineState.RUNNING: 6,  # Execute
    MachineState.IDLE: 4,  # Idle
    MachineState.SETUP: 3,  # Starting
    MachineState.DOWN: 9,  # Aborted
    MachineState.HELD: 11,  # Held
}
# A state the tag's map has no code for is shown as the next one down this chain that it has.
STATE_FALLBACK = {
    MachineState.HELD: MachineState.DOWN,
    MachineState.SETUP: MachineState.DOWN,
    MachineState.DOWN: MachineState.IDLE,
}
STOPPED = (MachineState.DOWN, MachineState.HELD, MachineState.SETUP)
DEFAULT_MINUTES_PER_UNIT = Decimal(1)  # an operation without a run time in its routing


@dataclass(frozen=True)
class SimTag:
    tag: TagConfig
    scale: Decimal
    start: int  # counters: where the counter stands when the simulator starts
    state_codes: dict[str, int]  # states: the code shown for each MES state


@dataclass(frozen=True)
class Plc:
    """A device the simulator serves, for its machine."""

    device: DeviceConfig
    machine_id: int
    machine_code: str
    tags: tuple[SimTag, ...]

    @property
    def code(self) -> str:
        return self.device.code


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def state_codes(state_map: str) -> dict[str, int]:
    """The code to show for each MES state under `state_map` (a ValidationError if it is unreadable)."""
    if state_map.strip().lower() == "packml":
        return dict(PACKML_CODES)
    codes: dict[str, int] = {}
    for code, state in parse_state_map(state_map).items():
        codes.setdefault(state, code)
    for state in MachineState.values:
        fallback = state
        while fallback not in codes and fallback in STATE_FALLBACK:
            fallback = STATE_FALLBACK[fallback]
        if fallback in codes:
            codes.setdefault(state, codes[fallback])
    return codes


def _tag(tag: Tag, config: TagConfig, protocol: str, last_raw: int | None) -> SimTag:
    """The tag as the simulator shows it; a ValueError saying why it cannot."""
    try:
        if protocol == Protocol.OPCUA:
            ua.NodeId.from_string(config.address)
        else:
            config.register  # noqa: B018  (raises for an address that is no register)
        codes = state_codes(tag.state_map) if tag.role == TagRole.STATE else {}
        for code in codes.values():
            registers_encode(code, tag.data_type)  # raises for a code the data type cannot hold
    except ValidationError as error:
        raise ValueError("; ".join(error.messages)) from error
    except (UaStringParsingError, struct.error) as error:
        raise ValueError(str(error)) from error
    start = 0
    if tag.role in COUNTER_ROLES:
        start = last_raw if last_raw is not None else (UINT16_START if tag.data_type == DataType.UINT16 else 0)
    return SimTag(config, tag.scale, start, codes)


def plcs_load() -> tuple[list[Plc], list[str]]:
    """The active devices on a loopback address, and what is left out (devices on other hosts, tags that
    cannot be shown) and why. A counter starts where the poller last read it, as a PLC keeps its counters
    through a restart: restarting the simulator neither counts anything twice nor looks like a reset."""
    plcs, left_out = [], []
    devices = list(devices_of_shard())
    last_raw = dict(
        TagCounter.objects.filter(tag__device__in=devices, last_raw__isnull=False).values_list("tag_id", "last_raw")
    )
    for device in devices:
        if not is_loopback(device.host):
            left_out.append(f"{device.code}: {device.host} is not a loopback address")
            continue
        config = device_config(device)  # the tags as the poller reads them, in the same order
        tags = []
        for tag, tag_config in zip(device.tags.all(), config.tags, strict=True):
            try:
                tags.append(_tag(tag, tag_config, device.protocol, last_raw.get(tag.pk)))
            except ValueError as error:
                left_out.append(f"{device.code}: tag {tag.role} {tag.address!r}: {error}")
        plcs.append(Plc(config, device.machine_id, device.machine.code, tuple(tags)))
    return plcs, left_out


def machines_work(*, machine_ids: list[int]) -> dict[int, Work]:
    """The work MES has on each machine (machines with none are left out), read as one snapshot: a run
    read as paused by a breakdown whose end commits before the downtimes are read would otherwise look
    paused by a person, and the machine would show idle for a moment."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _machines_work(machine_ids)


def _machines_work(machine_ids: list[int]) -> dict[int, Work]:
    runs = {
        run.machine_id: run
        for run in OperationRun.objects.filter(machine_id__in=machine_ids)
        .exclude(state=RunState.DONE)
        .select_related("operation__order")
    }
    downtimes = {
        downtime.machine_id: downtime
        for downtime in Downtime.objects.filter(machine_id__in=machine_ids, end__isnull=True).select_related(
            "start_event"
        )
    }
    states = dict(MachineStatus.objects.filter(machine_id__in=machine_ids).values_list("machine_id", "state"))
    work: dict[int, Work] = {}
    for machine_id in machine_ids:
        run, downtime = runs.get(machine_id), downtimes.get(machine_id)
        # A downtime the machine reported itself is the simulator's own breakdown; it knows when it ends.
        by_person = downtime is not None and downtime.start_event.source != EventSource.PLC
        if by_person:
            state = states.get(machine_id)
            work[machine_id] = Work(stopped_as=state if state in STOPPED else MachineState.DOWN)
        elif run is not None:
            operation = run.operation
            minutes = operation.run_minutes_per_unit or DEFAULT_MINUTES_PER_UNIT
            work[machine_id] = Work(
                run_id=run.pk,
                seconds_per_unit=float(minutes * 60),
                good_to_make=operation.order.quantity - operation.good_qty - (run.good_qty - run.booked_good),
                producing=run.state == RunState.RUNNING or downtime is not None,
            )
    return work
