import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import filterset
from plm import models

BomRevisionFilterSet = filterset(
    models.BomRevision,
    ["state", "eco"],
    search=("item__code", "item__name", "note"),
    item=django_filters.CharFilter(field_name="item__code", label=_("Item code")),
)
RoutingRevisionFilterSet = filterset(
    models.RoutingRevision,
    ["state", "eco"],
    search=("item__code", "item__name", "note"),
    item=django_filters.CharFilter(field_name="item__code", label=_("Item code")),
)
EngineeringChangeOrderFilterSet = filterset(
    models.EngineeringChangeOrder, ["state"], search=("number", "title", "reason")
)
AttachmentFilterSet = filterset(models.Attachment, ["content_type"], search=("name", "description"))
