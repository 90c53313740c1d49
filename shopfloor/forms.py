"""Forms of the device screens: a device on its machine and the tags read from it. Both are checked by the
models' own rules and saved by the services, which rebase a counter that reads elsewhere from now on."""

from django.utils.translation import gettext_lazy as _

from core.forms import CodeField, CodesShownMixin, TaktModelForm
from core.models import Machine
from shopfloor.models import Device, Tag
from shopfloor.services.devices import device_save, tag_save


class DeviceForm(CodesShownMixin, TaktModelForm):
    machine = CodeField(Machine.objects.all(), what=_("machine"))

    class Meta:
        model = Device
        fields = (
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
        )

    def save(self, commit: bool = True) -> Device:
        return device_save(device=self.instance) if commit else self.instance


class TagForm(CodesShownMixin, TaktModelForm):
    device = CodeField(Device.objects.all(), what=_("device"))

    class Meta:
        model = Tag
        fields = ("device", "role", "address", "data_type", "word_order", "scale", "state_map")

    def save(self, commit: bool = True) -> Tag:
        return tag_save(tag=self.instance) if commit else self.instance
