"""Inventory valuation of WMS moves, computed by hand per method: receipts at different prices, shipments,
customer returns, count adjustments, scrap, production issues and output; standard cost with purchase price
variance and revaluation; method changes; stock that was never valued; and the stock valuation report
agreeing with the inventory account."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import ItemCategory
from erp.choices import AccountRole, JournalSource, ValuationMethod
from erp.models import AccountMapping, ErpSettings, ItemValuation, JournalEntry, ValuationLayer, ValuationPolicy
from erp.selectors.valuation import stock_valuation
from erp.services.journal import account_for
from erp.services.valuation import item_standard_cost_set, valuation_default_set, valuation_policy_set
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Quant, StockMove
from wms.services.moves import inventory_adjust, stock_move_post, stock_transfer

pytestmark = pytest.mark.django_db

D = Decimal


def balance(role: str) -> Decimal:
    """Debits less credits on the account a role books to by default."""
    account = account_for(role)
    return sum((line.debit - line.credit for line in account.lines.all()), D(0))


def state(item) -> tuple[Decimal, Decimal]:
    valuation = ItemValuation.objects.get(item=item)
    return valuation.quantity, valuation.value


@pytest.fixture
def post(bin_):
    """Post a move between a bin (A-01 unless told) and a virtual location, as the WMS flows do."""

    def move(item, quantity, source, target, kind, unit_cost=None, where="A-01"):
        location = bin_(where)
        source = location if source == "bin" else virtual_location(source)
        target = location if target == "bin" else virtual_location(target)
        return stock_move_post(
            item=item,
            quantity=D(str(quantity)),
            from_location=source,
            to_location=target,
            kind=kind,
            unit_cost=D(str(unit_cost)) if unit_cost is not None else None,
            reference="TEST",
        )

    return move


@pytest.fixture
def flows(post):
    """The business flows of a move, by name."""

    class Flows:
        @staticmethod
        def receive(item, quantity, unit_cost=None, where="A-01"):
            return post(item, quantity, LocationKind.SUPPLIER, "bin", MoveKind.RECEIPT, unit_cost, where)

        @staticmethod
        def ship(item, quantity):
            return post(item, quantity, "bin", LocationKind.CUSTOMER, MoveKind.SHIPMENT)

        @staticmethod
        def customer_return(item, quantity, unit_cost=None):
            return post(item, quantity, LocationKind.CUSTOMER, "bin", MoveKind.RECEIPT, unit_cost)

        @staticmethod
        def scrap(item, quantity):
            return post(item, quantity, "bin", LocationKind.SCRAP, MoveKind.SCRAP)

        @staticmethod
        def issue(item, quantity):
            return post(item, quantity, "bin", LocationKind.PRODUCTION, MoveKind.CONSUMPTION)

        @staticmethod
        def output(item, quantity, unit_cost):
            return post(item, quantity, LocationKind.PRODUCTION, "bin", MoveKind.PRODUCTION, unit_cost)

    return Flows


def layer_of(move: StockMove) -> ValuationLayer:
    return ValuationLayer.objects.select_related("journal_entry").get(move=move)


def assert_books_agree():
    """The inventory account holds exactly the items' values, and the report says so."""
    total = sum((v.value for v in ItemValuation.objects.all()), D(0))
    report = stock_valuation(as_of=timezone.localdate())
    assert balance(AccountRole.INVENTORY) == total == report.total_value == report.account_balance
    assert report.difference == 0


# --- Moving average --------------------------------------------------------------------------------------


