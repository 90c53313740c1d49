"""Contracts (blanket orders): drafts and activation, call-offs as ERP purchase orders at the contract
prices within the remaining quantities and the validity, concurrent call-offs that never take more than
was agreed, and cancelled orders giving their quantities back."""

import datetime
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.models import PartnerBlock
from erp.choices import PurchaseOrderState
from erp.models import PurchaseOrder
from erp.services.purchasing import purchase_order_cancel, purchase_order_send
from srm.models import CallOff, ContractLine, ContractState
from srm.selectors.sourcing import call_off_open, contract_remaining
from srm.selectors.sourcing import contracts as contracts_listed
from srm.services import contracts as services
from srm.tasks import contracts_expire_task
from tests.srm.sourcing_fixtures import *  # noqa: F403  (fixtures)
from tests.srm.sourcing_fixtures import codes, day, refused, today

pytestmark = pytest.mark.django_db


def remaining(contract) -> dict[str, Decimal]:
    return {row.line.item.code: row.remaining_qty for row in contract_remaining(contract=contract)}


# --- The contract ---------------------------------------------------------------------------------------------------


def test_a_draft_is_numbered_in_the_suppliers_currency_and_activated(make_contract, supplier):
    draft = make_contract(activate=False)
    assert draft.number.startswith("BPO-") and draft.state == ContractState.DRAFT
    assert draft.currency == supplier.currency
    active = services.contract_activate(contract=draft)
    assert active.state == ContractState.ACTIVE
    assert codes(refused(services.contract_activate, contract=draft)) == {(None, "invalid_state")}
    listed = contracts_listed().get(pk=draft.pk)
    assert listed.agreed_value == Decimal("10950") and listed.called_off_value == 0


def test_a_draft_refuses_bad_input(supplier, parts, company, customer):
    element, _thermostat = parts
    error = refused(
        services.contract_create,
        supplier=supplier,
        valid_from=day(10),
        valid_to=day(5),
    )
    assert codes(error) == {("valid_to", "invalid_period")}
    assert codes(refused(services.contract_create, supplier=customer, valid_from=day(0), valid_to=day(5))) == {
        ("supplier", "not_a_supplier")
    }
    error = refused(
        services.contract_create,
        supplier=supplier,
        valid_from=day(0),
        valid_to=day(30),
        lines=[
            {"item": element, "quantity": Decimal(10), "unit_price": Decimal(1)},
            {"item": element, "quantity": Decimal(0), "unit_price": Decimal(-1)},
        ],
    )
    assert codes(error) == {
        ("lines.1.item", "duplicate"),
        ("lines.1.quantity", "not_positive"),
        ("lines.1.unit_price", "negative"),
    }


def test_an_empty_or_ended_contract_is_not_activated(make_contract):
    empty = make_contract(activate=False, lines=[])
    assert codes(refused(services.contract_activate, contract=empty)) == {("lines", "required")}
    ended = make_contract(activate=False, valid_from=day(-60), valid_to=day(-1))
    assert codes(refused(services.contract_activate, contract=ended)) == {("valid_to", "past")}


def test_an_active_contract_may_be_extended_not_rewritten(make_contract, therma):
    contract = make_contract()
    extended = services.contract_update(
        contract=contract, supplier=contract.supplier, valid_from=contract.valid_from, valid_to=day(400)
    )
    assert extended.valid_to == day(400)
    error = refused(
        services.contract_update, contract=contract, supplier=therma, valid_from=contract.valid_from, valid_to=day(300)
    )
    assert codes(error) == {("supplier", "active"), ("valid_to", "active")}


def test_contracts_past_their_end_expire_and_are_closed(make_contract):
    old = make_contract(valid_from=day(-60), valid_to=day(0))
    current = make_contract()
    assert services.contracts_expire(on=day(1)) == 1
    old.refresh_from_db()
    current.refresh_from_db()
    assert (old.state, current.state) == (ContractState.EXPIRED, ContractState.ACTIVE)
    assert services.contract_close(contract=old).state == ContractState.CLOSED


# --- Call-offs -------------------------------------------------------------------------------------------------------


