"""Production orders through their services: firming copies the effective engineering data and keeps it,
release freezes the standards and reserves the material in WMS, MES's reports absorb time into WIP,
issues and output go through the stock ledger and its valuation, and closing clears the order's WIP into
variances that match a hand computation to the cent."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from core.choices import Procurement
from core.models import DomainEvent, Item, Unit, WorkCenter
from core.roles import Role
from erp import events
from erp.choices import AccountRole, JournalSource, OperationState, SalesOrderState, VarianceKind
from erp.choices import ProductionOrderState as State
from erp.models import JournalLine, ProductionOrder, ProductionVariance, WorkCenterRate
from erp.selectors.production import order_variances, variance_summary
from erp.services import production as p
from erp.services.journal import account_for
from erp.services.sales import sales_order_confirm, sales_order_create
from plm.choices import RevisionState
from plm.models import BomLine, BomRevision, RoutingOperation, RoutingRevision
from plm.services import changes
from plm.services.revisions import bom_line_update
from wms.choices import LocationKind, MoveKind, RequestState
from wms.locations import virtual_location
from wms.models import Quant, Reservation, StockMove, StockTask
from wms.services.moves import stock_move_post

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 10)


# --- The plant: a kettle of three components and two operations ----------------------------------------------


def make_item(code: str, uom: str = "ea", **fields) -> Item:
    return Item.objects.create(code=code, name=code, uom=Unit.objects.get(code=uom), **fields)


def buy(item: Item, quantity, unit_cost, location) -> StockMove:
    """Stock in from a supplier at a price (valued by ERP as it is posted)."""
    return stock_move_post(
        item=item,
        quantity=Decimal(str(quantity)),
        from_location=virtual_location(LocationKind.SUPPLIER),
        to_location=location,
        kind=MoveKind.RECEIPT,
        unit_cost=Decimal(str(unit_cost)),
        reference="PO-TEST",
    )


def released_bom(parent: Item, lines: list[tuple[Item, str, str, str]], revision="A", **window) -> BomRevision:
    """lines: (component, qty_per, scrap %, unit code)."""
    bom = BomRevision.objects.create(item=parent, revision=revision, state=RevisionState.RELEASED, **window)
    for position, (component, qty_per, scrap, unit) in enumerate(lines, start=1):
        BomLine.objects.create(
            bom=bom,
            position=position * 10,
            component=component,
            qty_per=Decimal(qty_per),
            scrap_pct=Decimal(scrap),
            uom=Unit.objects.get(code=unit),
        )
    return bom


def released_routing(parent: Item, operations: list[tuple], revision="A", **window) -> RoutingRevision:
    """operations: (seq, work center, setup minutes, run minutes per unit, instructions)."""
    routing = RoutingRevision.objects.create(item=parent, revision=revision, state=RevisionState.RELEASED, **window)
    for seq, work_center, setup, run, instructions in operations:
        RoutingOperation.objects.create(
            routing=routing,
            seq=seq,
            name=f"Op {seq}",
            work_center=work_center,
            setup_minutes=Decimal(setup),
            run_minutes_per_unit=Decimal(run),
            instructions=instructions,
        )
    return routing


@pytest.fixture
def plant(warehouse, bin_):
    return build_plant(warehouse, bin_)


def build_plant(warehouse, bin_) -> dict:
    """KT-200: a body (20.00), an element with 2.5 % scrap (15.00) and 250 g of powder (8.00/kg), assembled
    on ASSY (labor 36/h x crew 2, machine 24/h) and tested on TEST (labor 25/h, machine: its 12/h)."""
    kettle = make_item("KT-200", procurement=Procurement.MAKE, lead_time_days=5, standard_cost=Decimal("40"))
    body = make_item("KT-BODY", standard_cost=Decimal("20"))
    element = make_item("HE-2000", standard_cost=Decimal("15"))
    powder = make_item("DESCALER", uom="kg", standard_cost=Decimal("8"))
    assembly = WorkCenter.objects.create(code="ASSY", name="Assembly", cost_per_hour=Decimal("50"))
    test = WorkCenter.objects.create(code="TEST", name="Test bench", cost_per_hour=Decimal("12"))
    WorkCenterRate.objects.create(
        work_center=assembly,
        labor_rate_per_hour=Decimal("36"),
        machine_rate_per_hour=Decimal("24"),
        crew_size=Decimal("2"),
    )
    # No machine rate of ERP's own: the work center's cost per hour (12) is used.
    WorkCenterRate.objects.create(work_center=test, labor_rate_per_hour=Decimal("25"), crew_size=Decimal("1"))
    bom = released_bom(kettle, [(body, "1", "0", "ea"), (element, "1", "2.5", "ea"), (powder, "250", "0", "g")])
    routing = released_routing(kettle, [(10, assembly, "30", "2", "Fit the element"), (20, test, "0", "1", "")])
    buy(body, 110, "21", bin_("A-01"))
    buy(element, 110, "14.5", bin_("A-01"))
    buy(powder, "30", "8.4", bin_("A-02"))
    return {
        "kettle": kettle,
        "body": body,
        "element": element,
        "powder": powder,
        "assembly": assembly,
        "test": test,
        "bom": bom,
        "routing": routing,
        "warehouse": warehouse,
    }


def new_order(plant, quantity="100", **fields) -> ProductionOrder:
    fields.setdefault("due_date", DUE)
    return p.production_order_create(
        item=plant["kettle"], quantity=Decimal(quantity), warehouse=plant["warehouse"], **fields
    )


def released(plant, quantity="100", **fields) -> ProductionOrder:
    order = p.production_order_firm(order=new_order(plant, quantity, **fields))
    return p.production_order_release(order=order)


def component(order: ProductionOrder, code: str):
    return order.components.get(item__code=code)


def operation(order: ProductionOrder, seq: int):
    return order.operations.get(seq=seq)


def codes(error: pytest.ExceptionInfo) -> set[tuple[str, str]]:
    """(field, code) of a refusal; `__all__` for one that names no field."""
    exc = error.value
    if hasattr(exc, "error_dict"):
        return {(field, e.code) for field, errors in exc.error_dict.items() for e in errors}
    return {("__all__", e.code) for e in exc.error_list}


def wip_of(order: ProductionOrder) -> Decimal:
    """The order's balance on the WIP account: every entry it caused carries its number."""
    sums = JournalLine.objects.filter(
        entry__reference=order.number, account=account_for(AccountRole.WORK_IN_PROGRESS, item=order.item)
    ).aggregate(debit=Sum("debit", default=Decimal(0)), credit=Sum("credit", default=Decimal(0)))
    return sums["debit"] - sums["credit"]


