from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, ModelChoiceFilter, NumberFilter

from core.filtersets import filterset
from core.models import Item
from plm import models
from plm.models.attachments import attachment_targets


def _item_by_code():
    return ModelChoiceFilter(queryset=Item.objects.all(), to_field_name="code", label=_("Item code"))


def _filter_target_type(queryset, name, value):
    return queryset.filter(content_type=ContentType.objects.get_for_model(attachment_targets()[value]))


BomRevisionFilterSet = filterset(
    models.BomRevision, ["state", "eco"], search=("item__code", "item__name", "note"), item=_item_by_code()
)
RoutingRevisionFilterSet = filterset(
    models.RoutingRevision, ["state", "eco"], search=("item__code", "item__name", "note"), item=_item_by_code()
)
BomLineFilterSet = filterset(models.BomLine, ["bom"], search=("component__code", "component__name"))
RoutingOperationFilterSet = filterset(models.RoutingOperation, ["routing"], search=("name", "work_center__code"))
EngineeringChangeOrderFilterSet = filterset(
    models.EngineeringChangeOrder, ["state"], search=("number", "title", "reason")
)
AttachmentFilterSet = filterset(
    models.Attachment,
    [],
    search=("name", "description"),
    target_type=ChoiceFilter(
        choices=[(name, name) for name in sorted(attachment_targets())], method=_filter_target_type
    ),
    target_id=NumberFilter(field_name="object_id"),
)
