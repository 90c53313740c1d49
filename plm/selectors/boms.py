"""BOM explosion, where-used and revision diffs. An explosion or a where-used reads its lines in one query,
however deep the BOMs: PostgreSQL walks the levels (a recursive CTE over the lines effective on the day)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models.expressions import RawSQL

from core.models import Item, Unit
from plm.models import BomLine, BomRevision, RoutingOperation, RoutingRevision, effective_on

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ExplosionRow:
    level: int
    path: tuple[int, ...]  # item ids from the top item down to this component
    line: BomLine
    extended_qty: Decimal  # per `quantity` of the top item, scrap included, in the component's unit

    @property
    def component(self) -> Item:
        return self.line.component

    @property
    def unit(self) -> Unit:
        return self.line.component.uom


# One step of the walk: down from a parent to the lines of its BOM, or up from a component to the lines using it.
_DOWN = ("parent_id", "component_id")
_UP = ("component_id", "parent_id")


def _reachable_lines(start_ids: set[int], on: datetime.date, direction: tuple[str, str]) -> RawSQL:
    """The ids of the BOM lines effective on `on` reachable from the items in `start_ids`, in `direction`,
    as a subquery. UNION drops rows already walked, so a cycle (refused on save) would still end."""
    start, step = direction
    effective = BomLine.objects.filter(effective_on(on, "bom__")).values_list("id", "bom__item_id", "component_id")
    effective_sql, effective_params = effective.query.sql_with_params()
    # Only the ORM's own SQL (its values are parameters) and the column names above are put into the text.
    return RawSQL(  # noqa: S611
        f"""WITH RECURSIVE effective (line_id, parent_id, component_id) AS ({effective_sql}),
        walk (line_id, next_id) AS (
            SELECT line_id, {step} FROM effective WHERE {start} = ANY(%s)
            UNION
            SELECT effective.line_id, effective.{step} FROM effective JOIN walk ON effective.{start} = walk.next_id
        )
        SELECT line_id FROM walk""",  # noqa: S608
        (*effective_params, sorted(start_ids)),
    )


def bom_explode(*, item: Item, on: datetime.date, quantity: Decimal = Decimal(1)) -> list[ExplosionRow]:
    """The multi-level BOM effective on a date, indented (depth first), with extended quantities.

    Extended quantity = parent's extended quantity x qty_per x (1 + scrap % / 100), converted to the
    component's own unit, so quantities of one component add up however its lines are written.
    """
    return bom_explode_many(items=[item], on=on, quantity=quantity)[item.pk]


def bom_explode_many(
    *, items: list[Item], on: datetime.date, quantity: Decimal = Decimal(1)
) -> dict[int, list[ExplosionRow]]:
    """bom_explode of each item, {item id: rows}, reading the lines of all of them in one query."""
    lines_by_parent: dict[int, list[BomLine]] = defaultdict(list)
    lines = (
        BomLine.objects.filter(pk__in=_reachable_lines({item.pk for item in items}, on, _DOWN))
        .select_related("bom", "component__uom__category", "uom__category")
        .order_by("bom__item_id", "position")
    )
    for line in lines:
        lines_by_parent[line.bom.item_id].append(line)

    def visit(rows: list[ExplosionRow], parent_id: int, parent_qty: Decimal, path: tuple[int, ...]) -> None:
        for line in lines_by_parent[parent_id]:
            if line.component_id in path:  # cycles are refused on save; never loop on bad data
                continue
            # Exact arithmetic down the tree: rounding 1.05 ea to 1 would lose the scrap allowance.
            extended = (
                parent_qty * line.qty_per * (1 + line.scrap_pct / HUNDRED) * line.uom.ratio_to(line.component.uom)
            )
            row_path = (*path, line.component_id)
            rows.append(ExplosionRow(level=len(path), path=row_path, line=line, extended_qty=extended))
            visit(rows, line.component_id, extended, row_path)

    explosions: dict[int, list[ExplosionRow]] = {}
    for item in items:
        explosions[item.pk] = []
        visit(explosions[item.pk], item.pk, Decimal(quantity), (item.pk,))
    return explosions


def bom_summary(rows: list[ExplosionRow]) -> list[tuple[Item, Decimal]]:
    """Total extended quantity per component over an explosion (a flat parts list)."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    items: dict[int, Item] = {}
    for row in rows:
        totals[row.component.pk] += row.extended_qty
        items[row.component.pk] = row.component
    return sorted(((items[pk], qty) for pk, qty in totals.items()), key=lambda pair: pair[0].code)