# --- Planned orders ------------------------------------------------------------------------------------------


def test_a_planned_order_starts_the_lead_time_before_its_due_date_and_changes_only_while_planned(plant):
    order = new_order(plant)
    assert order.number.startswith("MO-") and order.state == State.PLANNED
    assert order.start_date == DUE - datetime.timedelta(days=5)
    order = p.production_order_update(order=order, quantity=Decimal("120"), start_date=datetime.date(2026, 12, 1))
    assert (order.quantity, order.start_date) == (Decimal("120"), datetime.date(2026, 12, 1))
    p.production_order_firm(order=order)
    with pytest.raises(ValidationError) as error:
        p.production_order_update(order=order, quantity=Decimal("80"))
    assert codes(error) == {("__all__", "wrong_state")}
    assert ProductionOrder.objects.get(pk=order.pk).quantity == Decimal("120")


def test_an_order_is_refused_for_a_bought_item_a_start_after_its_due_date_or_a_part_of_a_unit(plant):
    with pytest.raises(ValidationError) as error:
        p.production_order_create(
            item=plant["body"], quantity=Decimal("2.5"), due_date=DUE, warehouse=plant["warehouse"], start_date=DUE
        )
    assert codes(error) == {("item", "not_made"), ("quantity", "precision")}
    with pytest.raises(ValidationError) as error:
        new_order(plant, "0", start_date=DUE + datetime.timedelta(days=1))
    assert codes(error) == {("quantity", "min_value"), ("start_date", "after_due_date")}
    assert not ProductionOrder.objects.exists()


