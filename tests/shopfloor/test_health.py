"""The poller's part of /health/ready (shopfloor/health.py): with a worker up, the status is "ok" while a poller
reports every active device, "degraded" (still 200) when one has not reported for 30 s."""

import datetime

import pytest
from django.utils import timezone

from shopfloor.models import DeviceHealth
from tests.shopfloor.devices import healthy, machines, modbus_device  # noqa: F401  (fixture)


@pytest.mark.celery
def test_ready_is_degraded_while_a_poller_does_not_report(client, celery_worker, machines):  # noqa: F811
    def ready() -> tuple[int, str, str]:
        response = client.get("/health/ready")
        body = response.json()
        return response.status_code, body["status"], body["checks"]["poller"]

    assert ready() == (200, "ok", "none configured")
    for machine, code in (("PRESS-1", "PLC-A"), ("PRESS-2", "PLC-B")):
        healthy(modbus_device(machines[machine], code))
    modbus_device(machines["PRESS-2"], "PLC-OFF", active=False)  # not active: not counted
    assert ready() == (200, "ok", "2 of 2 devices polled")

    # The poller of PLC-B (its shard) last reported 31 s ago; PLC-A's goes on.
    DeviceHealth.objects.filter(device__code="PLC-B").update(updated_at=timezone.now() - datetime.timedelta(seconds=31))
    assert ready() == (200, "degraded", "1 of 2 devices polled")
