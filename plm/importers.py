"""plm's files of the import format: boms.csv and routings.csv (see docs/import.md).

Imported revisions are released directly, with no engineering change order: they are the plant's
running engineering data. For each item in a file, the file's revisions and the item's released
revisions already in Takt form one timeline ordered by effective_from (empty: since always), and
each revision ends where the next begins. As PLM's own release does, a revision whose window has
already ended is obsolete at once (it stays readable for its dates); the others are released.
"""

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone

from core.models import Item, WorkCenter
from core.services.dataio import Changes, CsvFile, FileHandler, ImportFileError, Row, bulk_delete, register
from plm.choices import RevisionState
from plm.models import BomLine, BomRevision, RoutingOperation, RoutingRevision
from plm.models.revisions import EFFECTIVE_STATES
from plm.services.cycles import check_no_cycle, find_cycle, live_bom_edges

DEFAULT_REVISION = "A"
POSITION_STEP = 10  # line positions 10, 20, ...: room to insert a line by hand later
REVISION_FIELD = BomRevision._meta.get_field("revision")
EFFECTIVE_FROM_FIELD = BomRevision._meta.get_field("effective_from")


@dataclass
class _Imported:
    """A revision as the file gives it: item, start, its first row (for errors), its lines or operations."""

    row: Row
    item: Item
    revision: str
    effective_from: datetime.date | None
    children: list[tuple[Row, models.Model]] = field(default_factory=list)
    saved: BomRevision | RoutingRevision | None = None


def _items() -> dict[str, Item]:
    return {item.code: item for item in Item.objects.only("code", "uom_id")}


def _starts(day: datetime.date | None) -> str:
    return f"starts on {day}" if day else "is effective since always"


@dataclass
class _Slot:
    """A revision on an item's timeline: from the file (entry) or released in Takt and not named by it."""

    revision: Any
    entry: _Imported | None
    before: tuple

    @property
    def start(self) -> datetime.date | None:
        return self.revision.effective_from


def _release(model: type[models.Model], imported: list[_Imported], column: str) -> dict[str, int]:
    """Save the file's revisions and chain each item's released ones; those already ended are obsolete."""
    today = timezone.localdate()
    item_ids = sorted({entry.item.pk for entry in imported})
    # Locked in one order, as PLM's release locks an item: no release slips in while the windows change.
    list(Item.objects.filter(pk__in=item_ids).order_by("pk").select_for_update().values_list("pk", flat=True))
    stored = {
        (revision.item_id, revision.revision): revision for revision in model.objects.filter(item_id__in=item_ids)
    }
    changes = Changes(model, ["state", "effective_from", "effective_to"])
    timelines: dict[int, list[_Slot]] = defaultdict(list)
    for entry in imported:
        revision = stored.pop((entry.item.pk, entry.revision), None) or model(item=entry.item, revision=entry.revision)
        # Drafts and revisions in review belong to an engineer's change: not the import's to overwrite.
        if revision.pk and revision.state not in EFFECTIVE_STATES:
            state = revision.get_state_display().lower()
            reason = (
                f"revision {entry.revision} of {entry.item.code} is {state} in Takt; the import writes released ones"
            )
            raise entry.row.error(column, reason)
        slot = _Slot(revision, entry, changes.state(revision))
        revision.effective_from = entry.effective_from
        entry.saved = revision
        timelines[entry.item.pk].append(slot)
    for revision in stored.values():
        if revision.state == RevisionState.RELEASED:
            timelines[revision.item_id].append(_Slot(revision, None, changes.state(revision)))
    for timeline in timelines.values():
        timeline.sort(key=lambda slot: (slot.start is not None, slot.start or datetime.date.min))
        for slot, following in zip(timeline, [*timeline[1:], None], strict=True):
            if following and following.start == slot.start:
                raise _same_start(slot, following, column)
            revision = slot.revision
            revision.effective_to = following.start if following else None
            ended = revision.effective_to is not None and revision.effective_to <= today
            revision.state = RevisionState.OBSOLETE if ended else RevisionState.RELEASED
            changes.add(revision, slot.before)
    changes.save()
    return changes.counts("revisions_")


