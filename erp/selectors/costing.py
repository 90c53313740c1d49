"""Reads of standard costing: the engineering data a roll-up costs, the rates of work centers, low-level
codes, and the comparison of two cost versions.

The roll-up reads the whole released structure of a date in a fixed number of queries (BOM revisions,
routing revisions, their lines and their operations with the work centers' rates), however many items
and levels there are: costing is then arithmetic in memory.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from core.choices import Procurement, TaskRunStatus
from core.models import Item, TaskRun, WorkCenter
from erp.models import CostVersion, ItemCost, WorkCenterRate
from plm.models import BomLine, BomRevision, RoutingOperation, RoutingRevision, effective_on

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

ROLL_UP_TASK = "erp.tasks.cost_version_roll_up"


# --- Rates ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """What an hour on a work center costs, as costing reads it."""

    labor_per_hour: Decimal
    crew: Decimal
    machine_per_hour: Decimal
    machine_source: str  # "rate": the ERP rate; "work_center": the work center's own cost per hour
    has_rate: bool  # an ERP rate row exists (else labor costs nothing and is flagged)


def rates_of(work_center: WorkCenter, rate: WorkCenterRate | None) -> Rates:
    """The rates of a work center. A machine rate of zero (the default) means "not set here": the
    work center's own cost per hour applies, so a plant that only keeps cost_per_hour in the
    equipment master gets machine overhead without entering it twice."""
    if rate is None:
        return Rates(ZERO, ONE, work_center.cost_per_hour, "work_center", has_rate=False)
    if rate.machine_rate_per_hour > 0:
        machine, source = rate.machine_rate_per_hour, "rate"
    else:
        machine, source = work_center.cost_per_hour, "work_center"
    return Rates(rate.labor_rate_per_hour, rate.crew_size, machine, source, has_rate=True)


def work_center_rates(*, work_centers: Iterable[WorkCenter]) -> dict[int, Rates]:
    """Rates per work center id, in one query: for actual costing, which must read them as the roll-up does."""
    centers = {center.pk: center for center in work_centers}
    rows = {rate.work_center_id: rate for rate in WorkCenterRate.objects.filter(work_center_id__in=list(centers))}
    return {pk: rates_of(center, rows.get(pk)) for pk, center in centers.items()}


def _rate_row(work_center: WorkCenter) -> WorkCenterRate | None:
    # The reverse one-to-one was select_related: a missing row is cached and raises without a query.
    return getattr(work_center, "erp_rate", None)


def operation_rates(operation: RoutingOperation) -> Rates:
    """The rates of an operation loaded by `costing_structure` (work center and rate select_related)."""
    return rates_of(operation.work_center, _rate_row(operation.work_center))


# --- The structure a roll-up costs -------------------------------------------------------------------------------


@dataclass
class CostingStructure:
    """The released engineering data of every make item on one day, indexed by item id."""

    on: datetime.date
    items: dict[int, Item] = field(default_factory=dict)  # the make items to cost
    boms: dict[int, BomRevision] = field(default_factory=dict)
    routings: dict[int, RoutingRevision] = field(default_factory=dict)
    lines: dict[int, list[BomLine]] = field(default_factory=lambda: defaultdict(list))
    operations: dict[int, list[RoutingOperation]] = field(default_factory=lambda: defaultdict(list))

    def edges(self) -> set[tuple[int, int]]:
        """(parent, component) pairs of the costed BOMs."""
        return {(parent, line.component_id) for parent, lines in self.lines.items() for line in lines}


def costing_structure(*, on: datetime.date) -> CostingStructure:
    """Every make item with a BOM or routing revision effective on `on`, with their lines and operations.

    Four queries whatever the size of the plant. Bought items are never rolled up (their standard cost is
    what purchasing sets), even if engineering keeps a BOM for them.
    """
    structure = CostingStructure(on=on)
    made = {"item__procurement": Procurement.MAKE}
    for bom in BomRevision.objects.filter(effective_on(on), **made).select_related("item__uom"):
        structure.boms[bom.item_id] = bom
        structure.items[bom.item_id] = bom.item
    for routing in RoutingRevision.objects.filter(effective_on(on), **made).select_related("item__uom"):
        structure.routings[routing.item_id] = routing
        structure.items.setdefault(routing.item_id, routing.item)
    lines = (
        BomLine.objects.filter(effective_on(on, "bom__"), bom__item__procurement=Procurement.MAKE)
        .select_related("bom", "component__uom__category", "uom__category")
        .order_by("bom__item_id", "position")
    )
    for line in lines:
        structure.lines[line.bom.item_id].append(line)
    operations = (
        RoutingOperation.objects.filter(effective_on(on, "routing__"), routing__item__procurement=Procurement.MAKE)
        .select_related("routing", "work_center__erp_rate")
        .order_by("routing__item_id", "seq")
    )
    for operation in operations:
        structure.operations[operation.routing.item_id].append(operation)
    return structure


def low_level_codes(*, items: Iterable[int], edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """The low-level code of each item: 0 for an item no other item uses, else the deepest level at
    which it appears below any top item (1 + the highest code of its parents).

    The graph must be acyclic (check with plm.services.cycles first). Kahn's order, so every parent's
    code is final before its components are visited; linear in items and edges, and iterative.
    """
    children: dict[int, set[int]] = defaultdict(set)
    parents_left: dict[int, int] = defaultdict(int)
    nodes = set(items)
    for parent, component in set(edges):
        if component not in children[parent]:
            children[parent].add(component)
            parents_left[component] += 1
        nodes |= {parent, component}
    level = dict.fromkeys(nodes, 0)
    ready = [node for node in nodes if parents_left[node] == 0]
    while ready:
        node = ready.pop()
        for child in children[node]:
            level[child] = max(level[child], level[node] + 1)
            parents_left[child] -= 1
            if parents_left[child] == 0:
                ready.append(child)
    return level


def costing_lot(item: Item) -> Decimal:
    """The quantity an operation's setup is spread over: the item's fixed lot quantity, else its minimum
    order quantity, else one (a lot-for-lot item carries its whole setup on each unit)."""
    for quantity in (item.lot_qty, item.min_qty):
        if quantity:
            return quantity
    return ONE


# --- Runs ----------------------------------------------------------------------------------------------------------


def cost_version_runs(*, version: CostVersion):
    """The background roll-ups of a version, newest first."""
    return TaskRun.objects.filter(task_name=ROLL_UP_TASK, params__version_id=version.pk).order_by("-created_at")


def cost_version_running(*, version: CostVersion) -> bool:
    return cost_version_runs(version=version).filter(status__in=[TaskRunStatus.PENDING, TaskRunStatus.RUNNING]).exists()


# --- Comparing two versions ------------------------------------------------------------------------------------------

PARTS = ("material", "labor", "machine", "total")


def _delta(old: ItemCost | None, new: ItemCost | None, part: str) -> Decimal | None:
    if old is None or new is None:
        return None
    return getattr(new, part) - getattr(old, part)


@dataclass(frozen=True)
class CostComparison:
    """One item's unit cost in two versions. Deltas are new - old; None when the item is in one only."""

    item: Item
    old: ItemCost | None
    new: ItemCost | None

    @property
    def status(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        same = all(getattr(self.old, part) == getattr(self.new, part) for part in PARTS)
        return "same" if same else "changed"

    @property
    def level(self) -> int:
        return (self.new or self.old).level  # type: ignore[union-attr]  (one of them is always set)

    @property
    def delta(self) -> Decimal | None:
        return _delta(self.old, self.new, "total")

    @property
    def material_delta(self) -> Decimal | None:
        return _delta(self.old, self.new, "material")

    @property
    def labor_delta(self) -> Decimal | None:
        return _delta(self.old, self.new, "labor")

    @property
    def machine_delta(self) -> Decimal | None:
        return _delta(self.old, self.new, "machine")

    @property
    def delta_pct(self) -> Decimal | None:
        """The change of the total in percent of the old total, to two places; None from a zero old cost."""
        if self.old is None or self.new is None or not self.old.total:
            return None
        return (self.delta * HUNDRED / self.old.total).quantize(Decimal("0.01"))  # type: ignore[operator]


def cost_version_compare(*, old: CostVersion, new: CostVersion, changed_only: bool = False) -> list[CostComparison]:
    """Every item costed in either version, by item code: old and new costs, deltas and percent. Two queries."""
    costs: dict[int, dict[str, ItemCost]] = defaultdict(dict)
    items: dict[int, Item] = {}
    for side, version in (("old", old), ("new", new)):
        for cost in ItemCost.objects.filter(version=version).select_related("item__uom"):
            costs[cost.item_id][side] = cost
            items[cost.item_id] = cost.item
    rows = [CostComparison(item=items[pk], old=pair.get("old"), new=pair.get("new")) for pk, pair in costs.items()]
    if changed_only:
        rows = [row for row in rows if row.status != "same"]
    return sorted(rows, key=lambda row: row.item.code)


def item_costs_of(*, version: CostVersion):
    """A version's item costs, top items first then by code, ready for a table."""
    return (
        ItemCost.objects.filter(version=version).select_related("item__uom", "version").order_by("level", "item__code")
    )


def component_costs(*, cost: ItemCost) -> dict[str, ItemCost]:
    """The costs, in the same version, of the made components an item cost names: the drill-down links."""
    codes = [row["item"] for row in cost.detail if row.get("kind") == "component" and row.get("source") == "rolled"]
    if not codes:
        return {}
    return {
        c.item.code: c
        for c in ItemCost.objects.filter(version_id=cost.version_id, item__code__in=codes).select_related("item")
    }
