"""Regenerative MRP over the whole plant, by low-level code. docs/mrp.md is the contract.

The run is set-based: one read per table into plain Python structures, the netting in memory item by
item (parents before their components, so every dependent requirement is known before its item is
netted), and the new plan written with COPY in the transaction that removes the old one: readers see
the previous plan or the new one, never half of either.
"""

import datetime
import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aps.choices import DemandKind, ExceptionKind, PlannedOrderKind, PlannedOrderState, SupplyKind
from aps.models import MrpRun
from core.choices import LotPolicy, Procurement, TaskRunStatus
from core.formatting import format_quantity
from core.models import TaskRun
from core.services.progress import task_run_start
from erp.choices import ProductionOrderState, PurchaseOrderState, SalesOrderState
from erp.selectors.costing import low_level_codes
from plm.models.revisions import EFFECTIVE_STATES
from plm.services.cycles import describe_cycle, find_cycle

Progress = Callable[[int, str], None]

MRP_TASK = "aps.tasks.mrp_run"
# pg_advisory_lock key: one MRP run (or firming) at a time, plant-wide.
MRP_LOCK = 0x4D5250  # "MRP"
ZERO = Decimal(0)
# An open order first needed up to this many days after it is due is left alone: moving it would be noise.
DEFER_TOLERANCE_DAYS = 7
HUNDRED = Decimal(100)

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
# Demands due on the same day are covered in this order.
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
    safety_stock: Decimal
    lot_policy: str
    lot_qty: Decimal | None
    min_qty: Decimal | None
    multiple_qty: Decimal | None
    supplier_id: int | None
    step: Decimal  # the smallest quantity of the item's unit: 1 for ea, 0.001 for kg

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
    pegs: list[tuple[int, Decimal]] = field(default_factory=list)  # (demand id, quantity)


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
    demands: dict[int, Demand]
    planned: list[Planned]
    exceptions: list[Exception_]
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
                        {"demand": self.demands[demand_id].reference, "qty": format_quantity(quantity)}
                        for demand_id, quantity in order.pegs
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


class _Ids:
    """Primary keys taken from a table's own sequence in one query, so rows can refer to each other
    before they are written."""

    def __init__(self, table: str, count: int):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            self._ids = iter([row[0] for row in cursor.fetchall()])
        self.table = table

    def __call__(self) -> int:
        try:
            return next(self._ids)
        except StopIteration:  # more rows than foreseen: one more round trip, rare
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [self.table])
                return cursor.fetchone()[0]


