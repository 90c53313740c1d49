"""Regenerative MRP over the whole plant, by low-level code. docs/mrp.md is the contract.

The run is set-based: one read per table into plain Python structures, the netting in memory item by
item (parents before their components, so every dependent requirement is known before its item is
netted), and the new plan written with COPY, level by level, in the transaction that removes the old
one: readers see the previous plan or the new one, never half of either.
"""

import datetime
import functools
import gc
import itertools
import operator
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aps.choices import DemandKind, ExceptionKind, PlannedOrderKind, PlannedOrderState, SupplyKind
from aps.models import MrpRun
from core.choices import LotPolicy, Procurement, TaskRunStatus
from core.formatting import format_quantity
from core.models import TaskRun
from core.services.progress import ProgressReporter, task_run_start
from erp.choices import ProductionOrderState, PurchaseOrderState, SalesOrderState
from erp.selectors.costing import low_level_codes
from plm.models.revisions import EFFECTIVE_STATES
from plm.services.cycles import describe_cycle, find_cycle
from srm.selectors.sources import SourceOption, choose_source, sources_for_items

Progress = ProgressReporter

MRP_TASK = "aps.tasks.mrp_run"
# pg_advisory_lock key: one MRP run (or firming) at a time, plant-wide.
MRP_LOCK = 0x4D5250  # "MRP"
ZERO = Decimal(0)
# An open order first needed up to this many days after it is due is left alone: moving it would be noise.
DEFER_TOLERANCE_DAYS = 7
# The tables a run rewrites whole (UNLOGGED, see migration 0002).
PLAN_TABLES = ("aps_pegging", "aps_mrpexception", "aps_plandemand", "aps_plansupply", "aps_plannedorder")
HUNDRED = Decimal(100)

BY_DAY_RANK_ID = operator.attrgetter("due", "rank", "id")
OPEN_SALES = (SalesOrderState.CONFIRMED, SalesOrderState.IN_PRODUCTION, SalesOrderState.PARTIALLY_SHIPPED)
# Orders that consume the forecast of their month: every order that was confirmed, shipped or not.
CONSUMING_SALES = (*OPEN_SALES, SalesOrderState.SHIPPED, SalesOrderState.INVOICED, SalesOrderState.CLOSED)
OPEN_PURCHASES = (
    PurchaseOrderState.DRAFT,
    PurchaseOrderState.SENT,
    PurchaseOrderState.CONFIRMED,
    PurchaseOrderState.PARTIALLY_RECEIVED,
)
OPEN_PRODUCTION = (
    ProductionOrderState.PLANNED,
    ProductionOrderState.FIRM,
    ProductionOrderState.RELEASED,
    ProductionOrderState.IN_PROGRESS,
)
# Orders whose components were copied onto them when firmed: their own lines are the requirement.
COPIED_COMPONENTS = (ProductionOrderState.FIRM, ProductionOrderState.RELEASED, ProductionOrderState.IN_PROGRESS)
# Orders not started yet: a planner can still change their quantity.
NOT_STARTED = {
    SupplyKind.PURCHASE_ORDER: (PurchaseOrderState.DRAFT, PurchaseOrderState.SENT, PurchaseOrderState.CONFIRMED),
    SupplyKind.PRODUCTION_ORDER: (ProductionOrderState.PLANNED, ProductionOrderState.FIRM),
}
# Demands due on the same day are covered in this order (a demand's rank).
DEMAND_ORDER = {
    DemandKind.SAFETY_STOCK: 0,
    DemandKind.SALES_ORDER: 1,
    DemandKind.DEPENDENT: 2,
    DemandKind.MASTER_SCHEDULE: 3,
    DemandKind.FORECAST: 4,
}


@dataclass(slots=True)
class Item:
    id: int
    code: str
    make: bool
    lead_time: int
    lead_delta: datetime.timedelta
    safety_stock: Decimal
    lot_policy: str
    lot_qty: Decimal | None
    min_qty: Decimal | None
    multiple_qty: Decimal | None
    supplier_id: int | None  # the item's default supplier: bought from when it has no SRM source
    step: Decimal  # the smallest quantity of the item's unit: 1 for ea, 0.001 for kg
    # A bought item's SRM sources that may be bought from on the planning date; None when it has none.
    sources: list[SourceOption] | None = None

    def round_up(self, quantity: Decimal) -> Decimal:
        return quantity.quantize(self.step, rounding=ROUND_CEILING)

    def lot_size(self, shortfall: Decimal) -> Decimal:
        """The planned quantity that covers a shortfall under the item's lot policy."""
        quantity = self.round_up(shortfall)
        if self.lot_policy == LotPolicy.FIXED and self.lot_qty:
            quantity = _multiple_covering(quantity, self.lot_qty)
        elif self.lot_policy == LotPolicy.MIN_MULTIPLE:
            quantity = max(quantity, self.min_qty or ZERO)
            if self.multiple_qty:
                quantity = _multiple_covering(quantity, self.multiple_qty)
        return quantity


def _multiple_covering(quantity: Decimal, lot: Decimal) -> Decimal:
    return (quantity / lot).to_integral_value(rounding=ROUND_CEILING) * lot


