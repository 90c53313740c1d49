"""Drafting BOM and routing revisions. Only drafts change; released ones change through an ECO."""

import datetime
from decimal import Decimal
from string import ascii_uppercase

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.models import Item, Unit, WorkCenter
from plm.models import BomLine, BomRevision, EngineeringChangeOrder, RoutingOperation, RoutingRevision
from plm.models.revisions import EFFECTIVE_STATES, Revision
from plm.selectors.revisions import effective_revision
from plm.services.cycles import check_no_cycle, live_bom_edges


def next_revision_label(existing: list[str]) -> str:
    """A, B, ... Z, AA, AB, ...: the label after the highest one in use."""

    def number(label: str) -> int:
        value = 0
        for char in label:
            value = value * 26 + ascii_uppercase.index(char) + 1
        return value

    highest = max((number(label) for label in existing if label.isalpha() and label.isupper()), default=0)
    value, label = highest + 1, ""
    while value:
        value, remainder = divmod(value - 1, 26)
        label = ascii_uppercase[remainder] + label
    return label


def _require_draft(revision: Revision) -> None:
    if not revision.is_editable:
        raise ValidationError(
            _("%(revision)s is %(state)s and cannot change; propose a new revision in an engineering change order."),
            code="revision_not_draft",
            params={"revision": revision, "state": revision.get_state_display().lower()},
        )


def revision_note_update(*, revision: Revision, note: str) -> Revision:
    """The note of a draft revision; everything else of a revision changes through its lines or an ECO."""
    with transaction.atomic():
        revision = type(revision).objects.select_for_update().get(pk=revision.pk)
        _require_draft(revision)
        revision.note = note
        revision.full_clean()
        revision.save(update_fields=["note", "updated_at"])
        return revision


def revision_delete(*, revision: Revision) -> None:
    """Drop a draft that no change order proposes (a change's drafts go when the change is cancelled)."""
    with transaction.atomic():
        revision = type(revision).objects.select_for_update().get(pk=revision.pk)
        _require_draft(revision)
        if revision.eco_id is not None:
            raise ValidationError(
                _("%(revision)s is proposed by %(eco)s; cancel the change order to drop it."),
                code="revision_in_eco",
                params={"revision": revision, "eco": revision.eco.number},
            )
        revision.delete()


# What a new revision copies from an older one: child model, its link to the revision, the copied fields.
_CHILDREN: dict[type[Revision], tuple[type, str, tuple[str, ...]]] = {
    BomRevision: (BomLine, "bom", ("position", "component_id", "qty_per", "scrap_pct", "uom_id")),
    RoutingRevision: (
        RoutingOperation,
        "routing",
        (
            "seq",
            "name",
            "work_center_id",
            "setup_minutes",
            "run_minutes_per_unit",
            "queue_minutes",
            "move_minutes",
            "instructions",
        ),
    ),
}


def _revision_create(
    model: type[Revision], *, item: Item, eco: EngineeringChangeOrder | None, copy_from: Revision | None, note: str
) -> Revision:
    if copy_from is not None and copy_from.item_id != item.pk:
        message = _("%(revision)s belongs to another item; a revision of %(item)s starts from one of its own.")
        raise ValidationError(
            {
                "copy_from": ValidationError(
                    message, code="copy_from_other_item", params={"revision": copy_from, "item": item.code}
                )
            }
        )
    with transaction.atomic():
        # Lock the item so two engineers drafting at once do not take the same letter.
        Item.objects.select_for_update().get(pk=item.pk)
        existing = list(model.objects.filter(item=item).values_list("revision", flat=True))
        revision = model(item=item, revision=next_revision_label(existing), eco=eco, note=note)
        revision.full_clean()
        revision.save()
        if copy_from is not None:
            child, link, fields = _CHILDREN[model]
            child.objects.bulk_create(
                child(**{link: revision}, **{name: getattr(row, name) for name in fields})
                for row in child.objects.filter(**{link: copy_from})
            )
            if model is BomRevision:
                # An old (obsolete) revision may use parts that have since come to contain this item.
                check_no_cycle(edges=live_bom_edges())
        return revision


def bom_revision_create(
    *, item: Item, eco: EngineeringChangeOrder | None = None, copy_from: BomRevision | None = None, note: str = ""
) -> BomRevision:
    """A new draft revision of an item's BOM, starting as a copy of `copy_from` (if given)."""
    return _revision_create(BomRevision, item=item, eco=eco, copy_from=copy_from, note=note)


def routing_revision_create(
    *, item: Item, eco: EngineeringChangeOrder | None = None, copy_from: RoutingRevision | None = None, note: str = ""
) -> RoutingRevision:
    """A new draft revision of an item's routing, starting as a copy of `copy_from` (if given)."""
    return _revision_create(RoutingRevision, item=item, eco=eco, copy_from=copy_from, note=note)