def test_a_call_off_is_a_purchase_order_at_the_contract_prices(make_contract, parts, warehouse, make_user):
    element, thermostat = parts
    contract = make_contract()
    buyer = make_user("buyer")
    call_off = services.contract_call_off(
        contract=contract,
        lines=[
            {"item": thermostat, "quantity": Decimal(100)},
            {"item": element, "quantity": Decimal(250), "expected_date": day(5)},
        ],
        warehouse=warehouse,
        user=buyer,
    )
    order = call_off.purchase_order
    assert (order.supplier, order.currency, order.state, order.buyer) == (
        contract.supplier,
        contract.currency,
        PurchaseOrderState.DRAFT,
        buyer,
    )
    assert [(line.item.code, line.quantity, line.unit_price, line.expected_date) for line in order.lines.all()] == [
        ("TH-01", Decimal(100), Decimal("2.90"), None),
        ("HE-2000", Decimal(250), Decimal("9.50"), day(5)),
    ]
    assert order.expected_date == day(10)  # HEATCO's lead time
    assert [(line.contract_line.item.code, line.quantity, line.po_line.position) for line in call_off.lines.all()] == [
        ("TH-01", Decimal(100), 1),
        ("HE-2000", Decimal(250), 2),
    ]
    assert remaining(contract) == {"HE-2000": Decimal(750), "TH-01": Decimal(400)}
    listed = contracts_listed().get(pk=contract.pk)
    assert listed.called_off_value == Decimal("2665")  # 250 x 9.50 + 100 x 2.90


def test_more_than_remains_is_refused_and_nothing_is_written(make_contract, parts, warehouse):
    element, thermostat = parts
    contract = make_contract()
    services.contract_call_off(
        contract=contract, lines=[{"item": element, "quantity": Decimal(900)}], warehouse=warehouse
    )
    error = refused(
        services.contract_call_off,
        contract=contract,
        lines=[{"item": thermostat, "quantity": Decimal(10)}, {"item": element, "quantity": Decimal(101)}],
        warehouse=warehouse,
    )
    assert codes(error) == {("lines.1.quantity", "exceeds_remaining")}
    assert "100 remain of the 1000 agreed" in str(error)
    assert remaining(contract) == {"HE-2000": Decimal(100), "TH-01": Decimal(500)}
    assert PurchaseOrder.objects.count() == CallOff.objects.count() == 1
    # What remains exactly is fine.
    services.contract_call_off(
        contract=contract, lines=[{"item": element, "quantity": Decimal(100)}], warehouse=warehouse
    )
    assert remaining(contract)["HE-2000"] == 0


def test_a_call_off_names_what_is_wrong_with_each_line(make_contract, parts, item, warehouse):
    element, _thermostat = parts
    contract = make_contract()
    other = item("CB-EU")
    error = refused(
        services.contract_call_off,
        contract=contract,
        lines=[
            {"item": other, "quantity": Decimal(1)},
            {"item": element, "quantity": Decimal(0)},
            {"item": element, "quantity": Decimal(5)},
        ],
        warehouse=warehouse,
    )
    assert codes(error) == {
        ("lines.0.item", "not_on_contract"),
        ("lines.1.quantity", "not_positive"),
        ("lines.2.item", "duplicate_line"),
    }
    assert codes(refused(services.contract_call_off, contract=contract, lines=[], warehouse=warehouse)) == {
        ("lines", "required")
    }


def test_call_offs_only_within_the_validity_of_an_active_contract(make_contract, parts, warehouse):
    element, _thermostat = parts
    lines = [{"item": element, "quantity": Decimal(1)}]
    draft = make_contract(activate=False)
    assert codes(refused(services.contract_call_off, contract=draft, lines=lines, warehouse=warehouse)) == {
        (None, "invalid_state")
    }
    future = make_contract(valid_from=day(1), valid_to=day(30))
    assert codes(refused(services.contract_call_off, contract=future, lines=lines, warehouse=warehouse)) == {
        (None, "outside_validity")
    }
    assert not call_off_open(contract=future) and call_off_open(contract=future, on=day(1))
    closed = services.contract_close(contract=make_contract())
    assert codes(refused(services.contract_call_off, contract=closed, lines=lines, warehouse=warehouse)) == {
        (None, "invalid_state")
    }
    assert not PurchaseOrder.objects.exists()


def test_a_blocked_supplier_refused_by_erp_leaves_the_contract_as_it_was(make_contract, parts, supplier, warehouse):
    element, _thermostat = parts
    contract = make_contract()
    PartnerBlock.objects.create(
        partner=supplier, purpose="purchasing", source="test", reason="Reject rate above 5%", effective_from=today()
    )
    error = refused(
        services.contract_call_off,
        contract=contract,
        lines=[{"item": element, "quantity": Decimal(5)}],
        warehouse=warehouse,
    )
    assert codes(error) == {("supplier", "blocked")}
    assert remaining(contract)["HE-2000"] == Decimal(1000)
    assert not CallOff.objects.exists() and not PurchaseOrder.objects.exists()


