"""Concurrency on real PostgreSQL: many pickers, one quant, no overdraw and a consistent ledger."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from wms.choices import LocationKind, MoveKind
from wms.models import Quant, StockMove
from wms.selectors.stock import ledger_mismatches
from wms.services.moves import stock_move_post


@pytest.mark.django_db(transaction=True)
def test_200_pick_confirmations_from_8_threads_against_a_quant_of_100(item, warehouse, bin_, receive):
    kettle = item("KT-200")
    shelf = bin_("A-01")
    receive(kettle, 100, shelf)
    output = warehouse.output_location

    def confirm_pick(n: int) -> str:
        try:
            stock_move_post(
                item=kettle,
                quantity=Decimal(1),
                from_location=shelf,
                to_location=output,
                kind=MoveKind.PICK,
                reference=f"PICK-{n}",
            )
            return "picked"
        except ValidationError as error:
            assert error.error_dict["quantity"][0].code == "insufficient_stock"
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(confirm_pick, range(200)))

    assert outcomes.count("picked") == 100 and outcomes.count("refused") == 100
    assert Quant.objects.get(item=kettle, location=shelf).quantity == 0
    assert Quant.objects.get(item=kettle, location=output).quantity == 100
    assert StockMove.objects.filter(kind=MoveKind.PICK).count() == 100
    assert ledger_mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_hold_more_than_there_is(item, warehouse, bin_, receive):
    from wms.locations import virtual_location
    from wms.services.requests import stock_request_create, stock_request_reserve

    kettle = item("KT-200")
    receive(kettle, 30, bin_("A-01"))
    receive(kettle, 30, bin_("A-02"))
    customers = virtual_location(LocationKind.CUSTOMER)
    requests = [
        stock_request_create(
            kind="shipment", warehouse=warehouse, destination=customers, lines=[(kettle, Decimal(7), None)]
        )
        for _ in range(12)
    ]

    def reserve(request):
        try:
            return stock_request_reserve(request=request).state
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        states = list(pool.map(reserve, requests))

    total_reserved = sum(q.reserved for q in Quant.objects.filter(item=kettle))
    assert total_reserved == 60  # 12 x 7 = 84 asked, 60 there
    assert states.count("reserved") == 8 and states.count("partial") == 1 and states.count("open") == 3
    assert ledger_mismatches() == []
