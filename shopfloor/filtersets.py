"""FilterSets of the device lists, shared by the screens and the API (`?machine=ASSY-1&protocol=modbus`,
`?device=PLC-ASSY-1&role=good_count`). Machines and devices are filtered by code; an unknown code is a 400
naming the filter."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet, code_filter
from core.forms import FilterForm
from core.models import Machine
from shopfloor.choices import DataType, Protocol, TagRole
from shopfloor.models import Device, Tag, TagCounter
from shopfloor.poller.decoding import COUNTER_ROLES


def _device(field_name: str) -> django_filters.Filter:
    return code_filter(Device.objects.all(), _("Device code"), field_name)


class DeviceFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "host", "machine__code")
    machine = code_filter(Machine.objects.all(), _("Machine code"), "machine")
    protocol = django_filters.ChoiceFilter(choices=Protocol.choices, label=_("Protocol"))

    class Meta:
        model = Device
        fields = ["machine", "protocol", "active"]
        form = FilterForm


class TagFilterSet(SearchFilterSet):
    search_fields = ("device__code", "address")
    device = _device("device")
    role = django_filters.ChoiceFilter(choices=TagRole.choices, label=_("Role"))
    data_type = django_filters.ChoiceFilter(choices=DataType.choices, label=_("Data type"))

    class Meta:
        model = Tag
        fields = ["device", "role", "data_type"]
        form = FilterForm


class TagCounterFilterSet(django_filters.FilterSet):
    device = _device("tag__device")
    role = django_filters.ChoiceFilter(
        field_name="tag__role",
        choices=[(role, label) for role, label in TagRole.choices if role in COUNTER_ROLES],
        label=_("Role"),
    )

    class Meta:
        model = TagCounter
        fields = ["device", "role"]
        form = FilterForm