def test_average_cost_by_hand(valued, flows, bin_):
    kettle = valued("KT-AVG", ValuationMethod.AVERAGE)
    flows.receive(kettle, 10, "5.00")
    flows.receive(kettle, 10, "6.00")
    assert state(kettle) == (D(20), D("110.00"))

    shipped = flows.ship(kettle, 5)
    assert layer_of(shipped).value == D("-27.50")  # 5 x 110/20
    assert state(kettle) == (D(15), D("82.50"))

    flows.receive(kettle, 5, "7.30")
    assert state(kettle) == (D(20), D("119.00"))  # average 5.95

    loss = inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(17))  # 3 lost
    assert layer_of(loss).value == D("-17.85")
    scrapped = flows.scrap(kettle, 2)
    assert layer_of(scrapped).value == D("-11.90")
    assert state(kettle) == (D(15), D("89.25"))

    returned = flows.customer_return(kettle, 1)  # no cost given: at the running average
    assert layer_of(returned).value == D("5.95")
    flows.ship(kettle, 16)
    assert state(kettle) == (D(0), D("0.00"))

    assert balance(AccountRole.GOODS_RECEIVED_NOT_INVOICED) == D("-146.50")
    assert balance(AccountRole.COST_OF_GOODS_SOLD) == D("27.50") - D("5.95") + D("95.20")
    assert balance(AccountRole.INVENTORY_ADJUSTMENT) == D("17.85")
    assert balance(AccountRole.SCRAP_EXPENSE) == D("11.90")
    assert_books_agree()


def test_average_rounds_each_issue_to_cents_and_the_last_unit_takes_the_rest(valued, flows):
    cable = valued("CB-AVG", ValuationMethod.AVERAGE)
    flows.receive(cable, 3, "3.333333")  # 10.00 for three
    values = [layer_of(flows.ship(cable, 1)).value for _ in range(3)]
    assert values == [D("-3.33"), D("-3.34"), D("-3.33")]
    assert state(cable) == (D(0), D(0))
    assert_books_agree()


def test_a_count_gain_is_worth_what_the_stock_on_hand_costs(valued, flows, bin_):
    kettle = valued("KT-GAIN", ValuationMethod.AVERAGE, standard_cost=D("1.00"))
    flows.receive(kettle, 4, "8.00")
    gain = inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(5))  # WMS passes the standard cost
    assert layer_of(gain).value == D("8.00")
    assert balance(AccountRole.INVENTORY_ADJUSTMENT) == D("-8.00")
    # Without stock to compare with, the count's own unit cost (the standard) is all there is.
    fresh = valued("KT-NEW", ValuationMethod.AVERAGE, standard_cost=D("2.50"))
    assert layer_of(inventory_adjust(item=fresh, location=bin_("A-01"), counted=D(2))).value == D("5.00")


# --- FIFO -----------------------------------------------------------------------------------------------


def test_fifo_by_hand(valued, flows, bin_):
    kettle = valued("KT-FIFO", ValuationMethod.FIFO)
    first = flows.receive(kettle, 10, "5.00")
    second = flows.receive(kettle, 10, "6.00")
    assert layer_of(flows.ship(kettle, 12)).value == D("-62.00")  # 10 x 5 + 2 x 6
    assert (layer_of(first).remaining_qty, layer_of(first).remaining_value) == (D(0), D(0))
    assert (layer_of(second).remaining_qty, layer_of(second).remaining_value) == (D(8), D("48.00"))

    third = flows.receive(kettle, 5, "7.30")
    gain = inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(15))  # 2 found, at the average 6.50
    assert layer_of(gain).value == D("13.00")

    assert layer_of(flows.scrap(kettle, 9)).value == D("-55.30")  # 8 x 6 + 1 x 7.30
    assert (layer_of(third).remaining_qty, layer_of(third).remaining_value) == (D(4), D("29.20"))

    flows.customer_return(kettle, 1, "5.10")
    assert state(kettle) == (D(7), D("47.30"))
    assert layer_of(flows.ship(kettle, 7)).value == D("-47.30")  # 4 x 7.30 + 2 x 6.50 + 5.10
    assert state(kettle) == (D(0), D(0))
    assert not ValuationLayer.objects.filter(item=kettle, remaining_qty__gt=0).exists()
    assert_books_agree()


