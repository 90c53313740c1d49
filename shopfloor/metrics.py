"""The shopfloor's figures for monitoring: `GET /metrics` in the Prometheus text format (docs/shopfloor.md
"API and metrics").

The figures are read from the database at each scrape (`device_status`: what every poller saved last), so
one endpoint covers every poller, on every host and shard. Per active device: connected, polled, reads per
second, seconds since the last reading; per counter tag: the units counted and the PLC's counter resets.

The endpoint shows device and machine codes and host names, so it is not open like /health: a scraper sends
an API token (`Authorization: Token <key>`) of a user whose role may view device health; a signed-in user
with that permission can open it in the browser.
"""

from collections.abc import Iterator

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector, CollectorRegistry
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

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


REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(ShopfloorCollector())


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The registry in the format the scraper asks for (Prometheus text, or OpenMetrics)."""
    user = request.user
    if not user.is_authenticated and get_authorization_header(request):
        try:
            authenticated = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as refused:
            return HttpResponse(
                str(refused.detail), status=401, content_type="text/plain", headers={"WWW-Authenticate": "Token"}
            )
        if authenticated is not None:
            user = authenticated[0]
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user.has_perm(PERMISSION):
        return HttpResponse("Your role may not view device health.", status=403, content_type="text/plain")
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(REGISTRY), content_type=content_type)
