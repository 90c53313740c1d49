"""Finance services and reports by hand: invoices (drafts, posting, payments in two currencies, cancellation),
manual journal entries and their reversal, immutability of the books, trial balance, profit and loss with
budgets and cost centers, balance sheet, aged receivables and payables, budget against actual."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import DomainEvent, Partner
from erp.choices import AccountRole, InvoiceKind, InvoiceState, JournalSource
from erp.events import INVOICE_POSTED, PAYMENT_REGISTERED
from erp.models import Account, Budget, CostCenter, ImmutableError, Invoice, JournalEntry, JournalLine
from erp.selectors.finance import aging, balance_sheet, budget_report, profit_and_loss, trial_balance
from erp.services.finance import journal_entry_create_manual, journal_entry_reverse_manual
from erp.services.invoices import invoice_cancel, invoice_create, invoice_post, payment_register
from erp.services.journal import account_for
from tests.erp.conftest import TODAY

pytestmark = pytest.mark.django_db

D = Decimal
JUNE = datetime.date(2026, 6, 1)


def day(month: int, dom: int) -> datetime.date:
    return datetime.date(2026, month, dom)


def balance(role: str) -> Decimal:
    account = account_for(role)
    return sum((line.debit - line.credit for line in account.lines.all()), D(0))


def lines_of(entry: JournalEntry) -> set[tuple[str, Decimal, Decimal]]:
    return {(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")}


def codes(error: ValidationError) -> dict[str, str]:
    return {field: errors[0].code for field, errors in error.error_dict.items()}


@pytest.fixture
def sell(customer):
    """A posted customer invoice of one untaxed line."""

    def make(amount, invoice_date, due_date=None, partner=None):
        invoice = invoice_create(
            kind=InvoiceKind.CUSTOMER,
            partner=partner or customer,
            invoice_date=invoice_date,
            due_date=due_date,
            lines=[{"description": "Kettles", "quantity": 1, "unit_price": amount}],
        )
        return invoice_post(invoice=invoice)

    return make


# --- Invoices --------------------------------------------------------------------------------------------


def test_a_customer_invoice_with_tax_is_posted_and_paid(customer, vat):
    invoice = invoice_create(
        kind=InvoiceKind.CUSTOMER,
        partner=customer,
        invoice_date=TODAY,
        lines=[
            {"description": "KT-200 kettles", "quantity": D(2), "unit_price": D("100"), "tax_rate": vat},
            {"description": "Freight", "quantity": 1, "unit_price": "15.50"},
        ],
    )
    assert invoice.state == InvoiceState.DRAFT and invoice.number.startswith("INV-2026-")
    assert invoice.due_date == TODAY + datetime.timedelta(days=customer.payment_terms_days)
    assert invoice.currency.code == "CNY" and invoice.exchange_rate == 1
    invoice = invoice_post(invoice=invoice)
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (D("215.50"), D("26.00"), D("241.50"))
    assert lines_of(invoice.journal_entry) == {
        ("1100", D("241.50"), D(0)),
        ("4000", D(0), D("200.00")),
        ("4000", D(0), D("15.50")),
        ("2200", D(0), D("26.00")),
    }
    payment_register(invoice=invoice, amount=D("241.50"), date=TODAY, reference="BANK-1")
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    assert balance(AccountRole.RECEIVABLES) == 0 and balance(AccountRole.BANK) == D("241.50")
    # Partners hear of both (webhooks subscribe to these events).
    posted = DomainEvent.objects.get(name=INVOICE_POSTED, payload__invoice=invoice.number)
    assert (posted.payload["kind"], posted.payload["total_amount"]) == ("customer", "241.50")
    paid = DomainEvent.objects.get(name=PAYMENT_REGISTERED, payload__invoice=invoice.number)
    assert (paid.payload["amount"], paid.payload["open_amount"], paid.payload["paid"]) == ("241.50", "0.00", True)


def test_a_supplier_invoice_in_dollars_is_paid_in_parts_to_the_cent(supplier, usd):
    invoice = invoice_create(
        kind=InvoiceKind.SUPPLIER,
        partner=supplier,
        invoice_date=TODAY,
        currency=usd,
        supplier_reference="HC-991",
        lines=[{"description": "Calibration service", "quantity": 1, "unit_price": D("99.99")}],
    )
    assert invoice.exchange_rate == D("7.1") and invoice.number.startswith("BILL-")
    invoice = invoice_post(invoice=invoice)
    assert lines_of(invoice.journal_entry) == {("6000", D("709.93"), D(0)), ("2000", D(0), D("709.93"))}
    amounts = []
    for _ in range(3):
        payment = payment_register(invoice=invoice, amount=D("33.33"), date=TODAY)
        amounts.append(payment.journal_entry.lines.get(account__code="2000").debit)
    assert amounts == [D("236.64"), D("236.64"), D("236.65")]  # the last clears what is booked
    assert balance(AccountRole.PAYABLES) == 0
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and invoice.paid_amount == D("99.99")


def test_a_supplier_line_with_an_item_books_goods_received_not_invoiced(supplier, item):
    kettle = item("KT-200")
    invoice = invoice_create(
        kind=InvoiceKind.SUPPLIER,
        partner=supplier,
        invoice_date=TODAY,
        lines=[{"item": kettle, "quantity": 3, "unit_price": 10}],
    )
    assert invoice.lines.get().account == account_for(AccountRole.GOODS_RECEIVED_NOT_INVOICED)


def test_invoice_drafts_refuse_bad_input_naming_the_line(customer, supplier):
    expense = Account.objects.get(code="6000")
    with pytest.raises(ValidationError) as refused:
        invoice_create(kind=InvoiceKind.CUSTOMER, partner=supplier, invoice_date=TODAY, lines=[])
    assert codes(refused.value) == {"partner": "not_customer", "lines": "required"}
    with pytest.raises(ValidationError) as refused:
        invoice_create(kind=InvoiceKind.CUSTOMER, partner=customer, invoice_date=TODAY, due_date=day(1, 1), lines=[{}])
    assert codes(refused.value) == {"due_date": "before_invoice_date"}
    with pytest.raises(ValidationError) as refused:
        invoice_create(
            kind=InvoiceKind.CUSTOMER,
            partner=customer,
            invoice_date=TODAY,
            lines=[
                {"description": "ok", "quantity": 1, "unit_price": 1},
                {"quantity": 0, "unit_price": -1, "account": expense},
            ],
        )
    assert codes(refused.value) == {
        "lines.1.quantity": "min_value",
        "lines.1.unit_price": "min_value",
        "lines.1.account": "wrong_account_kind",
        "lines.1.description": "required",
    }
    with pytest.raises(ValidationError) as refused:
        invoice_create(
            kind=InvoiceKind.CUSTOMER,
            partner=customer,
            invoice_date=TODAY,
            lines=[{"description": "x", "quantity": "many", "unit_price": 1}],
        )
    assert codes(refused.value) == {"lines.0.quantity": "invalid"}
    with pytest.raises(ValidationError) as refused:
        invoice_create(
            kind=InvoiceKind.CUSTOMER,
            partner=customer,
            invoice_date=TODAY,
            lines=[{"description": "x", "quantity": 1, "unit_price": D(10) / 3}],
        )
    assert codes(refused.value) == {"lines.0.unit_price": "precision"}
    assert not Invoice.objects.exists()


def test_posting_refuses_a_second_time_and_an_invoice_of_nothing(customer, sell):
    invoice = sell(D("10"), TODAY)
    with pytest.raises(ValidationError) as refused:
        invoice_post(invoice=invoice)
    assert refused.value.code == "not_draft"
    free = invoice_create(
        kind=InvoiceKind.CUSTOMER,
        partner=customer,
        invoice_date=TODAY,
        lines=[{"description": "Free sample", "quantity": 1, "unit_price": 0}],
    )
    with pytest.raises(ValidationError) as refused:
        invoice_post(invoice=free)
    assert codes(refused.value) == {"lines": "not_positive"}
    free.refresh_from_db()
    assert free.state == InvoiceState.DRAFT and free.journal_entry is None


def test_payments_refuse_too_much_too_early_and_nonsense(sell):
    invoice = sell(D("100"), TODAY)
    for amount, date, expected in [
        (D("100.01"), TODAY, {"amount": "overpayment"}),
        (D("10"), TODAY - datetime.timedelta(days=1), {"date": "before_invoice_date"}),
        (D("0.001"), TODAY, {"amount": "invalid"}),
        ("lots", TODAY, {"amount": "invalid"}),
    ]:
        with pytest.raises(ValidationError) as refused:
            payment_register(invoice=invoice, amount=amount, date=date)
        assert codes(refused.value) == expected
    assert not invoice.payments.exists()


def test_cancelling_a_draft_and_a_posted_invoice(customer, sell):
    draft = invoice_create(
        kind=InvoiceKind.CUSTOMER,
        partner=customer,
        invoice_date=TODAY,
        lines=[{"description": "x", "quantity": 1, "unit_price": 5}],
    )
    assert invoice_cancel(invoice=draft).state == InvoiceState.CANCELLED
    assert not JournalEntry.objects.exists()

    posted = sell(D("80"), TODAY)
    with pytest.raises(ValidationError) as refused:
        invoice_cancel(invoice=posted, date=TODAY - datetime.timedelta(days=3))
    assert codes(refused.value) == {"date": "before_invoice_date"}
    cancelled = invoice_cancel(invoice=posted, date=TODAY)
    assert cancelled.state == InvoiceState.CANCELLED
    reversal = posted.journal_entry.reversed_by
    assert reversal.source == JournalSource.REVERSAL and reversal.date == TODAY
    assert lines_of(reversal) == {("1100", D(0), D("80.00")), ("4000", D("80.00"), D(0))}
    assert balance(AccountRole.RECEIVABLES) == 0
    with pytest.raises(ValidationError) as refused:
        invoice_cancel(invoice=posted)
    assert refused.value.code == "cancelled"
    with pytest.raises(ValidationError) as refused:
        payment_register(invoice=posted, amount=D(1), date=TODAY)
    assert codes(refused.value) == {"invoice": "not_payable"}


def test_an_invoice_with_payments_cannot_be_cancelled(sell):
    invoice = sell(D("80"), TODAY)
    payment_register(invoice=invoice, amount=D("20"), date=TODAY)
    with pytest.raises(ValidationError) as refused:
        invoice_cancel(invoice=invoice)
    assert refused.value.code == "has_payments"
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.POSTED


# --- Manual entries and reversals -----------------------------------------------------------------------


def test_a_manual_entry_by_account_codes(customer):
    center = CostCenter.objects.create(code="CC-ASSY", name="Assembly")
    entry = journal_entry_create_manual(
        date=TODAY,
        memo="Bank charges",
        reference="STMT-11",
        lines=[
            {"account": "6000", "debit": "12.50", "cost_center": "CC-ASSY", "description": "fees"},
            {"account": "1000", "credit": D("12.50"), "partner": customer.code},
        ],
    )
    assert entry.source == JournalSource.MANUAL and entry.number.startswith("JE-")
    assert lines_of(entry) == {("6000", D("12.50"), D(0)), ("1000", D(0), D("12.50"))}
    assert entry.lines.get(account__code="6000").cost_center == center
    assert entry.lines.get(account__code="1000").partner == customer


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([{"account": "6000", "debit": "10"}, {"account": "1000", "credit": "9.99"}], {"lines": "unbalanced"}),
        ([{"account": "6000", "debit": "10"}], {"lines": "too_few_lines"}),
        (
            [{"account": "9999", "debit": "10"}, {"account": "1000", "debit": "5", "credit": "5"}],
            {"lines.0.account": "does_not_exist", "lines.1.debit": "one_side"},
        ),
        (
            [{"account": "1300", "debit": "10"}, {"account": "1000", "credit": "10.001"}],
            {"lines.0.account": "control_account", "lines.1.credit": "precision"},
        ),
        (
            [{"account": "1100", "debit": "-1"}, {"account": "", "credit": "x", "cost_center": "NONE"}],
            {
                "lines.0.account": "control_account",
                "lines.0.debit": "min_value",
                "lines.1.account": "required",
                "lines.1.credit": "invalid",
                "lines.1.cost_center": "does_not_exist",
            },
        ),
    ],
)
def test_manual_entries_refuse_bad_lines(lines, expected):
    with pytest.raises(ValidationError) as refused:
        journal_entry_create_manual(date=TODAY, memo="Test", lines=lines)
    assert codes(refused.value) == expected
    assert not JournalEntry.objects.exists()


def test_a_manual_entry_needs_a_memo_and_active_accounts():
    Account.objects.filter(code="6000").update(active=False)
    with pytest.raises(ValidationError) as refused:
        journal_entry_create_manual(
            date=TODAY, memo=" ", lines=[{"account": "6000", "debit": 1}, {"account": "1000", "credit": 1}]
        )
    assert codes(refused.value) == {"memo": "required", "lines.0.account": "inactive"}


def test_a_manual_entry_is_reversed_once_and_document_entries_not_at_all(sell):
    entry = journal_entry_create_manual(
        date=TODAY, memo="Accrual", lines=[{"account": "6000", "debit": 40}, {"account": "2100", "credit": 40}]
    )
    with pytest.raises(ValidationError) as refused:
        journal_entry_reverse_manual(entry=entry, date=TODAY - datetime.timedelta(days=1))
    assert codes(refused.value) == {"date": "before_entry"}
    reversal = journal_entry_reverse_manual(entry=entry, date=TODAY + datetime.timedelta(days=1))
    assert reversal.reversal_of == entry and reversal.date == TODAY + datetime.timedelta(days=1)
    assert lines_of(reversal) == {("6000", D(0), D("40.00")), ("2100", D("40.00"), D(0))}
    for again in (entry, reversal):
        with pytest.raises(ValidationError) as refused:
            journal_entry_reverse_manual(entry=again)
    with pytest.raises(ValidationError) as refused:
        journal_entry_reverse_manual(entry=sell(D(5), TODAY).journal_entry)
    assert refused.value.code == "document_entry"


def test_posted_entries_and_lines_cannot_be_changed_or_deleted():
    entry = journal_entry_create_manual(
        date=TODAY, memo="Fixed", lines=[{"account": "6000", "debit": 1}, {"account": "1000", "credit": 1}]
    )
    entry.memo = "Changed"
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()
    line = entry.lines.first()
    line.debit = D(2)
    with pytest.raises(ImmutableError):
        line.save()
    with pytest.raises(ImmutableError):
        line.delete()
    entry.refresh_from_db()
    assert entry.memo == "Fixed" and JournalLine.objects.filter(entry=entry).count() == 2


# --- Reports ---------------------------------------------------------------------------------------------


@pytest.fixture
def june(customer, supplier, sell):
    """A June: capital paid in, sales, expenses with and without a cost center, budgets."""
    center = CostCenter.objects.create(code="CC-ASSY", name="Assembly")
    journal_entry_create_manual(
        date=day(6, 1), memo="Capital", lines=[{"account": "1000", "debit": 1000}, {"account": "3000", "credit": 1000}]
    )
    sell(D("200"), day(6, 10))
    journal_entry_create_manual(
        date=day(6, 12),
        memo="Tools",
        lines=[{"account": "6000", "debit": 100, "cost_center": "CC-ASSY"}, {"account": "1000", "credit": 100}],
    )
    journal_entry_create_manual(
        date=day(6, 15), memo="Office", lines=[{"account": "6000", "debit": 50}, {"account": "1000", "credit": 50}]
    )
    journal_entry_create_manual(  # July: outside the period
        date=day(7, 2), memo="Office", lines=[{"account": "6000", "debit": 7}, {"account": "1000", "credit": 7}]
    )
    expense, sales = Account.objects.get(code="6000"), Account.objects.get(code="4000")
    Budget.objects.create(account=expense, cost_center=center, year=2026, month=6, amount=D("120"))
    Budget.objects.create(account=expense, year=2026, month=6, amount=D("40"))
    Budget.objects.create(account=sales, year=2026, month=6, amount=D("250"))
    Budget.objects.create(account=sales, year=2026, month=8, amount=D("999"))
    return center


def test_the_trial_balance_sums_to_zero(june):
    report = trial_balance(as_of=day(6, 30))
    rows = {row.account.code: (row.debit, row.credit, row.balance) for row in report.rows}
    assert rows == {
        "1000": (D("1000.00"), D("150.00"), D("850.00")),
        "1100": (D("200.00"), D(0), D("200.00")),
        "3000": (D(0), D("1000.00"), D("-1000.00")),
        "4000": (D(0), D("200.00"), D("-200.00")),
        "6000": (D("150.00"), D(0), D("150.00")),
    }
    assert report.debit == report.credit == D("1350.00") and report.balance == 0
    assert trial_balance(as_of=day(5, 31)).rows == []


def test_profit_and_loss_against_budget_with_and_without_a_cost_center(june):
    report = profit_and_loss(date_from=JUNE, date_to=day(6, 30))
    assert [(r.account.code, r.actual, r.budget, r.variance) for r in report.income.rows] == [
        ("4000", D("200.00"), D("250.00"), D("-50.00"))
    ]
    assert [(r.account.code, r.actual, r.budget) for r in report.expense.rows] == [("6000", D("150.00"), D("160.00"))]
    assert (report.profit, report.budget_profit) == (D("50.00"), D("90.00"))

    assembly = profit_and_loss(date_from=JUNE, date_to=day(6, 30), cost_center=june)
    assert assembly.income.rows == []
    assert [(r.account.code, r.actual, r.budget) for r in assembly.expense.rows] == [("6000", D("100.00"), D("120.00"))]

    summer = profit_and_loss(date_from=day(6, 20), date_to=day(8, 5))  # touches June, July and August
    assert [(r.actual, r.budget) for r in summer.income.rows] == [(D(0), D("1249.00"))]
    assert [(r.actual, r.budget) for r in summer.expense.rows] == [(D("7.00"), D("160.00"))]


def test_the_balance_sheet_balances_with_the_open_profit(june):
    report = balance_sheet(as_of=day(6, 30))
    assert [(r.account.code, r.actual) for r in report.assets.rows] == [("1000", D("850.00")), ("1100", D("200.00"))]
    assert [(r.account.code, r.actual) for r in report.equity.rows] == [("3000", D("1000.00"))]
    assert report.liabilities.rows == [] and report.profit == D("50.00")
    assert report.assets.actual == report.liabilities_and_equity == D("1050.00") and report.difference == 0


def test_budget_against_actual_per_account_cost_center_and_month(june):
    report = budget_report(year=2026)
    rows = {(r.account.code, r.cost_center.code if r.cost_center else None): r for r in report.rows}
    assert sorted(rows, key=str) == [("4000", None), ("6000", "CC-ASSY"), ("6000", None)]  # no balance-sheet rows
    sales = rows[("4000", None)]
    assert [(m.month, m.budget, m.actual) for m in sales.months if m.budget or m.actual] == [
        (6, D("250.00"), D("200.00")),
        (8, D("999.00"), D(0)),
    ]
    office = rows[("6000", None)]
    assert [(m.month, m.budget, m.actual) for m in office.months if m.budget or m.actual] == [
        (6, D("40.00"), D("50.00")),
        (7, D(0), D("7.00")),
    ]
    assert (office.budget, office.actual, office.variance) == (D("40.00"), D("57.00"), D("17.00"))
    assert rows[("6000", "CC-ASSY")].months[5].actual == D("100.00")
    only = budget_report(year=2026, cost_center=june)
    assert [(r.account.code, r.budget, r.actual) for r in only.rows] == [("6000", D("120.00"), D("100.00"))]
    assert budget_report(year=2025).rows == []


def test_aged_receivables_by_hand(customer, sell):
    other = Partner.objects.create(code="HOMEPLUS", name="HomePlus", kind="customer", currency=customer.currency)
    sell(D("100"), day(6, 20), day(7, 20))  # not due yet
    partly = sell(D("200"), day(5, 1), day(5, 31))  # 30 days past due
    payment_register(invoice=partly, amount=D("50"), date=day(6, 10))
    sell(D("300"), day(3, 1), day(3, 31))  # 91 days
    later = sell(D("400"), day(4, 15), day(5, 15))  # 46 days, paid after the report's day
    payment_register(invoice=later, amount=D("400"), date=day(7, 5))
    dropped = sell(D("70"), day(4, 1), day(4, 10), partner=other)  # 81 days, cancelled after the day
    invoice_cancel(invoice=dropped, date=day(7, 1))

    report = aging(kind=InvoiceKind.CUSTOMER, as_of=day(6, 30))
    by_partner = {p.partner.code: p.buckets for p in report.partners}
    assert by_partner == {
        "MEDIAHOME": [D("100.00"), D("150.00"), D("400.00"), D(0), D("300.00")],
        "HOMEPLUS": [D(0), D(0), D(0), D("70.00"), D(0)],
    }
    assert report.totals == [D("100.00"), D("150.00"), D("400.00"), D("70.00"), D("300.00")]
    assert report.total == D("1020.00")
    later_on = aging(kind=InvoiceKind.CUSTOMER, as_of=day(7, 5))
    assert {p.partner.code for p in later_on.partners} == {"MEDIAHOME"}
    assert later_on.total == D("100.00") + D("150.00") + D("300.00")
    assert later_on.total == balance(AccountRole.RECEIVABLES)
    assert aging(kind=InvoiceKind.SUPPLIER, as_of=day(6, 30)).partners == []


def test_aged_payables_in_the_company_currency(supplier, usd):
    bill = invoice_create(
        kind=InvoiceKind.SUPPLIER,
        partner=supplier,
        invoice_date=day(6, 1),
        due_date=day(6, 11),
        currency=usd,
        lines=[{"description": "Tooling", "quantity": 1, "unit_price": 10}],
    )
    invoice_post(invoice=bill)
    report = aging(kind=InvoiceKind.SUPPLIER, as_of=day(6, 30))
    (partner,) = report.partners
    (aged,) = partner.invoices
    assert (aged.open_amount, aged.company_amount, aged.days_past_due, aged.bucket) == (
        D("10.00"),
        D("71.00"),
        19,
        "days_1_30",
    )
    assert report.total == -balance(AccountRole.PAYABLES)


def test_cancelling_an_order_invoice_lets_its_lines_be_invoiced_again(customer, item, warehouse):
    from erp.choices import SalesOrderState
    from erp.models import InvoiceLine, SalesOrder, SalesOrderLine

    kettle = item("KT-200")
    order = SalesOrder.objects.create(
        number="SO-TEST-1",
        customer=customer,
        currency=customer.currency,
        order_date=TODAY,
        requested_date=TODAY,
        warehouse=warehouse,
        state=SalesOrderState.INVOICED,
    )
    line = SalesOrderLine.objects.create(
        order=order, position=10, item=kettle, quantity=5, unit_price=20, shipped_qty=5, invoiced_qty=5
    )
    invoice = Invoice.objects.create(
        number="INV-TEST-1",
        kind=InvoiceKind.CUSTOMER,
        partner=customer,
        currency=customer.currency,
        invoice_date=TODAY,
        due_date=TODAY,
        sales_order=order,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        position=10,
        item=kettle,
        quantity=5,
        unit_price=20,
        account=account_for(AccountRole.SALES),
        sales_order_line=line,
    )
    invoice_post(invoice=invoice)
    invoice_cancel(invoice=invoice)
    line.refresh_from_db()
    order.refresh_from_db()
    assert line.invoiced_qty == 0 and order.state == SalesOrderState.SHIPPED
    assert balance(AccountRole.RECEIVABLES) == 0 and balance(AccountRole.SALES) == 0