def test_fifo_splits_a_layer_to_the_cent_and_its_last_unit_takes_the_rest(valued, flows):
    cable = valued("CB-FIFO", ValuationMethod.FIFO)
    receipt = flows.receive(cable, 3, "3.333333")
    assert [layer_of(flows.ship(cable, 1)).value for _ in range(3)] == [D("-3.33"), D("-3.34"), D("-3.33")]
    assert layer_of(receipt).remaining_value == 0
    assert_books_agree()


def test_transfers_between_bins_change_nothing(valued, flows, bin_):
    kettle = valued("KT-MOVE", ValuationMethod.FIFO)
    flows.receive(kettle, 10, "5.00")
    entries = JournalEntry.objects.count()
    stock_transfer(item=kettle, quantity=D(4), from_location=bin_("A-01"), to_location=bin_("B-01"))
    assert JournalEntry.objects.count() == entries
    assert ValuationLayer.objects.filter(item=kettle).count() == 1
    assert state(kettle) == (D(10), D("50.00"))


# --- Standard cost ----------------------------------------------------------------------------------------


def test_standard_cost_by_hand_with_purchase_price_variance(valued, flows):
    kettle = valued("KT-STD", ValuationMethod.STANDARD, standard_cost=D("5.00"))
    dearer = flows.receive(kettle, 10, "5.40")
    entry = layer_of(dearer).journal_entry
    assert {(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")} == {
        ("1300", D("50.00"), D(0)),  # inventory at standard
        ("2100", D(0), D("54.00")),  # GRNI at what the supplier charges
        ("5100", D("4.00"), D(0)),  # unfavourable price variance
    }
    flows.receive(kettle, 10, "4.80")
    assert balance(AccountRole.PURCHASE_PRICE_VARIANCE) == D("2.00")
    assert layer_of(flows.ship(kettle, 5)).value == D("-25.00")

    revaluation = item_standard_cost_set(item=kettle, cost=D("5.50"))
    assert (revaluation.quantity, revaluation.value) == (D(0), D("7.50"))  # 15 x 0.50
    assert revaluation.journal_entry.source == JournalSource.REVALUATION
    assert balance(AccountRole.REVALUATION) == D("-7.50")
    kettle.refresh_from_db()
    assert kettle.standard_cost == D("5.50")

    assert layer_of(flows.scrap(kettle, 1)).value == D("-5.50")
    assert layer_of(flows.ship(kettle, 14)).value == D("-77.00")
    assert state(kettle) == (D(0), D(0))
    assert_books_agree()


def test_standard_cost_stock_is_always_quantity_times_standard_to_the_cent(valued, flows):
    cable = valued("CB-STD", ValuationMethod.STANDARD, standard_cost=D("0.333"))
    values = [layer_of(flows.receive(cable, 1, "0.40")).value for _ in range(3)]
    assert values == [D("0.33"), D("0.34"), D("0.33")]  # 0.33, 0.67, 1.00 in stock
    assert state(cable) == (D(3), D("1.00"))
    assert balance(AccountRole.PURCHASE_PRICE_VARIANCE) == D("0.20")  # 1.20 charged, 1.00 at standard
    assert_books_agree()


def test_a_standard_cost_edited_outside_the_service_is_revalued_on_the_next_move(valued, flows):
    kettle = valued("KT-EDIT", ValuationMethod.STANDARD, standard_cost=D("5.00"))
    flows.receive(kettle, 10, "5.00")
    kettle.standard_cost = D("6.00")
    kettle.save()  # e.g. in the item form
    shipped = flows.ship(kettle, 1)
    assert layer_of(shipped).value == D("-6.00")
    revaluation = ValuationLayer.objects.get(item=kettle, move=None)
    assert revaluation.value == D("10.00")
    assert state(kettle) == (D(9), D("54.00"))
    assert_books_agree()


def test_standard_cost_set_on_an_average_item_changes_the_cost_only(valued, flows):
    kettle = valued("KT-AVG2", ValuationMethod.AVERAGE, standard_cost=D("1"))
    flows.receive(kettle, 2, "4.00")
    assert item_standard_cost_set(item=kettle, cost=D("9.1234567")) is None
    kettle.refresh_from_db()
    assert kettle.standard_cost == D("9.123457")
    assert state(kettle) == (D(2), D("8.00"))


@pytest.mark.parametrize(
    ("cost", "day", "field", "code"),
    [
        (D("-1"), None, "cost", "min_value"),
        ("abc", None, "cost", "invalid"),
        (D("1"), datetime.date(2999, 1, 1), "date", "future"),
    ],
)
def test_standard_cost_set_refuses_bad_input(valued, cost, day, field, code):
    kettle = valued("KT-BAD", ValuationMethod.STANDARD, standard_cost=D("5"))
    with pytest.raises(ValidationError) as refused:
        item_standard_cost_set(item=kettle, cost=cost, date=day)
    assert refused.value.error_dict[field][0].code == code
    kettle.refresh_from_db()
    assert kettle.standard_cost == D("5")


# --- Production -----------------------------------------------------------------------------------------


def test_production_issues_and_output_go_through_work_in_progress(valued, flows):
    element = valued("HE-AVG", ValuationMethod.AVERAGE)
    kettle = valued("KT-MADE", ValuationMethod.FIFO)
    boxed = valued("KT-BOX", ValuationMethod.STANDARD, standard_cost=D("12.00"))
    flows.receive(element, 10, "3.00")
    assert layer_of(flows.issue(element, 4)).value == D("-12.00")
    assert balance(AccountRole.WORK_IN_PROGRESS) == D("12.00")

    made = flows.output(kettle, 10, "12.34")  # the order's standard unit cost, whatever the method
    assert layer_of(made).value == D("123.40") and layer_of(made).remaining_qty == 10
    boxed_out = flows.output(boxed, 10, "12.34")  # the standard moved on since the order was released
    entry = layer_of(boxed_out).journal_entry
    assert {(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")} == {
        ("1300", D("120.00"), D(0)),
        ("1400", D(0), D("123.40")),
        ("5500", D("3.40"), D(0)),
    }
    assert balance(AccountRole.WORK_IN_PROGRESS) == D("12.00") - D("246.80")
    assert_books_agree()


# --- Method changes and stock that was never valued -------------------------------------------------------


def test_changing_the_method_carries_the_stock_over(valued, flows):
    kettle = valued("KT-SWITCH", ValuationMethod.AVERAGE, standard_cost=D("5.00"))
    category = kettle.category
    flows.receive(kettle, 4, "5.00")
    flows.receive(kettle, 6, "5.833333")  # 35.00: 10 worth 55.00
    valuation_policy_set(category=category, method=ValuationMethod.STANDARD)
    assert ItemValuation.objects.get(item=kettle).method == ValuationMethod.STANDARD
    assert state(kettle) == (D(10), D("50.00"))  # revalued to 10 x 5.00
    assert balance(AccountRole.REVALUATION) == D("5.00")

    valuation_policy_set(category=category, method=ValuationMethod.FIFO)
    opening = ValuationLayer.objects.get(item=kettle, remaining_qty__gt=0)
    assert (opening.quantity, opening.value, opening.remaining_qty, opening.remaining_value) == (
        D(0),
        D(0),
        D(10),
        D("50.00"),
    )
    flows.receive(kettle, 1, "9.00")
    assert layer_of(flows.ship(kettle, 11)).value == D("-59.00")
    assert_books_agree()


def test_a_policy_changed_in_the_admin_applies_on_the_next_move(valued, flows):
    kettle = valued("KT-LAZY", ValuationMethod.FIFO)
    flows.receive(kettle, 2, "3.00")
    flows.receive(kettle, 2, "5.00")
    ValuationPolicy.objects.filter(category=kettle.category).update(method=ValuationMethod.AVERAGE)
    assert layer_of(flows.ship(kettle, 1)).value == D("-4.00")  # the average, not the oldest layer
    assert ItemValuation.objects.get(item=kettle).method == ValuationMethod.AVERAGE
    assert not ValuationLayer.objects.filter(item=kettle, remaining_qty__gt=0).exists()
    assert_books_agree()


def test_items_without_a_policy_follow_the_default_and_sub_categories_their_parent(item, flows):
    parent = ItemCategory.objects.create(code="FG", name="Finished goods")
    child = ItemCategory.objects.create(code="FG-KT", name="Kettles", parent=parent)
    ValuationPolicy.objects.create(category=parent, method=ValuationMethod.FIFO)
    kettle = item("KT-CHILD", category=child)
    loose = item("LOOSE")
    flows.receive(kettle, 1, "1")
    flows.receive(loose, 1, "1")
    assert ItemValuation.objects.get(item=kettle).method == ValuationMethod.FIFO
    assert ItemValuation.objects.get(item=loose).method == ErpSettings.load().default_valuation_method
    valuation_default_set(method=ValuationMethod.STANDARD)
    assert ItemValuation.objects.get(item=loose).method == ValuationMethod.STANDARD
    assert state(loose) == (D(1), D(0))  # standard cost 0
    assert ItemValuation.objects.get(item=kettle).method == ValuationMethod.FIFO
    with pytest.raises(ValidationError):
        valuation_policy_set(category=parent, method="lifo")


@pytest.mark.parametrize("method", [ValuationMethod.AVERAGE, ValuationMethod.FIFO, ValuationMethod.STANDARD])
def test_stock_that_was_never_valued_goes_out_at_zero(valued, flows, bin_, method):
    kettle = valued(f"KT-OLD-{method}", method, standard_cost=D("3.00"))
    # Stock loaded before ERP valued anything: quants without moves.
    Quant.objects.create(item=kettle, location=bin_("A-01"), quantity=D(5))
    flows.receive(kettle, 2, "3.00")
    shipped = layer_of(flows.ship(kettle, 7))
    assert (shipped.quantity, shipped.value) == (D(-2), D("-6.00"))
    assert "never valued" in shipped.description
    assert state(kettle) == (D(0), D(0))
    assert_books_agree()


# --- Refusals, accounts, dates --------------------------------------------------------------------------


def test_a_move_is_refused_with_its_value_when_no_account_is_mapped(valued, flows):
    kettle = valued("KT-NOMAP", ValuationMethod.AVERAGE)
    AccountMapping.objects.filter(role=AccountRole.SCRAP_EXPENSE).delete()
    flows.receive(kettle, 2, "1.00")
    with pytest.raises(ValidationError) as refused:
        flows.scrap(kettle, 1)
    assert refused.value.code == "account_mapping_missing"
    assert state(kettle) == (D(2), D("2.00"))
    assert StockMove.objects.filter(item=kettle).count() == 1  # the move went with its value


def test_a_negative_unit_cost_is_refused(valued, flows):
    kettle = valued("KT-NEG", ValuationMethod.AVERAGE)
    with pytest.raises(ValidationError) as refused:
        flows.receive(kettle, 1, "-1")
    assert refused.value.error_dict["unit_cost"][0].code == "min_value"
    assert not StockMove.objects.filter(item=kettle).exists()


def test_a_category_books_to_its_own_inventory_account(valued, flows):
    from erp.models import Account

    kettle = valued("KT-OWN", ValuationMethod.AVERAGE)
    own = Account.objects.create(code="1310", name="Finished goods", kind="asset")
    AccountMapping.objects.create(role=AccountRole.INVENTORY, category=kettle.category, account=own)
    layer = layer_of(flows.receive(kettle, 2, "4.00"))
    assert {line.account.code for line in layer.journal_entry.lines.select_related("account")} == {"1310", "2100"}
    report = stock_valuation(as_of=timezone.localdate())
    assert [a.code for a in report.accounts] == ["1300", "1310"]
    assert report.account_balance == report.total_value == D("8.00")


def test_stock_valuation_as_of_a_past_day(valued, flows):
    kettle = valued("KT-PAST", ValuationMethod.FIFO)
    cable = valued("CB-PAST", ValuationMethod.STANDARD, standard_cost=D("2"))
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)):
        flows.receive(kettle, 10, "5.00")
        flows.receive(cable, 5, "2.00")
    with time_machine.travel(datetime.datetime(2026, 3, 12, 9, tzinfo=datetime.UTC)):
        flows.ship(kettle, 4)
        item_standard_cost_set(item=cable, cost=D("3"))
    march_11 = stock_valuation(as_of=datetime.date(2026, 3, 11))
    assert [(r.item.code, r.quantity, r.value, r.unit_cost) for r in march_11.rows] == [
        ("CB-PAST", D(5), D("10.00"), D(2)),
        ("KT-PAST", D(10), D("50.00"), D(5)),
    ]
    assert march_11.account_balance == D("60.00")
    march_12 = stock_valuation(as_of=datetime.date(2026, 3, 12))
    assert [(r.quantity, r.value, r.on_hand) for r in march_12.rows] == [
        (D(5), D("15.00"), D(5)),
        (D(6), D("30.00"), D(6)),
    ]
    assert march_12.account_balance == march_12.total_value == D("45.00")
    assert stock_valuation(as_of=datetime.date(2026, 3, 9)).rows == []