# --- Firm: the order's own copy ------------------------------------------------------------------------------


def test_firming_copies_the_bom_and_routing_effective_on_the_start_date(plant):
    kettle, start = plant["kettle"], DUE - datetime.timedelta(days=5)
    # Revision A ends on the start date; B, with 2 bodies, starts then.
    BomRevision.objects.filter(pk=plant["bom"].pk).update(effective_to=start)
    bom_b = released_bom(kettle, [(plant["body"], "2", "0", "ea")], revision="B", effective_from=start)
    order = p.production_order_firm(order=new_order(plant))
    assert order.state == State.FIRM
    assert (order.bom_revision, order.routing_revision) == (bom_b, plant["routing"])
    assert list(order.components.values_list("item__code", "qty_per", "required_qty")) == [
        ("KT-BODY", Decimal("2"), Decimal("200"))
    ]
    ops = list(order.operations.order_by("seq"))
    assert [(o.seq, o.work_center.code, o.setup_minutes, o.run_minutes_per_unit) for o in ops] == [
        (10, "ASSY", Decimal("30"), Decimal("2")),
        (20, "TEST", Decimal("0"), Decimal("1")),
    ]
    assert ops[0].instructions == "Fit the element" and ops[0].state == OperationState.PENDING
    assert (ops[0].labor_rate_per_hour, ops[0].machine_rate_per_hour, ops[0].crew_size) == (36, 24, 2)
    # TEST has no machine rate of ERP's own: its work center's cost per hour.
    assert (ops[1].labor_rate_per_hour, ops[1].machine_rate_per_hour, ops[1].crew_size) == (25, 12, 1)


def test_required_quantities_convert_the_bom_unit_and_round_up_what_is_counted_in_whole_units(plant):
    order = p.production_order_firm(order=new_order(plant))
    assert list(order.components.order_by("position").values_list("item__code", "qty_per", "required_qty")) == [
        ("KT-BODY", Decimal("1"), Decimal("100")),
        ("HE-2000", Decimal("1"), Decimal("103")),  # 100 x 1 x 1.025 = 102.5 elements: 103
        ("DESCALER", Decimal("0.25"), Decimal("25")),  # 250 g a kettle, in kg
    ]


def test_firming_without_a_released_bom_or_routing_effective_then_is_refused_with_both_reasons(plant, make_user):
    BomRevision.objects.filter(pk=plant["bom"].pk).update(effective_from=DUE)
    RoutingRevision.objects.filter(pk=plant["routing"].pk).update(state=RevisionState.DRAFT)
    order = new_order(plant)
    with pytest.raises(ValidationError) as error:
        p.production_order_firm(order=order)
    assert codes(error) == {("bom_revision", "no_effective_bom"), ("routing_revision", "no_effective_routing")}
    assert "KT-200 has no released BOM effective on 2026-12-05" in str(error.value)
    order.refresh_from_db()
    assert order.state == State.PLANNED and not order.components.exists() and not order.operations.exists()


def test_a_revision_released_after_firming_leaves_the_order_as_it_was(plant, make_user):
    today = timezone.localdate()
    order = p.production_order_firm(order=new_order(plant, due_date=today + datetime.timedelta(days=5)))
    assert order.start_date == today
    reviewers = {role: make_user(role) for role in (Role.ENGINEER, Role.QUALITY, Role.PLANNER)}
    engineer = reviewers[Role.ENGINEER]
    eco = changes.eco_create(title="Two bodies", reason="Test", effective_date=today, user=engineer)
    proposal = changes.eco_propose_bom(eco=eco, item=plant["kettle"])
    bom_line_update(line=proposal.lines.get(component__code="KT-BODY"), qty_per=Decimal("2"))
    routing = changes.eco_propose_routing(eco=eco, item=plant["kettle"])
    RoutingOperation.objects.filter(routing=routing, seq=10).update(run_minutes_per_unit=Decimal("5"))
    changes.eco_submit(eco=eco, user=engineer)
    for role, user in reviewers.items():
        eco = changes.eco_decide(eco=eco, user=user, role=role.value, decision="approved")
    changes.eco_release(eco=eco, user=engineer)

    order = p.production_order_release(order=order)
    assert order.bom_revision.revision == "A" and order.routing_revision.revision == "A"
    assert component(order, "KT-BODY").required_qty == Decimal("100")
    assert operation(order, 10).run_minutes_per_unit == Decimal("2")
    # The material request asks for what the order holds, not the new revision.
    assert order.material_request.lines.get(item__code="KT-BODY").quantity == Decimal("100")
    # An order firmed now takes the new revisions.
    later = p.production_order_firm(order=new_order(plant, due_date=today + datetime.timedelta(days=5)))
    assert later.bom_revision.revision == "B" and component(later, "KT-BODY").required_qty == Decimal("200")
    assert operation(later, 10).run_minutes_per_unit == Decimal("5")