@dataclass(slots=True)
class Demand:
    id: int
    item_id: int
    kind: str
    due: datetime.date
    requested: datetime.date
    quantity: Decimal
    reference: str
    sales_order_line_id: int | None = None
    forecast_id: int | None = None
    schedule_entry_id: int | None = None
    production_order_id: int | None = None
    parent_order_id: int | None = None
    rank: int = 0  # covered before the other demands of its day when lower (DEMAND_ORDER)


@dataclass(slots=True)
class Supply:
    id: int
    item_id: int
    kind: str
    due: datetime.date
    requested: datetime.date  # the order's own due date; later than `due` only when past due
    quantity: Decimal
    reference: str
    state: str = ""
    purchase_order_line_id: int | None = None
    production_order_id: int | None = None
    pegged: Decimal = ZERO
    first_use: datetime.date | None = None


@dataclass(slots=True)
class Planned:
    id: int
    number: str
    item_id: int
    kind: str
    quantity: Decimal
    start: datetime.date
    due: datetime.date
    supplier_id: int | None


@dataclass(slots=True)
class Exception_:
    item_id: int
    kind: str
    reference: str
    message: str
    due: datetime.date | None = None
    suggested: datetime.date | None = None
    quantity: Decimal | None = None
    planned_order_id: int | None = None
    supply_id: int | None = None
    demand_id: int | None = None


@dataclass
class BomLine:
    component_id: int
    factor: Decimal  # component units per parent unit: qty_per x (1 + scrap %) x unit ratio


@dataclass
class BomRevision:
    effective_from: datetime.date | None
    effective_to: datetime.date | None
    lines: list[BomLine]


@dataclass
class MrpResult:
    run: MrpRun
    items: dict[int, Item]
    demands: list[Demand]
    planned: list[Planned]
    exceptions: list[Exception_]
    pegs: list[tuple[int, int | None, int | None, Decimal]]
    seconds: float

    @property
    def stats(self) -> dict[str, Any]:
        return {
            "items": self.run.item_count,
            "planned_orders": len(self.planned),
            "exceptions": len(self.exceptions),
            "seconds": round(self.seconds, 3),
        }

    def as_json(self) -> dict[str, Any]:
        """The plan in the documented exchange format of `manage.py mrp_run --json`."""
        pegs_of: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for demand_id, order_id, _supply_id, quantity in self.pegs:
            if order_id is not None:
                pegs_of[order_id].append((demand_id, quantity))
        return {
            "planning_date": self.run.planning_date.isoformat(),
            "planned_orders": [
                {
                    "number": order.number,
                    "item": self.items[order.item_id].code,
                    "kind": order.kind,
                    "qty": format_quantity(order.quantity),
                    "start": order.start.isoformat(),
                    "due": order.due.isoformat(),
                    "pegging": [
                        {"demand": self.demands[demand_id - 1].reference, "qty": format_quantity(quantity)}
                        for demand_id, quantity in pegs_of[order.id]
                    ],
                }
                for order in self.planned
            ],
            "exceptions": [
                {
                    "item": self.items[exception.item_id].code,
                    "kind": exception.kind,
                    "reference": exception.reference,
                    "message": exception.message,
                }
                for exception in self.exceptions
            ],
            "stats": self.stats,
        }


