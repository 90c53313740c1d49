"""Devices as the poller reads them and as people see them: one shard's devices, and every device's
connection and counters (the figures `shopfloor_status` prints and the API shows)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone

from mes.models import MachineStatus
from shopfloor.choices import Protocol
from shopfloor.models import Device, DeviceHealth, Tag
from shopfloor.poller.decoding import COUNTER_ROLES

# Health not written for this long means no poller reads the device (the poller writes every 5 s).
HEALTH_STALE_AFTER = datetime.timedelta(seconds=30)


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`: the devices whose id modulo `count` is `index`."""

    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """'i/n' as a shard; a ValueError unless 0 <= i < n."""
        index, sep, count = text.partition("/")
        if not sep or not index.strip().isdigit() or not count.strip().isdigit():
            raise ValueError(f"'{text}' is not i/n (e.g. 0/2)")
        shard = cls(int(index), int(count))
        if not 0 <= shard.index < shard.count:
            raise ValueError(f"shard {shard} needs 0 <= i < n")
        return shard

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def devices_of_shard(*, shard: Shard = Shard()) -> QuerySet[Device]:
    """The active devices shard `shard` polls, with their machine and tags."""
    return (
        Device.objects.filter(active=True)
        .annotate(shard_index=Mod("pk", shard.count))
        .filter(shard_index=shard.index)
        .select_related("machine")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("pk")))
        .order_by("pk")
    )


def device_status(*, devices: QuerySet[Device] | None = None, now: datetime.datetime | None = None) -> list[dict]:
    """Every device with its connection (connected, disconnected, or not polled when no poller has
    reported for HEALTH_STALE_AFTER), its machine's MES state, and per tag the last raw value read and, for
    counters, the units counted since the tag was created."""
    now = now or timezone.now()
    devices = (
        (devices if devices is not None else Device.objects.all())
        .select_related("machine")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.select_related("counter").order_by("pk")))
    )
    devices = list(devices)
    healths = DeviceHealth.objects.in_bulk([device.pk for device in devices])
    machine_states = dict(
        MachineStatus.objects.filter(machine_id__in={device.machine_id for device in devices}).values_list(
            "machine_id", "state"
        )
    )
    return [
        _device_row(device, healths.get(device.pk), machine_states.get(device.machine_id), now) for device in devices
    ]


def devices_polled(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """(active devices a poller reported within HEALTH_STALE_AFTER, active devices): one query."""
    now = now or timezone.now()
    counts = Device.objects.filter(active=True).aggregate(
        polled=Count("pk", filter=Q(health__updated_at__gte=now - HEALTH_STALE_AFTER)), active=Count("pk")
    )
    return counts["polled"], counts["active"]


def _device_row(device: Device, health: DeviceHealth | None, machine_state: str | None, now: datetime.datetime) -> dict:
    if health is None or now - health.updated_at > HEALTH_STALE_AFTER:
        connection = "not polled"
    else:
        connection = "connected" if health.connected else "disconnected"
    return {
        "code": device.code,
        "machine": device.machine.code,
        "protocol": device.protocol,
        "endpoint": device.endpoint_url if device.protocol == Protocol.OPCUA else f"{device.host}:{device.port}",
        "active": device.active,
        "connection": connection,
        "machine_state": machine_state,
        "last_reading_at": health.last_reading_at if health else None,
        "last_error": health.last_error if health else "",
        "reads_per_second": health.reads_per_second if health else Decimal(0),
        "poller": health.poller if health else "",
        "health_at": health.updated_at if health else None,
        "tags": [_tag_row(tag) for tag in device.tags.all()],
    }


def _tag_row(tag: Tag) -> dict:
    counter = getattr(tag, "counter", None)
    return {
        "role": tag.role,
        "address": tag.address,
        "data_type": tag.data_type,
        "last_raw": counter.last_raw if counter else None,
        "last_read_at": counter.last_read_at if counter else None,
        "total": (counter.total if counter else Decimal(0)) if tag.role in COUNTER_ROLES else None,
        "wraps": counter.wraps if counter else 0,
        "resets": counter.resets if counter else 0,
    }
