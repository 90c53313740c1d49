from django.db.models import F, QuerySet

from wms.models import PickLine, Wave


def wave_pick_path(*, wave: Wave) -> QuerySet[PickLine]:
    """The open pick lines of a wave in walking order: by the bins' pick sequence, then code."""
    return (
        PickLine.objects.filter(pick_list__wave=wave)
        .filter(quantity__gt=F("picked_qty") + F("short_qty"))
        .select_related("item", "lot", "from_location", "pick_list__request")
        .order_by("from_location__pick_sequence", "from_location__code", "pk")
    )
