"""/metrics: the active devices' health and the counters' totals in the Prometheus text format, for a scraper
holding an API token of a role that may view device health; nobody else."""

import datetime

import pytest
import time_machine
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token

from core.roles import Role
from shopfloor.choices import TagRole
from tests.shopfloor.devices import T0, counted, healthy, machines, modbus_device  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

NOW = T0 + datetime.timedelta(seconds=10)


@pytest.fixture
def plant(machines):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        live = modbus_device(machines["PRESS-1"], "PLC-A")
        healthy(live, reads="4.25")
        counted(live, TagRole.GOOD_COUNT, raw=65530, total="1234.5", resets=2)
        counted(live, TagRole.REJECT_COUNT, raw=3, total="3")
        down = modbus_device(machines["PRESS-2"], "PLC-B")
        healthy(down, connected=False, reads="0", error="connect: timed out")
        modbus_device(machines["PRESS-2"], "PLC-OFF", active=False)


def scrape(client: Client, token: str, at: datetime.datetime, **headers):
    with time_machine.travel(at, tick=False):
        return client.get("/metrics", HTTP_AUTHORIZATION=f"Token {token}", **headers)


def samples(response) -> dict[tuple, float]:
    """{(sample name, device, role or protocol): value} of the shopfloor's families in a text exposition."""
    return {
        (sample.name, sample.labels["device"], sample.labels.get("role", sample.labels.get("protocol"))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        if family.name.startswith("takt_shopfloor_")
        for sample in family.samples
    }


def test_a_scraper_with_a_token_reads_every_active_devices_figures(client, make_user, plant):
    token = Token.objects.create(user=make_user(Role.ENGINEER)).key
    response = scrape(client, token, NOW + datetime.timedelta(seconds=5))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response["Cache-Control"].startswith("max-age=0")
    text = response.content.decode()
    assert "# TYPE takt_shopfloor_tag_counted_units_total counter" in text
    assert 'takt_shopfloor_device_connected{device="PLC-A",machine="PRESS-1",protocol="modbus"} 1.0' in text
    figures = samples(response)
    assert figures == {
        ("takt_shopfloor_device_connected", "PLC-A", "modbus"): 1,
        ("takt_shopfloor_device_connected", "PLC-B", "modbus"): 0,
        ("takt_shopfloor_device_polled", "PLC-A", "modbus"): 1,
        ("takt_shopfloor_device_polled", "PLC-B", "modbus"): 1,
        ("takt_shopfloor_device_reads_per_second", "PLC-A", "modbus"): 4.25,
        ("takt_shopfloor_device_reads_per_second", "PLC-B", "modbus"): 0,
        # The health says the last reading was at T0; the scrape is 15 s later.
        ("takt_shopfloor_device_seconds_since_last_reading", "PLC-A", "modbus"): 15,
        ("takt_shopfloor_device_seconds_since_last_reading", "PLC-B", "modbus"): 15,
        ("takt_shopfloor_tag_counted_units_total", "PLC-A", "good_count"): 1234.5,
        ("takt_shopfloor_tag_counted_units_total", "PLC-A", "reject_count"): 3,
        ("takt_shopfloor_tag_counted_units_total", "PLC-B", "good_count"): 0,
        ("takt_shopfloor_tag_counted_units_total", "PLC-B", "reject_count"): 0,
        ("takt_shopfloor_tag_counter_resets_total", "PLC-A", "good_count"): 2,
        ("takt_shopfloor_tag_counter_resets_total", "PLC-A", "reject_count"): 0,
        ("takt_shopfloor_tag_counter_resets_total", "PLC-B", "good_count"): 0,
        ("takt_shopfloor_tag_counter_resets_total", "PLC-B", "reject_count"): 0,
    }

    # A minute on, no poller has reported for 30 s: nothing is connected or polled.
    stale = samples(scrape(client, token, NOW + datetime.timedelta(seconds=60)))
    assert stale["takt_shopfloor_device_polled", "PLC-A", "modbus"] == 0
    assert stale["takt_shopfloor_device_connected", "PLC-A", "modbus"] == 0


def test_openmetrics_is_served_to_a_scraper_that_asks_for_it(client, make_user, plant):
    token = Token.objects.create(user=make_user(Role.OPERATOR)).key
    response = scrape(client, token, NOW, HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert response.content.decode().endswith("# EOF\n")


def test_who_may_not_view_device_health_gets_no_metrics(client, make_user, client_as, plant):
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 302 and anonymous["Location"] == "/accounts/login/?next=/metrics"
    bad_token = client.get("/metrics", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad_token.status_code == 401 and bad_token["WWW-Authenticate"] == "Token"
    partner = Token.objects.create(user=make_user(Role.PARTNER)).key
    assert scrape(client, partner, NOW).status_code == 403
    assert client.post("/metrics").status_code in (302, 405)
    signed_in = client_as(Role.QUALITY).get("/metrics")  # a person in the browser
    assert signed_in.status_code == 200 and b"takt_shopfloor_device_connected" in signed_in.content
