"""Genealogy over a five-level product made through the real services: steel and gasket lots bought
from suppliers, blanks, shells, bodies and units made in lots on the floor, kettles made as serials and
two of them shipped to a customer. Traces go both ways over every level and return every lot of the
chain and nothing else (not the sibling serials, not an unrelated steel lot made into other blanks), in
a number of queries that does not grow with the depth."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine

from core.choices import PartnerKind, Procurement, Tracking
from core.models import Item, Partner
from erp.models import ProductionOrder
from erp.services import production as p
from erp.services import purchasing
from erp.services.sales import sales_order_confirm, sales_order_create
from mes.models import Inspection, InspectionPlan, LotLink
from mes.selectors import genealogy as g
from mes.services import execution as x
from tests.erp.test_production import make_item, released_bom, released_routing
from tests.mes.conftest import T0, at
from wms.models import Lot, StockMove
from wms.services.picking import pick_confirm, pick_list_create, shipment_create, shipment_ship
from wms.services.putaway import stock_task_confirm
from wms.services.receipts import receipt_receive

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 10)
KETTLES = 4
NOW = T0 + datetime.timedelta(days=1)  # the chain is made the day before, from T0 on


@dataclass
class Chain:
    """The lots of the chain by name, the orders that made them, and who took part."""

    lots: dict[str, Lot]
    serials: list[Lot]
    orders: dict[str, ProductionOrder]
    unrelated: list[Lot]  # steel lot S-B and the blanks made from it
    steelco: Partner
    heatco: Partner
    customer: Partner
    purchase_orders: dict[str, str]  # lot name -> purchase order number
    sales_order: str
    delivery_note: str
    floor: dict

    def ids(self, *names: str) -> set[int]:
        return {self.lots[name].pk for name in names}


def _partner(code: str, kind: str, currency) -> Partner:
    return Partner.objects.create(code=code, name=code.title(), kind=kind, currency=currency)


def _bought(supplier: Partner, item: Item, quantity: int, lot_code: str, warehouse) -> tuple[Lot, str]:
    """A lot bought on a purchase order, received on its WMS receipt and put away."""
    order = purchasing.purchase_order_send(
        order=purchasing.purchase_order_create(
            supplier=supplier,
            warehouse=warehouse,
            lines=[{"item": item, "quantity": Decimal(quantity), "unit_price": Decimal("2.50")}],
        )
    )
    for task in receipt_receive(line=order.receipt.lines.get(), quantity=Decimal(quantity), lot_code=lot_code):
        stock_task_confirm(task=task, location=task.to_location)
    return Lot.objects.get(item=item, code=lot_code), order.number


def _made(
    floor, item: Item, quantity: int, machine: str, minute: int, lots: list[Lot], *, backflush: bool = False
) -> tuple[ProductionOrder, list[Lot]]:
    """A production order run on the floor by Li Wei: started, its lots scanned (or backflushed), counted,
    its output received in lots or serials, completed."""
    employee, bin_ = floor["B-1001"], floor["bin"]
    order = p.production_order_release(
        order=p.production_order_firm(
            order=p.production_order_create(
                item=item, quantity=Decimal(quantity), due_date=DUE, warehouse=floor["warehouse"]
            )
        )
    )
    run = x.operation_start(operation=order.operations.get(), machine=floor[machine], at=at(minute), employee=employee)
    if backflush:
        x.material_backflush(run=run, quantity=quantity, at=at(minute + 5), employee=employee)
    for lot in lots:
        component = order.components.get(item=lot.item)
        x.material_consume(
            run=run, component=component, quantity=quantity, lot=lot, at=at(minute + 5), employee=employee
        )
    x.operation_count(run=run, good_qty=quantity, at=at(minute + 30), employee=employee)
    produced = x.lot_produce(run=run, quantity=quantity, location=bin_, at=at(minute + 35), employee=employee)
    x.operation_complete(run=run, at=at(minute + 40), employee=employee)
    return order, [event.lot for event in produced]


def _shipped(customer: Partner, kettle: Item, quantity: int, warehouse) -> tuple[str, str]:
    """A sales order for kettles, picked (FIFO: the first serials), packed and shipped."""
    order = sales_order_confirm(
        order=sales_order_create(
            customer=customer,
            warehouse=warehouse,
            requested_date=DUE,
            lines=[{"item": kettle, "quantity": Decimal(quantity), "unit_price": Decimal("99")}],
        )
    )
    pick_list = pick_list_create(request=order.stock_request)
    for line in pick_list.lines.select_related("from_location", "lot"):
        pick_confirm(line=line, location=line.from_location, quantity=line.quantity, lot=line.lot)
    shipment = shipment_ship(shipment=shipment_create(pick_list=pick_list, packages=[{"code": "P1"}]))
    return order.number, shipment.number


def _inspection(number: str, item: Item, **fields) -> Inspection:
    plan, _created = InspectionPlan.objects.get_or_create(
        code=f"IP-{item.code}", defaults={"name": "Check", "item": item}
    )
    return Inspection.objects.create(number=number, plan=plan, result="passed", inspected_at=at(0), **fields)


def chain_build(floor, company) -> Chain:
    """STEEL lot S-A (STEELCO) > BLANK > SHELL > BODY (+ GASKET lot G-1 from HEATCO) > UNIT > KT-900 serials,
    two of them shipped to MEDIAHOME; besides, steel lot S-B made into other blanks. (The floor fixture's
    plant and the company come from tests/mes/conftest.py.)"""
    with time_machine.travel(NOW, tick=False):
        return _chain(floor, company)


def _chain(floor, company) -> Chain:
    floor["bin"] = floor["warehouse"].locations.get(code="MAIN/STOCK/B-01")
    assembly, test = floor["assembly"], floor["test"]

    def made_item(code: str, tracking: str, components: list[Item], work_center) -> Item:
        item = make_item(code, procurement=Procurement.MAKE, tracking=tracking, standard_cost=Decimal("10"))
        released_bom(item, [(component, "1", "0", "ea") for component in components])
        released_routing(item, [(10, work_center, "0", "1", f"Make {code}")])
        return item

    steel = make_item("STEEL", tracking=Tracking.LOT, standard_cost=Decimal("2"))
    gasket = make_item("GASKET", tracking=Tracking.LOT, standard_cost=Decimal("1"))
    blank = made_item("BLANK", Tracking.LOT, [steel], assembly)
    shell = made_item("SHELL", Tracking.LOT, [blank], assembly)
    body = made_item("BODY", Tracking.LOT, [shell, gasket], assembly)
    unit = made_item("UNIT", Tracking.LOT, [body], assembly)
    kettle = made_item("KT-900", Tracking.SERIAL, [unit], test)
    currency = company.currency
    steelco = _partner("STEELCO", PartnerKind.SUPPLIER, currency)
    heatco = _partner("HEATCO", PartnerKind.SUPPLIER, currency)
    customer = _partner("MEDIAHOME", PartnerKind.CUSTOMER, currency)
    warehouse = floor["warehouse"]

    lots, orders, purchase_orders = {}, {}, {}
    lots["S-A"], purchase_orders["S-A"] = _bought(steelco, steel, KETTLES, "S-A", warehouse)
    lots["G-1"], purchase_orders["G-1"] = _bought(heatco, gasket, KETTLES, "G-1", warehouse)
    orders["BLANK"], (lots["BLANK"],) = _made(floor, blank, KETTLES, "assy1", 0, [lots["S-A"]])
    orders["SHELL"], (lots["SHELL"],) = _made(floor, shell, KETTLES, "assy2", 60, [], backflush=True)
    # Anna Berg is signed on to ASSY-1 while the bodies are made: an operator by her labor, not her scans.
    x.operator_sign_on(employee=floor["B-1002"], machine=floor["assy1"], at=at(115))
    orders["BODY"], (lots["BODY"],) = _made(floor, body, KETTLES, "assy1", 120, [lots["SHELL"], lots["G-1"]])
    x.operator_sign_off(employee=floor["B-1002"], at=at(170))
    orders["UNIT"], (lots["UNIT"],) = _made(floor, unit, KETTLES, "assy2", 180, [lots["BODY"]])
    orders["KT-900"], serials = _made(floor, kettle, KETTLES, "test1", 240, [lots["UNIT"]])
    sales_order, delivery_note = _shipped(customer, kettle, 2, warehouse)

    other_steel, _po = _bought(steelco, steel, 2, "S-B", warehouse)
    _order, other_blanks = _made(floor, blank, 2, "assy2", 300, [other_steel])

    _inspection("IN-1", body, lot=lots["BODY"])
    _inspection("IN-2", unit, operation=orders["UNIT"].operations.get())
    _inspection("IN-3", blank, lot=other_blanks[0])
    return Chain(
        lots=lots,
        serials=serials,
        orders=orders,
        unrelated=[other_steel, *other_blanks],
        steelco=steelco,
        heatco=heatco,
        customer=customer,
        purchase_orders=purchase_orders,
        sales_order=sales_order,
        delivery_note=delivery_note,
        floor=floor,
    )


def _nodes(node: g.TraceNode) -> list[g.TraceNode]:
    return [node, *(n for child in node.children for n in _nodes(child))]


# --- Backward ---------------------------------------------------------------------------------------------


def test_a_trace_back_over_five_levels_returns_every_lot_and_nothing_else(chain):
    serial = chain.serials[0]
    trace = g.trace_backward(lot=serial)

    assert {lot.pk for lot in trace.lots} == {serial.pk} | chain.ids("UNIT", "BODY", "SHELL", "BLANK", "S-A", "G-1")
    assert trace.depths == {
        serial.pk: 0,
        chain.lots["UNIT"].pk: 1,
        chain.lots["BODY"].pk: 2,
        chain.lots["SHELL"].pk: 3,
        chain.lots["G-1"].pk: 3,
        chain.lots["BLANK"].pk: 4,
        chain.lots["S-A"].pk: 5,
    }
    # The tree: each lot once, under the lot made from it, with the order and quantity of that link.
    path = []
    node = trace.root
    while node.children:
        path.append([(child.lot.code, child.order.number, child.quantity) for child in node.children])
        node = next(child for child in node.children if child.lot.item.code != "GASKET")
    assert path == [
        [(chain.lots["UNIT"].code, chain.orders["KT-900"].number, KETTLES)],
        [(chain.lots["BODY"].code, chain.orders["UNIT"].number, KETTLES)],
        [
            ("G-1", chain.orders["BODY"].number, KETTLES),
            (chain.lots["SHELL"].code, chain.orders["BODY"].number, KETTLES),
        ],
        [(chain.lots["BLANK"].code, chain.orders["SHELL"].number, KETTLES)],
        [("S-A", chain.orders["BLANK"].number, KETTLES)],
    ]
    assert not any(n.repeated for n in _nodes(trace.root))


def test_the_backward_trace_names_the_suppliers_orders_machines_operators_and_inspections(chain):
    records = g.trace_backward(lot=chain.serials[0]).records
    steel, gasket = records[chain.lots["S-A"].pk], records[chain.lots["G-1"].pk]
    assert [(r.reference, r.supplier, r.quantity) for r in steel.receipts] == [
        (chain.purchase_orders["S-A"], chain.steelco, KETTLES)
    ]
    assert steel.receipts[0].receipt.startswith("RC-")
    assert [(r.reference, r.supplier) for r in gasket.receipts] == [(chain.purchase_orders["G-1"], chain.heatco)]
    assert steel.orders == [] and steel.events == []

    body = records[chain.lots["BODY"].pk]
    floor = chain.floor
    assert body.orders == [chain.orders["BODY"]]
    assert body.produced_qty == KETTLES
    assert body.machines == [floor["assy1"]]
    assert set(body.operators) == {floor["B-1001"], floor["B-1002"]}
    assert [e.kind for e in body.events] == ["start", "consume", "consume", "produce", "complete"]
    assert {e.lot_id for e in body.events if e.kind == "consume"} == chain.ids("SHELL", "G-1")
    assert [i.number for i in body.inspections] == ["IN-1"]
    unit = records[chain.lots["UNIT"].pk]
    assert [i.number for i in unit.inspections] == ["IN-2"]  # of the unit order's operation
    assert records[chain.lots["SHELL"].pk].operators == [floor["B-1001"]]
    assert records[chain.serials[0].pk].machines == [floor["test1"]]


# --- Forward ----------------------------------------------------------------------------------------------


def test_a_trace_forward_over_five_levels_reaches_every_serial_and_the_customer(chain):
    trace = g.trace_forward(lot=chain.lots["S-A"])

    serial_ids = {serial.pk for serial in chain.serials}
    assert {lot.pk for lot in trace.lots} == chain.ids("S-A", "BLANK", "SHELL", "BODY", "UNIT") | serial_ids
    assert {trace.depths[pk] for pk in serial_ids} == {5}
    shipped = {
        pk: [(s.customer, s.reference, s.delivery_note, s.quantity, s.shipped_at) for s in record.shipments]
        for pk, record in trace.records.items()
        if record.shipments
    }
    now = NOW
    assert shipped == {
        chain.serials[0].pk: [(chain.customer, chain.sales_order, chain.delivery_note, 1, now)],
        chain.serials[1].pk: [(chain.customer, chain.sales_order, chain.delivery_note, 1, now)],
    }
    # The gasket went into the bodies too, but the bodies are not made of steel lot S-B nor of the gasket.
    gasket_forward = g.trace_forward(lot=chain.lots["G-1"])
    assert {lot.pk for lot in gasket_forward.lots} == chain.ids("G-1", "BODY", "UNIT") | serial_ids


def test_a_trace_from_the_unrelated_lot_stays_apart(chain):
    steel, *blanks = chain.unrelated
    assert {lot.pk for lot in g.trace_forward(lot=steel).lots} == {steel.pk, *(b.pk for b in blanks)}
    assert {lot.pk for lot in g.trace_backward(lot=blanks[0]).lots} == {steel.pk, blanks[0].pk}
    assert [i.number for i in g.trace_backward(lot=blanks[0]).records[blanks[0].pk].inspections] == ["IN-3"]


def test_the_queries_of_a_trace_do_not_grow_with_its_depth(chain, django_assert_max_num_queries):
    with django_assert_max_num_queries(11):
        deep = g.trace_backward(lot=chain.serials[0])
    with django_assert_max_num_queries(11):
        shallow = g.trace_backward(lot=chain.lots["BLANK"])
    with django_assert_max_num_queries(11):
        wide = g.trace_forward(lot=chain.lots["S-A"])
    assert (max(deep.depths.values()), max(shallow.depths.values()), len(wide.records)) == (5, 1, 5 + KETTLES)


def test_a_cycle_in_the_links_ends_the_walk(chain):
    """Bad data (a kettle recorded as consumed into the steel it came from) must not hang the trace."""
    LotLink.objects.create(produced_lot=chain.lots["S-A"], consumed_lot=chain.serials[0], order=chain.orders["BLANK"])
    trace = g.trace_backward(lot=chain.serials[0])
    nodes = _nodes(trace.root)
    assert {lot.pk for lot in trace.lots} == {chain.serials[0].pk} | chain.ids(
        "UNIT", "BODY", "SHELL", "BLANK", "S-A", "G-1"
    )
    # The serial met again under the steel is shown, not walked again.
    assert [(n.lot.pk, n.repeated) for n in nodes if n.repeated] == [(chain.serials[0].pk, True)]
    assert len(nodes) == 8


# --- Recall -----------------------------------------------------------------------------------------------


def test_the_recall_list_of_a_supplier_lot_names_every_kettle_where_it_is_and_who_has_it(chain):
    recall = g.recall_list(lot=chain.lots["S-A"])
    bin_code = chain.floor["bin"].code
    rows = [
        (
            line.lot.code,
            line.depth,
            line.finished,
            [(q.location.code, q.quantity) for q in line.on_hand],
            [(s.customer.code, s.reference, s.delivery_note) for s in line.shipments],
        )
        for line in recall.lines
    ]
    shipped = [("MEDIAHOME", chain.sales_order, chain.delivery_note)]
    assert rows == [
        (chain.serials[0].code, 5, True, [], shipped),
        (chain.serials[1].code, 5, True, [], shipped),
        (chain.serials[2].code, 5, True, [(bin_code, 1)], []),
        (chain.serials[3].code, 5, True, [(bin_code, 1)], []),
    ]
    assert recall.customers == [chain.customer]
    # The serials shipped are those the ledger sent to the customer.
    sent = StockMove.objects.filter(to_location__kind="customer").values_list("lot_id", flat=True)
    assert set(sent) == {chain.serials[0].pk, chain.serials[1].pk}


def test_a_suspect_lot_still_in_stock_is_on_its_own_recall_list(chain):
    steel = chain.unrelated[0]
    recall = g.recall_list(lot=steel)
    # S-B was used up in its blanks; the blanks are finished and on hand.
    assert [(line.lot.pk, line.finished, [q.quantity for q in line.on_hand]) for line in recall.lines] == [
        (chain.unrelated[1].pk, True, [2])
    ]
    recall = g.recall_list(lot=chain.serials[3])
    assert [(line.lot.pk, line.depth, [q.quantity for q in line.on_hand]) for line in recall.lines] == [
        (chain.serials[3].pk, 0, [1])
    ]


# --- Finding lots -----------------------------------------------------------------------------------------


def test_lots_are_found_by_code_and_a_shared_code_by_its_item(chain):
    other = Lot.objects.create(item=chain.lots["SHELL"].item, code="G-1")
    assert g.lots_by_code(code="G-1") == [chain.lots["G-1"], other]
    assert g.lots_by_code(code="G-1", item_code="SHELL") == [other]
    assert g.lots_by_code(code="nope") == []
    assert [lot.code for lot in g.lot_search(text="s-")] == ["S-A", "S-B"]
    Lot.objects.create(item=chain.lots["S-A"].item, code="AS-A")
    # What was typed whole comes first.
    assert [lot.code for lot in g.lot_search(text="s-a")] == ["S-A", "AS-A"]
    assert [(lot.code, lot.item.code) for lot in g.lot_search(text="g-1")] == [("G-1", "GASKET"), ("G-1", "SHELL")]
    assert list(g.lot_search(text="  ")) == []