def _rows(sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


class _Plan:
    """One run's working state: reads, nets item by item, and knows what to write."""

    def __init__(self, today: datetime.date, progress: Progress):
        self.today = today
        self.progress = progress
        self.items: dict[int, Item] = {}
        self.boms: dict[int, list[BomRevision]] = defaultdict(list)
        self.demands: dict[int, Demand] = {}
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
        counts = _rows(
            "SELECT (SELECT count(*) FROM erp_salesorderline), (SELECT count(*) FROM erp_salesforecast),"
            " (SELECT count(*) FROM aps_masterscheduleentry), (SELECT count(*) FROM erp_purchaseorderline),"
            " (SELECT count(*) FROM erp_productionorder), (SELECT count(*) FROM erp_productioncomponent)"
        )[0]
        # An upper bound of the rows to come: every demand and supply read, plus dependent demand of
        # planned orders (at most one per BOM line per order; estimated, _Ids asks again if short).
        bom_lines = sum(len(revision.lines) for revisions in self.boms.values() for revision in revisions)
        self.demand_id = _Ids("aps_plandemand", sum(counts) + len(self.items) + bom_lines * 2)
        self.supply_id = _Ids("aps_plansupply", counts[3] + counts[4] + len(self.items))
        self._read_stock()
        self._read_sales()
        self._read_forecast_and_schedule()
        self._read_purchases()
        self._read_production()
        self.progress(
            30,
            _("Read %(items)s items and %(demands)s demands.")
            % {
                "items": len(self.items),
                "demands": len(self.demands),
            },
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
                safety_stock=safety,
                lot_policy=policy,
                lot_qty=lot,
                min_qty=minimum,
                multiple_qty=multiple,
                supplier_id=supplier,
                step=Decimal(1).scaleb(-decimals),
            )

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
                        _("A BOM line's unit cannot be converted into %(item)s's unit: the line is left out.")
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
                _("The BOMs loop (%(cycle)s): MRP cannot order parents before their components.")
                % {"cycle": describe_cycle(cycle, codes)},
                code="bom_cycle",
            )
        self.levels = low_level_codes(items=self.items, edges=edges)

    def _bom_on(self, item_id: int, day: datetime.date) -> BomRevision | None:
        """The revision effective on a day: the latest start among those whose window holds it."""
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
            **links,
        )
        self.demands[demand.id] = demand
        self.by_item_demands[item_id].append(demand)
        if requested < self.today:
            self.exceptions.append(
                Exception_(
                    item_id,
                    ExceptionKind.PAST_DUE,
                    reference,
                    _("%(reference)s needs %(qty)s %(item)s since %(date)s: planned as due today.")
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
                    _("%(reference)s was due %(date)s and %(qty)s are still open: expedite it or move its date.")
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
            self._add_supply(item_id, SupplyKind.ON_HAND, self.today, quantity, _("On hand"))
        for item in self.items.values():
            if item.safety_stock > 0:
                self.add_demand(item.id, DemandKind.SAFETY_STOCK, self.today, item.safety_stock, _("Safety stock"))

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
                        _("Forecast %(reference)s") % {"reference": reference},
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

    def _explode(self, item_id: int, quantity: Decimal, start: datetime.date, reference: str, **links) -> bool:
        revision = self._bom_on(item_id, start)
        if revision is None:
            return False
        for line in revision.lines:
            component = self.items[line.component_id]
            required = component.round_up(quantity * line.factor)
            if required > 0:
                self.add_demand(component.id, DemandKind.DEPENDENT, start, required, reference, **links)
        return True

    # Netting -------------------------------------------------------------------------------------

    def net(self) -> None:
        by_level: dict[int, list[int]] = defaultdict(list)
        for item_id in self.items:
            by_level[self.levels.get(item_id, 0)].append(item_id)
        self.planned_id = _Ids("aps_plannedorder", max(len(self.demands) // 2, 100))
        done, total = 0, len(self.items)
        for level in sorted(by_level):
            for item_id in sorted(by_level[level], key=lambda item_id: self.items[item_id].code):
                if self.by_item_demands.get(item_id) or self.by_item_supplies.get(item_id):
                    self._net_item(self.items[item_id])
            done += len(by_level[level])
            self.progress(
                30 + 50 * done // max(total, 1),
                _("Level %(level)s planned: %(done)s of %(total)s items.")
                % {"level": level, "done": done, "total": total},
            )

    def _net_item(self, item: Item) -> None:
        """Cover the item's demands day by day: stock and open orders due by then first (earliest
        first), then one planned order per short day, sized by the lot policy."""
        demands = sorted(self.by_item_demands.get(item.id, ()), key=lambda d: (d.due, DEMAND_ORDER[d.kind], d.id))
        receipts = sorted(
            self.by_item_supplies.get(item.id, ()), key=lambda s: (s.due, s.kind != SupplyKind.ON_HAND, s.id)
        )
        pool: list[list] = []  # [remaining, supply or planned order], in date order
        available = ZERO  # what the pool still holds
        next_receipt = cursor = index = 0
        while index < len(demands):
            day = demands[index].due
            todays = []
            while index < len(demands) and demands[index].due == day:
                todays.append(demands[index])
                index += 1
            while next_receipt < len(receipts) and receipts[next_receipt].due <= day:
                receipt = receipts[next_receipt]
                pool.append([receipt.quantity, receipt])
                available += receipt.quantity
                next_receipt += 1
            wanted_today = sum(demand.quantity for demand in todays)
            if wanted_today > available:
                order = self._plan_order(item, day, item.lot_size(wanted_today - available))
                pool.append([order.quantity, order])
                available += order.quantity
            available -= wanted_today
            for demand in todays:
                wanted = demand.quantity
                while wanted > 0:
                    while pool[cursor][0] == 0:
                        cursor += 1
                    entry = pool[cursor]
                    taken = min(wanted, entry[0])
                    entry[0] -= taken
                    wanted -= taken
                    self._peg(demand, entry[1], taken)
        self._existing_order_exceptions(item)

    def _peg(self, demand: Demand, source: "Supply | Planned", quantity: Decimal) -> None:
        if isinstance(source, Planned):
            source.pegs.append((demand.id, quantity))
            self.pegs.append((demand.id, source.id, None, quantity))
        else:
            source.pegged += quantity
            if source.first_use is None:
                source.first_use = demand.due
            self.pegs.append((demand.id, None, source.id, quantity))

    def _plan_order(self, item: Item, due: datetime.date, quantity: Decimal) -> Planned:
        order_id = self.planned_id()
        start = due - datetime.timedelta(days=item.lead_time)
        order = Planned(
            id=order_id,
            number=f"PL-{order_id}",
            item_id=item.id,
            kind=PlannedOrderKind.MAKE if item.make else PlannedOrderKind.BUY,
            quantity=quantity,
            start=start,
            due=due,
            supplier_id=None if item.make else item.supplier_id,
        )
        self.planned.append(order)
        if start < self.today:
            self._order_exception(
                order,
                ExceptionKind.START_LATE,
                _("%(number)s should have started %(start)s to be ready by %(due)s (lead time %(days)s days).")
                % {"number": order.number, "start": start.isoformat(), "due": due.isoformat(), "days": item.lead_time},
                suggested=self.today,
            )
        if item.make:
            if not self._explode(item.id, quantity, start, order.number, parent_order_id=order.id):
                self._order_exception(
                    order,
                    ExceptionKind.NO_BOM,
                    _("%(item)s has no released BOM effective on %(start)s: its components are not planned.")
                    % {"item": item.code, "start": start.isoformat()},
                )
        elif item.supplier_id is None:
            self._order_exception(
                order,
                ExceptionKind.NO_SUPPLIER,
                _("%(item)s has no default supplier: set one before firming %(number)s.")
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
                    _("%(reference)s is due %(due)s but the item falls short from %(day)s: expedite it.")
                    % {**facts, "day": earlier[0].isoformat()},
                    suggested=earlier[0],
                )
            elif supply.pegged == 0:
                self._supply_exception(
                    supply,
                    ExceptionKind.CANCEL,
                    _("Nothing in the plan needs %(reference)s: cancel it.") % facts,
                    quantity=supply.quantity,
                )
                continue
            elif supply.first_use and (supply.first_use - supply.due).days > DEFER_TOLERANCE_DAYS:
                self._supply_exception(
                    supply,
                    ExceptionKind.DEFER,
                    _("%(reference)s is due %(due)s but first needed %(day)s: defer it.")
                    % {**facts, "day": supply.first_use.isoformat()},
                    suggested=supply.first_use,
                )
            if supply.pegged < supply.quantity:
                needed = item.lot_size(supply.pegged)
                if needed < supply.quantity:
                    self._supply_exception(
                        supply,
                        ExceptionKind.REDUCE,
                        _("Only %(needed)s of the %(open)s open on %(reference)s are needed: reduce it by %(less)s.")
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
                    _("%(number)s adds %(qty)s on the day %(reference)s is due: increase it by %(qty)s instead.")
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

    def write(self, run: MrpRun) -> None:
        """Replace the previous plan by this one. Firmed planned orders stay; their pegging goes with
        the demands of the run that made them."""
        with connection.cursor() as cursor:
            for table in ("aps_pegging", "aps_mrpexception", "aps_plandemand", "aps_plansupply"):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (constant names)
            cursor.execute("DELETE FROM aps_plannedorder WHERE state = %s", [PlannedOrderState.PLANNED])
        now = timezone.now()
        _copy(
            "aps_plansupply",
            (
                "id",
                "run_id",
                "item_id",
                "kind",
                "due_date",
                "quantity",
                "reference",
                "purchase_order_line_id",
                "production_order_id",
            ),
            (
                (
                    s.id,
                    run.pk,
                    s.item_id,
                    s.kind,
                    s.due,
                    s.quantity,
                    s.reference,
                    s.purchase_order_line_id,
                    s.production_order_id,
                )
                for s in self.supplies.values()
            ),
        )
        _copy(
            "aps_plannedorder",
            (
                "id",
                "created_at",
                "updated_at",
                "run_id",
                "number",
                "item_id",
                "kind",
                "quantity",
                "start_date",
                "due_date",
                "supplier_id",
                "state",
            ),
            (
                (
                    o.id,
                    now,
                    now,
                    run.pk,
                    o.number,
                    o.item_id,
                    o.kind,
                    o.quantity,
                    o.start,
                    o.due,
                    o.supplier_id,
                    PlannedOrderState.PLANNED,
                )
                for o in self.planned
            ),
        )
        _copy(
            "aps_plandemand",
            (
                "id",
                "run_id",
                "item_id",
                "kind",
                "due_date",
                "requested_date",
                "quantity",
                "reference",
                "sales_order_line_id",
                "forecast_id",
                "schedule_entry_id",
                "production_order_id",
                "parent_order_id",
            ),
            (
                (
                    d.id,
                    run.pk,
                    d.item_id,
                    d.kind,
                    d.due,
                    d.requested,
                    d.quantity,
                    d.reference,
                    d.sales_order_line_id,
                    d.forecast_id,
                    d.schedule_entry_id,
                    d.production_order_id,
                    d.parent_order_id,
                )
                for d in self.demands.values()
            ),
        )
        _copy("aps_pegging", ("demand_id", "planned_order_id", "supply_id", "quantity"), self.pegs)
        _copy(
            "aps_mrpexception",
            (
                "run_id",
                "item_id",
                "kind",
                "reference",
                "message",
                "due_date",
                "suggested_date",
                "quantity",
                "planned_order_id",
                "supply_id",
                "demand_id",
            ),
            (
                (
                    run.pk,
                    e.item_id,
                    e.kind,
                    e.reference,
                    e.message,
                    e.due,
                    e.suggested,
                    e.quantity,
                    e.planned_order_id,
                    e.supply_id,
                    e.demand_id,
                )
                for e in self.exceptions
            ),
        )


def _cell(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def _copy(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Bulk-insert rows with COPY: an order of magnitude faster than INSERTs for a plant's plan."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(map(_cell, row)))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


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
    report = progress or (lambda percent, message: None)
    started = time.perf_counter()
    nested = connection.in_atomic_block
    with plant_plan_lock(wait=False), transaction.atomic():
        if not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        plan = _Plan(today, report)
        plan.read()
        plan.net()
        report(85, _("Writing %(orders)s planned orders.") % {"orders": len(plan.planned)})
        run = MrpRun.objects.create(
            planning_date=today,
            finished_at=timezone.now(),
            item_count=sum(
                1 for item_id in plan.items if plan.by_item_demands.get(item_id) or plan.by_item_supplies.get(item_id)
            ),
            planned_order_count=len(plan.planned),
            exception_count=len(plan.exceptions),
            task_run=task_run,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        plan.write(run)
        seconds = time.perf_counter() - started
        run.seconds = Decimal(f"{seconds:.3f}")
        run.finished_at = timezone.now()
        run.save(update_fields=["seconds", "finished_at"])
    return MrpResult(run, plan.items, plan.demands, plan.planned, plan.exceptions, seconds)


def mrp_run_start(*, user: Any = None, today: datetime.date | None = None) -> TaskRun:
    """Queue an MRP run on a worker; its progress shows on the run's page."""
    if TaskRun.objects.filter(task_name=MRP_TASK, status__in=[TaskRunStatus.PENDING, TaskRunStatus.RUNNING]).exists():
        raise ValidationError(_("An MRP run is already queued or running: wait for it to finish."), code="mrp_running")
    return task_run_start(
        task_name=MRP_TASK,
        title=_("MRP run"),
        params={"today": today.isoformat() if today else None},
        user=user,
    )
