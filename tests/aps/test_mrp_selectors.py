"""Reads of the plan: the current run, an item's MRP grid (figures computed by hand from rows written
directly), and pegging trees up and down through three levels, in a bounded number of queries."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from aps.choices import DemandKind, PlannedOrderKind, PlannedOrderState, SupplyKind
from aps.models import MrpRun, Pegging, PlanDemand, PlannedOrder, PlanSupply
from aps.selectors.mrp import MAX_DEPTH, current_run, item_plan, pegging_down, pegging_up, week_buckets
from core.models import Item, Unit

pytestmark = pytest.mark.django_db
D = Decimal
WEDNESDAY = datetime.date(2026, 11, 25)
NUMBERS = itertools.count(1)


@pytest.fixture
def item(db):
    def make(code: str, **fields) -> Item:
        return Item.objects.create(code=code, name=code, uom=Unit.objects.get(code="ea"), **fields)

    return make


def on(month: int, day: int) -> datetime.date:
    return datetime.date(2026 if month > 6 else 2027, month, day)


def make_run(planning_date=WEDNESDAY, minutes_ago=0) -> MrpRun:
    return MrpRun.objects.create(
        planning_date=planning_date, finished_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )


class Rows:
    """Plan rows of one run, written straight to the tables as the engine would."""

    def __init__(self, run: MrpRun):
        self.run = run

    def demand(self, of, kind, due, qty, reference="", *, requested=None, **links) -> PlanDemand:
        return PlanDemand.objects.create(
            run=self.run,
            item=of,
            kind=kind,
            due_date=due,
            requested_date=requested or due,
            quantity=D(qty),
            reference=reference or f"{kind}-{due}",
            **links,
        )

    def supply(self, of, kind, due, qty, reference="") -> PlanSupply:
        return PlanSupply.objects.create(
            run=self.run, item=of, kind=kind, due_date=due, quantity=D(qty), reference=reference or kind
        )

    def order(self, of, qty, start, due, *, kind=PlannedOrderKind.BUY, state=PlannedOrderState.PLANNED, run=None):
        return PlannedOrder.objects.create(
            run=run or self.run,
            number=f"PL-{next(NUMBERS):05d}",
            item=of,
            kind=kind,
            quantity=D(qty),
            start_date=start,
            due_date=due,
            state=state,
        )

    @staticmethod
    def peg(demand, qty, *, order=None, supply=None) -> Pegging:
        return Pegging.objects.create(demand=demand, planned_order=order, supply=supply, quantity=D(qty))


# --- The current run ------------------------------------------------------------------------------------------


def test_the_current_run_is_the_latest_finished_one():
    assert current_run() is None
    make_run(minutes_ago=30)
    latest = make_run(minutes_ago=1)
    make_run(minutes_ago=60)
    assert current_run() == latest


# --- Buckets --------------------------------------------------------------------------------------------------


def test_the_first_bucket_ends_on_sunday_then_whole_weeks_then_later():
    buckets = week_buckets(planning_date=WEDNESDAY, weeks=3)
    assert [(b.start, b.end) for b in buckets] == [
        (on(11, 25), on(11, 29)),
        (on(11, 30), on(12, 6)),
        (on(12, 7), on(12, 13)),
        (on(12, 14), None),
    ]
    sunday = week_buckets(planning_date=on(11, 29), weeks=1)
    assert [(b.start, b.end) for b in sunday] == [(on(11, 29), on(11, 29)), (on(11, 30), None)]


def test_rows_fall_in_their_week_the_past_in_the_first_and_beyond_the_horizon_in_later(item):
    run = make_run()
    rows = Rows(run)
    element = item("HE")
    for due in (on(11, 20), on(11, 29), on(11, 30), on(12, 6), on(12, 7), on(12, 13), on(12, 14), on(3, 1)):
        rows.demand(element, DemandKind.SALES_ORDER, due, 1)
    plan = item_plan(item=element, run=run, weeks=3)
    assert [b.gross for b in plan.buckets] == [D(2), D(2), D(2), D(2)]


# --- The grid -------------------------------------------------------------------------------------------------


@pytest.fixture
def grid(item):
    """HE in a run planned on Wednesday 25 November, in three weeks and "later":

    on hand 20, safety stock 5 (a demand of its own on the planning date)
    week 0 (25-29 Nov): sales 10 (asked for on the 20th: past due)            ; PL-1 (9) starts
    week 1 (30 Nov-6 Dec): forecast 8                   ; PO 6 due 2 Dec
    week 2 (7-13 Dec): dependent 12                                           ; PL-1 (9) due 8 Dec
    later: sales 7 on 20 Dec                            ; PO 4 due 29 Dec     ; PL-2 (7, firmed) starts and is due
    """
    run = make_run()
    rows = Rows(run)
    element, other = item("HE", safety_stock=D(99)), item("OTHER")
    rows.demand(element, DemandKind.SAFETY_STOCK, WEDNESDAY, 5)
    rows.supply(element, SupplyKind.ON_HAND, WEDNESDAY, 20)
    rows.demand(element, DemandKind.SALES_ORDER, WEDNESDAY, 10, "SO-1/1", requested=on(11, 20))
    rows.demand(element, DemandKind.FORECAST, on(12, 1), 8, "FC-DEC")
    rows.demand(element, DemandKind.DEPENDENT, on(12, 10), 12, "KT")
    rows.demand(element, DemandKind.SALES_ORDER, on(12, 20), 7, "SO-2/1")
    rows.supply(element, SupplyKind.PURCHASE_ORDER, on(12, 2), 6, "PO-1/1")
    rows.supply(element, SupplyKind.PURCHASE_ORDER, on(12, 29), 4, "PO-2/1")
    rows.order(element, 9, on(11, 28), on(12, 8))
    rows.order(element, 7, on(12, 15), on(12, 20), state=PlannedOrderState.FIRMED)
    # Not this item's, or not this run's: left out.
    rows.demand(other, DemandKind.SALES_ORDER, WEDNESDAY, 1000)
    older = make_run(minutes_ago=90)
    Rows(older).demand(element, DemandKind.SALES_ORDER, WEDNESDAY, 1000)
    Rows(older).supply(element, SupplyKind.ON_HAND, WEDNESDAY, 1000)
    rows.order(element, 1000, WEDNESDAY, WEDNESDAY, run=older)
    return run, element


def test_the_grid_adds_up_week_by_week(grid, django_assert_max_num_queries):
    run, element = grid
    with django_assert_max_num_queries(3):
        plan = item_plan(item=element, run=run, weeks=3)
    assert (plan.on_hand, plan.safety_stock) == (D(20), D(5))  # the run's 5, not the item's 99 now
    figures = dict(plan.rows)
    assert figures["gross"] == [D(10), D(8), D(12), D(7)]
    assert figures["receipts"] == [D(0), D(6), D(0), D(4)]
    assert figures["planned_receipts"] == [D(0), D(0), D(9), D(7)]
    assert figures["planned_releases"] == [D(9), D(0), D(0), D(7)]
    # 20 - 10 = 10; 10 + 6 - 8 = 8; 8 + 9 - 12 = 5; 5 + 4 + 7 - 7 = 9.
    assert figures["projected"] == [D(10), D(8), D(5), D(9)]
    # max(0, gross + 5 - (previous + receipts)): 10+5-20, 8+5-16, 12+5-8, 7+5-9.
    assert figures["net"] == [D(0), D(0), D(9), D(3)]
    assert [d.reference for d in plan.demands] == ["safety_stock-2026-11-25", "SO-1/1", "FC-DEC", "KT", "SO-2/1"]
    assert [s.reference for s in plan.supplies] == ["on_hand", "PO-1/1", "PO-2/1"]
    assert [o.quantity for o in plan.planned_orders] == [D(9), D(7)]


def test_the_grid_takes_three_queries_however_many_rows(grid, django_assert_max_num_queries):
    run, element = grid
    rows = Rows(run)
    for n in range(60):
        rows.demand(element, DemandKind.SALES_ORDER, WEDNESDAY + datetime.timedelta(days=n), 1)
        rows.supply(element, SupplyKind.PRODUCTION_ORDER, WEDNESDAY + datetime.timedelta(days=n), 1)
        rows.order(element, 1, WEDNESDAY, WEDNESDAY + datetime.timedelta(days=n))
    with django_assert_max_num_queries(3):
        plan = item_plan(item=element, run=run, weeks=13)
    assert len(plan.buckets) == 14 and len(plan.demands) == 65


# --- Pegging --------------------------------------------------------------------------------------------------


@pytest.fixture
def chain(item):
    """KT covers a sales order line (5) and a forecast (3); each kettle needs a base, each base two boards,
    each board three chips (hand-written pegs: 4 boards come from stock, 6 chips are short).

    PL-KT 8  ->  BASE demand 8   <- PL-BASE 8
    PL-BASE  ->  PCB demand 16   <- on hand 4, PL-PCB 12
    PL-PCB   ->  CHIP demand 36  <- PL-CHIP 30
    """
    run = make_run()
    rows = Rows(run)
    kettle, base, board, chip = (item(code) for code in ("KT", "BASE", "PCB", "CHIP"))
    so = rows.demand(kettle, DemandKind.SALES_ORDER, on(12, 20), 5, "SO-1/1")
    fc = rows.demand(kettle, DemandKind.FORECAST, on(12, 21), 3, "FC-DEC")
    kt = rows.order(kettle, 8, on(12, 18), on(12, 20), kind=PlannedOrderKind.MAKE)
    rows.peg(so, 5, order=kt)
    rows.peg(fc, 3, order=kt)
    base_demand = rows.demand(base, DemandKind.DEPENDENT, on(12, 18), 8, kt.number, parent_order=kt)
    pl_base = rows.order(base, 8, on(12, 15), on(12, 18), kind=PlannedOrderKind.MAKE)
    rows.peg(base_demand, 8, order=pl_base)
    board_demand = rows.demand(board, DemandKind.DEPENDENT, on(12, 15), 16, pl_base.number, parent_order=pl_base)
    stock = rows.supply(board, SupplyKind.ON_HAND, WEDNESDAY, 4)
    pl_board = rows.order(board, 12, on(12, 11), on(12, 15), kind=PlannedOrderKind.MAKE)
    rows.peg(board_demand, 4, supply=stock)
    rows.peg(board_demand, 12, order=pl_board)
    chip_demand = rows.demand(chip, DemandKind.DEPENDENT, on(12, 11), 36, pl_board.number, parent_order=pl_board)
    pl_chip = rows.order(chip, 30, on(12, 1), on(12, 11))
    rows.peg(chip_demand, 30, order=pl_chip)
    return {"run": run, "rows": rows, "kt": kt, "base": pl_base, "board": pl_board, "chip": pl_chip}


def test_pegging_up_walks_from_the_chips_to_the_sales_order_and_forecast(chain, django_assert_num_queries):
    with django_assert_num_queries(4):  # one per level
        tree = pegging_up(chain["chip"])
    [board] = tree
    assert (board.quantity, board.demand.reference, board.demand.parent_order) == (
        D(30),
        chain["board"].number,
        chain["board"],
    )
    [base] = board.parents
    assert (base.quantity, base.demand.parent_order) == (D(12), chain["base"])
    [kettle] = base.parents
    assert (kettle.quantity, kettle.demand.parent_order) == (D(8), chain["kt"])
    assert [(top.demand.reference, top.demand.kind, top.quantity, top.parents) for top in kettle.parents] == [
        ("SO-1/1", DemandKind.SALES_ORDER, D(5), []),
        ("FC-DEC", DemandKind.FORECAST, D(3), []),
    ]
    assert pegging_up(chain["kt"])[0].demand.reference == "SO-1/1"


def test_pegging_down_walks_from_the_kettle_to_the_chips(chain, django_assert_num_queries):
    with django_assert_num_queries(7):  # two per level with demands, one for the level without
        tree = pegging_down(chain["kt"])
    [base] = tree
    assert (base.demand.item.code, base.demand.quantity, base.uncovered) == ("BASE", D(8), D(0))
    [base_cover] = base.covers
    assert (base_cover.quantity, base_cover.planned_order) == (D(8), chain["base"])
    [board] = base_cover.demands
    assert [(c.quantity, c.supply and c.supply.kind, c.planned_order) for c in board.covers] == [
        (D(4), SupplyKind.ON_HAND, None),
        (D(12), None, chain["board"]),
    ]
    [chip] = board.covers[1].demands
    assert (chip.demand.item.code, chip.demand.quantity, chip.uncovered) == ("CHIP", D(36), D(6))
    assert [(c.quantity, c.planned_order, c.demands) for c in chip.covers] == [(D(30), chain["chip"], [])]
    assert pegging_down(chain["chip"]) == []


def test_pegging_queries_grow_with_levels_not_with_nodes(chain, item, django_assert_num_queries):
    rows = chain["rows"]
    kettle = chain["kt"]
    # Twenty more components of the kettle, each covered by a planned order needing one more part.
    for n in range(20):
        part, screw = item(f"PART-{n}"), item(f"SCREW-{n}")
        demand = rows.demand(part, DemandKind.DEPENDENT, on(12, 18), 8, kettle.number, parent_order=kettle)
        order = rows.order(part, 8, on(12, 10), on(12, 18), kind=PlannedOrderKind.MAKE)
        rows.peg(demand, 8, order=order)
        screw_demand = rows.demand(screw, DemandKind.DEPENDENT, on(12, 10), 16, order.number, parent_order=order)
        rows.peg(screw_demand, 16, order=rows.order(screw, 16, on(12, 1), on(12, 10)))
        # ... and twenty more sales lines the kettle order covers.
        rows.peg(rows.demand(kettle.item, DemandKind.SALES_ORDER, on(12, 20), 1, f"SO-9/{n}"), 1, order=kettle)
    with django_assert_num_queries(7):
        down = pegging_down(kettle)
    assert len(down) == 21
    with django_assert_num_queries(4):
        up = pegging_up(chain["chip"])
    assert len(up[0].parents[0].parents[0].parents) == 22


def test_a_pegging_loop_stops_at_the_depth_limit(item, django_assert_max_num_queries):
    rows = Rows(make_run())
    a, b = item("A"), item("B")
    pl_a = rows.order(a, 1, WEDNESDAY, WEDNESDAY, kind=PlannedOrderKind.MAKE)
    pl_b = rows.order(b, 1, WEDNESDAY, WEDNESDAY, kind=PlannedOrderKind.MAKE)
    # Bad data: A needs B, B needs A.
    rows.peg(rows.demand(b, DemandKind.DEPENDENT, WEDNESDAY, 1, parent_order=pl_a), 1, order=pl_b)
    rows.peg(rows.demand(a, DemandKind.DEPENDENT, WEDNESDAY, 1, parent_order=pl_b), 1, order=pl_a)

    with django_assert_max_num_queries(2 * MAX_DEPTH + 1):
        down = pegging_down(pl_a)
    depth, node = 0, down[0]
    while node.covers[0].demands:
        node, depth = node.covers[0].demands[0], depth + 1
    assert depth == MAX_DEPTH - 1 and node.covers[0].cut

    with django_assert_max_num_queries(MAX_DEPTH + 1):
        up = pegging_up(pl_a)
    depth, peg = 0, up[0]
    while peg.parents:
        peg, depth = peg.parents[0], depth + 1
    assert depth == MAX_DEPTH - 1 and peg.cut
