"""inventory_adjust_bulk: many counts posted set-based, with the rules inventory_adjust keeps one by one."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.choices import Tracking
from core.models import DomainEvent
from wms import events
from wms.choices import MoveKind
from wms.models import Location, Lot, Quant
from wms.selectors.stock import ledger_mismatches
from wms.services.adjustments import CountRefused, StockCount, inventory_adjust_bulk
from wms.services.moves import inventory_adjust

pytestmark = pytest.mark.django_db


def refusal(counts) -> CountRefused:
    with pytest.raises(CountRefused) as failure:
        inventory_adjust_bulk(counts=counts)
    return failure.value


def test_it_posts_what_inventory_adjust_posts_one_by_one(item, bin_, receive):
    cable, element = item("CB-EU", standard_cost=Decimal("4.6")), item("HE-2000", tracking=Tracking.LOT)
    receive(cable, 10, bin_("A-01"))
    lot = Lot.objects.create(item=element, code="L-1")

    moves = inventory_adjust_bulk(
        counts=[
            StockCount(item=cable, location=bin_("A-01"), counted=Decimal(7)),
            StockCount(item=element, location=bin_("B-01"), counted=Decimal(5), lot=lot),
            StockCount(item=cable, location=bin_("A-02"), counted=Decimal(0)),  # nothing there, nothing posted
        ],
        reason="Year-end count",
    )

    assert [(m.kind, m.from_location.code, m.to_location.code, m.quantity) for m in moves] == [
        (MoveKind.ADJUSTMENT, "MAIN/STOCK/A-01", "VIRTUAL/INVENTORY-LOSS", 3),
        (MoveKind.ADJUSTMENT, "VIRTUAL/INVENTORY-LOSS", "MAIN/STOCK/B-01", 5),
    ]
    assert moves[0].unit_cost == Decimal("4.6") and moves[0].note == "Year-end count"
    payloads = [e.payload for e in DomainEvent.objects.filter(name=events.STOCK_MOVED).order_by("pk")][1:]
    assert [(p["item"], Decimal(p["quantity"]), p["kind"]) for p in payloads] == [
        ("CB-EU", 3, "adjustment"),
        ("HE-2000", 5, "adjustment"),
    ]
    assert ledger_mismatches() == []
    # The same counts again post nothing, as inventory_adjust would not.
    assert inventory_adjust(item=cable, location=bin_("A-01"), counted=7) is None
    assert inventory_adjust_bulk(counts=[StockCount(item=cable, location=bin_("A-01"), counted=Decimal(7))]) == []


def test_each_refusal_names_the_count_and_its_field(item, bin_, warehouse):
    cable, element = item("CB-EU"), item("HE-2000", tracking=Tracking.LOT)
    other_lot = Lot.objects.create(item=item("TH-01", tracking=Tracking.LOT), code="T-1")
    good = StockCount(item=cable, location=bin_("A-01"), counted=Decimal(1))
    cases = [
        (StockCount(item=cable, location=Location.objects.get(code="MAIN/STOCK"), counted=Decimal(1)), "location"),
        (StockCount(item=cable, location=bin_("A-02"), counted=Decimal("0.5")), "counted"),
        (StockCount(item=cable, location=bin_("A-02"), counted=Decimal(-1)), "counted"),
        (StockCount(item=element, location=bin_("A-02"), counted=Decimal(1)), "lot"),
        (StockCount(item=element, location=bin_("A-02"), counted=Decimal(1), lot=other_lot), "lot"),
        (good, "item"),  # the same quant twice
    ]
    for count, field in cases:
        failure = refusal([good, count])
        assert (failure.index, failure.field) == (1, field), failure.messages
    assert (
        "HE-2000 is tracked by lot: say which."
        in refusal([StockCount(item=element, location=bin_("A-02"), counted=Decimal(1))]).messages
    )
    assert Quant.objects.count() == 0


def test_its_queries_grow_only_by_the_events_of_the_moves(item, bin_):
    def queries(count: int) -> int:
        parts = [item(f"P-{count}-{n}") for n in range(count)]
        counts = [StockCount(item=p, location=bin_("A-01"), counted=Decimal(count)) for p in parts]
        with CaptureQueriesContext(connection) as captured:
            inventory_adjust_bulk(counts=counts)
        return len(captured)

    small, large = queries(5), queries(40)
    assert large - small == (40 - 5) * 3  # per move: its event (savepoint, insert, release)
