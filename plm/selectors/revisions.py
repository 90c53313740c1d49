import datetime

from core.models import Item
from plm.models import BomRevision, RoutingRevision, effective_on
from plm.models.revisions import Revision


def effective_revision(model: type[Revision], *, item: Item, on: datetime.date) -> Revision | None:
    """The released revision effective for the item on the date (at most one exists)."""
    return model.objects.filter(effective_on(on), item=item).first()


def effective_bom(*, item: Item, on: datetime.date) -> BomRevision | None:
    """The BOM that planning and production read for an item on a date."""
    return effective_revision(BomRevision, item=item, on=on)


def effective_routing(*, item: Item, on: datetime.date) -> RoutingRevision | None:
    """The routing that planning and production read for an item on a date."""
    return effective_revision(RoutingRevision, item=item, on=on)