def _same_start(first: _Slot, second: _Slot, column: str) -> ImportFileError:
    """Two revisions of one item start on the same day; blame the file's (the later one if both are)."""
    blamed, other = (second, first) if second.entry else (first, second)
    entry = blamed.entry
    where = f"line {other.entry.row.line}" if other.entry else "released in Takt, not in this file"
    reason = (
        f"revision {entry.revision} of {entry.item.code} {_starts(entry.effective_from)},"
        f" as revision {other.revision.revision} does ({where})"
    )
    return entry.row.error(column, reason)


def _replace_children(
    model: type[models.Model], parent: str, key: str, imported: list[_Imported], fields: list[str], label: str
) -> dict[str, int]:
    """Make each revision's lines (operations) those of the file, matched on `key` (position, seq).

    A matched one gets the file's `fields` (others, such as an operation's instructions, are kept),
    the file's others are created, and the revision's rest is deleted.
    """
    stored = {
        (getattr(child, f"{parent}_id"), getattr(child, key)): child
        for child in model.objects.filter(**{f"{parent}__in": [entry.saved.pk for entry in imported]})
    }
    changes = Changes(model, fields)
    attnames = [model._meta.get_field(name).attname for name in fields]
    for entry in imported:
        for _row, parsed in entry.children:
            child = stored.pop((entry.saved.pk, getattr(parsed, key)), None)
            if child is None:
                setattr(parsed, parent, entry.saved)
                changes.add(parsed, ())
                continue
            before = changes.state(child)
            for attname in attnames:
                setattr(child, attname, getattr(parsed, attname))
            changes.add(child, before)
    if stored:
        leftover = model.objects.filter(pk__in=[child.pk for child in stored.values()])
        bulk_delete(leftover, file=imported[0].row.file, what=str(model._meta.verbose_name_plural))
    changes.save()
    return {**changes.counts(label), f"{label}deleted": len(stored)}


# --- boms.csv ----------------------------------------------------------------------------------------

BOM_COLUMNS = ("parent", "component", "qty_per", "scrap_pct", "revision", "effective_from")


def boms_load(data: CsvFile) -> dict[str, int]:
    items = _items()
    revisions: dict[tuple[int, str], _Imported] = {}
    for row in data.rows:
        parent = row.lookup("parent", items, "item")
        component = row.lookup("component", items, "item")
        revision = row.value("revision", REVISION_FIELD, default=DEFAULT_REVISION)
        effective_from = row.value("effective_from", EFFECTIVE_FROM_FIELD)
        entry = revisions.get((parent.pk, revision))
        if entry is None:
            entry = revisions[(parent.pk, revision)] = _Imported(row, parent, revision, effective_from)
        elif entry.effective_from != effective_from:
            reason = f"revision {revision} of {parent.code} {_starts(entry.effective_from)} on line {entry.row.line}"
            raise row.error("effective_from", reason)
        # A line is in the component's own unit: IMPORT.md's "quantities are in the item's unit".
        line = BomLine(position=POSITION_STEP * (len(entry.children) + 1), component=component, uom_id=component.uom_id)
        row.assign(line, "qty_per")
        if line.qty_per <= 0:
            raise row.error("qty_per", "must be greater than 0")
        row.assign(line, "scrap_pct")
        entry.children.append((row, line))
    imported = list(revisions.values())
    counts = _release(BomRevision, imported, "revision")
    _check_no_cycle(imported, items)
    fields = ["component", "uom", "qty_per", *(["scrap_pct"] if data.has("scrap_pct") else [])]
    counts |= _replace_children(BomLine, "bom", "position", imported, fields, "lines_")
    return {"rows": len(data.rows), **counts}


