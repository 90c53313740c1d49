"""Serializer pieces the MES endpoints share: quantities, refusals naming their field and code, and the bins
and lots the floor names by their codes."""

from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from core.models import Item
from wms.choices import LocationKind
from wms.models import Location, Lot

QUANTITY = {"max_digits": 18, "decimal_places": 6}
POSITIVE = Decimal("0.000001")


def refusal(field: str, message: str, code: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: serializers.ErrorDetail(message, code=code)})


def bin_by_code(**kwargs) -> serializers.SlugRelatedField:
    """A storage bin of a warehouse, by its code."""
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Location.objects.filter(kind=LocationKind.INTERNAL), **kwargs
    )


def item_lot(item: Item, code: str) -> Lot | None:
    """The lot of `item` with the code scanned; None when none was; refused (field `lot`) when it has none."""
    code = code.strip()
    if not code:
        return None
    lot = Lot.objects.filter(item=item, code=code).select_related("item").first()
    if lot is None:
        raise refusal("lot", _("%(item)s has no lot %(lot)s.") % {"item": item.code, "lot": code}, "does_not_exist")
    return lot


def lot_by_code(code: str, item: Item | None, field: str = "lot") -> Lot | None:
    """A lot or serial number by its code, of `item` when known; None for no code; refused (on `field`) when
    there is none or, the item unknown, several items have one."""
    code = (code or "").strip()
    if not code:
        return None
    lots = Lot.objects.filter(code=code).select_related("item")
    if item is not None:
        lots = lots.filter(item=item)
    found = list(lots[:2])
    if len(found) == 1:
        return found[0]
    if found:
        raise refusal(field, _("Several items have a lot %(code)s: name the item.") % {"code": code}, "ambiguous")
    raise refusal(field, _("There is no lot %(code)s.") % {"code": code}, "does_not_exist")
