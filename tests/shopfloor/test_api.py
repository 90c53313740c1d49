"""The shopfloor API: devices by code with their tags, tags, read-only counters, and device status with the
figures of `shopfloor_status --json`; bad input is a 400 naming the field, never a 500; only engineers write."""

import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from core.roles import Role
from shopfloor.choices import TagRole
from shopfloor.models import Device, Tag, TagCounter
from tests.shopfloor.devices import T0, counted, healthy, machines, modbus_device  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

NOW = T0 + datetime.timedelta(seconds=10)
DEVICES, TAGS = "/api/v1/shopfloor/devices/", "/api/v1/shopfloor/tags/"
DEVICE = {"code": "PLC-P1", "machine": "PRESS-1", "protocol": "modbus", "host": "10.0.4.21", "port": 502}
OPCUA = {
    "code": "UA-P2",
    "machine": "PRESS-2",
    "protocol": "opcua",
    "host": "10.0.4.22",
    "port": 4840,
    "endpoint_path": "/line/",
    "security_mode": "SignAndEncrypt",
}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def errors(response) -> set[tuple[str | None, str]]:
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]) for error in response.json()["errors"]}


def test_devices_and_tags_are_created_read_changed_and_deleted_by_code(api_as, machines):  # noqa: F811
    api = api_as(Role.ENGINEER)
    created = api.post(DEVICES, DEVICE, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["machine"] == "PRESS-1" and created.json()["tags"] == []
    assert api.post(DEVICES, OPCUA, format="json").status_code == 201
    for tag in [
        {"device": "PLC-P1", "role": "good_count", "address": "0"},
        {"device": "PLC-P1", "role": "state", "address": "4", "state_map": "6:running;2:stopped;11:held"},
        {"device": "UA-P2", "role": "good_count", "address": "ns=2;s=Line2.Good", "data_type": "uint32"},
    ]:
        response = api.post(TAGS, tag, format="json")
        assert response.status_code == 201, response.content

    device = api.get(f"{DEVICES}PLC-P1/").json()
    assert [(tag["role"], tag["address"]) for tag in device["tags"]] == [("good_count", "0"), ("state", "4")]
    changed = api.patch(f"{DEVICES}PLC-P1/", {"host": "10.0.4.31", "poll_ms": 500}, format="json")
    assert (changed.json()["host"], changed.json()["poll_ms"]) == ("10.0.4.31", 500)
    assert api.get(TAGS, {"device": "UA-P2"}).json()["count"] == 1
    assert api.get(DEVICES, {"protocol": "opcua"}).json()["results"][0]["security_mode"] == "SignAndEncrypt"

    assert api.delete(f"{DEVICES}UA-P2/").status_code == 204
    assert not Tag.objects.filter(device__code="UA-P2").exists()
    assert api.get(f"{DEVICES}UA-P2/").status_code == 404


def test_bad_devices_and_tags_are_400s_naming_the_field(api_as, machines):  # noqa: F811
    api = api_as(Role.ENGINEER)
    assert errors(api.post(DEVICES, {**DEVICE, "machine": "NOPE", "port": 70000}, format="json")) == {
        ("machine", "does_not_exist"),
        ("port", "max_value"),
    }
    assert errors(api.post(DEVICES, {**DEVICE, "security_mode": "Sign", "endpoint_path": "/x"}, format="json")) == {
        ("security_mode", "invalid_setup"),
        ("endpoint_path", "invalid_setup"),
    }
    assert errors(api.post(DEVICES, {**DEVICE, "tags": []}, format="json")) == {("tags", "read_only")}
    api.post(DEVICES, DEVICE, format="json")
    api.post(DEVICES, OPCUA, format="json")
    assert errors(api.post(DEVICES, DEVICE, format="json")) == {("code", "unique")}

    good = {"device": "PLC-P1", "role": "good_count", "address": "0"}
    for changes, expected in [
        ({"address": "-1"}, ("address", "invalid_address")),
        ({"address": "65535", "data_type": "float32"}, ("address", "invalid_address")),
        ({"device": "UA-P2", "address": "Line2.Good"}, ("address", "invalid_address")),
        ({"role": "state"}, ("state_map", "missing_state_map")),
        ({"role": "state", "state_map": "6:running;x:idle"}, ("state_map", "invalid_state_map")),
        ({"data_type": "int64"}, ("data_type", "invalid_choice")),
        ({"scale": "0"}, ("scale", "min_value")),
    ]:
        assert expected in errors(api.post(TAGS, {**good, **changes}, format="json")), changes
    assert api.post(TAGS, good, format="json").status_code == 201
    assert errors(api.post(TAGS, {**good, "address": "9"}, format="json")) == {(None, "unique")}
    assert Tag.objects.count() == 1


def test_reading_roles_may_not_write_and_partners_may_not_read(api_as, machines):  # noqa: F811
    modbus_device(machines["PRESS-1"])
    operator = api_as(Role.OPERATOR)
    assert operator.get(f"{DEVICES}PLC-P1/").status_code == 200
    assert operator.patch(f"{DEVICES}PLC-P1/", {"host": "10.9.9.9"}, format="json").status_code == 403
    assert operator.post(TAGS, {"device": "PLC-P1", "role": "alarm", "address": "9"}, format="json").status_code == 403
    assert Device.objects.get().host == "10.0.4.21"
    partner = api_as(Role.PARTNER)
    for url in (DEVICES, TAGS, "/api/v1/shopfloor/counters/", "/api/v1/shopfloor/device-status/"):
        assert partner.get(url).status_code == 403, url


def test_changing_a_tags_address_rebases_its_counter(api_as, machines):  # noqa: F811
    device = modbus_device(machines["PRESS-1"])
    counted(device, TagRole.GOOD_COUNT, raw=500, total="40")
    good = device.tags.get(role=TagRole.GOOD_COUNT)
    api = api_as(Role.ENGINEER)
    assert api.patch(f"{TAGS}{good.pk}/", {"scale": "2"}, format="json").status_code == 200
    assert TagCounter.objects.get(tag=good).last_raw == 500
    assert api.patch(f"{TAGS}{good.pk}/", {"address": "20"}, format="json").status_code == 200
    counter = TagCounter.objects.get(tag=good)
    assert (counter.last_raw, counter.last_read_at, counter.total) == (None, NOW, 40)


def test_counters_are_read_only_and_show_what_each_counter_counted(api_as, machines):  # noqa: F811
    device = modbus_device(machines["PRESS-1"])
    counted(device, TagRole.GOOD_COUNT, raw=65530, total="1234.5", resets=1)
    counted(device, TagRole.REJECT_COUNT, raw=7, total="7")
    counted(device, TagRole.STATE, raw=6, total="0")
    api = api_as(Role.OPERATOR)
    listed = api.get("/api/v1/shopfloor/counters/", {"device": "PLC-P1", "ordering": "-total"}).json()
    assert [(row["role"], row["last_raw"], row["total"], row["resets"]) for row in listed["results"]] == [
        ("good_count", 65530, "1234.500000", 1),
        ("reject_count", 7, "7.000000", 0),
    ]
    good = device.tags.get(role=TagRole.GOOD_COUNT).pk
    assert api.get(f"/api/v1/shopfloor/counters/{good}/").json()["address"] == "0"
    admin = api_as(Role.ADMIN)  # who holds every permission still cannot write a counter
    assert admin.post("/api/v1/shopfloor/counters/", {"tag": good}, format="json").status_code == 405
    assert admin.patch(f"/api/v1/shopfloor/counters/{good}/", {"total": "0"}, format="json").status_code == 405


def figures(rows: list[dict]) -> list[dict]:
    """Status rows with their decimals as numbers: the command prints a device never read as 0, the API as
    the field's scale (0.00)."""

    def number(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return [
        {
            **row,
            "reads_per_second": number(row["reads_per_second"]),
            "tags": [{**tag, "total": number(tag["total"])} for tag in row["tags"]],
        }
        for row in rows
    ]


def test_device_status_shows_the_figures_of_shopfloor_status_json(api_as, machines):  # noqa: F811
    live = modbus_device(machines["PRESS-1"], "PLC-A")
    healthy(live, reads="4.25")
    counted(live, TagRole.GOOD_COUNT, raw=65530, total="1234.5")
    counted(live, TagRole.STATE, raw=6, total="0")
    down = modbus_device(machines["PRESS-2"], "PLC-B")
    healthy(down, connected=False, error="connect: timed out")
    modbus_device(machines["PRESS-2"], "PLC-C", active=False)

    printed = io.StringIO()
    call_command("shopfloor_status", "--json", stdout=printed)
    api = api_as(Role.OPERATOR)
    listed = api.get("/api/v1/shopfloor/device-status/").json()
    assert listed["count"] == 3
    assert figures(listed["results"]) == figures(json.loads(printed.getvalue()))
    assert api.get("/api/v1/shopfloor/device-status/PLC-B/").json() == listed["results"][1]
    assert [row["connection"] for row in listed["results"]] == ["connected", "disconnected", "not polled"]
    assert listed["results"][0]["tags"][0] == {
        "role": "good_count",
        "address": "0",
        "data_type": "uint16",
        "last_raw": 65530,
        "last_read_at": "2026-11-23T06:00:00Z",
        "total": "1234.500000",
        "wraps": 0,
        "resets": 0,
    }
    filtered = api.get("/api/v1/shopfloor/device-status/", {"machine": "PRESS-2", "active": "true"}).json()
    assert [row["code"] for row in filtered["results"]] == ["PLC-B"]