# --- Release ---------------------------------------------------------------------------------------------------


def test_release_freezes_the_standard_reserves_the_material_and_tells_the_floor(plant, bin_):
    order = released(plant)
    assert order.state == State.RELEASED and order.released_at is not None
    # (100 x 20 + 103 x 15 + 25 x 8 + (30 + 2 x 100) / 60 x (36 x 2 + 24) + (0 + 1 x 100) / 60 x (25 + 12)) / 100
    # = (3745 + 368 + 61.666...) / 100
    assert order.standard_unit_cost == Decimal("41.746667")
    assert [(c.item.code, c.standard_unit_cost) for c in order.components.order_by("position")] == [
        ("KT-BODY", 20),
        ("HE-2000", 15),
        ("DESCALER", 8),
    ]
    request = order.material_request
    assert (request.kind, request.reference, request.needed_on) == ("material", order.number, order.start_date)
    assert request.destination == virtual_location(LocationKind.PRODUCTION)
    assert request.state == RequestState.RESERVED
    assert Quant.objects.get(item=plant["element"], location=bin_("A-01")).reserved == Decimal("103")
    assert Quant.objects.get(item=plant["powder"], location=bin_("A-02")).reserved == Decimal("25")
    assert [(o.seq, o.state) for o in order.operations.order_by("seq")] == [
        (10, OperationState.READY),
        (20, OperationState.PENDING),
    ]
    event = DomainEvent.objects.get(name=events.PRODUCTION_ORDER_RELEASED)
    assert event.aggregate_id == str(order.pk)
    payload = event.payload
    assert (payload["number"], payload["item"], payload["quantity"]) == (order.number, "KT-200", "100.000000")
    assert (payload["start_date"], payload["due_date"]) == ("2026-12-05", "2026-12-10")
    assert [(o["seq"], o["work_center"], o["state"]) for o in payload["operations"]] == [
        (10, "ASSY", "ready"),
        (20, "TEST", "pending"),
    ]


def test_releasing_an_order_for_a_sales_order_puts_the_sales_order_into_production(plant, customer):
    sales_order = sales_order_confirm(
        order=sales_order_create(
            customer=customer,
            warehouse=plant["warehouse"],
            requested_date=DUE,
            lines=[{"item": plant["kettle"], "quantity": Decimal("100"), "unit_price": Decimal("99")}],
        )
    )
    order = released(plant, sales_order_line=sales_order.lines.get())
    sales_order.refresh_from_db()
    assert sales_order.state == SalesOrderState.IN_PRODUCTION
    assert DomainEvent.objects.get(name=events.PRODUCTION_ORDER_RELEASED).payload["sales_order"] == sales_order.number
    assert order.sales_order_line.order == sales_order


def test_the_page_of_an_order_for_a_sales_order_links_the_sales_order(plant, customer, client_as):
    sales_order = sales_order_create(
        customer=customer,
        warehouse=plant["warehouse"],
        requested_date=DUE,
        lines=[{"item": plant["kettle"], "quantity": Decimal("100"), "unit_price": Decimal("99")}],
    )
    order = new_order(plant, sales_order_line=sales_order.lines.get())
    response = client_as("finance").get(order.get_absolute_url())
    assert response.status_code == 200
    assert f'href="{sales_order.get_absolute_url()}"' in response.content.decode()


