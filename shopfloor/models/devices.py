"""PLCs and what is read from them: a device is one endpoint on one machine, its tags say which value
means what. TagCounter is the poller's memory of a counter, kept in the same transaction as the MES
records it produced: a restart neither loses nor double-counts."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from shopfloor.choices import DataType, Protocol, SecurityMode, TagRole, WordOrder


class Device(TaktModel):
    code = code_field()
    name = models.CharField(max_length=200, blank=True)
    machine = models.ForeignKey("core.Machine", on_delete=models.PROTECT, related_name="devices")
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    host = models.CharField(max_length=255, help_text=_("Host name or IP address of the PLC."))
    port = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(65535)])
    unit_id = models.PositiveSmallIntegerField(
        default=1, validators=[MaxValueValidator(255)], help_text=_("Modbus unit (slave) id.")
    )
    endpoint_path = models.CharField(
        max_length=255, blank=True, help_text=_("OPC UA endpoint path, e.g. /freeopcua/server/.")
    )
    security_mode = models.CharField(max_length=16, choices=SecurityMode.choices, default=SecurityMode.NONE)
    poll_ms = models.PositiveIntegerField(
        default=1000,
        validators=[MinValueValidator(100)],
        help_text=_("Modbus polling interval; OPC UA subscribes at it."),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_protocol_display()} {self.host}:{self.port})"

    @property
    def endpoint_url(self) -> str:
        return f"opc.tcp://{self.host}:{self.port}{self.endpoint_path}"


class Tag(TaktModel):
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="tags")
    role = models.CharField(max_length=16, choices=TagRole.choices)
    address = models.CharField(
        max_length=255, help_text=_("Holding register number (Modbus) or node id (OPC UA, e.g. ns=2;s=Line1.Good).")
    )
    data_type = models.CharField(max_length=8, choices=DataType.choices, default=DataType.UINT16)
    word_order = models.CharField(max_length=8, choices=WordOrder.choices, default=WordOrder.BIG)
    scale = models.DecimalField(
        max_digits=12, decimal_places=6, default=Decimal("1"), help_text=_("Units per counter step.")
    )
    state_map = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("code:state pairs separated by ';' (e.g. 6:running;2:idle;11:held), or 'packml'."),
    )

    class Meta:
        ordering = ["device", "role"]
        constraints = [
            models.UniqueConstraint(fields=["device", "role"], name="shopfloor_tag_one_role_per_device"),
            models.CheckConstraint(condition=Q(scale__gt=0), name="shopfloor_tag_scale_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.device.code} {self.get_role_display()} @ {self.address}"

    def get_absolute_url(self) -> str:
        return self.device.get_absolute_url()


class TagCounter(models.Model):
    """The last raw value read from a tag and what it has counted since it was created."""

    tag = models.OneToOneField(Tag, primary_key=True, on_delete=models.CASCADE, related_name="counter")
    last_raw = models.BigIntegerField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    total = models.DecimalField(max_digits=20, decimal_places=6, default=Decimal("0"), help_text=_("In units."))
    wraps = models.PositiveIntegerField(default=0)
    resets = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.tag}: {self.last_raw}"


class DeviceHealth(models.Model):
    """What the poller last knew of a device's connection, written every few seconds."""

    device = models.OneToOneField(Device, primary_key=True, on_delete=models.CASCADE, related_name="health")
    connected = models.BooleanField(default=False)
    last_reading_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    reads_per_second = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    poller = models.CharField(max_length=100, blank=True, help_text=_("Host and shard of the poller reading it."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "device health"

    def __str__(self) -> str:
        return f"{self.device.code}: {'connected' if self.connected else 'disconnected'}"
