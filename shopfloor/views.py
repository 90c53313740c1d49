"""The device screens (Shopfloor menu, docs/shopfloor.md "Setting up devices"): devices with their health
(connected, last reading, error, reads per second: `device_status`, the figures of `shopfloor_status` and the
API), a device's page with its tags and what each last read and counted, and the device and tag forms for the
engineers. The models' rules check them, the services save them."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.navigation import model_item
from core.views.generic import ObjectDetailView, ObjectScreens
from shopfloor.filtersets import DeviceFilterSet, TagFilterSet
from shopfloor.forms import DeviceForm, TagForm
from shopfloor.models import Device, Tag
from shopfloor.selectors.devices import device_status
from shopfloor.tables import DeviceStatusTable, TagTable, connection_badge


class DeviceDetailView(ObjectDetailView):
    """A device, its health, and its tags with the last raw value read and the units counted."""

    template_name = "shopfloor/device_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device, user = self.object, self.request.user
        (status,) = device_status(devices=Device.objects.filter(pk=device.pk))
        tags = {tag.role: tag for tag in device.tags.all()}  # one tag per role
        context.update(
            status=status,
            connection=connection_badge(status["connection"]),
            tags=[(tags[row["role"]], row) for row in status["tags"] if row["role"] in tags],
            can_change_tag=user.has_perm("shopfloor.change_tag"),
            can_delete_tag=user.has_perm("shopfloor.delete_tag"),
            add_tag_url=(
                f"{reverse('shopfloor:tag_add')}?{urlencode({'device': device.code})}"
                if user.has_perm("shopfloor.add_tag")
                else ""
            ),
        )
        return context


DEVICES = ObjectScreens(
    model=Device,
    table=DeviceStatusTable,
    filterset=DeviceFilterSet,
    form=DeviceForm,
    select_related=("machine",),
    detail_view=DeviceDetailView,
)
TAGS = ObjectScreens(
    model=Tag,
    table=TagTable,
    filterset=TagFilterSet,
    form=TagForm,
    select_related=("device", "counter"),
)

MENU = (model_item(_("Devices"), "shopfloor.device"), model_item(_("Tags"), "shopfloor.tag"))

urlpatterns = [*DEVICES.urls(), *TAGS.urls()]
