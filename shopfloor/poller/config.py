"""Devices and tags as the poller holds them: plain frozen values, loaded from the database in one go, so
the asyncio side never touches the ORM and a changed device is seen by comparing two values."""

from dataclasses import dataclass

from shopfloor.choices import REGISTERS, Protocol, SecurityMode
from shopfloor.models import Device
from shopfloor.selectors.devices import Shard, devices_of_shard

# A Modbus read returns at most 125 registers; tags closer than this gap share one read.
MAX_READ_REGISTERS = 125
MAX_READ_GAP = 16


@dataclass(frozen=True)
class TagConfig:
    id: int
    role: str
    address: str
    data_type: str
    word_order: str

    @property
    def register(self) -> int:
        """The Modbus holding register the tag starts at; a ValueError when the address is none."""
        register = int(self.address)
        if not 0 <= register <= 65535 - REGISTERS[self.data_type] + 1:
            raise ValueError(f"register {register} is out of range")
        return register


@dataclass(frozen=True)
class DeviceConfig:
    id: int
    code: str
    protocol: str
    host: str
    port: int
    unit_id: int
    endpoint_url: str
    security_mode: str
    poll_ms: int
    tags: tuple[TagConfig, ...]

    @property
    def poll_seconds(self) -> float:
        return self.poll_ms / 1000

    @property
    def secure(self) -> bool:
        return self.protocol == Protocol.OPCUA and self.security_mode != SecurityMode.NONE

    def __str__(self) -> str:
        endpoint = self.endpoint_url if self.protocol == Protocol.OPCUA else f"{self.host}:{self.port}"
        return f"{self.code} ({endpoint})"


@dataclass(frozen=True)
class RegisterBlock:
    """One read_holding_registers: `count` registers from `start`, and where each tag sits in them."""

    start: int
    count: int
    tags: tuple[tuple[TagConfig, int], ...]  # (tag, offset of its first register)


def device_config(device: Device) -> DeviceConfig:
    return DeviceConfig(
        id=device.pk,
        code=device.code,
        protocol=device.protocol,
        host=device.host,
        port=device.port,
        unit_id=device.unit_id,
        endpoint_url=device.endpoint_url,
        security_mode=device.security_mode,
        poll_ms=device.poll_ms,
        tags=tuple(
            TagConfig(tag.pk, tag.role, tag.address.strip(), tag.data_type, tag.word_order) for tag in device.tags.all()
        ),
    )


def configs_load(*, shard: Shard) -> dict[int, DeviceConfig]:
    """The devices of `shard` by id (runs in the database thread)."""
    return {device.pk: device_config(device) for device in devices_of_shard(shard=shard)}


def register_blocks(tags: tuple[TagConfig, ...]) -> tuple[list[RegisterBlock], list[str]]:
    """The fewest reads that cover the tags, and what is wrong with tags that cannot be read. Tags sorted
    by register share a read while the gap between them is small and the read stays within the protocol's
    125 registers."""
    problems, placed = [], []
    for tag in tags:
        try:
            placed.append((tag.register, tag))
        except ValueError as error:
            problems.append(f"tag {tag.role} address {tag.address!r}: {error}")
    blocks: list[RegisterBlock] = []
    start, end, members = 0, 0, []
    for first, tag in sorted(placed, key=lambda pair: pair[0]):
        last = first + REGISTERS[tag.data_type]
        if members and first - end <= MAX_READ_GAP and max(last, end) - start <= MAX_READ_REGISTERS:
            members.append((tag, first - start))
            end = max(end, last)
            continue
        if members:
            blocks.append(RegisterBlock(start, end - start, tuple(members)))
        start, end, members = first, last, [(tag, 0)]
    if members:
        blocks.append(RegisterBlock(start, end - start, tuple(members)))
    return blocks, problems