def _check_line(line: BomLine) -> None:
    if line.uom.category_id != line.component.uom.category_id:
        message = _("%(unit)s cannot measure %(item)s, which is counted in %(item_unit)s.") % {
            "unit": line.uom.code,
            "item": line.component.code,
            "item_unit": line.component.uom.code,
        }
        raise ValidationError({"uom": ValidationError(message, code="unit_category_mismatch")})
    edges = live_bom_edges(exclude_bom_ids=[line.bom_id])
    edges |= set(line.bom.lines.exclude(pk=line.pk).values_list("bom__item_id", "component_id"))
    edges.add((line.bom.item_id, line.component_id))
    check_no_cycle(edges=edges)


def bom_line_add(
    *,
    bom: BomRevision,
    component: Item,
    qty_per: Decimal,
    scrap_pct: Decimal = Decimal(0),
    uom: Unit | None = None,
    position: int | None = None,
) -> BomLine:
    """Add a component to a draft BOM; refused if it would make an item its own component."""
    with transaction.atomic():
        bom = BomRevision.objects.select_for_update().select_related("item").get(pk=bom.pk)
        _require_draft(bom)
        if position is None:
            position = (bom.lines.aggregate(top=Max("position"))["top"] or 0) + 10
        line = BomLine(
            bom=bom,
            position=position,
            component=component,
            qty_per=qty_per,
            scrap_pct=scrap_pct,
            uom=uom or component.uom,
        )
        line.full_clean()
        _check_line(line)
        line.save()
        return line


BOM_LINE_FIELDS = {"position", "component", "qty_per", "scrap_pct", "uom"}


def bom_line_update(*, line: BomLine, **changes) -> BomLine:
    """Change a line of a draft BOM (position, component, qty_per, scrap_pct, uom)."""
    unknown = set(changes) - BOM_LINE_FIELDS
    if unknown:
        raise ValueError(f"Not a BOM line field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        line = BomLine.objects.select_for_update().select_related("bom__item").get(pk=line.pk)
        _require_draft(line.bom)
        for name, value in changes.items():
            setattr(line, name, value)
        line.full_clean()
        _check_line(line)
        line.save()
        return line


def bom_line_remove(*, line: BomLine) -> None:
    with transaction.atomic():
        line = BomLine.objects.select_for_update().select_related("bom").get(pk=line.pk)
        _require_draft(line.bom)
        line.delete()


OPERATION_FIELDS = {
    "seq",
    "name",
    "work_center",
    "setup_minutes",
    "run_minutes_per_unit",
    "queue_minutes",
    "move_minutes",
    "instructions",
}


def routing_operation_add(
    *,
    routing: RoutingRevision,
    work_center: WorkCenter,
    run_minutes_per_unit: Decimal,
    seq: int | None = None,
    **fields,
) -> RoutingOperation:
    """Add an operation to a draft routing; without `seq` it goes last."""
    unknown = set(fields) - OPERATION_FIELDS
    if unknown:
        raise ValueError(f"Not an operation field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        routing = RoutingRevision.objects.select_for_update().get(pk=routing.pk)
        _require_draft(routing)
        if seq is None:
            seq = (routing.operations.aggregate(top=Max("seq"))["top"] or 0) + 10
        operation = RoutingOperation(
            routing=routing, seq=seq, work_center=work_center, run_minutes_per_unit=run_minutes_per_unit, **fields
        )
        operation.full_clean()
        operation.save()
        return operation


def routing_operation_update(*, operation: RoutingOperation, **changes) -> RoutingOperation:
    unknown = set(changes) - OPERATION_FIELDS
    if unknown:
        raise ValueError(f"Not an operation field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        operation = RoutingOperation.objects.select_for_update().select_related("routing").get(pk=operation.pk)
        _require_draft(operation.routing)
        for name, value in changes.items():
            setattr(operation, name, value)
        operation.full_clean()
        operation.save()
        return operation


def routing_operation_remove(*, operation: RoutingOperation) -> None:
    with transaction.atomic():
        operation = RoutingOperation.objects.select_for_update().select_related("routing").get(pk=operation.pk)
        _require_draft(operation.routing)
        operation.delete()


def revision_to_copy(model: type[Revision], *, item: Item, on: datetime.date) -> Revision | None:
    """What a new draft starts from: the revision effective on the date, else the latest released one."""
    return effective_revision(model, item=item, on=on) or (
        model.objects.filter(item=item, state__in=EFFECTIVE_STATES).order_by("-effective_from").first()
    )
