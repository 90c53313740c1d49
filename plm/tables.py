import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.tables import TaktTable
from plm import models


class RevisionTable(TaktTable):
    item = tables.Column(
        linkify=lambda record: reverse("plm:item_engineering", args=[record.item_id]), order_by=("item__code",)
    )
    revision = tables.Column(linkify=True)
    eco = tables.Column(linkify=True, verbose_name=_("ECO"))

    class Meta(TaktTable.Meta):
        fields = ("item", "revision", "state", "effective_from", "effective_to", "eco", "updated_at")


class BomRevisionTable(RevisionTable):
    class Meta(RevisionTable.Meta):
        model = models.BomRevision


class RoutingRevisionTable(RevisionTable):
    class Meta(RevisionTable.Meta):
        model = models.RoutingRevision


class EngineeringChangeOrderTable(TaktTable):
    number = tables.Column(linkify=True)

    class Meta(TaktTable.Meta):
        model = models.EngineeringChangeOrder
        fields = ("number", "title", "state", "effective_date", "requested_by", "released_at")


class AttachmentTable(TaktTable):
    name = tables.Column(linkify=True)
    target = tables.Column(accessor="target", orderable=False, verbose_name=_("Attached to"))

    class Meta(TaktTable.Meta):
        model = models.Attachment
        fields = ("name", "target", "description", "size", "uploaded_by", "created_at")
