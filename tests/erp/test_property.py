"""Property: whatever sequence of business events happens (receipts at random prices, shipments, customer
returns, counts, scrap, transfers, issues to production and output, standard cost and valuation method
changes, customer and supplier invoices in two currencies, payments, cancellations, manual entries and
their reversals), for items valued by standard cost, moving average and FIFO (counts come one by one and
as bulk imports):

- every journal entry balances, and the trial balance sums to zero;
- the stock valuation report equals the inventory account, and each item's valuation its layers;
- the valued quantity of each item is what WMS has on hand;
- the aged receivables and payables equal the receivables and payables accounts.

Refused operations (not enough stock, overpayment...) change nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Item, ItemCategory, Unit
from erp.choices import AccountRole, InvoiceKind, InvoiceState, ValuationMethod
from erp.models import Invoice, ItemValuation, JournalEntry, JournalLine, ValuationLayer, ValuationPolicy
from erp.selectors.finance import aging, trial_balance
from erp.selectors.valuation import stock_valuation
from erp.services.finance import journal_entry_create_manual, journal_entry_reverse_manual
from erp.services.invoices import invoice_cancel, invoice_create, invoice_post, payment_register
from erp.services.journal import account_for, to_cents
from erp.services.valuation import item_standard_cost_set, valuation_policy_set
from tests.erp.conftest import TODAY
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Quant, StockMove, Warehouse
from wms.services.adjustments import StockCount, inventory_adjust_bulk
from wms.services.moves import inventory_adjust, stock_move_post, stock_transfer

ITEMS = {"S": ValuationMethod.STANDARD, "A": ValuationMethod.AVERAGE, "F": ValuationMethod.FIFO}
BINS = ["P/1", "P/2"]
D = Decimal

item_code = st.sampled_from(sorted(ITEMS))
bin_code = st.sampled_from(BINS)
quantity = st.integers(1, 12)
# Prices to four decimals, so that rounding to cents is exercised.
price = st.integers(0, 200_000).map(lambda n: D(n).scaleb(-4))
money = st.integers(1, 500_000).map(lambda n: D(n).scaleb(-2))

operation = st.one_of(
    st.tuples(st.just("receive"), item_code, bin_code, quantity, price),
    st.tuples(st.just("receive_uncosted"), item_code, bin_code, quantity),
    st.tuples(st.just("ship"), item_code, bin_code, quantity),
    st.tuples(st.just("return"), item_code, bin_code, quantity, st.none() | price),
    st.tuples(st.just("count"), item_code, bin_code, st.integers(0, 15)),
    # A stock import: several counts posted as one batch of moves.
    st.tuples(
        st.just("bulk_count"),
        st.lists(st.tuples(item_code, bin_code, st.integers(0, 15)), min_size=1, max_size=5, unique_by=lambda c: c[:2]),
    ),
    st.tuples(st.just("scrap"), item_code, bin_code, quantity),
    st.tuples(st.just("transfer"), item_code, bin_code, bin_code, quantity),
    st.tuples(st.just("issue"), item_code, bin_code, quantity),
    st.tuples(st.just("output"), item_code, bin_code, quantity, price),
    st.tuples(st.just("standard_cost"), item_code, price),
    st.tuples(st.just("method"), item_code, st.sampled_from(sorted(ValuationMethod.values))),
    st.tuples(st.just("sell"), st.lists(st.tuples(money, st.booleans()), min_size=1, max_size=3)),
    st.tuples(st.just("buy"), st.lists(st.tuples(money, st.booleans()), min_size=1, max_size=3)),
    st.tuples(st.just("pay"), st.integers(0, 20), st.integers(1, 100)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("manual"), money),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
)


@pytest.fixture
def plant(company, customer, supplier, usd, vat):
    warehouse = Warehouse.objects.create(code="P", name="Property")
    locations = {code: Location.objects.create(code=code, warehouse=warehouse) for code in BINS}
    ea = Unit.objects.get(code="ea")
    items = {}
    for code, method in ITEMS.items():
        category = ItemCategory.objects.create(code=f"C-{code}", name=code)
        ValuationPolicy.objects.create(category=category, method=method)
        items[code] = Item.objects.create(code=code, name=code, uom=ea, category=category, standard_cost=D("4.5"))
    virtual = {kind: virtual_location(kind) for kind in LocationKind.values if kind not in ("internal", "view")}
    return {
        "items": items,
        "bins": locations,
        "virtual": virtual,
        "customer": customer,
        "supplier": supplier,
        "usd": usd,
        "vat": vat,
    }


def _apply(plant, op, invoices: list, manual: list) -> None:
    kind = op[0]
    items, bins, virtual = plant["items"], plant["bins"], plant["virtual"]

    def move(item, qty, source, target, move_kind, unit_cost=None):
        stock_move_post(
            item=item,
            quantity=D(qty),
            from_location=source,
            to_location=target,
            kind=move_kind,
            unit_cost=unit_cost,
        )

    if kind in ("receive", "receive_uncosted"):
        cost = op[4] if kind == "receive" else None
        move(items[op[1]], op[3], virtual[LocationKind.SUPPLIER], bins[op[2]], MoveKind.RECEIPT, cost)
    elif kind == "ship":
        move(items[op[1]], op[3], bins[op[2]], virtual[LocationKind.CUSTOMER], MoveKind.SHIPMENT)
    elif kind == "return":
        move(items[op[1]], op[3], virtual[LocationKind.CUSTOMER], bins[op[2]], MoveKind.RECEIPT, op[4])
    elif kind == "count":
        inventory_adjust(item=items[op[1]], location=bins[op[2]], counted=D(op[3]))
    elif kind == "bulk_count":
        inventory_adjust_bulk(
            counts=[
                StockCount(item=items[code], location=bins[where], counted=D(counted)) for code, where, counted in op[1]
            ]
        )
    elif kind == "scrap":
        move(items[op[1]], op[3], bins[op[2]], virtual[LocationKind.SCRAP], MoveKind.SCRAP)
    elif kind == "transfer":
        stock_transfer(item=items[op[1]], quantity=D(op[4]), from_location=bins[op[2]], to_location=bins[op[3]])
    elif kind == "issue":
        move(items[op[1]], op[3], bins[op[2]], virtual[LocationKind.PRODUCTION], MoveKind.CONSUMPTION)
    elif kind == "output":
        move(items[op[1]], op[3], virtual[LocationKind.PRODUCTION], bins[op[2]], MoveKind.PRODUCTION, op[4])
    elif kind == "standard_cost":
        item_standard_cost_set(item=items[op[1]], cost=op[2])
    elif kind == "method":
        valuation_policy_set(category=items[op[1]].category, method=op[2])
    elif kind in ("sell", "buy"):
        customer = kind == "sell"
        invoice = invoice_create(
            kind=InvoiceKind.CUSTOMER if customer else InvoiceKind.SUPPLIER,
            partner=plant["customer"] if customer else plant["supplier"],
            invoice_date=TODAY,
            currency=None if customer else plant["usd"],
            # Odd prices (three units, to four places) and tax, line by line: rounding on every conversion.
            lines=[
                {
                    "description": "Goods",
                    "quantity": 3,
                    "unit_price": (amount / 3).quantize(D("0.0001")),
                    "tax_rate": plant["vat"] if taxed else None,
                }
                for amount, taxed in op[1]
            ],
        )
        invoices.append(invoice_post(invoice=invoice))
    elif kind == "pay" and invoices:
        invoice = invoices[op[1] % len(invoices)]
        invoice.refresh_from_db()
        amount = (invoice.open_amount * op[2] / 100).quantize(D("0.01"))
        payment_register(invoice=invoice, amount=amount, date=TODAY)
    elif kind == "cancel" and invoices:
        invoice_cancel(invoice=invoices[op[1] % len(invoices)], date=TODAY)
    elif kind == "manual":
        manual.append(
            journal_entry_create_manual(
                date=TODAY,
                memo="Accrual",
                lines=[{"account": "6000", "debit": op[1]}, {"account": "2100", "credit": op[1]}],
            )
        )
    elif kind == "reverse" and manual:
        journal_entry_reverse_manual(entry=manual[op[1] % len(manual)], date=TODAY)


def _assert_books(plant) -> None:
    # Every entry balances.
    unbalanced = (
        JournalLine.objects.values("entry")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .exclude(debit=F("credit"))
        .order_by()
    )
    assert list(unbalanced) == []
    assert not JournalEntry.objects.filter(lines__isnull=True).exists()
    report = trial_balance(as_of=TODAY)
    assert report.balance == 0 and report.debit == report.credit

    # Stock: the report, the inventory account, the valuations and their layers agree; so do quantities.
    valuation = stock_valuation(as_of=TODAY)
    inventory = account_for(AccountRole.INVENTORY)
    assert [account.pk for account in valuation.accounts] == [inventory.pk]
    assert valuation.total_value == valuation.account_balance
    assert valuation.difference == 0
    for code, item in plant["items"].items():
        state = ItemValuation.objects.filter(item=item).first()
        quantity, value = (state.quantity, state.value) if state else (D(0), D(0))
        layers = ValuationLayer.objects.filter(item=item).aggregate(q=Sum("quantity"), v=Sum("value"))
        assert (layers["q"] or 0, layers["v"] or 0) == (quantity, value), code
        on_hand = Quant.objects.filter(item=item).aggregate(q=Sum("quantity"))["q"] or 0
        assert on_hand == quantity, code
        assert quantity or not value, code  # no value without stock
        if state and state.method == ValuationMethod.FIFO:
            open_ = ValuationLayer.objects.filter(item=item, remaining_qty__gt=0).aggregate(
                q=Sum("remaining_qty"), v=Sum("remaining_value")
            )
            assert (open_["q"] or 0, open_["v"] or 0) == (quantity, value), code
        if state and state.method == ValuationMethod.STANDARD:
            item.refresh_from_db()
            assert value == to_cents(quantity * item.standard_cost), code  # half up, as money is rounded

    # Open invoices: the aging equals the receivables and payables accounts.
    def booked(role):
        lines = account_for(role).lines.aggregate(d=Sum("debit"), c=Sum("credit"))
        return (lines["d"] or 0) - (lines["c"] or 0)

    assert aging(kind=InvoiceKind.CUSTOMER, as_of=TODAY).total == booked(AccountRole.RECEIVABLES)
    assert aging(kind=InvoiceKind.SUPPLIER, as_of=TODAY).total == -booked(AccountRole.PAYABLES)


def _footprint() -> tuple:
    """What a refused operation must leave as it was."""
    return (
        StockMove.objects.count(),
        JournalEntry.objects.count(),
        Invoice.objects.filter(state=InvoiceState.POSTED).count(),
        ItemValuation.objects.aggregate(q=Sum("quantity"), v=Sum("value")),
    )


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=30))
def test_the_books_always_balance_and_agree_with_stock(plant, operations):
    # Each example starts from the same empty plant: its writes are rolled back at the end.
    with transaction.atomic():
        invoices: list = []
        manual: list = []
        for op in operations:
            before = _footprint()
            try:
                with transaction.atomic():
                    _apply(plant, op, invoices, manual)
            except ValidationError as refused:
                assert _footprint() == before, op
                # Refusals are for what the state did not allow, never a broken rule of the books.
                groups = refused.error_dict.values() if hasattr(refused, "error_dict") else [refused.error_list]
                codes = {error.code for errors in groups for error in errors}
                assert codes <= {
                    "insufficient_stock",
                    "already_reversed",
                    "cancelled",
                    "has_payments",
                    "not_payable",
                    "invalid",  # a payment of zero cents
                    "same_location",
                }, (op, refused)
        _assert_books(plant)
        for invoice in invoices:
            invoice.refresh_from_db()
            assert invoice.state != InvoiceState.DRAFT
        transaction.set_rollback(True)