@dataclass(frozen=True)
class WhereUsedRow:
    level: int
    line: BomLine  # the line that uses the item below it

    @property
    def parent(self) -> Item:
        return self.line.bom.item


def where_used(*, item: Item, on: datetime.date, indented: bool = False) -> list[WhereUsedRow]:
    """The parents whose effective BOM uses the item: one level, or indented up to the top items."""
    parents_of: dict[int, list[BomLine]] = defaultdict(list)
    using = (
        BomLine.objects.filter(pk__in=_reachable_lines({item.pk}, on, _UP))
        if indented
        else BomLine.objects.filter(effective_on(on, "bom__"), component=item)
    )
    for line in using.select_related("bom__item__uom", "uom").order_by("bom__item__code"):
        parents_of[line.component_id].append(line)

    rows: list[WhereUsedRow] = []

    def visit(child_id: int, level: int, path: tuple[int, ...]) -> None:
        for line in parents_of[child_id]:
            if line.bom.item_id in path:
                continue
            rows.append(WhereUsedRow(level=level, line=line))
            if indented:
                visit(line.bom.item_id, level + 1, (*path, line.bom.item_id))

    visit(item.pk, 1, (item.pk,))
    return rows


@dataclass(frozen=True)
class DiffRow:
    change: str  # "added", "removed", "changed", "same"
    key: str  # the component code (BOMs) or the operation sequence (routings)
    old: dict | None
    new: dict | None
    changed_fields: tuple[str, ...] = ()


def _diff(old: dict[str, dict], new: dict[str, dict]) -> list[DiffRow]:
    rows = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before is None:
            rows.append(DiffRow("added", key, None, after))
        elif after is None:
            rows.append(DiffRow("removed", key, before, None))
        else:
            fields = tuple(name for name in after if before.get(name) != after[name])
            rows.append(DiffRow("changed" if fields else "same", key, before, after, fields))
    return rows


def _bom_lines(bom: BomRevision | None) -> dict[str, dict]:
    if bom is None:
        return {}
    return {
        line.component.code: {
            "component": line.component.code,
            "qty_per": line.qty_per,
            "uom": line.uom.code,
            "scrap_pct": line.scrap_pct,
            "position": line.position,
        }
        for line in bom.lines.select_related("component", "uom")
    }


def _operations(routing: RoutingRevision | None) -> dict[str, dict]:
    if routing is None:
        return {}
    operations: list[RoutingOperation] = list(routing.operations.select_related("work_center"))
    return {
        f"{op.seq:04d}": {
            "seq": op.seq,
            "name": op.name,
            "work_center": op.work_center.code,
            "setup_minutes": op.setup_minutes,
            "run_minutes_per_unit": op.run_minutes_per_unit,
            "queue_minutes": op.queue_minutes,
            "move_minutes": op.move_minutes,
            "instructions": op.instructions,
        }
        for op in operations
    }


def bom_diff(*, old: BomRevision | None, new: BomRevision) -> list[DiffRow]:
    """What changed between two BOM revisions, component by component."""
    return _diff(_bom_lines(old), _bom_lines(new))


def routing_diff(*, old: RoutingRevision | None, new: RoutingRevision) -> list[DiffRow]:
    """What changed between two routing revisions, operation by operation (by sequence number)."""
    return _diff(_operations(old), _operations(new))
