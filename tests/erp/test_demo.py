"""SmartAppliance Co.'s books after demo_load: a quarter of history that reconciles, and a live today.

The demo is loaded once for the module (it takes a while) and flushed away after it; each test runs in a
transaction of its own on top of it, so what one test changes the next does not see.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F, Q, Sum
from django.utils import timezone

from core.models import Item
from erp.choices import (
    CostVersionState,
    InvoiceKind,
    JournalSource,
    ProductionOrderState,
    PurchaseOrderState,
    SalesOrderState,
    VarianceKind,
)
from erp.models import (
    Attendance,
    CostVersion,
    Employee,
    Invoice,
    ItemCost,
    JournalEntry,
    JournalLine,
    LaborBooking,
    Payment,
    PriceListItem,
    ProductionOrder,
    ProductionVariance,
    PurchaseOrder,
    Qualification,
    RosterEntry,
    SalesOrder,
    ValuationLayer,
)
from erp.selectors.finance import BUCKETS, aging, trial_balance
from erp.selectors.people import expiring_qualifications
from erp.selectors.production import order_variances
from erp.selectors.valuation import stock_valuation
from erp.services.journal import account_for
from wms.models import Reservation, StockMove
from wms.selectors.stock import available, ledger_mismatches, on_hand

ZERO = Decimal(0)


@pytest.fixture
def demo(demo_loaded, db):
    pass


@pytest.fixture
def today(demo):
    return timezone.localdate()


def test_every_journal_entry_balances_and_the_trial_balance_sums_to_zero(today):
    unbalanced = (
        JournalLine.objects.values("entry")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .filter(~Q(debit=F("credit")))
    )
    assert JournalEntry.objects.count() > 300
    assert list(unbalanced) == []
    for as_of in (today, today - datetime.timedelta(days=45)):
        balance = trial_balance(as_of=as_of)
        assert balance.balance == 0 and balance.debit == balance.credit > 0


def test_the_history_is_dated_on_the_days_it_happened(today):
    # Today's are WMS's stock, the standard costs it is revalued at and the opening balance restated with
    # that; the rest is the replayed quarter.
    todays = Q(source__in=["stock_move", "revaluation"], date=today) | Q(reference="OPENING-2026", date=today)
    dates = JournalEntry.objects.exclude(todays).values_list("date", flat=True)
    assert min(dates) <= today - datetime.timedelta(days=85)
    assert max(dates) < today
    assert not JournalEntry.objects.filter(date__gt=today).exists()
    history = StockMove.objects.filter(moved_at__lt=timezone.now() - datetime.timedelta(days=1))
    assert history.count() > 200
    assert history.filter(kind="shipment").exists() and history.filter(kind="production").exists()


def test_the_stock_valuation_equals_the_inventory_account(today):
    for as_of in (today, today - datetime.timedelta(days=30), today - datetime.timedelta(days=70)):
        valuation = stock_valuation(as_of=as_of)
        assert valuation.difference == 0, as_of
        assert valuation.total_value > 0
    valued = {row.item.code: row for row in stock_valuation(as_of=today).rows}
    assert valued["KT-200"].method == "standard" and valued["SS-304"].method == "fifo"
    assert valued["HE-2000"].method == "average"


def test_the_warehouse_demo_stock_stands_beside_the_history(today):
    # The history bought exactly the steel and elements it used, in lots of its own, and left WMS's alone.
    assert ledger_mismatches() == []
    steel, element = Item.objects.get(code="SS-304"), Item.objects.get(code="HE-2000")
    assert on_hand(item=steel) == 1800
    assert (on_hand(item=element), available(item=element)) == (600, 400)
    assert StockMove.objects.filter(kind="receipt", reference__startswith="PO-").exists()


def test_the_plants_opening_stock_is_an_opening_balance_not_a_profit(today):
    # WMS's stock on hand (purchased parts in their suppliers' lots, made parts) loads as opening stock:
    # booked against opening balance equity, not as count gains (5400) nor receipts no bill ever matches.
    opening = StockMove.objects.filter(reference="OPENING-2026")
    assert set(opening.values_list("kind", flat=True)) == {"opening"} and opening.count() == 57
    assert opening.get(lot__code="SS-2609-114").lot.supplier_lot == "BS-88213"
    value = ValuationLayer.objects.filter(move__in=opening).aggregate(total=Sum("value"))["total"]
    # The first standards (lower than the catalogue's the stock was loaded at) revalued it; finance restated
    # the opening balance with that, so no revaluation of the opening stock stays in the profit and loss.
    revaluation = account_for("revaluation")
    revalued = JournalLine.objects.filter(entry__source=JournalSource.REVALUATION, account=revaluation)
    loss = revalued.aggregate(net=Sum(F("debit") - F("credit")))["net"]
    restated = JournalLine.objects.filter(entry__source=JournalSource.MANUAL, entry__reference="OPENING-2026")
    assert loss > 0 and restated.get(account=revaluation).credit == loss
    equity = JournalLine.objects.filter(account=account_for("opening_balance"))
    assert value > 100000 and equity.aggregate(net=Sum(F("credit") - F("debit")))["net"] == value - loss
    adjustments = JournalLine.objects.filter(account=account_for("inventory_adjustment"))
    assert not adjustments.filter(entry__reference="OPENING-2026").exists()
    assert not StockMove.objects.filter(reference__in=[f"PO-2026-{n:05d}" for n in range(101, 106)]).exists()


def test_closed_production_orders_carry_their_variances(today):
    closed = ProductionOrder.objects.filter(state=ProductionOrderState.CLOSED)
    assert closed.count() >= 15
    wip = account_for("wip")
    for order in closed:
        posted = ProductionVariance.objects.filter(order=order).aggregate(total=Sum("amount"))["total"]
        assert posted == order_variances(order=order).total, order.number
        # Everything the order booked to WIP (material, time, output, variances) has cleared.
        lines = JournalLine.objects.filter(account=wip, entry__reference=order.number)
        assert lines.aggregate(net=Sum(F("debit") - F("credit")))["net"] == 0, order.number
    by_kind = dict(ProductionVariance.objects.values_list("kind").annotate(total=Sum("amount")))
    assert set(by_kind) == set(VarianceKind.values)
    assert by_kind[VarianceKind.SCRAP] > 0
    assert ProductionVariance.objects.filter(kind=VarianceKind.LABOR_EFFICIENCY, amount__lt=0).exists()
    assert ProductionVariance.objects.filter(kind=VarianceKind.LABOR_EFFICIENCY, amount__gt=0).exists()
    assert JournalLine.objects.filter(account__code="5100").exists()  # purchase price variance on bills


def test_customer_invoices_fall_in_more_than_one_aging_bucket(today):
    receivables = aging(kind=InvoiceKind.CUSTOMER, as_of=today)
    filled = [bucket for bucket, total in zip(BUCKETS, receivables.totals, strict=True) if total]
    assert len(filled) >= 3 and "current" in filled
    balance = JournalLine.objects.filter(account=account_for("receivables")).aggregate(
        net=Sum(F("debit") - F("credit"))
    )["net"]
    assert receivables.total == balance
    assert {aged.partner.code for aged in receivables.partners} == {"C-MEDIA", "C-HOMEPLUS", "C-JD"}
    payables = aging(kind=InvoiceKind.SUPPLIER, as_of=today)
    assert payables.total > 0 and payables.totals[0] < payables.total  # one bill is overdue (disputed)
    assert Invoice.objects.filter(kind=InvoiceKind.CUSTOMER, state="paid").count() >= 4
    assert Payment.objects.filter(invoice__kind=InvoiceKind.SUPPLIER).count() >= 4
    assert (
        Invoice.objects.filter(currency__code="EUR").exists() and Invoice.objects.filter(currency__code="USD").exists()
    )


def test_today_has_orders_in_every_open_state(today):
    sales = set(SalesOrder.objects.values_list("state", flat=True))
    S = SalesOrderState
    assert {S.DRAFT, S.CONFIRMED, S.IN_PRODUCTION, S.PARTIALLY_SHIPPED, S.INVOICED, S.CLOSED} <= sales
    # CRM's demo adds confirmed orders of its own (accepted quotes): ERP's are among them.
    confirmed = SalesOrder.objects.filter(state=S.CONFIRMED)
    assert Reservation.objects.filter(line__request__sales_order__in=confirmed).exists()
    in_production = SalesOrder.objects.filter(state=S.IN_PRODUCTION)
    assert ProductionOrder.objects.filter(sales_order_line__order__in=in_production, state="in_progress").exists()
    P = PurchaseOrderState
    purchases = set(PurchaseOrder.objects.values_list("state", flat=True))
    assert {P.DRAFT, P.SENT, P.CONFIRMED, P.PARTIALLY_RECEIVED, P.BILLED, P.CLOSED} <= purchases
    due = PurchaseOrder.objects.filter(state__in=(P.SENT, P.CONFIRMED, P.PARTIALLY_RECEIVED))
    assert due.filter(expected_date__lte=today + datetime.timedelta(days=7)).count() >= 2
    M = ProductionOrderState
    production = set(ProductionOrder.objects.values_list("state", flat=True))
    assert {M.PLANNED, M.FIRM, M.RELEASED, M.IN_PROGRESS, M.CLOSED} <= production
    assert Invoice.objects.filter(kind=InvoiceKind.CUSTOMER, state="posted", due_date__lt=today).exists()


def test_standard_costs_come_from_the_active_roll_up(today):
    active = CostVersion.objects.get(state=CostVersionState.ACTIVE)
    assert active.as_of <= today - datetime.timedelta(days=85)
    assert CostVersion.objects.filter(state=CostVersionState.DRAFT, item_costs__isnull=False).exists()
    for cost in ItemCost.objects.filter(version=active).select_related("item"):
        assert cost.item.standard_cost == cost.total, cost.item.code
    kettle = Item.objects.get(code="KT-200")
    # Prices follow from the standard cost; MediaHome's euro list breaks at 50 and 100.
    breaks = PriceListItem.objects.filter(price_list__customer__code="C-MEDIA", item=kettle).order_by("min_quantity")
    assert [row.min_quantity for row in breaks] == [0, 50, 100]
    assert breaks[0].unit_price > breaks[1].unit_price > breaks[2].unit_price
    draft = SalesOrder.objects.get(state=SalesOrderState.DRAFT)
    assert draft.lines.get(item=kettle).unit_price == breaks[1].unit_price  # 60 kettles: the 50 break


def test_people_work_their_shifts_and_book_their_hours(today):
    operator = Employee.objects.get(user__username="operator")
    assert operator.badge and operator.department.code == "PROD"
    assert expiring_qualifications(on=today).count() >= 2
    assert Qualification.objects.filter(valid_until__lt=today).count() == 1
    monday = today - datetime.timedelta(days=today.weekday())
    rostered = RosterEntry.objects.filter(date__range=(monday, monday + datetime.timedelta(days=13)))
    assert rostered.filter(date__lt=monday + datetime.timedelta(days=7)).exists()
    assert rostered.filter(date__gte=monday + datetime.timedelta(days=7)).exists()
    assert LaborBooking.objects.count() >= 30
    assert LaborBooking.objects.aggregate(cost=Sum("cost"))["cost"] > 0
    assert Attendance.objects.filter(source="mes", clock_out__isnull=False).count() >= 20
    # The month-end wages are what the bookings cost.
    assert JournalEntry.objects.filter(reference__startswith="ME-").count() >= 2


def test_loading_again_changes_nothing(today):
    models = (
        SalesOrder,
        PurchaseOrder,
        ProductionOrder,
        Invoice,
        Payment,
        JournalEntry,
        JournalLine,
        ValuationLayer,
        StockMove,
        Employee,
        Qualification,
        RosterEntry,
        LaborBooking,
        Attendance,
        PriceListItem,
        CostVersion,
    )
    before = {model.__name__: model.objects.count() for model in models}
    costs = dict(Item.objects.values_list("code", "standard_cost"))
    prices = list(PriceListItem.objects.order_by("pk").values_list("unit_price", flat=True))
    call_command("demo_load", stdout=io.StringIO())
    assert {model.__name__: model.objects.count() for model in models} == before
    assert dict(Item.objects.values_list("code", "standard_cost")) == costs
    assert list(PriceListItem.objects.order_by("pk").values_list("unit_price", flat=True)) == prices
