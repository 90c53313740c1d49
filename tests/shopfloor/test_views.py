"""The device screens: an engineer sets up a device and its tags (the models' rules refuse a bad address, a
state map that does not parse, a second tag of a role); the list shows every device's health and the device's
page what each tag read and counted; other roles read but may not change them."""

import datetime
import html as html_lib

import pytest
import time_machine
from django.urls import reverse

from core.roles import Role
from shopfloor.choices import TagRole
from shopfloor.models import Device, Tag, TagCounter
from tests.shopfloor.devices import T0, counted, healthy, machines, modbus_device  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

NOW = T0 + datetime.timedelta(seconds=10)
DEVICE = {
    "code": "PLC-P1",
    "name": "Press 1 PLC",
    "machine": "PRESS-1",
    "protocol": "modbus",
    "host": "10.0.4.21",
    "port": "502",
    "unit_id": "1",
    "endpoint_path": "",
    "security_mode": "None",
    "poll_ms": "1000",
    "active": "on",
}
TAG = {"role": "good_count", "address": "0", "data_type": "uint16", "word_order": "big", "scale": "1", "state_map": ""}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return html_lib.unescape(response.content.decode())


def test_an_engineer_sets_up_a_device_and_its_tags(client_as, machines):  # noqa: F811
    client = client_as(Role.ENGINEER)
    refused = page(client.post(reverse("shopfloor:device_add"), {**DEVICE, "machine": "NOPE", "security_mode": "Sign"}))
    assert "There is no machine NOPE." in refused
    assert "Modbus TCP has no security mode" in refused
    response = client.post(reverse("shopfloor:device_add"), DEVICE, follow=True)
    device = Device.objects.get()
    assert response.redirect_chain[-1][0] == device.get_absolute_url()
    assert (device.machine.code, device.host, device.port) == ("PRESS-1", "10.0.4.21", 502)
    assert "No tags yet" in page(response)

    add_tag = reverse("shopfloor:tag_add")
    assert f'{add_tag}?device=PLC-P1"' in page(response)  # the device page's link prefills the device
    tag = {**TAG, "device": "PLC-P1"}
    for changes, message in [
        ({"address": "40001x"}, "A Modbus address is a holding register number from 0 to 65535"),
        (
            {"address": "65535", "data_type": "uint32"},
            "A value of type uint32 takes 2 registers: it starts at register 65534",
        ),
        ({"role": "state"}, "A machine state tag needs a state map"),
        ({"role": "state", "state_map": "6:running;7:flying"}, "'7:flying' is not code:state"),
        ({"state_map": "packml"}, "Only a machine state tag has a state map."),
        ({"device": "PLC-NONE"}, "There is no device PLC-NONE."),
    ]:
        assert message in page(client.post(add_tag, {**tag, **changes})), changes
    assert not Tag.objects.exists()

    shown = page(client.post(add_tag, tag, follow=True))
    client.post(add_tag, {**tag, "role": "state", "address": "4", "state_map": "packml"})
    assert set(device.tags.values_list("role", "address")) == {("good_count", "0"), ("state", "4")}
    assert 'data-role="good_count"' in shown
    second = page(client.post(add_tag, {**tag, "address": "7"}))
    assert "Tag with this Device and Role already exists." in second


def test_the_device_list_shows_each_devices_health(client_as, machines, django_assert_max_num_queries):  # noqa: F811
    live = modbus_device(machines["PRESS-1"], "PLC-LIVE")
    healthy(live, reads="3.00")
    down = modbus_device(machines["PRESS-2"], "PLC-DOWN")
    healthy(down, connected=False, error="connect: [Errno 111] Connection refused")
    modbus_device(machines["PRESS-2"], "PLC-NEW")  # no poller has reported it
    client = client_as(Role.OPERATOR)
    with django_assert_max_num_queries(12):
        html = page(client.get(reverse("shopfloor:device_list")))
    rows = {code: html.split(f">{code}</a>")[1].split("</tr>")[0] for code in ("PLC-LIVE", "PLC-DOWN", "PLC-NEW")}
    assert "text-bg-success" in rows["PLC-LIVE"] and ">connected<" in rows["PLC-LIVE"]
    assert ">3<" in rows["PLC-LIVE"]  # reads per second
    assert ">disconnected<" in rows["PLC-DOWN"] and "Connection refused" in rows["PLC-DOWN"]
    assert ">not polled<" in rows["PLC-NEW"]
    filtered = page(client.get(reverse("shopfloor:device_list"), {"q": "DOWN"}))
    assert "PLC-DOWN" in filtered and "PLC-LIVE" not in filtered
    exported = client.get(reverse("shopfloor:device_list"), {"export": "csv"})
    lines = b"".join(exported.streaming_content).decode().splitlines()
    assert lines[0].startswith("Code,Machine,Protocol,Endpoint,Connection")
    assert "PLC-DOWN,PRESS-2,Modbus TCP,10.0.4.21:502,disconnected" in lines[1]