def test_a_back_dated_revaluation_shows_from_its_day(valued, flows):
    cable = valued("CB-BACK", ValuationMethod.STANDARD, standard_cost=D("2"))
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)):
        flows.receive(cable, 5, "2.00")
    with time_machine.travel(datetime.datetime(2026, 3, 20, 12, tzinfo=datetime.UTC)):
        layer = item_standard_cost_set(item=cable, cost=D("4"), date=datetime.date(2026, 3, 15))
    assert layer.journal_entry.date == datetime.date(2026, 3, 15)
    assert stock_valuation(as_of=datetime.date(2026, 3, 14)).total_value == D("10.00")
    fifteenth = stock_valuation(as_of=datetime.date(2026, 3, 15))
    assert fifteenth.total_value == fifteenth.account_balance == D("20.00")


# --- Speed ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [ValuationMethod.AVERAGE, ValuationMethod.FIFO, ValuationMethod.STANDARD])
def test_a_valued_move_takes_a_fixed_number_of_queries(valued, flows, bin_, method, django_assert_max_num_queries):
    kettle = valued(f"KT-FAST-{method}", method, standard_cost=D("5"))
    for n in range(5):
        flows.receive(kettle, 2, 5 + n)
    shelf, supplier, customer = (
        bin_("A-01"),
        virtual_location(LocationKind.SUPPLIER),
        virtual_location(LocationKind.CUSTOMER),
    )
    # The whole of stock_move_post: WMS's own 9 queries (savepoints and the event row included) and
    # ERP's valuation: the move, the valuation lock, the policy, the accounts, the entry and its lines, the
    # layer, the running totals (and for FIFO the open layers and their update; for standard the cost).
    with django_assert_max_num_queries(23):
        stock_move_post(
            item=kettle,
            quantity=D(3),
            from_location=supplier,
            to_location=shelf,
            kind=MoveKind.RECEIPT,
            unit_cost=D(7),
        )
    with django_assert_max_num_queries(23):
        stock_move_post(item=kettle, quantity=D(9), from_location=shelf, to_location=customer, kind=MoveKind.SHIPMENT)
    # A transfer between bins costs ERP one query: reading the move to see that it changes no value.
    other = bin_("B-01")
    with django_assert_max_num_queries(10):
        stock_transfer(item=kettle, quantity=D(1), from_location=shelf, to_location=other)


