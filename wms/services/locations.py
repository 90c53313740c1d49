"""Rules for saving a location (the screens and the API both apply them; writes are plain saves)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wms.choices import LocationKind
from wms.models import Location, Quant


def location_check(*, location: Location) -> None:
    """Refuse a location that would break the ledger or the tree; raises a ValidationError by field.

    - its parent is a zone or aisle (a view location) of the same warehouse, and not below itself;
    - a location holding stock stays an active bin of its warehouse, so its stock can still move.
    """
    errors: dict[str, str] = {}
    parent = location.parent
    if parent is not None:
        if parent.kind != LocationKind.VIEW:
            errors["parent"] = _("%(parent)s is not a zone or aisle (a view location).") % {"parent": parent.code}
        elif parent.warehouse_id != location.warehouse_id:
            errors["parent"] = _("%(parent)s is in another warehouse.") % {"parent": parent.code}
        elif location.pk is not None:
            ancestor, seen = parent, set()
            while ancestor is not None and ancestor.pk not in seen:
                if ancestor.pk == location.pk:
                    errors["parent"] = _("A location cannot be inside itself.")
                    break
                seen.add(ancestor.pk)
                ancestor = ancestor.parent
    if location.pk is not None and Quant.objects.filter(location_id=location.pk, quantity__gt=0).exists():
        stored = Location.objects.get(pk=location.pk)
        refusal = _("%(location)s holds stock; move it out first.") % {"location": stored.code}
        if location.kind != LocationKind.INTERNAL:
            errors["kind"] = refusal
        if not location.active:
            errors["active"] = refusal
        if location.warehouse_id != stored.warehouse_id:
            errors["warehouse"] = refusal
    if errors:
        raise ValidationError({field: ValidationError(message, code="invalid") for field, message in errors.items()})
