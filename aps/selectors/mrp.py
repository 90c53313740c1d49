"""Reads of the material plan: the current run, an item's MRP grid in weekly buckets, and the pegging of a
planned order up to the demands it serves and down to the components its start needs.

The grid, per bucket (the first runs from the run's planning date to that week's Sunday, then whole Monday to
Sunday weeks, and a last "later" bucket takes everything beyond):

    gross requirements      the run's demands due in the bucket; safety stock (the run writes it as a demand on
                            the planning date) is left out and shown as a figure of its own
    scheduled receipts      open purchase and production orders due in the bucket (stock on hand is the start)
    projected on hand       previous + scheduled receipts + planned order receipts - gross requirements
    net requirements        max(0, gross + safety stock - (previous + scheduled receipts))
    planned order receipts  planned (and firmed) orders of the run due in the bucket
    planned order releases  the same orders by their start date

Anything dated before the planning date (past due demands, orders that should have started) falls in the
first bucket, as the run plans it for today.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext_lazy

from aps.choices import DemandKind, SupplyKind
from aps.models import MrpException, MrpRun, Pegging, PlanDemand, PlannedOrder, PlanSupply
from core.models import Item

ZERO = Decimal(0)
MAX_WEEKS = 104
# The grid's rows: Bucket's figures, in the classic order.
FIGURES = (
    ("gross", gettext_lazy("Gross requirements")),
    ("receipts", gettext_lazy("Scheduled receipts")),
    ("projected", gettext_lazy("Projected on hand")),
    ("net", gettext_lazy("Net requirements")),
    ("planned_receipts", gettext_lazy("Planned order receipts")),
    ("planned_releases", gettext_lazy("Planned order releases")),
)
# Bills of material are rarely deeper than a dozen levels; a cycle in bad data stops here instead of looping.
MAX_DEPTH = 25

# What a demand's row shows and links to, read with it so a tree costs a query per level, not per node.
DEMAND_LINKS = (
    "item",
    "parent_order",
    "production_order",
    "sales_order_line__order",
    "forecast",
)
SUPPLY_LINKS = ("purchase_order_line__order", "production_order")


# --- The current run ----------------------------------------------------------------------------------------------


def current_run() -> MrpRun | None:
    """The plan planners see: the latest finished run, or None before the first."""
    return MrpRun.objects.select_related("created_by").order_by("-finished_at", "-id").first()


def recent_runs(*, limit: int = 10) -> QuerySet[MrpRun]:
    return MrpRun.objects.select_related("created_by", "task_run").order_by("-finished_at", "-id")[:limit]


def exception_counts(*, run: MrpRun) -> dict[str, int]:
    """How many exceptions of each kind the run raised ({kind: count}, kinds without any left out)."""
    rows = MrpException.objects.filter(run=run).values_list("kind").annotate(n=Count("id")).order_by()
    return dict(rows)


def planned_orders() -> QuerySet[PlannedOrder]:
    """Planned orders with what their lists and pages show."""
    return PlannedOrder.objects.select_related(
        "item__uom", "supplier", "run", "production_order", "purchase_order", "firmed_by"
    )


def run_exceptions(*, run: MrpRun | None) -> QuerySet[MrpException]:
    """The run's exceptions with what each is about (an order, an open order's document, a demand's source)."""
    queryset = MrpException.objects.select_related(
        "item",
        "planned_order",
        *(f"supply__{link}" for link in SUPPLY_LINKS),
        *(f"demand__{link}" for link in DEMAND_LINKS if link != "item"),
    )
    return queryset.filter(run=run) if run is not None else queryset.none()


# --- An item's MRP grid -------------------------------------------------------------------------------------------


@dataclass
class Bucket:
    start: datetime.date
    end: datetime.date | None  # None: the "later" bucket, open-ended
    gross: Decimal = ZERO
    receipts: Decimal = ZERO
    projected: Decimal = ZERO
    net: Decimal = ZERO
    planned_receipts: Decimal = ZERO
    planned_releases: Decimal = ZERO

    @property
    def is_later(self) -> bool:
        return self.end is None


@dataclass
class ItemPlan:
    item: Item
    run: MrpRun
    on_hand: Decimal
    safety_stock: Decimal
    buckets: list[Bucket]
    demands: list[PlanDemand]
    supplies: list[PlanSupply]
    planned_orders: list[PlannedOrder]

    @property
    def rows(self) -> list[tuple[str, list[Decimal]]]:
        """(figure name, value per bucket), the grid's rows in the classic order (FIGURES)."""
        return [(name, [getattr(bucket, name) for bucket in self.buckets]) for name, _label in FIGURES]


def week_buckets(*, planning_date: datetime.date, weeks: int) -> list[Bucket]:
    """The first (planning date to Sunday), then weeks - 1 Monday-to-Sunday weeks, then "later"."""
    weeks = max(1, min(MAX_WEEKS, weeks))
    end = planning_date + datetime.timedelta(days=6 - planning_date.weekday())
    buckets = [Bucket(start=planning_date, end=end)]
    for _week in range(weeks - 1):
        buckets.append(Bucket(start=end + datetime.timedelta(days=1), end=end + datetime.timedelta(days=7)))
        end += datetime.timedelta(days=7)
    buckets.append(Bucket(start=end + datetime.timedelta(days=1), end=None))
    return buckets