# --- Bulk: a stock import posts many moves at once ----------------------------------------------------------


def test_a_bulk_count_is_valued_move_by_move_in_one_batch(valued, flows, bin_):
    from wms.services.adjustments import StockCount, inventory_adjust_bulk

    fifo = valued("KT-BULK-F", ValuationMethod.FIFO, standard_cost=D("1"))
    average = valued("KT-BULK-A", ValuationMethod.AVERAGE)
    standard = valued("KT-BULK-S", ValuationMethod.STANDARD, standard_cost=D("2.50"))
    flows.receive(fifo, 4, "3.00", where="A-01")
    flows.receive(fifo, 4, "5.00", where="B-01")
    flows.receive(average, 3, "1.00", where="A-01")
    flows.receive(average, 1, "5.00", where="B-01")
    moves = inventory_adjust_bulk(
        counts=[
            StockCount(item=fifo, location=bin_("A-01"), counted=D(1)),  # 3 lost: the oldest layer's
            StockCount(item=fifo, location=bin_("B-01"), counted=D(0)),  # 4 lost: 1 at 3.00, 3 at 5.00
            StockCount(item=fifo, location=bin_("A-02"), counted=D(2)),  # 2 found, at the average left: 5.00
            StockCount(item=average, location=bin_("A-01"), counted=D(0)),  # 3 of 4 worth 8.00
            StockCount(item=average, location=bin_("B-01"), counted=D(0)),  # the last one: what is left
            StockCount(item=standard, location=bin_("A-01"), counted=D(3)),
        ]
    )
    assert [layer_of(move).value for move in moves] == [
        D("-9.00"),
        D("-18.00"),
        D("10.00"),
        D("-6.00"),
        D("-2.00"),
        D("7.50"),
    ]
    assert state(fifo) == (D(3), D("15.00")) and state(average) == (D(0), D(0)) and state(standard) == (D(3), D("7.50"))
    assert sorted(
        (layer.remaining_qty, layer.remaining_value)
        for layer in ValuationLayer.objects.filter(item=fifo, remaining_qty__gt=0)
    ) == [(D(1), D("5.00")), (D(2), D("10.00"))]
    assert all(layer_of(move).journal_entry.lines.count() == 2 for move in moves)
    assert_books_agree()


