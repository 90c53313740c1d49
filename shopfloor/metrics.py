"""The shopfloor's figures for monitoring, served by core's `GET /metrics` (docs/shopfloor.md "API and metrics"),
registered in ShopfloorConfig.ready() for who may view device health.

The figures are read from the database at each scrape (`device_status`: what every poller saved last), so
one endpoint covers every poller, on every host and shard. Per active device: connected, polled, reads per
second, seconds since the last reading; per counter tag: the units counted and the PLC's counter resets.
"""

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shopfloor.models import Device
from shopfloor.poller.decoding import COUNTER_ROLES
from shopfloor.selectors.devices import device_status

PERMISSION = "shopfloor.view_devicehealth"
DEVICE_LABELS = ("device", "machine", "protocol")
TAG_LABELS = ("device", "machine", "role")


class ShopfloorCollector(Collector):
    """The metric families of the active devices, read when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        connected = GaugeMetricFamily(
            "takt_shopfloor_device_connected",
            "1 while the device's PLC answers its poller; 0 when it does not or no poller reports it.",
            labels=DEVICE_LABELS,
        )
        polled = GaugeMetricFamily(
            "takt_shopfloor_device_polled",
            "1 while a poller reports the device (its health is at most 30 s old), 0 otherwise.",
            labels=DEVICE_LABELS,
        )
        reads = GaugeMetricFamily(
            "takt_shopfloor_device_reads_per_second", "Values read from the device per second.", labels=DEVICE_LABELS
        )
        since = GaugeMetricFamily(
            "takt_shopfloor_device_seconds_since_last_reading",
            "Seconds since a value was last read from the device (absent before the first reading).",
            labels=DEVICE_LABELS,
        )
        counted = CounterMetricFamily(
            "takt_shopfloor_tag_counted_units",
            "Units counted by a counter tag since it was created (good count or reject count).",
            labels=TAG_LABELS,
        )
        resets = CounterMetricFamily(
            "takt_shopfloor_tag_counter_resets",
            "Times the PLC reset the tag's counter (a power cycle, a job change): counted from 0, logged.",
            labels=TAG_LABELS,
        )
        for device in device_status(devices=Device.objects.filter(active=True).order_by("code")):
            labels = [device["code"], device["machine"], device["protocol"]]
            connected.add_metric(labels, int(device["connection"] == "connected"))
            polled.add_metric(labels, int(device["connection"] != "not polled"))
            reads.add_metric(labels, float(device["reads_per_second"]))
            if device["last_reading_at"] is not None:
                since.add_metric(labels, (now - device["last_reading_at"]).total_seconds())
            for tag in device["tags"]:
                if tag["role"] in COUNTER_ROLES:
                    tag_labels = [device["code"], device["machine"], tag["role"]]
                    counted.add_metric(tag_labels, float(tag["total"]))
                    resets.add_metric(tag_labels, tag["resets"])
        yield from (connected, polled, reads, since, counted, resets)
