"""Property: whatever sequence of receipts, transfers, picks and counts happens, every quant equals the
sum of its moves and none is negative. Refused operations change nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Item, Unit
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Quant, StockMove, Warehouse
from wms.selectors.stock import ledger_mismatches
from wms.services.moves import inventory_adjust, stock_move_post, stock_transfer

BINS = ["P/1", "P/2", "P/3"]
ITEMS = ["X", "Y"]

operation = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(ITEMS), st.sampled_from(BINS), st.integers(1, 20)),
    st.tuples(
        st.just("transfer"), st.sampled_from(ITEMS), st.sampled_from(BINS), st.sampled_from(BINS), st.integers(1, 20)
    ),
    st.tuples(st.just("pick"), st.sampled_from(ITEMS), st.sampled_from(BINS), st.integers(1, 20)),
    st.tuples(st.just("count"), st.sampled_from(ITEMS), st.sampled_from(BINS), st.integers(0, 20)),
)


@pytest.fixture
def plant(db):
    warehouse = Warehouse.objects.create(code="P", name="Property")
    locations = {code: Location.objects.create(code=code, warehouse=warehouse) for code in BINS}
    ea = Unit.objects.get(code="ea")
    items = {code: Item.objects.create(code=code, name=code, uom=ea) for code in ITEMS}
    return items, locations


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_quants_always_equal_the_sum_of_moves_and_never_go_negative(plant, operations):
    items, locations = plant
    Quant.objects.all().delete()  # each example starts from an empty warehouse
    StockMove.objects.all().delete()
    supplier, customer = virtual_location(LocationKind.SUPPLIER), virtual_location(LocationKind.CUSTOMER)
    model: dict[tuple[str, str], int] = {}  # what on-hand should be, computed independently

    for op in operations:
        kind, item_code, bin_code = op[0], op[1], op[2]
        item, location, key = items[item_code], locations[bin_code], (item_code, bin_code)
        have = model.get(key, 0)
        try:
            if kind == "receive":
                stock_move_post(
                    item=item,
                    quantity=Decimal(op[3]),
                    from_location=supplier,
                    to_location=location,
                    kind=MoveKind.RECEIPT,
                )
                model[key] = have + op[3]
            elif kind == "transfer":
                stock_transfer(item=item, quantity=Decimal(op[4]), from_location=location, to_location=locations[op[3]])
                model[key] = have - op[4]
                model[(item_code, op[3])] = model.get((item_code, op[3]), 0) + op[4]
            elif kind == "pick":
                stock_move_post(
                    item=item,
                    quantity=Decimal(op[3]),
                    from_location=location,
                    to_location=customer,
                    kind=MoveKind.SHIPMENT,
                )
                model[key] = have - op[3]
            else:
                inventory_adjust(item=item, location=location, counted=Decimal(op[3]))
                model[key] = op[3]
        except ValidationError:
            # Refused only when the stock was not there (or a transfer went nowhere), and then nothing changed.
            assert kind in ("transfer", "pick")
            asked = op[4] if kind == "transfer" else op[3]
            assert asked > have or (kind == "transfer" and op[3] == bin_code)
            model.setdefault(key, have)

    quants = {(q.item.code, q.location.code): q.quantity for q in Quant.objects.select_related("item", "location")}
    assert all(quantity >= 0 for quantity in quants.values())
    assert {k: v for k, v in quants.items() if v} == {k: v for k, v in model.items() if v}
    assert ledger_mismatches() == []
