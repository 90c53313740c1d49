"""Sales orders through their life: drafts priced from the lists, confirmation against the credit limit
with stock reserved in WMS, cancellation that gives the stock back, shipping through WMS, invoicing in
the order's currency with discounts and tax, and closing once paid."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import DomainEvent, Partner
from erp.choices import AccountRole, InvoiceKind, InvoiceState, JournalSource, SalesOrderState
from erp.models import Invoice, InvoiceLine, JournalLine, PriceList, SalesOrder
from erp.services import sales
from erp.services.invoices import invoice_number, invoice_post, payment_register
from erp.services.journal import account_for
from erp.services.pricing import price_list_item_set
from tests.erp.conftest import TODAY
from wms.choices import RequestState
from wms.models import Quant, StockRequest
from wms.services.picking import pick_confirm, pick_list_create, shipment_create, shipment_ship
from wms.services.requests import stock_request_deliver, stock_request_reserve

pytestmark = pytest.mark.django_db

S = SalesOrderState


@pytest.fixture
def goods(item):
    return {"kettle": item("KT-200"), "toaster": item("TS-400")}


@pytest.fixture
def prices(company, goods):
    price_list = PriceList.objects.create(code="STD", name="Standard", currency=company.currency)
    price_list_item_set(price_list=price_list, item=goods["kettle"], unit_price=Decimal(100))
    price_list_item_set(price_list=price_list, item=goods["kettle"], min_quantity=Decimal(10), unit_price=Decimal(90))
    price_list_item_set(price_list=price_list, item=goods["toaster"], unit_price=Decimal(50))
    return price_list


@pytest.fixture
def order_of(customer, warehouse):
    def make(*lines, customer=customer, **header):
        """An order of (item, quantity[, {line field: value}]) lines."""
        header.setdefault("order_date", TODAY)
        header.setdefault("requested_date", TODAY + datetime.timedelta(days=14))
        rows = [
            {"item": item, "quantity": Decimal(quantity), **(extra[0] if extra else {})}
            for item, quantity, *extra in lines
        ]
        return sales.sales_order_create(customer=customer, warehouse=warehouse, lines=rows, **header)

    return make


def ship_all(order: SalesOrder, bin_) -> None:
    """What WMS does for a reserved order: pick every line from its bin, pack and ship."""
    order.refresh_from_db()
    pick_list = pick_list_create(request=order.stock_request)
    for line in pick_list.lines.select_related("from_location", "lot"):
        pick_confirm(line=line, location=line.from_location, quantity=line.quantity, lot=line.lot)
    shipment = shipment_create(pick_list=pick_list, packages=[{"code": "P1", "weight_kg": Decimal("5")}])
    shipment_ship(shipment=shipment)


def field_codes(error: ValidationError) -> dict[str, list[str]]:
    return {name: [e.code for e in errors] for name, errors in error.error_dict.items()}


# --- Drafts -------------------------------------------------------------------------------------------


def test_a_draft_takes_its_prices_from_the_lists_and_the_company_currency(customer, goods, prices, order_of):
    customer.currency = None
    customer.save()
    order = order_of((goods["kettle"], 12), (goods["toaster"], 2, {"unit_price": Decimal("45"), "discount_pct": 5}))
    assert order.number.startswith("SO-2026-") and order.state == S.DRAFT
    assert (order.currency.code, order.exchange_rate) == ("CNY", 1)
    kettles, toasters = order.lines.order_by("position")
    assert (kettles.position, kettles.unit_price) == (10, 90)  # the break from 10
    assert (toasters.position, toasters.unit_price, toasters.net_unit_price) == (20, 45, Decimal("42.75"))


def test_a_foreign_currency_order_takes_the_rate_of_its_date(company, customer, goods, usd, order_of):
    customer.currency = usd
    customer.save()
    order = order_of((goods["kettle"], 1, {"unit_price": Decimal(14)}))
    assert (order.currency, order.exchange_rate) == (usd, Decimal("7.1"))
    with pytest.raises(ValidationError) as error:
        order_of((goods["kettle"], 1, {"unit_price": Decimal(14)}), order_date=datetime.date(2025, 12, 1))
    assert field_codes(error.value) == {"currency": ["no_exchange_rate"]}


def test_bad_drafts_are_refused_field_by_field_and_nothing_is_saved(supplier, customer, goods, prices, order_of, usd):
    with pytest.raises(ValidationError) as error:
        order_of((goods["kettle"], 1), customer=supplier)
    assert field_codes(error.value) == {"customer": ["not_a_customer"]}
    with pytest.raises(ValidationError) as error:
        order_of((goods["kettle"], 1), requested_date=TODAY - datetime.timedelta(days=1))
    assert field_codes(error.value) == {"requested_date": ["before_order_date"]}
    with pytest.raises(ValidationError) as error:
        order_of((goods["kettle"], 1), (goods["toaster"], 0, {"discount_pct": 120}), currency=None)
    assert field_codes(error.value) == {"lines.1.quantity": ["min_value"], "lines.1.discount_pct": ["invalid"]}
    with pytest.raises(ValidationError) as error:
        order_of((goods["kettle"], 1), currency=usd)  # the list is in CNY
    assert field_codes(error.value) == {"lines.0.unit_price": ["no_price"]}
    assert not SalesOrder.objects.exists()


def test_lines_change_on_drafts_only(customer, goods, prices, order_of, warehouse, bin_, receive):
    order = order_of((goods["kettle"], 2))
    line = sales.sales_order_line_add(order=order, item=goods["toaster"], quantity=Decimal(3), position=15)
    assert (line.position, line.unit_price) == (15, 50)
    with pytest.raises(ValidationError) as error:
        sales.sales_order_line_add(order=order, item=goods["toaster"], quantity=Decimal(1), position=15)
    assert field_codes(error.value) == {"position": ["unique"]}
    kettles = order.lines.get(position=10)
    kettles = sales.sales_order_line_update(line=kettles, quantity=Decimal(10), unit_price=None)
    assert kettles.unit_price == 90  # priced again at the new break
    kettles = sales.sales_order_line_update(line=kettles, quantity=Decimal(11))
    assert kettles.unit_price == 90  # a price given stays
    sales.sales_order_line_remove(line=line)
    assert list(order.lines.values_list("position", flat=True)) == [10]

    receive(goods["kettle"], 20, bin_("A-01"))
    sales.sales_order_confirm(order=order)
    with pytest.raises(ValidationError) as error:
        sales.sales_order_line_add(order=order, item=goods["toaster"], quantity=Decimal(1))
    assert error.value.code == "wrong_state"
    with pytest.raises(ValidationError):
        sales.sales_order_line_remove(line=kettles)
    with pytest.raises(ValidationError) as error:
        sales.sales_order_update(order=order, requested_date=TODAY + datetime.timedelta(days=30))
    assert field_codes(error.value) == {"requested_date": ["confirmed"]}
    assert sales.sales_order_update(order=order, customer_reference="PO-4711").customer_reference == "PO-4711"


def test_changing_the_currency_of_a_draft_with_lines_is_refused(customer, goods, prices, order_of, usd):
    order = order_of((goods["kettle"], 1))
    with pytest.raises(ValidationError) as error:
        sales.sales_order_update(order=order, currency=usd)
    assert field_codes(error.value) == {"currency": ["has_lines"]}
    sales.sales_order_line_remove(line=order.lines.get())
    order = sales.sales_order_update(order=order, currency=usd)
    assert order.exchange_rate == Decimal("7.1")


# --- Confirmation, credit limit, cancellation -------------------------------------------------------------------


def test_confirming_reserves_what_is_on_hand_and_cancelling_gives_it_back(
    customer, goods, prices, order_of, warehouse, bin_, receive
):
    receive(goods["kettle"], 6, bin_("A-01"))
    order = order_of((goods["kettle"], 10), promised_date=TODAY + datetime.timedelta(days=10))
    order = sales.sales_order_confirm(order=order)
    request = order.stock_request
    assert order.state == S.CONFIRMED and order.confirmed_at is not None
    assert (request.kind, request.reference, request.partner, request.needed_on) == (
        "shipment",
        order.number,
        customer,
        TODAY + datetime.timedelta(days=10),
    )
    assert request.state == RequestState.PARTIAL  # 6 of 10 on hand
    assert Quant.objects.get(item=goods["kettle"], location=bin_("A-01")).reserved == 6
    event = DomainEvent.objects.get(name=sales.SALES_ORDER_CONFIRMED)
    assert event.payload["order"] == order.number and event.payload["stock_request"] == request.number
    assert event.payload["lines"] == [
        {
            "position": 10,
            "item": "KT-200",
            "quantity": "10.000000",
            "requested_date": "2026-12-06",
            "promised_date": "2026-12-02",
        }
    ]
    assert event.payload["total"] == "900.00"

    with pytest.raises(ValidationError) as error:
        sales.sales_order_confirm(order=order)
    assert error.value.code == "wrong_state"

    order = sales.sales_order_cancel(order=order)
    assert order.state == S.CANCELLED
    assert Quant.objects.get(item=goods["kettle"], location=bin_("A-01")).reserved == 0
    assert StockRequest.objects.get(pk=request.pk).state == RequestState.CANCELLED
    assert DomainEvent.objects.filter(name=sales.SALES_ORDER_CANCELLED).count() == 1


def test_an_order_without_lines_is_not_confirmed(order_of):
    with pytest.raises(ValidationError) as error:
        sales.sales_order_confirm(order=order_of())
    assert field_codes(error.value) == {"lines": ["required"]}


def _posted_invoice(customer, amount: Decimal, currency=None, rate=Decimal(1)) -> Invoice:
    invoice = Invoice.objects.create(
        number=invoice_number(InvoiceKind.CUSTOMER, TODAY),
        kind=InvoiceKind.CUSTOMER,
        partner=customer,
        currency=currency or customer.currency,
        exchange_rate=rate,
        invoice_date=TODAY,
        due_date=TODAY,
    )
    InvoiceLine.objects.create(
        invoice=invoice, position=1, quantity=1, unit_price=amount, account=account_for(AccountRole.SALES)
    )
    return invoice_post(invoice=invoice)


def test_confirmation_past_the_credit_limit_is_refused_naming_exposure_order_value_and_limit(
    customer, goods, prices, order_of, vat, usd
):
    customer.credit_limit = Decimal("5000")
    customer.save()
    # Open receivables: 1,000 CNY, and 100 USD at 7.1 of which 40 paid (60 x 7.1 = 426).
    _posted_invoice(customer, Decimal(1000))
    dollars = _posted_invoice(customer, Decimal(100), currency=usd, rate=Decimal("7.1"))
    payment_register(invoice=dollars, amount=Decimal(40), date=TODAY)
    paid = _posted_invoice(customer, Decimal(999))
    payment_register(invoice=paid, amount=Decimal(999), date=TODAY)  # paid: no exposure
    # Another confirmed order: 20 kettles at 90 + 13% = 2,034.
    other = order_of((goods["kettle"], 20, {"tax_rate": vat}))
    sales.sales_order_confirm(order=other)
    # Exposure 3,460; this order 15 x 90 x 1.13 = 1,525.50 fits (4,985.50), one more kettle does not.
    order = order_of((goods["kettle"], 16, {"tax_rate": vat}))
    with pytest.raises(ValidationError) as error:
        sales.sales_order_confirm(order=order)
    assert error.value.code == "credit_limit"
    message = error.value.messages[0]
    for figure in ("3,460.00", "1,426.00", "2,034.00", "1,627.20", "5,087.20", "5,000.00", "CNY"):
        assert figure in message, (figure, message)
    order.refresh_from_db()
    assert (
        order.state == S.DRAFT
        and order.stock_request is None
        and not StockRequest.objects.filter(reference=order.number).exists()
    )

    sales.sales_order_line_update(line=order.lines.get(), quantity=Decimal(15))
    assert sales.sales_order_confirm(order=order).state == S.CONFIRMED


def test_a_customer_without_a_limit_is_not_checked(customer, goods, prices, order_of):
    customer.credit_limit = Decimal(0)
    customer.save()
    order = order_of((goods["kettle"], 100000))
    assert sales.sales_order_confirm(order=order).state == S.CONFIRMED


def test_production_marks_a_confirmed_order_once_and_refuses_a_draft(customer, goods, prices, order_of):
    order = order_of((goods["kettle"], 1))
    with pytest.raises(ValidationError):
        sales.sales_order_mark_in_production(order=order)
    sales.sales_order_confirm(order=order)
    assert sales.sales_order_mark_in_production(order=order).state == S.IN_PRODUCTION
    assert sales.sales_order_mark_in_production(order=order).state == S.IN_PRODUCTION
    assert sales.sales_order_cancel(order=order).state == S.CANCELLED  # nothing shipped yet


# --- Shipping through WMS ------------------------------------------------------------------------------------


def test_shipments_count_on_the_lines_in_order_and_move_the_state(
    customer, goods, prices, order_of, warehouse, bin_, receive
):
    kettle, toaster = goods["kettle"], goods["toaster"]
    receive(kettle, 5, bin_("A-01"))
    receive(toaster, 1, bin_("A-02"))
    order = order_of((kettle, 3), (toaster, 2), (kettle, 4))
    order = sales.sales_order_confirm(order=order)
    sales.sales_order_mark_in_production(order=order)

    ship_all(order, bin_)  # 5 kettles, 1 toaster
    order.refresh_from_db()
    assert order.state == S.PARTIALLY_SHIPPED
    assert [(line.position, line.shipped_qty) for line in order.lines.order_by("position")] == [
        (10, 3),
        (20, 1),
        (30, 2),
    ]
    with pytest.raises(ValidationError) as error:
        sales.sales_order_cancel(order=order)
    assert error.value.code == "wrong_state"

    receive(kettle, 2, bin_("B-01"))
    receive(toaster, 1, bin_("B-01"))
    stock_request_reserve(request=order.stock_request)
    ship_all(order, bin_)
    order.refresh_from_db()
    assert order.state == S.SHIPPED
    assert [line.shipped_qty for line in order.lines.order_by("position")] == [3, 2, 4]
    assert order.stock_request.state == RequestState.DONE


def test_goods_delivered_straight_from_the_reservations_count_as_shipped(
    customer, goods, prices, order_of, warehouse, bin_, receive
):
    receive(goods["kettle"], 4, bin_("A-01"))
    order = sales.sales_order_confirm(order=order_of((goods["kettle"], 6)))

    stock_request_deliver(request=order.stock_request)  # no pick list, no delivery note

    order.refresh_from_db()
    assert order.state == S.PARTIALLY_SHIPPED and order.lines.get().shipped_qty == 4


def test_a_shipment_of_a_request_made_in_wms_for_no_order_changes_no_order(
    customer, goods, prices, order_of, warehouse, bin_, receive
):
    from wms.choices import LocationKind
    from wms.locations import virtual_location
    from wms.services.requests import stock_request_create

    receive(goods["kettle"], 2, bin_("A-01"))
    order = sales.sales_order_confirm(order=order_of((goods["kettle"], 1)))
    # A request typed in WMS with the order's number as its reference is not the order's request.
    request = stock_request_create(
        kind="shipment",
        warehouse=warehouse,
        destination=virtual_location(LocationKind.CUSTOMER),
        lines=[(goods["kettle"], Decimal(1), None)],
        reference=order.number,
    )
    stock_request_reserve(request=request)
    pick_list = pick_list_create(request=request)
    (line,) = pick_list.lines.all()
    pick_confirm(line=line, location=line.from_location, quantity=Decimal(1))
    shipment_ship(shipment=shipment_create(pick_list=pick_list, packages=[{"code": "P1"}]))
    order.refresh_from_db()
    assert order.state == S.CONFIRMED and order.lines.get().shipped_qty == 0


# --- Invoicing and closing -----------------------------------------------------------------------------------


def test_invoicing_bills_what_shipped_at_the_net_price_with_tax_in_the_order_currency(
    customer, goods, order_of, warehouse, bin_, receive, usd, vat
):
    customer.currency, customer.payment_terms_days = usd, 45
    customer.save()
    kettle, toaster = goods["kettle"], goods["toaster"]
    receive(kettle, 3, bin_("A-01"))
    order = order_of(
        (kettle, 3, {"unit_price": Decimal("100"), "discount_pct": Decimal(10), "tax_rate": vat}),
        (toaster, 2, {"unit_price": Decimal("19.99")}),
    )
    order = sales.sales_order_confirm(order=order)
    with pytest.raises(ValidationError) as error:
        sales.sales_order_invoice(order=order, invoice_date=TODAY)
    assert error.value.code == "nothing_to_invoice"

    ship_all(order, bin_)  # the kettles only: no toasters on hand
    invoice = sales.sales_order_invoice(order=order, invoice_date=TODAY)
    assert (invoice.kind, invoice.state, invoice.partner, invoice.currency) == (
        InvoiceKind.CUSTOMER,
        InvoiceState.POSTED,
        customer,
        usd,
    )
    assert (invoice.exchange_rate, invoice.sales_order, invoice.due_date) == (
        Decimal("7.1"),
        order,
        TODAY + datetime.timedelta(days=45),
    )
    (line,) = invoice.lines.all()
    assert (line.quantity, line.unit_price, line.net_amount, line.tax_amount) == (
        3,
        90,
        Decimal("270.00"),
        Decimal("35.10"),
    )
    assert line.account == account_for(AccountRole.SALES, item=kettle)
    assert (invoice.net_amount, invoice.tax_amount, invoice.total_amount) == (
        Decimal("270.00"),
        Decimal("35.10"),
        Decimal("305.10"),
    )
    entry = invoice.journal_entry
    assert entry.source == JournalSource.CUSTOMER_INVOICE
    booked = {
        journal_line.account.code: journal_line.debit - journal_line.credit
        for journal_line in JournalLine.objects.filter(entry=entry).select_related("account")
    }
    assert booked == {"1100": Decimal("2166.21"), "4000": Decimal("-1917.00"), "2200": Decimal("-249.21")}

    order.refresh_from_db()
    assert order.state == S.PARTIALLY_SHIPPED
    assert [(line.shipped_qty, line.invoiced_qty) for line in order.lines.order_by("position")] == [(3, 3), (0, 0)]
    with pytest.raises(ValidationError) as error:
        sales.sales_order_invoice(order=order, invoice_date=TODAY)
    assert error.value.code == "nothing_to_invoice"

    receive(toaster, 2, bin_("A-02"))
    stock_request_reserve(request=order.stock_request)
    ship_all(order, bin_)
    second = sales.sales_order_invoice(order=order, invoice_date=TODAY)
    assert (second.net_amount, second.tax_amount, second.total_amount) == (Decimal("39.98"), 0, Decimal("39.98"))
    order.refresh_from_db()
    assert order.state == S.INVOICED


def test_an_order_closes_only_when_invoiced_and_paid(customer, goods, prices, order_of, warehouse, bin_, receive):
    receive(goods["kettle"], 2, bin_("A-01"))
    order = sales.sales_order_confirm(order=order_of((goods["kettle"], 2)))
    with pytest.raises(ValidationError) as error:
        sales.sales_order_close(order=order)
    assert error.value.code == "wrong_state"
    ship_all(order, bin_)
    invoice = sales.sales_order_invoice(order=order, invoice_date=TODAY)
    payment_register(invoice=invoice, amount=Decimal(150), date=TODAY)
    with pytest.raises(ValidationError) as error:
        sales.sales_order_close(order=order)
    assert error.value.code == "unpaid"
    assert invoice.number in error.value.messages[0] and "50.00 CNY open" in error.value.messages[0]
    payment_register(invoice=invoice, amount=Decimal(50), date=TODAY)
    order = sales.sales_order_close(order=order)
    assert order.state == S.CLOSED
    with pytest.raises(ValidationError):
        sales.sales_order_cancel(order=order)
    with pytest.raises(ValidationError):
        sales.sales_order_update(order=order, notes="too late")


def test_a_customer_deactivated_after_the_draft_is_not_confirmed(customer, goods, prices, order_of):
    order = order_of((goods["kettle"], 1))
    Partner.objects.filter(pk=customer.pk).update(active=False)
    with pytest.raises(ValidationError) as error:
        sales.sales_order_confirm(order=order)
    assert field_codes(error.value) == {"customer": ["inactive"]}


@pytest.mark.django_db(transaction=True)
def test_orders_confirmed_at_once_never_take_a_customer_past_its_limit(customer, goods, prices, order_of):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    customer.credit_limit = Decimal(1000)
    customer.save()
    orders = [order_of((goods["toaster"], 6)) for _ in range(8)]  # 300 each: three fit

    def confirm(order: SalesOrder) -> str:
        try:
            sales.sales_order_confirm(order=order)
            return "confirmed"
        except ValidationError as error:
            assert error.code == "credit_limit"
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(confirm, orders))
    assert outcomes.count("confirmed") == 3 and outcomes.count("refused") == 5
    assert SalesOrder.objects.filter(state=S.CONFIRMED).count() == 3