def test_a_bulk_count_costs_the_same_queries_for_five_items_or_fifty(item, bin_):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wms.services.adjustments import StockCount, inventory_adjust_bulk

    def queries(count: int) -> int:
        parts = [item(f"BULK-{count}-{n}", standard_cost=D("1.25")) for n in range(count)]
        counts = [StockCount(item=part, location=bin_("A-01"), counted=D(3)) for part in parts]
        with CaptureQueriesContext(connection) as captured:
            inventory_adjust_bulk(counts=counts)
        return len(captured)

    small, large = queries(5), queries(50)
    assert large - small == (50 - 5) * 3  # WMS's event per move; ERP values the batch in fixed queries
    assert ItemValuation.objects.filter(item__code__startswith="BULK-50-", value=D("3.75")).count() == 50
    assert_books_agree()


def test_stock_valuation_of_a_category_and_those_below_it(item, flows):
    parent = ItemCategory.objects.create(code="FG", name="Finished goods")
    child = ItemCategory.objects.create(code="FG-KT", name="Kettles", parent=parent)
    other = ItemCategory.objects.create(code="RM", name="Raw material")
    flows.receive(item("KT-1", category=child), 2, "3.00")
    flows.receive(item("FG-1", category=parent), 1, "4.00")
    flows.receive(item("RM-1", category=other), 5, "1.00")
    report = stock_valuation(as_of=timezone.localdate(), category=parent)
    assert [(row.item.code, row.value) for row in report.rows] == [("FG-1", D("4.00")), ("KT-1", D("6.00"))]
    assert report.total_value == D("10.00") and report.account_balance == D("15.00")
