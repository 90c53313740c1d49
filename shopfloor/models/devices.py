"""PLCs and what is read from them: a device is one endpoint on one machine, its tags say which value
means what. TagCounter is the poller's memory of a counter, kept in the same transaction as the MES
records it produced: a restart neither loses nor double-counts."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.base import TaktModel, code_field
from shopfloor.choices import REGISTERS, DataType, Protocol, SecurityMode, TagRole, WordOrder

LAST_REGISTER = 65535


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

    def clean(self) -> None:
        self.host, self.endpoint_path = self.host.strip(), self.endpoint_path.strip()
        errors = {}
        if "/" in self.host or any(char.isspace() for char in self.host):
            errors["host"] = _("A host name or IP address, without a scheme, port or path (e.g. 10.0.4.21).")
        if self.protocol == Protocol.MODBUS:
            if self.endpoint_path:
                errors["endpoint_path"] = _("Only OPC UA has an endpoint path; leave it empty for Modbus TCP.")
            if self.security_mode != SecurityMode.NONE:
                errors["security_mode"] = _("Modbus TCP has no security mode; choose None.")
        elif self.endpoint_path and not self.endpoint_path.startswith("/"):
            errors["endpoint_path"] = _("An endpoint path starts with / (e.g. /freeopcua/server/).")
        if errors:
            raise ValidationError(
                {field: ValidationError(message, code="invalid_setup") for field, message in errors.items()}
            )


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

    def clean(self) -> None:
        """The address fits the device's protocol and the data type; the state map parses. Reads the device
        (assign it as an object where many tags are checked)."""
        # The state maps are read where readings are recorded; that module imports the models.
        from shopfloor.services.readings import parse_state_map

        self.address, self.state_map = self.address.strip(), self.state_map.strip()
        errors: dict[str, ValidationError] = {}
        if self.device_id is not None and self.address:
            problem = address_problem(self.device.protocol, self.address, self.data_type)
            if problem:
                errors["address"] = ValidationError(problem, code="invalid_address")
        if self.scale is not None and self.scale <= 0:
            errors["scale"] = ValidationError(_("The units per counter step are more than 0."), code="min_value")
        if self.role == TagRole.STATE:
            if not self.state_map:
                errors["state_map"] = ValidationError(
                    _("A machine state tag needs a state map: code:state pairs (6:running;2:idle) or packml."),
                    code="missing_state_map",
                )
            else:
                try:
                    parse_state_map(self.state_map)
                except ValidationError as refused:
                    errors["state_map"] = refused
        elif self.state_map:
            errors["state_map"] = ValidationError(
                _("Only a machine state tag has a state map."), code="not_a_state_tag"
            )
        if errors:
            raise ValidationError(errors)


def address_problem(protocol: str, address: str, data_type: str) -> str | None:
    """What is wrong with a tag's address on a device of `protocol`, or None: Modbus reads a holding register
    number (zero-based, as sent on the wire) that leaves room for the data type's registers; OPC UA a node id."""
    if protocol == Protocol.MODBUS:
        registers = REGISTERS.get(data_type, 1)
        last_start = LAST_REGISTER - registers + 1
        if not address.isdigit() or int(address) > LAST_REGISTER:
            return _("A Modbus address is a holding register number from 0 to %(last)s (register 40001 is 0).") % {
                "last": LAST_REGISTER
            }
        if int(address) > last_start:
            return _(
                "A value of type %(type)s takes %(count)s registers: it starts at register %(last)s at the latest."
            ) % {
                "type": data_type,
                "count": registers,
                "last": last_start,
            }
        return None
    # asyncua takes half a second to import: only a check of an OPC UA address needs it.
    from asyncua import ua

    try:
        node = ua.NodeId.from_string(address)
    except (ValueError, ua.UaError):
        node = None
    if node is None or node.Identifier in ("", None):
        return _("An OPC UA address is a node id, e.g. ns=2;s=Line1.Good or ns=3;i=1001.")
    return None


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
