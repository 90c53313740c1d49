"""Devices, tags, counters and device status in the API. Devices are named by their code, machines too; a
tag by its id, or by its device and role (one tag per role and device). Writes are checked by the models' own
rules (FullCleanSerializer) and saved by the services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import FullCleanSerializer, StrictInputMixin, by_code
from core.models import Machine
from mes.choices import MachineState
from shopfloor.choices import DataType, Protocol, TagRole
from shopfloor.models import Device, Tag, TagCounter
from shopfloor.services.devices import device_save, tag_save

CONNECTIONS = ("connected", "disconnected", "not polled")


class DeviceTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ("id", "role", "address", "data_type", "word_order", "scale", "state_map")
        read_only_fields = fields


class DeviceSerializer(StrictInputMixin, FullCleanSerializer):
    machine = by_code(Machine)
    tags = DeviceTagSerializer(many=True, read_only=True, help_text=_("Written at /api/v1/shopfloor/tags/."))

    class Meta:
        model = Device
        fields = (
            "id",
            "code",
            "name",
            "machine",
            "protocol",
            "host",
            "port",
            "unit_id",
            "endpoint_path",
            "security_mode",
            "poll_ms",
            "active",
            "tags",
        )

    def create(self, validated_data) -> Device:
        return device_save(device=Device(**validated_data))

    def update(self, instance: Device, validated_data) -> Device:
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return device_save(device=instance)


class TagSerializer(StrictInputMixin, FullCleanSerializer):
    device = by_code(Device)

    class Meta:
        model = Tag
        fields = ("id", "device", "role", "address", "data_type", "word_order", "scale", "state_map")

    def create(self, validated_data) -> Tag:
        return tag_save(tag=Tag(**validated_data))

    def update(self, instance: Tag, validated_data) -> Tag:
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return tag_save(tag=instance)


class TagCounterSerializer(serializers.ModelSerializer):
    device = serializers.CharField(source="tag.device.code")
    role = serializers.ChoiceField(source="tag.role", choices=TagRole.choices)
    address = serializers.CharField(source="tag.address")

    class Meta:
        model = TagCounter
        fields = ("tag", "device", "role", "address", "last_raw", "last_read_at", "total", "wraps", "resets")
        read_only_fields = fields


# --- Device status: the rows of shopfloor.selectors.devices.device_status -------------------------------------


class TagStatusSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=TagRole.choices)
    address = serializers.CharField()
    data_type = serializers.ChoiceField(choices=DataType.choices)
    last_raw = serializers.IntegerField(allow_null=True, help_text=_("The last raw value read; null before the first."))
    last_read_at = serializers.DateTimeField(allow_null=True)
    total = serializers.DecimalField(
        max_digits=20,
        decimal_places=6,
        allow_null=True,
        help_text=_("Units counted since the tag was created (good and reject counts); null for other roles."),
    )
    wraps = serializers.IntegerField()
    resets = serializers.IntegerField()


class DeviceStatusSerializer(serializers.Serializer):
    code = serializers.CharField()
    machine = serializers.CharField()
    protocol = serializers.ChoiceField(choices=Protocol.choices)
    endpoint = serializers.CharField(help_text=_("host:port (Modbus TCP) or the endpoint URL (OPC UA)."))
    active = serializers.BooleanField()
    connection = serializers.ChoiceField(
        choices=CONNECTIONS,
        help_text=_("not polled: no poller has reported the device for 30 s."),
    )
    machine_state = serializers.ChoiceField(choices=MachineState.choices, allow_null=True)
    last_reading_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    reads_per_second = serializers.DecimalField(max_digits=10, decimal_places=2)
    poller = serializers.CharField(allow_blank=True, help_text=_("Host and shard of the poller reading it."))
    health_at = serializers.DateTimeField(allow_null=True, help_text=_("When the poller last reported it."))
    tags = TagStatusSerializer(many=True)
