"""Opening stock: the stock a plant starts with is booked against opening balance equity (3900), never as a
count's gain in the inventory adjustment expense (5400), whether it is loaded one count at a time, set-based
or by the stock import; an opening load never lowers stock; an older company's chart gets the account."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.services.dataio import ImportFileError, import_folder
from erp.chart import default_chart_load
from erp.choices import AccountKind, AccountRole, ValuationMethod
from erp.models import (
    Account,
    AccountMapping,
    ItemValuation,
    JournalEntry,
    JournalLine,
    ValuationLayer,
)
from erp.selectors.finance import balance_sheet, profit_and_loss
from erp.services.journal import account_for, accounts_for
from erp.services.valuation import stock_moves_value
from tests.dataio import write_folder
from wms.choices import LocationKind, MoveKind
from wms.locations import virtual_location
from wms.models import Location, Quant, StockMove
from wms.services.adjustments import CountRefused, StockCount, inventory_adjust_bulk
from wms.services.moves import inventory_adjust, stock_move_post

pytestmark = pytest.mark.django_db

D = Decimal


def balance(role: str) -> Decimal:
    """Debits less credits on the account a role books to by default."""
    account = account_for(role)
    return sum((line.debit - line.credit for line in account.lines.all()), D(0))


def profit_today() -> Decimal:
    today = timezone.localdate()
    return profit_and_loss(date_from=today.replace(day=1), date_to=today).profit


def receive(item, quantity, unit_cost, location):
    return stock_move_post(
        item=item,
        quantity=D(quantity),
        from_location=virtual_location(LocationKind.SUPPLIER),
        to_location=location,
        kind=MoveKind.RECEIPT,
        unit_cost=D(unit_cost),
        reference="PO-TEST",
    )


def test_the_default_chart_maps_opening_balances_to_an_equity_account(db):
    account = account_for(AccountRole.OPENING_BALANCE)
    assert (account.code, account.name, account.kind) == ("3900", "Opening balance equity", AccountKind.EQUITY)


def test_an_opening_load_books_inventory_against_opening_balance_equity_and_leaves_profit_alone(valued, bin_):
    kettle = valued("KT-STD", ValuationMethod.STANDARD, standard_cost=D("12.50"))
    cable = valued("CB-AVG", ValuationMethod.AVERAGE, standard_cost=D("4.60"))

    opening = inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(8), opening=True, reason="Move-in")
    inventory_adjust(item=cable, location=bin_("A-02"), counted=D(10), opening=True)

    assert (opening.kind, opening.from_location.kind, opening.quantity) == (MoveKind.OPENING, "inventory", 8)
    assert opening.reference == "Opening stock" and opening.get_kind_display() == "Opening stock"
    entry = ValuationLayer.objects.get(move=opening).journal_entry
    assert sorted((line.account.code, line.debit, line.credit) for line in entry.lines.all()) == [
        ("1300", D("100.00"), D(0)),  # 8 x 12.50
        ("3900", D(0), D("100.00")),
    ]
    assert balance(AccountRole.INVENTORY) == D("146.00")  # and 10 x 4.60
    assert balance(AccountRole.OPENING_BALANCE) == D("-146.00")
    assert not JournalLine.objects.filter(account__kind__in=(AccountKind.INCOME, AccountKind.EXPENSE)).exists()
    assert profit_today() == 0
    sheet = balance_sheet(as_of=timezone.localdate())
    assert (sheet.equity.actual, sheet.profit, sheet.difference) == (D("146.00"), 0, 0)


def test_opening_stock_comes_in_at_its_own_cost_where_a_count_gain_takes_the_average(valued, bin_):
    kettle = valued("KT-GAIN", ValuationMethod.AVERAGE, standard_cost=D("1.00"))
    receive(kettle, 4, "8.00", bin_("A-01"))

    opening = inventory_adjust(item=kettle, location=bin_("A-02"), counted=D(2), opening=True)
    assert ValuationLayer.objects.get(move=opening).value == D("2.00")  # at the standard WMS passes, as a receipt

    # An ordinary count gain still books the inventory adjustment expense, at what the stock on hand costs.
    gain = inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(5))
    assert gain.kind == MoveKind.ADJUSTMENT
    assert ValuationLayer.objects.get(move=gain).value == D("5.67")  # 34.00 / 6, the running average
    assert balance(AccountRole.INVENTORY_ADJUSTMENT) == D("-5.67")
    assert balance(AccountRole.OPENING_BALANCE) == D("-2.00")
    assert ItemValuation.objects.get(item=kettle).value == D("39.67")


def test_an_opening_load_that_would_lower_stock_is_refused_and_changes_nothing(valued, bin_):
    kettle = valued("KT-DOWN", ValuationMethod.FIFO, standard_cost=D(3))
    inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(10), opening=True)
    before = (StockMove.objects.count(), JournalEntry.objects.count(), ValuationLayer.objects.count())

    with pytest.raises(ValidationError) as refused:
        inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(7), opening=True)

    error = refused.value.error_dict["counted"][0]
    assert error.code == "opening_decrease"
    assert error.message == (
        "Opening stock only adds to what is on hand: 10 ea of KT-DOWN are in MAIN/STOCK/A-01, 7 would lower it."
        " Count the difference as an inventory adjustment."
    )
    assert Quant.objects.get(item=kettle).quantity == 10
    assert (StockMove.objects.count(), JournalEntry.objects.count(), ValuationLayer.objects.count()) == before
    assert ItemValuation.objects.get(item=kettle).quantity == 10
    assert inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(10), opening=True) is None


def test_a_set_based_opening_load_books_every_gain_to_equity_and_refuses_any_decrease(valued, bin_):
    fifo = valued("KT-BULK-F", ValuationMethod.FIFO, standard_cost=D("2.00"))
    standard = valued("KT-BULK-S", ValuationMethod.STANDARD, standard_cost=D("2.50"))
    moves = inventory_adjust_bulk(
        counts=[
            StockCount(item=fifo, location=bin_("A-01"), counted=D(5)),
            StockCount(item=standard, location=bin_("A-01"), counted=D(4)),
        ],
        opening=True,
    )
    assert [move.kind for move in moves] == [MoveKind.OPENING, MoveKind.OPENING]
    assert balance(AccountRole.OPENING_BALANCE) == D("-20.00") and balance(AccountRole.INVENTORY) == D("20.00")
    before = (StockMove.objects.count(), JournalEntry.objects.count(), balance(AccountRole.OPENING_BALANCE))

    with pytest.raises(CountRefused) as refused:
        inventory_adjust_bulk(
            counts=[
                StockCount(item=standard, location=bin_("B-01"), counted=D(1)),
                StockCount(item=fifo, location=bin_("A-01"), counted=D(3)),
            ],
            opening=True,
        )

    assert (refused.value.index, refused.value.field, refused.value.error_dict["counted"][0].code) == (
        1,
        "counted",
        "opening_decrease",
    )
    assert (StockMove.objects.count(), JournalEntry.objects.count(), balance(AccountRole.OPENING_BALANCE)) == before
    assert not Quant.objects.filter(item=standard, location=bin_("B-01")).exists()


def test_an_opening_move_out_of_stock_is_refused(valued, bin_):
    kettle = valued("KT-OUT", ValuationMethod.AVERAGE, standard_cost=D(1))
    inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(5), opening=True)
    with pytest.raises(ValidationError) as refused:
        stock_move_post(
            item=kettle,
            quantity=D(1),
            from_location=bin_("A-01"),
            to_location=virtual_location(LocationKind.INVENTORY),
            kind=MoveKind.OPENING,
        )
    assert refused.value.error_dict["kind"][0].code == "opening_not_a_gain"
    assert Quant.objects.get(item=kettle).quantity == 5
    # Valuation keeps the rule too, for moves posted by other paths (the set-based adjustments).
    out = StockMove(
        item=kettle,
        quantity=D(1),
        from_location=bin_("A-01"),
        to_location=virtual_location(LocationKind.INVENTORY),
        kind=MoveKind.OPENING,
        moved_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as refused:
        stock_moves_value(moves=[out])
    assert refused.value.error_dict["kind"][0].code == "opening_not_a_gain"


def test_the_stock_import_books_the_plants_opening_balances(tmp_path, valued, warehouse):
    warehouse.stock_location = Location.objects.get(code="MAIN/STOCK/A-01")
    warehouse.save()
    valued("CB-EU", ValuationMethod.AVERAGE, standard_cost=D("4.60"))
    valued("KT-200", ValuationMethod.STANDARD, standard_cost=D("142.00"))
    text = "item,qty,location\nCB-EU,120,\nKT-200,3,MAIN/STOCK/B-01\n"

    counts = import_folder(write_folder(tmp_path / "plant", {"stock.csv": text}))["stock.csv"]

    assert counts["adjusted"] == 2
    assert balance(AccountRole.INVENTORY) == D("978.00")  # 120 x 4.60 + 3 x 142
    assert balance(AccountRole.OPENING_BALANCE) == D("-978.00")
    assert balance(AccountRole.INVENTORY_ADJUSTMENT) == 0
    assert profit_today() == 0
    # A file that would lower what the plant loaded is refused, and books nothing.
    with pytest.raises(ImportFileError):
        import_folder(write_folder(tmp_path / "less", {"stock.csv": "item,qty\nCB-EU,100\n"}))
    assert balance(AccountRole.OPENING_BALANCE) == D("-978.00")


def test_a_chart_installed_before_opening_balances_existed_gets_the_account(valued, bin_):
    AccountMapping.objects.filter(role=AccountRole.OPENING_BALANCE).delete()
    Account.objects.filter(code="3900").delete()
    with pytest.raises(ValidationError):
        accounts_for([AccountRole.OPENING_BALANCE])

    # The migration that adds the role adds its account to a company that has a chart already ...
    migration = importlib.import_module("erp.migrations.0004_opening_balance_role")
    migration.opening_balance_account_add(apps, None)
    assert accounts_for([AccountRole.OPENING_BALANCE])[AccountRole.OPENING_BALANCE].code == "3900"
    # ... and every migrate's chart load (post_migrate) would, without duplicating it.
    AccountMapping.objects.filter(role=AccountRole.OPENING_BALANCE).delete()
    default_chart_load()
    default_chart_load()
    assert AccountMapping.objects.filter(role=AccountRole.OPENING_BALANCE).count() == 1
    assert Account.objects.filter(code="3900").count() == 1

    kettle = valued("KT-OLD", ValuationMethod.AVERAGE, standard_cost=D(2))
    inventory_adjust(item=kettle, location=bin_("A-01"), counted=D(3), opening=True)
    assert balance(AccountRole.OPENING_BALANCE) == D("-6.00")