def test_a_devices_page_shows_its_health_and_what_each_tag_read_and_counted(client_as, machines):  # noqa: F811
    device = modbus_device(machines["PRESS-1"])
    healthy(device, reads="2.50")
    counted(device, TagRole.GOOD_COUNT, raw=65530, total="1234")
    counted(device, TagRole.STATE, raw=6, total="0")
    html = page(client_as(Role.OPERATOR).get(device.get_absolute_url()))
    health = html.split('id="device-health"')[1].split("</dl>")[0]
    assert ">connected<" in health and "read by host-a 0/1" in health and ">2.5<" in health
    good = html.split('data-role="good_count"')[1].split("</tr>")[0]
    assert ">65530<" in good and ">1234<" in good
    state = html.split('data-role="state"')[1].split("</tr>")[0]
    assert ">6<" in state and ">packml<" in state and ">1234<" not in state
    assert "Add a tag" not in html and reverse("shopfloor:tag_edit", args=[device.tags.first().pk]) not in html


def test_changing_where_a_counter_reads_rebases_it(client_as, machines):  # noqa: F811
    device = modbus_device(machines["PRESS-1"])
    counted(device, TagRole.GOOD_COUNT, raw=65530, total="1234")
    good = device.tags.get(role=TagRole.GOOD_COUNT)
    client = client_as(Role.ENGINEER)
    edit = reverse("shopfloor:tag_edit", args=[good.pk])
    assert 'value="PLC-P1"' in page(client.get(edit))  # the device by its code
    client.post(edit, {**TAG, "device": "PLC-P1", "scale": "2"})
    counter = TagCounter.objects.get(tag=good)
    assert (counter.last_raw, counter.total) == (65530, 1234)  # the scale is not where it reads
    client.post(edit, {**TAG, "device": "PLC-P1", "address": "10"})
    counter.refresh_from_db()
    # The next value read from register 10 is the baseline; what was counted stays.
    assert (counter.last_raw, counter.last_read_at, counter.total) == (None, NOW, 1234)


@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        (Role.OPERATOR, "shopfloor:device_add", 403),
        (Role.PLANNER, "shopfloor:device_edit", 403),
        (Role.PLANNER, "shopfloor:tag_add", 403),
        (Role.PARTNER, "shopfloor:device_list", 403),
        (Role.PARTNER, "shopfloor:tag_list", 403),
        (Role.ENGINEER, "shopfloor:device_edit", 200),
    ],
)
def test_only_engineers_change_devices_and_tags(client_as, machines, role, url_name, status):  # noqa: F811
    device = modbus_device(machines["PRESS-1"])
    args = [device.pk] if url_name.endswith("_edit") else []
    assert client_as(role).get(reverse(url_name, args=args)).status_code == status
    if status == 403 and url_name == "shopfloor:device_edit":
        client_as(role).post(reverse(url_name, args=args), {**DEVICE, "host": "10.9.9.9"})
        device.refresh_from_db()
        assert device.host == "10.0.4.21"


def test_the_tag_list_shows_every_tags_counter(client_as, machines):  # noqa: F811
    device = modbus_device(machines["PRESS-1"])
    counted(device, TagRole.REJECT_COUNT, raw=12, total="12")
    html = page(client_as(Role.QUALITY).get(reverse("shopfloor:tag_list"), {"role": "reject_count"}))
    assert html.count("<tr") == 2  # the header and the reject counter
    assert "PLC-P1" in html and ">12<" in html and "Unsigned 32-bit" in html


def test_the_shopfloor_menu_lists_devices_and_tags(client_as):
    home = page(client_as(Role.OPERATOR).get("/"))
    assert reverse("shopfloor:device_list") in home and reverse("shopfloor:tag_list") in home
    assert reverse("shopfloor:device_list") not in page(client_as(Role.PARTNER).get("/"))


def test_the_admin_console_saves_tags_through_the_service_too(client, make_user, machines):  # noqa: F811
    device = modbus_device(machines["PRESS-1"])
    counted(device, TagRole.GOOD_COUNT, raw=500, total="40")
    good = device.tags.get(role=TagRole.GOOD_COUNT)
    client.force_login(make_user(Role.ADMIN, is_staff=True))
    response = client.post(f"/admin/shopfloor/tag/{good.pk}/change/", {**TAG, "device": device.pk, "address": "12"})
    assert response.status_code == 302 and response["Location"] == "/admin/shopfloor/tag/"
    counter = TagCounter.objects.get(tag=good)
    assert (counter.last_raw, counter.total) == (None, 40)
