"""Purchasing through the services: drafts, sending (the WMS receipt), confirmation, receiving through the
real WMS receipt service within and beyond tolerance, short receipts, cancelling, and supplier invoices
matched three ways with the price variance booked so that GRNI clears."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from core.models import DomainEvent, Partner
from erp.choices import AccountRole, InvoiceState, JournalSource, PurchaseOrderState
from erp.models import ErpSettings, JournalLine, PurchaseOrder
from erp.services import purchasing
from erp.services.invoices import payment_register
from erp.services.journal import account_for
from tests.erp.conftest import TODAY
from wms.models import Quant, ReceiptState, StockMove
from wms.services.receipts import receipt_close, receipt_receive

pytestmark = pytest.mark.django_db

State = PurchaseOrderState


@pytest.fixture
def kettle_parts(item):
    return item("HE-2000"), item("CB-EU")


@pytest.fixture
def make_order(supplier, warehouse, kettle_parts):
    element, cable = kettle_parts

    def make(lines=None, send=True, **fields):
        order = purchasing.purchase_order_create(
            supplier=fields.pop("supplier", supplier),
            warehouse=warehouse,
            order_date=fields.pop("order_date", TODAY),
            lines=lines
            if lines is not None
            else [
                {"item": element, "quantity": Decimal(100), "unit_price": Decimal("10.00")},
                {"item": cable, "quantity": Decimal(50), "unit_price": Decimal("4.00")},
            ],
            **fields,
        )
        if send:
            order = purchasing.purchase_order_send(order=order)
        return order

    return make


def receipt_line(order: PurchaseOrder, position: int):
    return order.receipt.lines.get(order_line_ref=f"{order.number}/{position}")


def line(order: PurchaseOrder, position: int):
    return order.lines.get(position=position)


def refused(call, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value


def codes(error: ValidationError, field: str) -> list[str]:
    return [e.code for e in error.error_dict[field]]


def balance(role: str, **lookup) -> Decimal:
    """Debit minus credit of the account a role books to."""
    sums = JournalLine.objects.filter(account=account_for(role), **lookup).aggregate(
        debit=Sum("debit", default=Decimal(0)), credit=Sum("credit", default=Decimal(0))
    )
    return sums["debit"] - sums["credit"]


# --- Drafts ---------------------------------------------------------------------------------------------------


def test_a_draft_takes_the_suppliers_currency_rate_and_lead_time(make_order, supplier):
    order = make_order(send=False)
    assert order.number == f"PO-{TODAY.year}-00001" and order.state == State.DRAFT
    assert order.currency == supplier.currency and order.exchange_rate == 1
    assert order.expected_date == TODAY + datetime.timedelta(days=10)
    assert [(x.position, x.reference) for x in order.lines.all()] == [
        (1, f"{order.number}/1"),
        (2, f"{order.number}/2"),
    ]


def test_a_customer_is_not_a_supplier_and_bad_lines_are_named(make_order, customer, kettle_parts):
    error = refused(make_order, supplier=customer, send=False)
    assert codes(error, "supplier") == ["not_a_supplier"]

    element, _cable = kettle_parts
    bad = [
        {"item": element, "quantity": Decimal(5), "unit_price": Decimal(1)},
        {"item": element, "quantity": Decimal(0), "unit_price": Decimal(-1)},
    ]
    error = refused(make_order, lines=bad, send=False)
    assert codes(error, "lines.1.quantity") == ["not_positive"]
    assert codes(error, "lines.1.unit_price") == ["negative"]
    assert not PurchaseOrder.objects.exists()  # nothing half written


def test_a_foreign_currency_order_is_converted_at_the_rate_of_its_date(make_order, supplier, usd):
    order = make_order(currency=usd)
    assert order.exchange_rate == Decimal("7.1")
    assert receipt_line(order, 1).unit_cost == Decimal("71.000000")  # 10.00 USD in CNY
    without_rate = refused(make_order, currency=usd, order_date=datetime.date(2025, 12, 31), send=False)
    assert codes(without_rate, "currency") == ["no_exchange_rate"]


def test_lines_change_on_drafts_only(make_order, kettle_parts, vat):
    element, cable = kettle_parts
    order = make_order(lines=[], send=False)
    first = purchasing.purchase_order_line_add(order=order, item=element, quantity=Decimal(3), unit_price=Decimal(2))
    second = purchasing.purchase_order_line_add(
        order=order, item=cable, quantity=Decimal(8), unit_price=Decimal(1), tax_rate=vat
    )
    assert (first.position, second.position) == (1, 2)
    purchasing.purchase_order_line_update(
        line=first, item=element, quantity=Decimal(4), unit_price=Decimal("2.5"), expected_date=TODAY
    )
    assert (line(order, 1).quantity, line(order, 1).unit_price) == (4, Decimal("2.5"))
    early = refused(
        purchasing.purchase_order_line_update,
        line=first,
        item=element,
        quantity=Decimal(4),
        unit_price=Decimal(2),
        expected_date=TODAY - datetime.timedelta(days=1),
    )
    assert codes(early, "expected_date") == ["before_order"]
    purchasing.purchase_order_line_remove(line=second)
    assert list(order.lines.values_list("position", flat=True)) == [1]

    purchasing.purchase_order_send(order=order)
    error = refused(
        purchasing.purchase_order_line_add, order=order, item=cable, quantity=Decimal(1), unit_price=Decimal(1)
    )
    assert error.code == "invalid_state" and error.message == f"{order.number} is sent: it cannot be changed."
    assert refused(purchasing.purchase_order_line_remove, line=first).code == "invalid_state"
    assert order.lines.count() == 1


# --- Sending, confirming, cancelling ---------------------------------------------------------------------------


def test_sending_creates_the_wms_receipt_and_publishes_the_order(make_order, warehouse):
    order = make_order(send=False)
    purchasing.purchase_order_line_update(
        line=line(order, 2),
        item=line(order, 2).item,
        quantity=Decimal(50),
        unit_price=Decimal(4),
        expected_date=TODAY + datetime.timedelta(days=3),
    )
    order = purchasing.purchase_order_send(order=order)
    assert order.state == State.SENT and order.sent_at is not None
    receipt = order.receipt
    assert (receipt.reference, receipt.warehouse, receipt.supplier) == (order.number, warehouse, order.supplier)
    assert receipt.expected_on == TODAY + datetime.timedelta(days=3)  # the first line due
    assert [(r.order_line_ref, r.expected_qty, r.unit_cost) for r in receipt.lines.order_by("order_line_ref")] == [
        (f"{order.number}/1", 100, Decimal("10.000000")),
        (f"{order.number}/2", 50, Decimal("4.000000")),
    ]
    event = DomainEvent.objects.get(name=purchasing.PURCHASE_ORDER_SENT)
    assert event.payload["number"] == order.number and event.payload["receipt"] == receipt.number
    assert [x["quantity"] for x in event.payload["lines"]] == ["100.000000", "50.000000"]
    assert refused(purchasing.purchase_order_send, order=order).code == "invalid_state"


def test_an_empty_draft_cannot_be_sent(make_order):
    order = make_order(lines=[], send=False)
    assert codes(refused(purchasing.purchase_order_send, order=order), "lines") == ["required"]


def test_the_suppliers_confirmation_records_its_reference_and_moves_dates(make_order):
    order = make_order()
    error = refused(purchasing.purchase_order_confirm, order=order, supplier_reference=" ")
    assert codes(error, "supplier_reference") == ["required"]
    error = refused(
        purchasing.purchase_order_confirm,
        order=order,
        supplier_reference="OC-4471",
        line_dates={2: TODAY - datetime.timedelta(days=2), 9: TODAY},
    )
    assert sorted(codes(error, "lines")) == ["before_order", "does_not_exist"]

    later = TODAY + datetime.timedelta(days=20)
    order = purchasing.purchase_order_confirm(
        order=order, supplier_reference="OC-4471", expected_date=later, line_dates={2: later}
    )
    assert (order.state, order.supplier_reference, order.expected_date) == (State.CONFIRMED, "OC-4471", later)
    assert line(order, 2).expected_date == later


def test_cancelling_an_order_cancels_its_receipt_until_goods_arrive(make_order, company):
    order = purchasing.purchase_order_cancel(order=make_order())
    assert order.state == State.CANCELLED
    order.receipt.refresh_from_db()
    assert order.receipt.state == ReceiptState.CANCELLED
    assert DomainEvent.objects.filter(name=purchasing.PURCHASE_ORDER_CANCELLED).count() == 1
    refusal = refused(receipt_receive, line=receipt_line(order, 1), quantity=Decimal(1))
    assert refusal.code == "receipt_closed"

    received = make_order()
    receipt_receive(line=receipt_line(received, 1), quantity=Decimal(1))
    assert refused(purchasing.purchase_order_cancel, order=received).code == "invalid_state"
    received.refresh_from_db()
    assert received.state == State.PARTIALLY_RECEIVED


# --- Receiving through WMS --------------------------------------------------------------------------------------


def test_receiving_within_the_tolerance_completes_the_order(make_order, company):
    order = make_order()
    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(60))
    order.refresh_from_db()
    assert order.state == State.PARTIALLY_RECEIVED and line(order, 1).received_qty == 60

    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(45))  # 105 of 100: the 5% tolerance
    receipt_receive(line=receipt_line(order, 2), quantity=Decimal(50))
    order.refresh_from_db()
    assert order.state == State.RECEIVED
    assert (line(order, 1).received_qty, line(order, 2).received_qty) == (105, 50)


def test_an_over_receipt_beyond_the_tolerance_is_refused_and_nothing_is_written(make_order, company, warehouse):
    order = make_order()
    element = line(order, 1).item
    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(100))
    moves_before = StockMove.objects.count()

    # 107 of 100 is within WMS's own 10% but beyond ERP's 5%: ERP refuses, inside the receipt's transaction.
    error = refused(receipt_receive, line=receipt_line(order, 1), quantity=Decimal(7))
    assert codes(error, "quantity") == ["over_receipt"]
    message = error.error_dict["quantity"][0].message
    assert f"{order.number}/1 (HE-2000)" in message
    assert "100 ordered, 100 already received, 7 in this receipt" in message
    assert "at most 105 may be received (tolerance 5%)" in message

    assert line(order, 1).received_qty == 100
    assert receipt_line(order, 1).received_qty == 100
    assert Quant.objects.get(item=element, location=warehouse.receiving_location).quantity == 100
    assert StockMove.objects.count() == moves_before

    ErpSettings.objects.filter(pk=1).update(over_receipt_tolerance_pct=Decimal(8))
    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(7))
    assert line(order, 1).received_qty == 107


def test_a_receipt_closed_short_leaves_the_order_received_and_billable_as_received(make_order, company):
    order = make_order()
    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(60))
    receipt_close(receipt=order.receipt)
    order.refresh_from_db()
    assert order.state == State.RECEIVED
    assert (line(order, 1).received_qty, line(order, 2).received_qty) == (60, 0)

    order_line = line(order, 1)
    invoice = purchasing.supplier_invoice_create(
        order=order, supplier_reference="INV-77", invoice_date=TODAY, lines=[(order_line, Decimal(60), Decimal(10))]
    )
    order.refresh_from_db()
    assert order.state == State.BILLED and line(order, 1).billed_qty == 60

    refusal = refused(purchasing.purchase_order_close, order=order)
    assert refusal.code == "unpaid_invoices" and invoice.number in refusal.message
    payment_register(invoice=invoice, amount=invoice.total_amount, date=TODAY)
    assert purchasing.purchase_order_close(order=order).state == State.CLOSED


def test_a_receipt_closed_with_nothing_received_cancels_the_order(make_order, company):
    order = make_order()
    receipt_close(receipt=order.receipt)
    order.refresh_from_db()
    assert order.state == State.CANCELLED and order.receipt.state == ReceiptState.CANCELLED


def test_receiving_against_a_closed_order_is_refused(make_order, company):
    order = make_order(lines=None)
    for position, quantity in ((1, 100), (2, 50)):
        receipt_receive(line=receipt_line(order, position), quantity=Decimal(quantity))
    purchasing.supplier_invoice_create(
        order=order,
        supplier_reference="INV-1",
        invoice_date=TODAY,
        lines=[(line(order, 1), Decimal(100), Decimal(10)), (line(order, 2), Decimal(50), Decimal(4))],
    )
    order.refresh_from_db()
    assert order.state == State.BILLED
    for invoice in order.invoices.all():
        payment_register(invoice=invoice, amount=invoice.total_amount, date=TODAY)
    purchasing.purchase_order_close(order=order)
    error = refused(receipt_receive, line=receipt_line(order, 1), quantity=Decimal(1))
    assert codes(error, "quantity") == ["order_not_open"]
    assert line(order, 1).received_qty == 100


# --- Supplier invoices: the three-way match ------------------------------------------------------------------------


def test_an_invoice_for_nothing_received_is_refused(make_order):
    order = make_order()
    error = refused(
        purchasing.supplier_invoice_create,
        order=order,
        supplier_reference="INV-1",
        invoice_date=TODAY,
        lines=[(line(order, 1), Decimal(10), Decimal(10))],
    )
    assert codes(error, "lines") == ["not_received"]
    assert error.error_dict["lines"][0].message == (
        f"{order.number}/1 (HE-2000): nothing has been received yet, so nothing can be billed."
    )


def test_every_mismatch_of_an_invoice_is_reported_and_nothing_is_posted(make_order, company):
    order = make_order()
    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(40))
    receipt_receive(line=receipt_line(order, 2), quantity=Decimal(50))
    error = refused(
        purchasing.supplier_invoice_create,
        order=order,
        supplier_reference="INV-9",
        invoice_date=TODAY,
        lines=[
            (line(order, 1), Decimal(41), Decimal("10.30")),  # more than received, and 3% over the price
            (line(order, 2), Decimal(50), Decimal("3.90")),  # 2.5% under the price
        ],
    )
    messages = {e.code: e.message for e in error.error_dict["lines"]}
    assert codes(error, "lines") == ["over_billed", "price_mismatch", "price_mismatch"]
    assert messages["over_billed"] == (
        f"{order.number}/1 (HE-2000): 41 billed now and 0 before is more than the 40 received "
        "(at most 40 with the 0% tolerance)."
    )
    price_messages = [e.message for e in error.error_dict["lines"] if e.code == "price_mismatch"]
    assert price_messages == [
        f"{order.number}/1 (HE-2000): invoiced at 10.3, ordered at 10; the price may differ by at most 0.2 (2%).",
        f"{order.number}/2 (CB-EU): invoiced at 3.9, ordered at 4; the price may differ by at most 0.08 (2%).",
    ]
    assert not order.invoices.exists() and line(order, 1).billed_qty == 0
    assert not JournalLine.objects.filter(entry__source=JournalSource.SUPPLIER_INVOICE).exists()


def test_billing_in_parts_stops_at_what_was_received(make_order, company):
    order = make_order()
    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(40))
    purchasing.supplier_invoice_create(
        order=order, supplier_reference="A-1", invoice_date=TODAY, lines=[(line(order, 1), Decimal(30), Decimal(10))]
    )
    error = refused(
        purchasing.supplier_invoice_create,
        order=order,
        supplier_reference="A-2",
        invoice_date=TODAY,
        lines=[(line(order, 1), Decimal(11), Decimal(10))],
    )
    assert "11 billed now and 30 before is more than the 40 received" in error.error_dict["lines"][0].message
    again = refused(
        purchasing.supplier_invoice_create,
        order=order,
        supplier_reference="a-1",
        invoice_date=TODAY,
        lines=[(line(order, 1), Decimal(10), Decimal(10))],
    )
    assert codes(again, "supplier_reference") == ["duplicate"]
    ErpSettings.objects.filter(pk=1).update(invoice_quantity_tolerance_pct=Decimal(5))
    purchasing.supplier_invoice_create(
        order=order, supplier_reference="A-2", invoice_date=TODAY, lines=[(line(order, 1), Decimal(12), Decimal(10))]
    )
    assert line(order, 1).billed_qty == 42


def test_a_matched_invoice_at_another_price_books_the_variance_and_clears_grni(make_order, company, supplier, vat):
    supplier.payment_terms_days = 45
    supplier.save()
    order = make_order(send=False)
    purchasing.purchase_order_line_update(
        line=line(order, 1), item=line(order, 1).item, quantity=Decimal(100), unit_price=Decimal(10), tax_rate=vat
    )
    order = purchasing.purchase_order_send(order=order)
    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(100))

    invoice = purchasing.supplier_invoice_create(
        order=order,
        supplier_reference="HC-2026-118",
        invoice_date=TODAY,
        lines=[(line(order, 1), Decimal(100), Decimal("10.15"))],  # 1.5% over: within the 2% tolerance
    )
    assert invoice.state == InvoiceState.POSTED and invoice.purchase_order == order
    assert invoice.due_date == TODAY + datetime.timedelta(days=45)
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (
        Decimal("1015.00"),
        Decimal("131.95"),
        Decimal("1146.95"),
    )
    assert balance(AccountRole.PAYABLES) == Decimal("-1146.95")
    assert balance(AccountRole.TAX_RECEIVABLE) == Decimal("131.95")
    variance = JournalLine.objects.get(account=account_for(AccountRole.PURCHASE_PRICE_VARIANCE))
    assert (variance.debit, variance.entry.reference, variance.entry.source) == (
        Decimal("15.00"),
        invoice.number,
        JournalSource.SUPPLIER_INVOICE,
    )
    # The receipt credited GRNI 1000.00 at the order price (the valuation of the stock move); the invoice
    # debited 1015.00 and the variance took 15.00 back out: nothing is left waiting for an invoice.
    assert balance(AccountRole.GOODS_RECEIVED_NOT_INVOICED) == 0
    assert balance(AccountRole.INVENTORY) == Decimal("1000.00")


def test_a_foreign_currency_invoice_books_the_variance_in_the_company_currency(make_order, company, usd):
    order = make_order(currency=usd, lines=None)
    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(100))
    invoice = purchasing.supplier_invoice_create(
        order=order,
        supplier_reference="US-5",
        invoice_date=TODAY,
        lines=[(line(order, 1), Decimal(100), Decimal("10.10"))],
    )
    assert (invoice.currency, invoice.exchange_rate, invoice.total_amount) == (usd, Decimal("7.1"), Decimal("1010"))
    assert balance(AccountRole.PAYABLES) == Decimal("-7171.00")  # 1010 USD at 7.1
    assert balance(AccountRole.PURCHASE_PRICE_VARIANCE) == Decimal("71.00")  # 0.10 USD x 100 x 7.1
    assert balance(AccountRole.GOODS_RECEIVED_NOT_INVOICED) == 0


def test_a_supplier_that_is_also_a_customer_may_be_ordered_from(make_order, company):
    both = Partner.objects.create(code="DUO", name="Duo", kind="both", currency=company.currency)
    assert make_order(supplier=both).state == State.SENT