def test_commands_in_the_wrong_state_are_refused_and_change_nothing(plant):
    order = new_order(plant)
    for command in (p.production_order_release, p.production_order_complete, p.production_order_close):
        with pytest.raises(ValidationError) as error:
            command(order=order)
        assert codes(error) == {("__all__", "wrong_state")}
    order = released(plant)
    with pytest.raises(ValidationError, match="only a planned order can be firmed"):
        p.production_order_firm(order=order)
    with pytest.raises(ValidationError) as error:
        p.production_operation_report(operation=operation(order, 20), good_qty=Decimal("1"))
    assert codes(error) == {("__all__", "operation_not_ready")}
    with pytest.raises(ValidationError) as error:
        p.production_order_complete(order=order)
    assert codes(error) == {("__all__", "nothing_made")}
    order.refresh_from_db()
    assert order.state == State.RELEASED
    assert not JournalLine.objects.filter(entry__source=JournalSource.PRODUCTION).exists()


def test_cancelling_a_released_order_cancels_its_material_request_and_frees_the_stock(plant, bin_):
    order = p.production_order_cancel(order=released(plant))
    assert order.state == State.CANCELLED
    assert order.material_request.state == RequestState.CANCELLED
    assert not Reservation.objects.exists()
    assert Quant.objects.get(item=plant["body"], location=bin_("A-01")).reserved == 0
    assert DomainEvent.objects.get(name=events.PRODUCTION_ORDER_CANCELLED).payload["previous_state"] == "released"
    started = released(plant)
    p.production_material_issue(order=started, component=component(started, "KT-BODY"), quantity=Decimal("1"))
    with pytest.raises(ValidationError) as error:
        p.production_order_cancel(order=started)
    assert codes(error) == {("__all__", "wrong_state")}  # an issue puts it in progress


# --- MES's reports --------------------------------------------------------------------------------------------