def test_cancelling_the_order_gives_the_quantity_back_once(make_contract, parts, warehouse):
    element, thermostat = parts
    contract = make_contract()
    call_off = services.contract_call_off(
        contract=contract,
        lines=[{"item": element, "quantity": Decimal(300)}, {"item": thermostat, "quantity": Decimal(50)}],
        warehouse=warehouse,
    )
    purchase_order_send(order=call_off.purchase_order)
    assert remaining(contract) == {"HE-2000": Decimal(700), "TH-01": Decimal(450)}
    purchase_order_cancel(order=call_off.purchase_order)
    assert remaining(contract) == {"HE-2000": Decimal(1000), "TH-01": Decimal(500)}
    call_off.refresh_from_db()
    assert call_off.cancelled_at is not None
    # Heard twice (an event replayed), it gives back nothing more.
    assert services.call_off_give_back(purchase_order_id=call_off.purchase_order_id) is None
    assert remaining(contract)["HE-2000"] == Decimal(1000)


def test_a_line_taken_off_a_call_offs_draft_in_erp_is_no_error(make_contract, parts, warehouse):
    from erp.services.purchasing import purchase_order_line_remove

    element, thermostat = parts
    contract = make_contract()
    call_off = services.contract_call_off(
        contract=contract,
        lines=[{"item": element, "quantity": Decimal(10)}, {"item": thermostat, "quantity": Decimal(20)}],
        warehouse=warehouse,
    )
    purchase_order_line_remove(line=call_off.purchase_order.lines.get(item=thermostat))
    assert call_off.lines.get(contract_line__item=thermostat).po_line is None
    # Called off stays called off until the order is cancelled.
    assert remaining(contract)["TH-01"] == Decimal(480)
    purchase_order_cancel(order=call_off.purchase_order)
    assert remaining(contract) == {"HE-2000": Decimal(1000), "TH-01": Decimal(500)}


def test_cancelling_an_order_that_is_no_call_off_changes_no_contract(make_contract, parts, supplier, warehouse):
    from erp.services.purchasing import purchase_order_create

    element, _thermostat = parts
    contract = make_contract()
    services.contract_call_off(
        contract=contract, lines=[{"item": element, "quantity": Decimal(10)}], warehouse=warehouse
    )
    order = purchase_order_create(
        supplier=supplier, warehouse=warehouse, lines=[{"item": element, "quantity": 5, "unit_price": 9}]
    )
    purchase_order_cancel(order=order)
    assert remaining(contract)["HE-2000"] == Decimal(990)


@pytest.mark.django_db(transaction=True)
def test_concurrent_call_offs_never_take_more_than_was_agreed(make_contract, parts, warehouse):
    element, _thermostat = parts
    contract = make_contract()  # 1000 elements
    lines = [{"item": element, "quantity": Decimal(150)}]  # six fit, 100 stay

    def call_off(_n: int) -> str:
        try:
            services.contract_call_off(contract=contract, lines=lines, warehouse=warehouse)
            return "called off"
        except ValidationError as error:
            assert codes(error) == {("lines.0.quantity", "exceeds_remaining")}
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(call_off, range(10)))

    assert outcomes.count("called off") == 6 and outcomes.count("refused") == 4
    line = ContractLine.objects.get(contract=contract, item=element)
    assert line.called_off_qty == Decimal(900)
    assert CallOff.objects.count() == PurchaseOrder.objects.count() == 6
    assert sorted(PurchaseOrder.objects.values_list("number", flat=True)) == [
        f"PO-{today().year}-{n:05d}" for n in range(1, 7)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_give_back_and_a_call_off_at_once_agree(make_contract, parts, warehouse):
    element, _thermostat = parts
    contract = make_contract()
    first = services.contract_call_off(
        contract=contract, lines=[{"item": element, "quantity": Decimal(600)}], warehouse=warehouse
    )

    def cancel() -> str:
        try:
            purchase_order_cancel(order=first.purchase_order)
            return "cancelled"
        finally:
            connection.close()

    def call_off() -> str:
        try:
            services.contract_call_off(
                contract=contract, lines=[{"item": element, "quantity": Decimal(400)}], warehouse=warehouse
            )
            return "called off"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = [pool.submit(cancel), pool.submit(call_off)]
        assert sorted(outcome.result() for outcome in outcomes) == ["called off", "cancelled"]
    assert ContractLine.objects.get(contract=contract, item=element).called_off_qty == Decimal(400)


def test_the_daily_beat_task_expires_the_contracts_that_ended_yesterday(make_contract, settings, time_machine):
    ended = make_contract(valid_from=day(-60), valid_to=day(0))
    time_machine.move_to(datetime.datetime.combine(day(1), datetime.time(12), tzinfo=timezone.get_current_timezone()))
    assert settings.CELERY_BEAT_SCHEDULE["srm-contracts-expire"]["task"] == contracts_expire_task.name
    assert contracts_expire_task() == 1
    ended.refresh_from_db()
    assert ended.state == ContractState.EXPIRED
