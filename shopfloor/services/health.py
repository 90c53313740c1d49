"""What the poller knows of its devices' connections, saved every few seconds for the screens and the API."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from shopfloor.models import Device, DeviceHealth

ERROR_LENGTH = DeviceHealth._meta.get_field("last_error").max_length


@dataclass(frozen=True)
class HealthReport:
    device_id: int
    connected: bool
    last_reading_at: datetime.datetime | None
    last_error: str
    reads_per_second: Decimal
    poller: str


def device_health_record(*, reports: list[HealthReport]) -> None:
    """Save the health of many devices at once (an upsert: a device gets its row on its first report). A
    device deleted since the poller loaded it is left out."""
    if not reports:
        return
    with transaction.atomic():
        existing = set(
            Device.objects.filter(pk__in=[report.device_id for report in reports]).values_list("pk", flat=True)
        )
        DeviceHealth.objects.bulk_create(
            [
                DeviceHealth(
                    device_id=report.device_id,
                    connected=report.connected,
                    last_reading_at=report.last_reading_at,
                    last_error=report.last_error[:ERROR_LENGTH],
                    reads_per_second=report.reads_per_second.quantize(Decimal("0.01")),
                    poller=report.poller,
                )
                for report in sorted(reports, key=lambda report: report.device_id)
                if report.device_id in existing
            ],
            update_conflicts=True,
            unique_fields=["device"],
            update_fields=["connected", "last_reading_at", "last_error", "reads_per_second", "poller", "updated_at"],
        )