def test_an_operation_report_absorbs_labor_and_machine_time_at_the_frozen_rates(plant):
    order = released(plant)
    op = p.production_operation_report(
        operation=operation(order, 10), good_qty=Decimal("10"), scrap_qty=Decimal("1"), machine_minutes=Decimal("45")
    )
    # Labor minutes default to machine minutes x crew: 90 min x 36/h = 54.00; 45 min x 24/h = 18.00.
    assert (op.state, op.good_qty, op.scrap_qty) == (OperationState.IN_PROGRESS, 10, 1)
    assert (op.actual_machine_minutes, op.actual_labor_minutes) == (Decimal("45"), Decimal("90"))
    assert (op.absorbed_labor, op.absorbed_machine) == (Decimal("54.00"), Decimal("18.00"))
    order.refresh_from_db()
    assert (order.state, order.scrapped_qty) == (State.IN_PROGRESS, Decimal("1"))
    (entry,) = {line.entry for line in JournalLine.objects.filter(entry__reference=order.number)}
    lines = {(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")}
    assert entry.source == JournalSource.PRODUCTION
    assert lines == {
        ("1400", Decimal("54.00"), 0),
        ("1400", Decimal("18.00"), 0),
        ("7000", 0, Decimal("54.00")),
        ("7100", 0, Decimal("18.00")),
    }
    with pytest.raises(ValidationError) as error:
        p.production_operation_report(operation=op, machine_minutes=Decimal("-1"), good_qty=Decimal("0.5"))
    assert codes(error) == {("machine_minutes", "min_value"), ("good_qty", "precision")}
    with pytest.raises(ValidationError) as error:
        p.production_operation_report(operation=op)
    assert codes(error) == {("__all__", "empty_report")}

    p.production_operation_finish(operation=op)
    assert operation(order, 10).state == OperationState.DONE
    assert operation(order, 20).state == OperationState.READY
    with pytest.raises(ValidationError) as error:
        p.production_operation_report(operation=op, good_qty=Decimal("1"))
    assert codes(error) == {("__all__", "operation_done")}


def test_an_issue_beyond_what_is_reserved_needs_a_location_and_posts_nothing_without_one(plant, bin_):
    order = released(plant)
    body = component(order, "KT-BODY")
    with pytest.raises(ValidationError) as error:
        p.production_material_issue(order=order, component=body, quantity=Decimal("101"))
    assert codes(error) == {("location", "not_reserved")}
    assert "Only 100 ea of KT-BODY is reserved" in str(error.value)
    assert not StockMove.objects.filter(kind=MoveKind.CONSUMPTION).exists()
    with pytest.raises(ValidationError) as error:  # not enough free stock there either
        p.production_material_issue(order=order, component=body, quantity=Decimal("200"), location=bin_("A-01"))
    assert codes(error) == {("quantity", "insufficient_stock")}
    assert component(order, "KT-BODY").issued_qty == 0 and Reservation.objects.count() == 3


# --- The hand-computed order ----------------------------------------------------------------------------------


def test_an_order_run_to_the_end_has_the_variances_computed_by_hand_and_leaves_no_wip(plant, bin_):
    """100 kettles ordered, 96 good, 2 scrapped at assembly.

    Standard (frozen at release): SUC = 41.746667 (see the release test).
    Material bought: bodies at 21.00, elements at 14.50, descaler at 8.40/kg (the standards: 20, 15, 8).
    Issued: a backflush of 98 kettles (98 bodies, 98 x 1.025 = 100.45 -> 101 elements, 24.5 kg), then
    3 bodies, 3 elements and 2 kg more: AQ = 101 bodies (2121.00), 104 elements (1508.00), 26.5 kg (222.60).
    Assembly: 260 machine minutes, labor 520 (crew 2) -> labor 312.00, machine 104.00.
    Test: 95 machine minutes, 109 labor minutes -> labor 109/60 x 25 = 45.4166 -> 45.42, machine 19.00.
    Output: 90 + 6 received at 41.746667 -> 3757.20 + 250.48 = 4007.68.
    WIP = 3851.60 + 312 + 104 + 45.42 + 19.00 - 4007.68 = 324.34.
    """
    order = released(plant)
    p.production_backflush(order=order, quantity=Decimal("98"))
    for code, extra, where in (("KT-BODY", "3", "A-01"), ("HE-2000", "3", "A-01"), ("DESCALER", "2", "A-02")):
        p.production_material_issue(
            order=order, component=component(order, code), quantity=Decimal(extra), location=bin_(where)
        )
    assembly = p.production_operation_report(
        operation=operation(order, 10), good_qty=Decimal("96"), scrap_qty=Decimal("2"), machine_minutes=Decimal("260")
    )
    p.production_operation_finish(operation=assembly)
    testing = p.production_operation_report(
        operation=operation(order, 20),
        good_qty=Decimal("96"),
        machine_minutes=Decimal("95"),
        labor_minutes=Decimal("109"),
    )
    p.production_operation_finish(operation=testing)
    p.production_output_receive(order=order, quantity=Decimal("90"), location=bin_("B-01"))
    dock = p.production_output_receive(order=order, quantity=Decimal("6"))
    assert dock.to_location.code == "MAIN/RECV"
    assert StockTask.objects.filter(item=plant["kettle"], quantity=Decimal("6")).exists()  # put away from the dock

    order.refresh_from_db()
    assert (order.completed_qty, order.scrapped_qty) == (Decimal("96"), Decimal("2"))
    assert order.received_value == Decimal("4007.68")
    assert [(c.item.code, c.issued_qty, c.issued_value) for c in order.components.order_by("position")] == [
        ("KT-BODY", Decimal("101"), Decimal("2121.00")),
        ("HE-2000", Decimal("104"), Decimal("1508.00")),
        ("DESCALER", Decimal("26.5"), Decimal("222.60")),
    ]
    # Everything reserved was consumed, and more: the material request is done.
    assert order.material_request.state == RequestState.DONE and not Reservation.objects.exists()
    assert wip_of(order) == Decimal("324.34")

    p.production_order_complete(order=order)
    assert DomainEvent.objects.get(name=events.PRODUCTION_ORDER_COMPLETED).payload["completed_qty"] == "96.000000"
    order = p.production_order_close(order=order)
    assert order.state == State.CLOSED

    G, S, Q = Decimal(96), Decimal(2), Decimal(100)
    price = (
        (Decimal("2121.00") - 101 * 20) + (Decimal("1508.00") - 104 * 15) + (Decimal("222.60") - Decimal("26.5") * 8)
    )
    assert price == Decimal("59.60")  # 101 - 52 + 10.60
    usage = (
        (101 - (G + S) * 1) * 20
        + ((104 - (G + S) * Decimal("1.025")) * 15 - (G / Q * 103 - G * Decimal("1.025")) * 15)  # 53.25 - 7.20
        + (Decimal("26.5") - (G + S) * Decimal("0.25")) * 8
    )
    assert usage == Decimal("122.05")  # 60 + 46.05 + 16
    scrap = (
        S * 20
        + S * Decimal("1.025") * 15
        + S * Decimal("0.25") * 8  # material: 40 + 30.75 + 4
        + 2 * S / 60 * (36 * 2 + 24)  # assembly: 6.40
        + 1 * S / 60 * (25 + 12)  # test: 1.2333...
    )
    assert round(scrap, 2) == Decimal("82.38")
    machine = (
        (260 - (30 + 2 * (G + S))) / Decimal(60) * 24
        + (1 - G / Q) * 30 / 60 * 24  # 13.60 + 0.48 unabsorbed setup
        + (95 - (0 + 1 * (G + S))) / Decimal(60) * 12  # -0.60
    )
    assert machine == Decimal("13.48")
    labor = (
        (520 - (30 + 2 * (G + S)) * 2) / Decimal(60) * 36
        + (1 - G / Q) * 30 * 2 / 60 * 36  # 40.80 + 1.44 unabsorbed setup
        + (109 - (0 + 1 * (G + S)) * 1) / Decimal(60) * 25  # 4.5833...
    )
    assert round(labor, 2) == Decimal("46.82")
    # Rounded, they add up to 324.33; the order's WIP holds 324.34: the cent goes to material usage.
    expected = {
        VarianceKind.MATERIAL_PRICE: Decimal("59.60"),
        VarianceKind.MATERIAL_USAGE: Decimal("122.06"),
        VarianceKind.LABOR_EFFICIENCY: Decimal("46.82"),
        VarianceKind.MACHINE_EFFICIENCY: Decimal("13.48"),
        VarianceKind.SCRAP: Decimal("82.38"),
    }
    stored = dict(ProductionVariance.objects.filter(order=order).values_list("kind", "amount"))
    assert stored == expected
    assert sum(stored.values()) == Decimal("324.34")
    # Actual cost less G x the standard unit cost, to the cent.
    actual = Decimal("2121.00") + Decimal("1508.00") + Decimal("222.60") + 312 + 104 + Decimal("45.42") + 19
    assert sum(stored.values()) == actual - Decimal("4007.68")

    # One entry clears the WIP into the variance accounts; the order leaves nothing in WIP.
    (entry,) = {v.journal_entry for v in ProductionVariance.objects.filter(order=order)}
    balances = {line.account.code: line.debit - line.credit for line in entry.lines.select_related("account")}
    assert balances == {
        "5200": Decimal("59.60"),
        "5210": Decimal("122.06"),
        "5220": Decimal("46.82"),
        "5230": Decimal("13.48"),
        "5240": Decimal("82.38"),
        "1400": Decimal("-324.34"),
    }
    assert wip_of(order) == 0
    closed = DomainEvent.objects.get(name=events.PRODUCTION_ORDER_CLOSED)
    assert (closed.aggregate_id, closed.payload) == (
        str(order.pk),
        {
            "order_id": str(order.pk),
            "number": order.number,
            "item": "KT-200",
            "completed_qty": "96.000000",
            "scrapped_qty": "2.000000",
            "variances": {kind: str(amount) for kind, amount in expected.items()},
            "wip_cleared": "324.34",
            "journal_entry": entry.number,
            "date": entry.date.isoformat(),
            "closed_at": order.closed_at.isoformat(),
        },
    )


def test_output_above_plan_gives_favourable_variances_that_still_clear_the_wip(plant):
    """10 planned, 12 made with the material and times of 10 at standard: usage and setup are favourable.

    SUC = (10 x 20 + 11 x 15 + 2.5 x 8 + (30 + 2 x 10) x 1.6 + 10 x 37/60) / 10 = 47.116667; output
    12 x 47.116667 = 565.40. Actual: 210.00 + 159.50 + 21.00 (at 21, 14.5, 8.4) + labor 108 min x 36/h = 64.80
    + machine 54 min x 24/h = 21.60 + 12 min x 25/h = 5.00 + 12 min x 12/h = 2.40 = 484.30. WIP: -81.10.
    """
    order = released(plant, quantity="10")
    p.production_backflush(order=order, quantity=Decimal("10"))  # 10 bodies, 10.25 -> 11 elements, 2.5 kg
    p.production_operation_report(operation=operation(order, 10), good_qty=Decimal("12"), machine_minutes=54)
    p.production_operation_finish(operation=operation(order, 10))
    p.production_operation_report(operation=operation(order, 20), good_qty=Decimal("12"), machine_minutes=12)
    p.production_output_receive(order=order, quantity=Decimal("12"))
    order = p.production_order_complete(order=order)
    assert operation(order, 20).state == OperationState.DONE  # completing finishes what is still open
    variances = order_variances(order=order)
    assert variances.wip_balance == Decimal("-81.10")
    assert variances.amounts == {
        # (210 - 200) + (159.50 - 165) + (21 - 20)
        VarianceKind.MATERIAL_PRICE: Decimal("5.50"),
        # (10 - 12) x 20 - (1.2 x 10 - 12) x 20 + (11 - 12.3) x 15 - (1.2 x 11 - 12.3) x 15 + (2.5 - 3) x 8 - 0
        VarianceKind.MATERIAL_USAGE: Decimal("-77.00"),
        # (108 - 54 x 2) / 60 x 36 + (1 - 1.2) x 30 x 2 / 60 x 36; test: (12 - 12) / 60 x 25
        VarianceKind.LABOR_EFFICIENCY: Decimal("-7.20"),
        # (54 - 54) / 60 x 24 + (1 - 1.2) x 30 / 60 x 24; test: 0
        VarianceKind.MACHINE_EFFICIENCY: Decimal("-2.40"),
        VarianceKind.SCRAP: Decimal("0.00"),
    }
    p.production_order_close(order=order)
    assert wip_of(order) == 0
    assert JournalLine.objects.get(account__code="5210", entry__reference=order.number).credit == Decimal("77.00")


def test_variances_are_summed_per_item_and_month(plant, bin_):
    order = released(plant, quantity="1")
    p.production_backflush(order=order, quantity=Decimal("1"))
    p.production_output_receive(order=order, quantity=Decimal("1"), location=bin_("B-01"))
    p.production_order_complete(order=order)
    p.production_order_close(order=order, date=datetime.date(2026, 11, 3))
    other = released(plant, quantity="2")
    p.production_backflush(order=other, quantity=Decimal("2"))
    p.production_output_receive(order=other, quantity=Decimal("2"), location=bin_("B-01"))
    p.production_order_complete(order=other)
    p.production_order_close(order=other, date=datetime.date(2026, 11, 20))

    (row,) = variance_summary(date_from=datetime.date(2026, 11, 1), date_to=datetime.date(2026, 11, 30))
    assert (row.item, row.period, row.orders) == (plant["kettle"], datetime.date(2026, 11, 1), 2)
    both = ProductionVariance.objects.filter(order__in=[order, other])
    for kind, amount in row.amounts.items():
        assert amount == both.filter(kind=kind).aggregate(total=Sum("amount"))["total"]
    assert row.total == both.aggregate(total=Sum("amount"))["total"]
    assert variance_summary(date_from=datetime.date(2026, 12, 1)) == []
    assert variance_summary(item=plant["body"]) == []
