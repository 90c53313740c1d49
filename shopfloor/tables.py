"""Tables of the device screens: devices with their health, and tags with what their counters hold."""

import django_tables2 as tables
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.formatting import format_quantity
from core.tables import DateTimeColumn, DecimalColumn, QuantityColumn, TaktTable
from mes.choices import MachineState
from shopfloor.choices import Protocol
from shopfloor.models import Device, Tag
from shopfloor.poller.decoding import COUNTER_ROLES
from shopfloor.selectors.devices import device_status

CONNECTIONS = {
    "connected": (_("connected"), "success"),
    "disconnected": (_("disconnected"), "danger"),
    "not polled": (_("not polled"), "secondary"),
}


def connection_badge(connection: str) -> str:
    label, style = CONNECTIONS[connection]
    return format_html('<span class="badge text-bg-{}">{}</span>', style, label)


def _status_rows(devices: QuerySet[Device]) -> list[dict]:
    """`device_status` of the devices, each row with the device's id for its link."""
    ids = dict(devices.values_list("code", "pk"))
    return [{**row, "id": ids[row["code"]]} for row in device_status(devices=devices)]


class DeviceStatusTable(TaktTable):
    """Devices with their health as `device_status` has it: the figures of `shopfloor_status` and the API."""

    code = tables.Column(
        verbose_name=_("Code"), linkify=lambda record: reverse("shopfloor:device_detail", args=[record["id"]])
    )
    machine = tables.Column(verbose_name=_("Machine"))
    protocol = tables.Column(verbose_name=_("Protocol"))
    endpoint = tables.Column(verbose_name=_("Endpoint"))
    connection = tables.Column(verbose_name=_("Connection"))
    last_reading_at = DateTimeColumn(verbose_name=_("Last reading"), default="")
    reads_per_second = QuantityColumn(verbose_name=_("Reads/s"))
    last_error = tables.Column(verbose_name=_("Error"), default="")
    machine_state = tables.Column(verbose_name=_("Machine state"), default="")
    active = tables.BooleanColumn(verbose_name=_("Active"))

    def __init__(self, data: QuerySet[Device], *args, **kwargs):
        super().__init__(_status_rows(data), *args, **kwargs)

    def render_protocol(self, value: str) -> str:
        return Protocol(value).label

    def render_connection(self, value: str) -> str:
        return connection_badge(value)

    def value_connection(self, value: str) -> str:
        return value

    def render_machine_state(self, value: str) -> str:
        return MachineState(value).label


class TagTable(TaktTable):
    device = tables.Column(
        accessor="device__code", linkify=lambda record: record.device.get_absolute_url(), order_by=("device__code",)
    )
    scale = DecimalColumn()
    last_raw = tables.Column(accessor="counter__last_raw", verbose_name=_("Last raw value"), default="")
    last_read_at = DateTimeColumn(accessor="counter__last_read_at", verbose_name=_("Read at"), default="")
    total = QuantityColumn(accessor="counter__total", verbose_name=_("Counted"), default="")

    class Meta(TaktTable.Meta):
        model = Tag
        fields = ("device", "role", "address", "data_type", "word_order", "scale", "state_map")
        sequence = ("device", "role", "address", "data_type", "word_order", "scale", "state_map", "last_raw")

    def render_total(self, value, record: Tag):
        # Units are counted by the counter roles only; a state or alarm tag's total means nothing.
        return format_quantity(value) if record.role in COUNTER_ROLES else ""
