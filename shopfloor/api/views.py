"""The shopfloor API (docs/shopfloor.md "API and metrics"):

/api/v1/shopfloor/devices/<code>/        devices, by code, with their tags (read-only here)
/api/v1/shopfloor/tags/<id>/             tags (?device=<code>&role=good_count)
/api/v1/shopfloor/counters/<tag id>/     what each counter tag read last and counted (read-only)
/api/v1/shopfloor/device-status/<code>/  connection, last reading, error, reads/s and per tag the last raw
                                         value and total: the figures of `shopfloor_status --json`
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from shopfloor.api.serializers import (
    DeviceSerializer,
    DeviceStatusSerializer,
    TagCounterSerializer,
    TagSerializer,
)
from shopfloor.filtersets import DeviceFilterSet, TagCounterFilterSet, TagFilterSet
from shopfloor.models import Device, Tag, TagCounter
from shopfloor.poller.decoding import COUNTER_ROLES
from shopfloor.selectors.devices import device_status


@extend_schema_view(
    list=extend_schema(summary="Devices with their tags; filters machine, protocol, active, q"),
    retrieve=extend_schema(summary="One device, by its code"),
    create=extend_schema(summary="A PLC endpoint on a machine (Modbus TCP or OPC UA)"),
    update=extend_schema(summary="Change a device; a new protocol or unit id rebases its tags' counters"),
    partial_update=extend_schema(summary="Change some of a device's fields"),
    destroy=extend_schema(summary="Delete a device with its tags and their counters"),
)
class DeviceViewSet(viewsets.ModelViewSet):
    queryset = Device.objects.select_related("machine").prefetch_related("tags").order_by("code")
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilterSet
    ordering_fields = ("code", "machine__code", "protocol", "host")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # codes may hold dots


@extend_schema_view(
    list=extend_schema(summary="Tags; filters device, role, data type, q"),
    retrieve=extend_schema(summary="One tag"),
    create=extend_schema(summary="A value read from a device: its role, address, data type and state map"),
    update=extend_schema(summary="Change a tag; a new address, data type or word order rebases its counter"),
    partial_update=extend_schema(summary="Change some of a tag's fields"),
    destroy=extend_schema(summary="Delete a tag with its counter"),
)
class TagViewSet(viewsets.ModelViewSet):
    queryset = Tag.objects.select_related("device").order_by("device__code", "role")
    serializer_class = TagSerializer
    filterset_class = TagFilterSet
    ordering_fields = ("device__code", "role", "address")


@extend_schema_view(
    list=extend_schema(summary="Counter tags: the last raw value read and the units counted; filters device, role"),
    retrieve=extend_schema(summary="One counter, by its tag's id"),
)
class TagCounterViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = (
        TagCounter.objects.filter(tag__role__in=COUNTER_ROLES)
        .select_related("tag__device")
        .order_by("tag__device__code", "tag__role")
    )
    serializer_class = TagCounterSerializer
    filterset_class = TagCounterFilterSet
    ordering_fields = ("tag__device__code", "total", "last_read_at")


@extend_schema_view(
    list=extend_schema(
        summary="Every device's connection, last reading, error and reads per second, and per tag the last raw "
        "value and the units counted: the figures of `shopfloor_status --json`; filters as devices"
    ),
    retrieve=extend_schema(summary="One device's status, by its code"),
)
class DeviceStatusViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Device.objects.order_by("code")
    serializer_class = DeviceStatusSerializer
    filterset_class = DeviceFilterSet
    ordering_fields = ("code",)
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = {row["code"]: row for row in device_status(devices=Device.objects.filter(pk__in=[d.pk for d in page]))}
        data = self.get_serializer([rows[device.code] for device in page], many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        (row,) = device_status(devices=Device.objects.filter(pk=self.get_object().pk))
        return Response(self.get_serializer(row).data)