def _bucket_of(day: datetime.date, buckets: list[Bucket]) -> int:
    first_end = buckets[0].end
    if day <= first_end:
        return 0  # the past too: the run plans it for today
    return min(1 + ((day - first_end).days - 1) // 7, len(buckets) - 1)


def item_plan(*, item: Item, run: MrpRun, weeks: int = 13) -> ItemPlan:
    """The item's MRP grid in the run: weekly buckets and the rows behind them (three queries)."""
    buckets = week_buckets(planning_date=run.planning_date, weeks=weeks)
    demands = list(
        PlanDemand.objects.filter(run=run, item=item)
        .select_related(*(link for link in DEMAND_LINKS if link != "item"), "schedule_entry")
        .order_by("due_date", "id")
    )
    supplies = list(
        PlanSupply.objects.filter(run=run, item=item).select_related(*SUPPLY_LINKS).order_by("due_date", "id")
    )
    orders = list(
        PlannedOrder.objects.filter(run=run, item=item)
        .select_related("supplier", "production_order", "purchase_order")
        .order_by("due_date", "id")
    )

    # As the run saw it (a demand on the planning date), not the item's figure now: the grid adds up to the run.
    safety_stock = sum((d.quantity for d in demands if d.kind == DemandKind.SAFETY_STOCK), ZERO)
    on_hand = sum((s.quantity for s in supplies if s.kind == SupplyKind.ON_HAND), ZERO)

    for demand in demands:
        if demand.kind != DemandKind.SAFETY_STOCK:
            buckets[_bucket_of(demand.due_date, buckets)].gross += demand.quantity
    for supply in supplies:
        if supply.kind != SupplyKind.ON_HAND:
            buckets[_bucket_of(supply.due_date, buckets)].receipts += supply.quantity
    for order in orders:
        buckets[_bucket_of(order.due_date, buckets)].planned_receipts += order.quantity
        buckets[_bucket_of(order.start_date, buckets)].planned_releases += order.quantity

    previous = on_hand
    for bucket in buckets:
        available = previous + bucket.receipts
        bucket.net = max(ZERO, bucket.gross + safety_stock - available)
        bucket.projected = available + bucket.planned_receipts - bucket.gross
        previous = bucket.projected

    return ItemPlan(
        item=item,
        run=run,
        on_hand=on_hand,
        safety_stock=safety_stock,
        buckets=buckets,
        demands=demands,
        supplies=supplies,
        planned_orders=orders,
    )


# --- Pegging ------------------------------------------------------------------------------------------------------


@dataclass
class PegUp:
    """A demand the order below covers `quantity` of; for a dependent demand of a planned parent, what that
    parent covers in turn (`parents`), up to the sales orders, forecasts, MPS and safety stock."""

    quantity: Decimal
    demand: PlanDemand
    parents: list["PegUp"] = field(default_factory=list)
    cut: bool = False  # deeper than MAX_DEPTH: not walked further


@dataclass
class Cover:
    """`quantity` of a component demand covered by a planned order (whose own components follow) or a supply."""

    quantity: Decimal
    planned_order: PlannedOrder | None
    supply: PlanSupply | None
    demands: list["PegDown"] = field(default_factory=list)
    cut: bool = False


@dataclass
class PegDown:
    """A component demand the order's start creates, and what covers it."""

    demand: PlanDemand
    covers: list[Cover] = field(default_factory=list)

    @property
    def uncovered(self) -> Decimal:
        return max(ZERO, self.demand.quantity - sum((cover.quantity for cover in self.covers), ZERO))


def pegging_up(planned_order: PlannedOrder) -> list[PegUp]:
    """The demands the order covers, each walked up through its planned parents (one query per level)."""
    roots: list[PegUp] = []
    # Planned order id -> the lists its pegs go into: the same parent may be reached along several branches.
    frontier: dict[int, list[list[PegUp]]] = {planned_order.pk: [roots]}
    depth = 0
    while frontier:
        pegs = (
            Pegging.objects.filter(planned_order_id__in=frontier)
            .select_related(*(f"demand__{link}" for link in DEMAND_LINKS))
            .order_by("demand__due_date", "id")
        )
        depth += 1
        above: dict[int, list[list[PegUp]]] = defaultdict(list)
        for peg in pegs:
            for target in frontier[peg.planned_order_id]:
                node = PegUp(quantity=peg.quantity, demand=peg.demand)
                target.append(node)
                if peg.demand.parent_order_id is None:
                    continue
                if depth >= MAX_DEPTH:
                    node.cut = True
                else:
                    above[peg.demand.parent_order_id].append(node.parents)
        frontier = above
    return roots


def pegging_down(planned_order: PlannedOrder) -> list[PegDown]:
    """The component demands the order's start creates and what covers each, down through the planned orders
    that cover them (two queries per level)."""
    roots: list[PegDown] = []
    frontier: dict[int, list[list[PegDown]]] = {planned_order.pk: [roots]}
    depth = 0
    pegs = Pegging.objects.select_related(
        "planned_order__supplier", *(f"supply__{link}" for link in SUPPLY_LINKS)
    ).order_by("id")
    while frontier:
        demands = (
            PlanDemand.objects.filter(parent_order_id__in=frontier)
            .select_related("item")
            .prefetch_related(Prefetch("pegs", queryset=pegs))
            .order_by("item__code", "due_date", "id")
        )
        depth += 1
        below: dict[int, list[list[PegDown]]] = defaultdict(list)
        for demand in demands:
            for target in frontier[demand.parent_order_id]:
                node = PegDown(demand=demand)
                target.append(node)
                for peg in demand.pegs.all():
                    cover = Cover(quantity=peg.quantity, planned_order=peg.planned_order, supply=peg.supply)
                    node.covers.append(cover)
                    if peg.planned_order_id is None:
                        continue
                    if depth >= MAX_DEPTH:
                        cover.cut = True
                    else:
                        below[peg.planned_order_id].append(cover.demands)
        frontier = below
    return roots