def _check_no_cycle(imported: list[_Imported], items: dict[str, Item]) -> None:
    """The file's edges with the live edges of every other revision in Takt must stay acyclic."""
    rows_by_edge: dict[tuple[int, int], Row] = {}
    for entry in imported:
        for row, line in entry.children:
            rows_by_edge.setdefault((entry.item.pk, line.component_id), row)
    edges = set(rows_by_edge) | live_bom_edges(exclude_bom_ids=[entry.saved.pk for entry in imported])
    cycle = find_cycle(edges)
    if cycle is None:
        return
    try:
        check_no_cycle(edges=edges, codes={item.pk: code for code, item in items.items()})
    except ValidationError as exc:
        reason = " ".join(exc.messages)
        rows = [rows_by_edge[edge] for edge in itertools.pairwise(cycle) if edge in rows_by_edge]
        if not rows:  # only if Takt's own BOMs already had a cycle
            raise ImportFileError(file="boms.csv", reason=reason) from None
        raise min(rows, key=lambda row: row.line).error("component", reason) from None


def boms_export() -> Iterable[Sequence[Any]]:
    """Every revision that is or was in production (released, obsolete): its history reads back the same."""
    return (
        BomLine.objects.filter(bom__state__in=EFFECTIVE_STATES)
        .order_by("bom__item__code", F("bom__effective_from").asc(nulls_first=True), "bom__revision", "position")
        .values_list(
            "bom__item__code", "component__code", "qty_per", "scrap_pct", "bom__revision", "bom__effective_from"
        )
    )


# --- routings.csv ------------------------------------------------------------------------------------

ROUTING_COLUMNS = ("item", "seq", "work_center", "setup_minutes", "run_minutes_per_unit")


def routings_load(data: CsvFile) -> dict[str, int]:
    """One released routing revision A per item, effective since always, with the file's operations."""
    items = _items()
    work_centers = {work_center.code: work_center for work_center in WorkCenter.objects.only("code")}
    routings: dict[int, _Imported] = {}
    seen: dict[tuple[int, int], int] = {}
    for row in data.rows:
        item = row.lookup("item", items, "item")
        operation = RoutingOperation(work_center=row.lookup("work_center", work_centers, "work center"))
        row.assign(operation, "seq")
        row.once(seen, "seq", (item.pk, operation.seq), f"operation {operation.seq} of {item.code}")
        row.assign(operation, "setup_minutes")
        row.assign(operation, "run_minutes_per_unit")
        entry = routings.setdefault(item.pk, _Imported(row, item, DEFAULT_REVISION, None))
        entry.children.append((row, operation))
    imported = list(routings.values())
    for entry in imported:
        entry.children.sort(key=lambda child: child[1].seq)
    counts = _release(RoutingRevision, imported, "item")
    fields = ["work_center", *(name for name in ("setup_minutes", "run_minutes_per_unit") if data.has(name))]
    counts |= _replace_children(RoutingOperation, "routing", "seq", imported, fields, "operations_")
    return {"rows": len(data.rows), **counts}


def routings_export() -> Iterable[Sequence[Any]]:
    """Per item, the operations of its latest released routing (the file holds one routing per item)."""
    latest = (
        RoutingRevision.objects.filter(state=RevisionState.RELEASED)
        .order_by("item_id", F("effective_from").desc(nulls_last=True))
        .distinct("item_id")
        .values("pk")
    )
    return (
        RoutingOperation.objects.filter(routing__in=latest)
        .order_by("routing__item__code", "seq")
        .values_list("routing__item__code", "seq", "work_center__code", "setup_minutes", "run_minutes_per_unit")
    )


register(
    FileHandler(
        name="boms.csv",
        columns=BOM_COLUMNS,
        required=frozenset({"parent", "component", "qty_per"}),
        load=boms_load,
        export=boms_export,
    )
)
register(
    FileHandler(
        name="routings.csv",
        columns=ROUTING_COLUMNS,
        required=frozenset({"item", "seq", "work_center"}),
        load=routings_load,
        export=routings_export,
    )
)