def _rows(sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


class _Plan:
    """One run's working state: reads, nets item by item, and knows what to write."""

    def __init__(self, today: datetime.date, progress: Progress):
        # Messages are translated once per run, not once per exception (tens of thousands in a big plan).
        self._ = functools.lru_cache(maxsize=None)(_)
        self.today = today
        self.progress = progress
        self.items: dict[int, Item] = {}
        self.boms: dict[int, list[BomRevision]] = defaultdict(list)
        self.demands: list[Demand] = []  # demand ids are 1, 2, 3...: demand n is self.demands[n - 1]
        self.supplies: dict[int, Supply] = {}
        self.by_item_demands: dict[int, list[Demand]] = defaultdict(list)
        self.by_item_supplies: dict[int, list[Supply]] = defaultdict(list)
        self.planned: list[Planned] = []
        self.exceptions: list[Exception_] = []
        self.pegs: list[tuple[int, int | None, int | None, Decimal]] = []  # demand, planned, supply, qty

    # Reading -------------------------------------------------------------------------------------

    def read(self) -> None:
        self._read_items()
        self._read_boms()
        # The plan tables are emptied (and their ids restarted) when the plan is written: ids from 1.
        self.demand_id = itertools.count(1).__next__
        self.supply_id = itertools.count(1).__next__
        self._read_stock()
        self._read_sales()
        self._read_forecast_and_schedule()
        self._read_purchases()
        self._read_production()
        self.progress(
            30,
            gettext_noop("Read %(items)s items and %(demands)s demands."),
            {"items": len(self.items), "demands": len(self.demands)},
        )

    def _read_items(self) -> None:
        for row in _rows(
            "SELECT i.id, i.code, i.procurement, i.lead_time_days, i.safety_stock, i.lot_policy, i.lot_qty,"
            " i.min_qty, i.multiple_qty, i.default_supplier_id, u.decimals"
            " FROM core_item i JOIN core_unit u ON u.id = i.uom_id"
        ):
            item_id, code, procurement, lead, safety, policy, lot, minimum, multiple, supplier, decimals = row
            self.items[item_id] = Item(
                id=item_id,
                code=code,
                make=procurement == Procurement.MAKE,
                lead_time=lead,
                lead_delta=datetime.timedelta(days=lead),
                safety_stock=safety,
                lot_policy=policy,
                lot_qty=lot,
                min_qty=minimum,
                multiple_qty=multiple,
                supplier_id=supplier,
                step=Decimal(1).scaleb(-decimals),
            )
        # Bought items with SRM sources are bought from the one the sourcing rule picks per order (_sourcing).
        for item_id, options in sources_for_items(None, self.today).items():
            item = self.items.get(item_id)
            if item is not None and not item.make:
                item.sources = options

    def _read_boms(self) -> None:
        units = {row[0]: (row[1], row[2]) for row in _rows("SELECT id, category_id, factor FROM core_unit")}
        item_units = dict(_rows("SELECT id, uom_id FROM core_item"))
        revisions: dict[int, BomRevision] = {}
        edges = set()
        for revision_id, parent, begins, ends, component, qty_per, scrap, line_unit in _rows(
            "SELECT r.id, r.item_id, r.effective_from, r.effective_to, l.component_id, l.qty_per, l.scrap_pct,"
            " l.uom_id FROM plm_bomrevision r JOIN plm_bomline l ON l.bom_id = r.id"
            " WHERE r.state = ANY(%s) ORDER BY r.id, l.position",
            [list(EFFECTIVE_STATES)],
        ):
            if revision_id not in revisions:
                revisions[revision_id] = BomRevision(begins, ends, [])
                self.boms[parent].append(revisions[revision_id])
            (line_category, line_factor), (item_category, item_factor) = units[line_unit], units[item_units[component]]
            if line_category != item_category:
                self.exceptions.append(
                    Exception_(
                        parent,
                        ExceptionKind.NO_BOM,
                        self.items[parent].code,
                        self._("A BOM line's unit cannot be converted into %(item)s's unit: the line is left out.")
                        % {"item": self.items[component].code},
                    )
                )
                continue
            factor = qty_per * (1 + scrap / HUNDRED) * line_factor / item_factor
            revisions[revision_id].lines.append(BomLine(component, factor))
            edges.add((parent, component))
        cycle = find_cycle(edges)
        if cycle:
            codes = {item_id: item.code for item_id, item in self.items.items()}
            raise ValidationError(
                self._("The BOMs loop (%(cycle)s): MRP cannot order parents before their components.")
                % {"cycle": describe_cycle(cycle, codes)},
                code="bom_cycle",
            )
        self.levels = low_level_codes(items=self.items, edges=edges)

    def _bom_on(self, item_id: int, day: datetime.date) -> BomRevision | None:
        """The revision effective on a day: the latest start among those whose window holds it."""
        revisions = self.boms.get(item_id)
        if not revisions:
            return None
        if len(revisions) == 1 and revisions[0].effective_from is None and revisions[0].effective_to is None:
            return revisions[0]  # the usual case: one revision, effective since always
        containing = [
            revision
            for revision in self.boms.get(item_id, ())
            if (revision.effective_from is None or revision.effective_from <= day)
            and (revision.effective_to is None or day < revision.effective_to)
        ]
        best = max(containing, key=lambda revision: revision.effective_from or datetime.date.min, default=None)
        return best

    def add_demand(self, item_id: int, kind: str, requested: datetime.date, quantity: Decimal, reference: str, **links):
        demand = Demand(
            id=self.demand_id(),
            item_id=item_id,
            kind=kind,
            due=max(requested, self.today),
            requested=requested,
            quantity=quantity,
            reference=reference,
            rank=DEMAND_ORDER[kind],
            **links,
        )
        self.demands.append(demand)
        self.by_item_demands[item_id].append(demand)
        if requested < self.today:
            self.exceptions.append(
                Exception_(
                    item_id,
                    ExceptionKind.PAST_DUE,
                    reference,
                    self._("%(reference)s needs %(qty)s %(item)s since %(date)s: planned as due today.")
                    % {
                        "reference": reference,
                        "qty": format_quantity(quantity),
                        "item": self.items[item_id].code,
                        "date": requested.isoformat(),
                    },
                    due=requested,
                    suggested=self.today,
                    quantity=quantity,
                    demand_id=demand.id,
                )
            )
        return demand

    def _add_supply(self, item_id: int, kind: str, due: datetime.date, quantity: Decimal, reference: str, **links):
        supply = Supply(
            id=self.supply_id(),
            item_id=item_id,
            kind=kind,
            due=max(due, self.today),
            requested=due,
            quantity=quantity,
            reference=reference,
            **links,
        )
        self.supplies[supply.id] = supply
        self.by_item_supplies[item_id].append(supply)
        if due < self.today:
            self.exceptions.append(
                Exception_(
                    item_id,
                    ExceptionKind.PAST_DUE,
                    reference,
                    self._("%(reference)s was due %(date)s and %(qty)s are still open: expedite it or move its date.")
                    % {"reference": reference, "date": due.isoformat(), "qty": format_quantity(quantity)},
                    due=due,
                    suggested=self.today,
                    quantity=quantity,
                    supply_id=supply.id,
                )
            )

    def _read_stock(self) -> None:
        for item_id, quantity in _rows(
            "SELECT q.item_id, sum(q.quantity) FROM wms_quant q JOIN wms_location l ON l.id = q.location_id"
            " WHERE l.kind = 'internal' AND NOT l.quality_hold GROUP BY q.item_id HAVING sum(q.quantity) > 0"
        ):
            self._add_supply(item_id, SupplyKind.ON_HAND, self.today, quantity, self._("On hand"))
        for item in self.items.values():
            if item.safety_stock > 0:
                self.add_demand(item.id, DemandKind.SAFETY_STOCK, self.today, item.safety_stock, self._("Safety stock"))

    def _read_sales(self) -> None:
        for line_id, item_id, number, position, due, open_qty in _rows(
            "SELECT l.id, l.item_id, o.number, l.position,"
            " coalesce(l.promised_date, l.requested_date, o.promised_date, o.requested_date),"
            " l.quantity - l.shipped_qty"
            " FROM erp_salesorderline l JOIN erp_salesorder o ON o.id = l.order_id"
            " WHERE o.state = ANY(%s) AND l.quantity > l.shipped_qty",
            [list(OPEN_SALES)],
        ):
            self.add_demand(
                item_id, DemandKind.SALES_ORDER, due, open_qty, f"{number}/{position}", sales_order_line_id=line_id
            )

    def _read_forecast_and_schedule(self) -> None:
        """Forecast and master schedule quantities, less what orders of the same month already took.

        An item's master schedule entries replace its forecast for the months they fall in.
        """
        month_start = self.today.replace(day=1)
        planned: dict[tuple[int, datetime.date], list[list]] = defaultdict(list)
        for entry_id, item_id, week, quantity in _rows(
            "SELECT id, item_id, week_start, quantity FROM aps_masterscheduleentry"
            " WHERE week_start > %s AND quantity > 0 ORDER BY week_start, id",
            [self.today - datetime.timedelta(days=7)],
        ):
            due = max(week, self.today)
            reference = f"MPS {self.items[item_id].code} {week.isoformat()}"
            planned[(item_id, due.replace(day=1))].append(
                [due, quantity, DemandKind.MASTER_SCHEDULE, reference, {"schedule_entry_id": entry_id}]
            )
        scheduled = set(planned)
        for forecast_id, item_id, due, quantity, reference in _rows(
            "SELECT id, item_id, due_date, quantity, reference FROM erp_salesforecast"
            " WHERE due_date >= %s AND quantity > 0 ORDER BY due_date, id",
            [self.today],
        ):
            key = (item_id, due.replace(day=1))
            if key not in scheduled:
                planned[key].append(
                    [
                        due,
                        quantity,
                        DemandKind.FORECAST,
                        self._("Forecast %(reference)s") % {"reference": reference},
                        {"forecast_id": forecast_id},
                    ]
                )
        consumed = {
            (item_id, month.date() if isinstance(month, datetime.datetime) else month): quantity
            for item_id, month, quantity in _rows(
                "SELECT l.item_id, date_trunc('month', coalesce(l.promised_date, l.requested_date,"
                " o.promised_date, o.requested_date))::date, sum(l.quantity)"
                " FROM erp_salesorderline l JOIN erp_salesorder o ON o.id = l.order_id"
                " WHERE o.state = ANY(%s) AND coalesce(l.promised_date, l.requested_date, o.promised_date,"
                " o.requested_date) >= %s GROUP BY 1, 2",
                [list(CONSUMING_SALES), month_start],
            )
        }
        for (item_id, month), entries in planned.items():
            left_to_consume = consumed.get((item_id, month), ZERO)
            for due, quantity, kind, reference, links in entries:  # earliest entries are consumed first
                taken = min(quantity, left_to_consume)
                left_to_consume -= taken
                if quantity > taken:
                    self.add_demand(item_id, kind, due, quantity - taken, reference, **links)

    def _read_purchases(self) -> None:
        for line_id, item_id, number, position, state, due, open_qty in _rows(
            "SELECT l.id, l.item_id, o.number, l.position, o.state, coalesce(l.expected_date, o.expected_date),"
            " l.quantity - l.received_qty FROM erp_purchaseorderline l JOIN erp_purchaseorder o ON o.id = l.order_id"
            " WHERE o.state = ANY(%s) AND l.quantity > l.received_qty",
            [list(OPEN_PURCHASES)],
        ):
            self._add_supply(
                item_id,
                SupplyKind.PURCHASE_ORDER,
                due,
                open_qty,
                f"{number}/{position}",
                state=state,
                purchase_order_line_id=line_id,
            )

    def _read_production(self) -> None:
        orders = {}
        for order_id, item_id, number, state, start, due, quantity, open_qty in _rows(
            "SELECT id, item_id, number, state, start_date, due_date, quantity,"
            " quantity - completed_qty - scrapped_qty FROM erp_productionorder WHERE state = ANY(%s)",
            [list(OPEN_PRODUCTION)],
        ):
            orders[order_id] = (item_id, number, state, start, quantity)
            if open_qty > 0:
                self._add_supply(
                    item_id,
                    SupplyKind.PRODUCTION_ORDER,
                    due,
                    open_qty,
                    number,
                    state=state,
                    production_order_id=order_id,
                )
        copied = [order_id for order_id, order in orders.items() if order[2] in COPIED_COMPONENTS]
        for order_id, component, open_qty in _rows(
            "SELECT order_id, item_id, required_qty - issued_qty FROM erp_productioncomponent"
            " WHERE order_id = ANY(%s) AND required_qty > issued_qty",
            [copied],
        ):
            _item_id, number, _state, start, _quantity = orders[order_id]
            self.add_demand(component, DemandKind.DEPENDENT, start, open_qty, number, production_order_id=order_id)
        # Orders still in the planned state have no components of their own yet: the BOM effective
        # on their start date says what they will need.
        for order_id, (item_id, number, state, start, quantity) in orders.items():
            if state not in COPIED_COMPONENTS:
                self._explode(item_id, quantity, start, number, production_order_id=order_id)

    def _explode(
        self,
        item_id: int,
        quantity: Decimal,
        start: datetime.date,
        reference: str,
        production_order_id: int | None = None,
        parent_order_id: int | None = None,
    ) -> bool:
        revision = self._bom_on(item_id, start)
        if revision is None:
            return False
        items, demands, by_item, next_id = self.items, self.demands, self.by_item_demands, self.demand_id
        dependent, rank, on_time = DemandKind.DEPENDENT, DEMAND_ORDER[DemandKind.DEPENDENT], start >= self.today
        for line in revision.lines:
            required = (quantity * line.factor).quantize(items[line.component_id].step, rounding=ROUND_CEILING)
            if not required:
                continue
            if on_time:  # the common case, built directly: hundreds of thousands in a big plan
                demand = Demand(
                    next_id(), line.component_id, dependent, start, start, required, reference,
                    None, None, None, production_order_id, parent_order_id, rank,
                )  # fmt: skip
                demands.append(demand)
                by_item[line.component_id].append(demand)
            else:
                self.add_demand(
                    line.component_id, dependent, start, required, reference,
                    production_order_id=production_order_id, parent_order_id=parent_order_id,
                )  # fmt: skip
        return True

    # Netting -------------------------------------------------------------------------------------

    def net(self, run: MrpRun) -> None:
        """Plan level by level; each level's new rows are written (COPY) as soon as it is done."""
        by_level: dict[int, list[int]] = defaultdict(list)
        for item_id in self.items:
            by_level[self.levels.get(item_id, 0)].append(item_id)
        done, total = 0, len(self.items)
        for level in sorted(by_level):
            for item_id in sorted(by_level[level], key=lambda item_id: self.items[item_id].code):
                if self.by_item_demands.get(item_id) or self.by_item_supplies.get(item_id):
                    self._net_item(self.items[item_id])
            self.flush(run)
            done += len(by_level[level])
            self.progress(
                30 + 50 * done // max(total, 1),
                gettext_noop("Level %(level)s planned: %(done)s of %(total)s items."),
                {"level": level, "done": done, "total": total},
            )

    def _net_item(self, item: Item) -> None:
        """Cover the item's demands day by day: stock and open orders due by then first (earliest
        first), then one planned order per short day, sized by the lot policy."""
        demands = sorted(self.by_item_demands.get(item.id, ()), key=BY_DAY_RANK_ID)
        receipts = sorted(
            self.by_item_supplies.get(item.id, ()), key=lambda s: (s.due, s.kind != SupplyKind.ON_HAND, s.id)
        )
        pool: list[list] = []  # [remaining, supply or planned order, is planned], in date order
        pegs = self.pegs
        available = ZERO  # what the pool still holds
        next_receipt = cursor = index = 0
        count, receipt_count = len(demands), len(receipts)
        while index < count:
            day = demands[index].due
            todays = []
            while index < count and demands[index].due == day:
                todays.append(demands[index])
                index += 1
            while next_receipt < receipt_count and receipts[next_receipt].due <= day:
                receipt = receipts[next_receipt]
                pool.append([receipt.quantity, receipt, False])
                available += receipt.quantity
                next_receipt += 1
            wanted_today = todays[0].quantity if len(todays) == 1 else sum(demand.quantity for demand in todays)
            if wanted_today > available:
                order = self._plan_order(item, day, wanted_today - available)
                pool.append([order.quantity, order, True])
                available += order.quantity
            available -= wanted_today
            for demand in todays:
                wanted = demand.quantity
                while wanted:
                    while not pool[cursor][0]:
                        cursor += 1
                    entry = pool[cursor]
                    taken = wanted if wanted < entry[0] else entry[0]
                    entry[0] -= taken
                    wanted -= taken
                    source = entry[1]
                    if entry[2]:
                        pegs.append((demand.id, source.id, None, taken))
                    else:
                        source.pegged += taken
                        if source.first_use is None:
                            source.first_use = demand.due
                        pegs.append((demand.id, None, source.id, taken))
        self._existing_order_exceptions(item)

    def _sourcing(self, item: Item, shortfall: Decimal) -> tuple[Decimal, int, int | None]:
        """(quantity, lead time, supplier) of an order covering a shortfall: the quantity under the item's lot
        policy and, for a bought item with SRM sources, the source picked for that quantity with its minimum,
        multiple, lead time and supplier; else the item's lead time and default supplier."""
        quantity = item.lot_size(shortfall)
        source = choose_source(item.sources, quantity) if item.sources else None
        if source is None:
            return quantity, item.lead_time, None if item.make else item.supplier_id
        terms = source.supplier_item
        return source.order_quantity(quantity), terms.lead_time_days, terms.supplier_id

    def _plan_order(self, item: Item, due: datetime.date, shortfall: Decimal) -> Planned:
        order_id = self.planned_id()
        quantity, lead_time, supplier_id = self._sourcing(item, shortfall)
        lead = item.lead_delta if lead_time == item.lead_time else datetime.timedelta(days=lead_time)
        # Never before the planning date: an order that should have started already (a due date promised by
        # capable-to-promise on capacity, shorter than the item's fixed lead time) starts today, and is late.
        start = max(due - lead, self.today)
        order = Planned(
            id=order_id,
            number=f"PL-{order_id}",
            item_id=item.id,
            kind=PlannedOrderKind.MAKE if item.make else PlannedOrderKind.BUY,
            quantity=quantity,
            start=start,
            due=due,
            supplier_id=supplier_id,
        )
        self.planned.append(order)
        if due - lead < self.today:
            ready = self.today + lead
            self._order_exception(
                order,
                ExceptionKind.START_LATE,
                self._(
                    "%(number)s cannot be ready by %(due)s: with its lead time of %(days)s days it starts today and "
                    "is ready %(ready)s."
                )
                % {"number": order.number, "due": due.isoformat(), "days": lead_time, "ready": ready.isoformat()},
                suggested=ready,
            )
        if item.make:
            if not self._explode(item.id, quantity, start, order.number, parent_order_id=order.id):
                self._order_exception(
                    order,
                    ExceptionKind.NO_BOM,
                    self._("%(item)s has no released BOM effective on %(start)s: its components are not planned.")
                    % {"item": item.code, "start": start.isoformat()},
                )
        elif supplier_id is None:
            self._order_exception(
                order,
                ExceptionKind.NO_SUPPLIER,
                self._("%(item)s has no approved source and no default supplier: set one before firming %(number)s.")
                % {"item": item.code, "number": order.number},
            )
        return order

    def _order_exception(self, order: Planned, kind: str, message: str, **fields) -> None:
        self.exceptions.append(
            Exception_(order.item_id, kind, order.number, message, due=order.due, planned_order_id=order.id, **fields)
        )

    def _existing_order_exceptions(self, item: Item) -> None:
        """What to do with the item's open orders, judged by what the netting pegged to them."""
        planned = list(self._planned_of(item.id))
        shortages = sorted({order.due for order in planned})
        planned_by_day = {order.due: order for order in planned}
        for supply in self.by_item_supplies.get(item.id, ()):
            if supply.kind == SupplyKind.ON_HAND:
                continue
            facts = {"reference": supply.reference, "due": supply.due.isoformat()}
            earlier = [day for day in shortages if day < supply.due]
            if earlier:
                self._supply_exception(
                    supply,
                    ExceptionKind.EXPEDITE,
                    self._("%(reference)s is due %(due)s but the item falls short from %(day)s: expedite it.")
                    % {**facts, "day": earlier[0].isoformat()},
                    suggested=earlier[0],
                )
            elif supply.pegged == 0:
                self._supply_exception(
                    supply,
                    ExceptionKind.CANCEL,
                    self._("Nothing in the plan needs %(reference)s: cancel it.") % facts,
                    quantity=supply.quantity,
                )
                continue
            elif supply.first_use and (supply.first_use - supply.due).days > DEFER_TOLERANCE_DAYS:
                self._supply_exception(
                    supply,
                    ExceptionKind.DEFER,
                    self._("%(reference)s is due %(due)s but first needed %(day)s: defer it.")
                    % {**facts, "day": supply.first_use.isoformat()},
                    suggested=supply.first_use,
                )
            if supply.pegged < supply.quantity:
                needed = self._sourcing(item, supply.pegged)[0]
                if needed < supply.quantity:
                    self._supply_exception(
                        supply,
                        ExceptionKind.REDUCE,
                        self._(
                            "Only %(needed)s of the %(open)s open on %(reference)s are needed: reduce it by %(less)s."
                        )
                        % {
                            **facts,
                            "needed": format_quantity(needed),
                            "open": format_quantity(supply.quantity),
                            "less": format_quantity(supply.quantity - needed),
                        },
                        quantity=supply.quantity - needed,
                    )
            same_day = planned_by_day.get(supply.requested)
            if same_day and supply.state in NOT_STARTED.get(supply.kind, ()):
                self._supply_exception(
                    supply,
                    ExceptionKind.INCREASE,
                    self._("%(number)s adds %(qty)s on the day %(reference)s is due: increase it by %(qty)s instead.")
                    % {**facts, "number": same_day.number, "qty": format_quantity(same_day.quantity)},
                    quantity=same_day.quantity,
                    planned_order_id=same_day.id,
                )

    def _planned_of(self, item_id: int) -> Iterator[Planned]:
        # Planned orders of the item netted last are at the end of the list.
        for order in reversed(self.planned):
            if order.item_id != item_id:
                break
            yield order

    def _supply_exception(self, supply: Supply, kind: str, message: str, **fields) -> None:
        self.exceptions.append(
            Exception_(
                supply.item_id, kind, supply.reference, message, due=supply.requested, supply_id=supply.id, **fields
            )
        )

    # Writing -------------------------------------------------------------------------------------
    #
    # The old plan goes before netting starts (TRUNCATE: readers wait for the commit and then see the
    # new plan whole). Rows never change once made, so each level's new rows are written by COPY on a
    # thread of its own while the next level is netted: PostgreSQL stores them on one core while Python
    # plans on the other. The secondary indexes are dropped first and built once at the end, several
    # times faster than growing them row by row over a million rows.

    def prepare_write(self) -> None:
        with connection.cursor() as cursor:
            # Check now what the transaction wrote before (a caller's own writes): PostgreSQL does not
            # truncate or index a table with foreign-key checks still pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Firmed planned orders are kept: set aside, the tables emptied, and put back.
            cursor.execute("DROP TABLE IF EXISTS aps_firmed")
            cursor.execute(
                "CREATE TEMPORARY TABLE aps_firmed ON COMMIT DROP AS SELECT * FROM aps_plannedorder WHERE state = %s",
                [PlannedOrderState.FIRMED],
            )
            cursor.execute(f"TRUNCATE {', '.join(PLAN_TABLES)}")
            cursor.execute("INSERT INTO aps_plannedorder SELECT * FROM aps_firmed")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN"
                " (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
                [list(PLAN_TABLES)],
            )
            self.indexes = cursor.fetchall()
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            # Planned-order ids are counted here from the sequence's next value (only runs, which hold the
            # plan lock, make planned orders), so netting needs no database round trip.
            cursor.execute("SELECT nextval(pg_get_serial_sequence('aps_plannedorder', 'id'))")
            self.planned_id = itertools.count(cursor.fetchone()[0]).__next__
        self.written = {"demands": 0, "planned": 0, "pegs": 0, "exceptions": 0}
        self.dates = _Dates()

    def flush(self, run: MrpRun) -> None:
        """Write the rows made since the last flush (rows never change once made)."""
        new = {}
        for name, rows in (
            ("demands", self.demands),
            ("planned", self.planned),
            ("pegs", self.pegs),
            ("exceptions", self.exceptions),
        ):
            new[name] = rows[self.written[name] :]
            self.written[name] = len(rows)
        dates, run_id, state = self.dates, run.pk, PlannedOrderState.PLANNED
        # Inline conditionals rather than a helper per cell: these lines are made a million times.
        _copy(
            "aps_plannedorder",
            # created_at and updated_at: the database's now() (migration 0002), cheaper than parsing them.
            "id, run_id, number, item_id, kind, quantity, start_date, due_date, supplier_id, state",
            (
                f"{o.id}\t{run_id}\t{o.number}\t{o.item_id}\t{o.kind}\t{o.quantity}\t{dates[o.start]}\t"
                f"{dates[o.due]}\t{NULL if o.supplier_id is None else o.supplier_id}\t{state}\n"
                for o in new["planned"]
            ),
        )
        _copy(
            "aps_plandemand",
            "id, run_id, item_id, kind, due_date, requested_date, quantity, reference, sales_order_line_id,"
            " forecast_id, schedule_entry_id, production_order_id, parent_order_id",
            (
                f"{d.id}\t{run_id}\t{d.item_id}\t{d.kind}\t{dates[d.due]}\t{dates[d.requested]}\t{d.quantity}\t"
                f"{_escape(d.reference)}\t"
                f"{NULL if d.sales_order_line_id is None else d.sales_order_line_id}\t"
                f"{NULL if d.forecast_id is None else d.forecast_id}\t"
                f"{NULL if d.schedule_entry_id is None else d.schedule_entry_id}\t"
                f"{NULL if d.production_order_id is None else d.production_order_id}\t"
                f"{NULL if d.parent_order_id is None else d.parent_order_id}\n"
                for d in new["demands"]
            ),
        )
        _copy(
            "aps_pegging",
            "demand_id, planned_order_id, supply_id, quantity",
            (
                f"{demand}\t{NULL if order is None else order}\t{NULL if supply is None else supply}\t{qty}\n"
                for demand, order, supply, qty in new["pegs"]
            ),
        )
        _copy(
            "aps_mrpexception",
            "run_id, item_id, kind, reference, message, due_date, suggested_date, quantity, planned_order_id,"
            " supply_id, demand_id",
            (
                f"{run_id}\t{e.item_id}\t{e.kind}\t{_escape(e.reference)}\t{_escape(e.message)}\t"
                f"{NULL if e.due is None else dates[e.due]}\t"
                f"{NULL if e.suggested is None else dates[e.suggested]}\t"
                f"{NULL if e.quantity is None else e.quantity}\t"
                f"{NULL if e.planned_order_id is None else e.planned_order_id}\t"
                f"{NULL if e.supply_id is None else e.supply_id}\t"
                f"{NULL if e.demand_id is None else e.demand_id}\n"
                for e in new["exceptions"]
            ),
        )

    def finish_write(self, run: MrpRun) -> None:
        dates = self.dates
        _copy(
            "aps_plansupply",
            "id, run_id, item_id, kind, due_date, quantity, reference, purchase_order_line_id, production_order_id",
            (
                f"{s.id}\t{run.pk}\t{s.item_id}\t{s.kind}\t{dates[s.due]}\t{s.quantity}\t{_escape(s.reference)}\t"
                f"{NULL if s.purchase_order_line_id is None else s.purchase_order_line_id}\t"
                f"{NULL if s.production_order_id is None else s.production_order_id}\n"
                for s in self.supplies.values()
            ),
        )
        with connection.cursor() as cursor:
            for _name, definition in self.indexes:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are initially deferred
            # The ids were given here, not by the sequences: move the sequences past the rows written.
            for table, count in (("aps_plandemand", len(self.demands)), ("aps_plansupply", len(self.supplies))):
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)", [table, max(count, 1), count > 0]
                )
            if self.planned:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('aps_plannedorder', 'id'), %s)", [self.planned[-1].id]
                )


def _copy(table: str, columns: str, lines: Iterable[str]) -> None:
    """Write lines of COPY text as they are made: PostgreSQL stores one chunk while Python formats the
    next. (A writer thread was tried: the driver keeps the interpreter while it waits for COPY to end,
    so the planning stalled instead of overlapping.)"""
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", _Stream(lines), 1 << 18)


class _Stream:
    """A file that COPY reads lines from as they are made."""

    def __init__(self, lines: Iterable[str]):
        self.lines = iter(lines)
        self.rest = ""

    def read(self, size: int = -1) -> str:
        chunks, length = [self.rest], len(self.rest)
        for line in self.lines:
            chunks.append(line)
            length += len(line)
            if length >= size > 0:
                break
        text = "".join(chunks)
        if size < 0:
            self.rest = ""
            return text
        self.rest = text[size:]
        return text[:size]

    readline = read


NULL = "\\N"  # COPY's text format for a missing value


class _Dates(dict):
    """date -> its ISO text, made once per date: a plant's plan has a million dates and a few hundred days."""

    def __missing__(self, day: datetime.date) -> str:
        text = self[day] = day.isoformat()
        return text


def _escape(value: str) -> str:
    """A value as COPY's text format reads it (backslashes and control characters escaped)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


@contextmanager
def plant_plan_lock(*, wait: bool) -> Iterator[None]:
    """Serialise MRP runs and firming: a run replaces every unfirmed planned order, so a planner must
    not firm one while a run is writing. A second run is refused rather than queued behind the first."""
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MRP_LOCK])
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [MRP_LOCK])
            if not cursor.fetchone()[0]:
                raise ValidationError(_("Another MRP run is in progress: wait for it to finish."), code="mrp_running")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MRP_LOCK])


def mrp_run(
    *,
    today: datetime.date | None = None,
    progress: Progress | None = None,
    user: Any = None,
    task_run: TaskRun | None = None,
) -> MrpResult:
    """Plan every item from scratch and replace the current plan with the result, in one transaction.

    The reads see one snapshot of the database (repeatable read), so a receipt posted meanwhile is
    counted either as stock or as an open order, never as both.
    """
    today = today or timezone.localdate()
    report = progress or (lambda percent, message="", params=None: None)
    started = time.perf_counter()
    nested = connection.in_atomic_block
    with plant_plan_lock(wait=False), transaction.atomic():
        if not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        plan = _Plan(today, report)
        # The plan is a million small objects that all live until the end: the cyclic garbage collector
        # would walk them again and again for nothing (it costs a third of the run).
        collecting = gc.isenabled()
        gc.disable()
        try:
            plan.read()
            run = MrpRun.objects.create(
                planning_date=today,
                finished_at=timezone.now(),
                task_run=task_run,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            plan.prepare_write()
            plan.net(run)
            report(90, gettext_noop("Indexing %(orders)s planned orders."), {"orders": len(plan.planned)})
            plan.finish_write(run)
        finally:
            if collecting:
                gc.enable()
        run.item_count = sum(
            1 for item_id in plan.items if plan.by_item_demands.get(item_id) or plan.by_item_supplies.get(item_id)
        )
        run.planned_order_count = len(plan.planned)
        run.exception_count = len(plan.exceptions)
        run.finished_at = timezone.now()
        run.save(update_fields=["item_count", "planned_order_count", "exception_count", "finished_at"])
    # Timed to the commit: what the plant waits for, from the first read to the plan being visible.
    seconds = time.perf_counter() - started
    run.seconds = Decimal(f"{seconds:.3f}")
    MrpRun.objects.filter(pk=run.pk).update(seconds=run.seconds)
    return MrpResult(run, plan.items, plan.demands, plan.planned, plan.exceptions, plan.pegs, seconds)


def mrp_run_start(*, user: Any = None, today: datetime.date | None = None) -> TaskRun:
    """Queue an MRP run on a worker; its progress shows on the run's page."""
    if TaskRun.objects.filter(task_name=MRP_TASK, status__in=[TaskRunStatus.PENDING, TaskRunStatus.RUNNING]).exists():
        raise ValidationError(_("An MRP run is already queued or running: wait for it to finish."), code="mrp_running")
    return task_run_start(
        task_name=MRP_TASK,
        title=gettext_noop("MRP run"),
        params={"today": today.isoformat() if today else None},
        user=user,
    )
