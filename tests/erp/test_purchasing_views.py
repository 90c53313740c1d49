"""The purchasing screens: who sees them, a buyer's order from the new page to the supplier's invoice,
and an over-receipt refused on the warehouse's own screens (the tablet and the receipt API)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.roles import Role
from core.services.roles import model_access
from erp.choices import InvoiceState, PurchaseOrderState
from erp.models import Invoice, PurchaseOrder
from erp.services import purchasing
from erp.views.purchasing import SCREENS
from tests.erp.conftest import TODAY
from tests.urls import all_urls
from wms.models import Quant
from wms.services.receipts import receipt_receive

pytestmark = pytest.mark.django_db

State = PurchaseOrderState


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def sent_order(supplier, warehouse, item, company, vat):
    element, cable = item("HE-2000"), item("CB-EU")
    order = purchasing.purchase_order_create(
        supplier=supplier,
        warehouse=warehouse,
        order_date=TODAY,
        lines=[
            {"item": element, "quantity": Decimal(100), "unit_price": Decimal(10), "tax_rate": vat},
            {"item": cable, "quantity": Decimal(50), "unit_price": Decimal(4)},
        ],
    )
    return purchasing.purchase_order_send(order=order)


def receipt_line(order, position):
    return order.receipt.lines.get(order_line_ref=f"{order.number}/{position}")


# --- Who sees what -----------------------------------------------------------------------------------------


def test_every_purchasing_page_sends_anonymous_users_to_sign_in(client):
    urls = [url for name, url in all_urls() if name.startswith(("erp:purchaseorder", "erp:purchaseorderline"))]
    assert len(urls) == 10
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("role", list(Role))
def test_the_list_and_detail_follow_the_access_table(client_as, sent_order, role):
    allowed = role == Role.ADMIN or role in model_access()["erp.purchaseorder"].view
    client = client_as(role)
    expected = 200 if allowed else 403
    assert client.get(reverse("erp:purchaseorder_list")).status_code == expected
    assert client.get(reverse("erp:purchaseorder_detail", args=[sent_order.pk])).status_code == expected


def test_a_buyer_sees_the_buttons_and_finance_the_invoice_form(client_as, sent_order):
    receipt_receive(line=receipt_line(sent_order, 1), quantity=Decimal(40))
    url = reverse("erp:purchaseorder_detail", args=[sent_order.pk])
    buyer = page(client_as(Role.BUYER).get(url))
    assert 'id="confirm"' in buyer and "Cancel order" not in buyer  # goods are in: no cancelling
    assert 'id="supplier-invoice"' not in buyer  # accounts payable's work
    finance = page(client_as(Role.FINANCE).get(url))
    assert 'id="supplier-invoice"' in finance and 'id="confirm"' not in finance
    assert 'name="quantity_' in finance and 'value="40"' in finance  # received, not billed yet
    warehouse = page(client_as(Role.WAREHOUSE).get(url))
    assert warehouse.split("<main", 1)[1].count("<form") == 0  # the top bar's only: search, language, sign-out


def test_the_list_filters_and_takes_a_fixed_number_of_queries(
    client_as, sent_order, supplier, warehouse, item, django_assert_max_num_queries
):
    for _ in range(5):
        purchasing.purchase_order_create(
            supplier=supplier,
            warehouse=warehouse,
            order_date=TODAY,
            lines=[{"item": item(f"X-{_}"), "quantity": Decimal(1), "unit_price": Decimal(2)}],
        )
    client = client_as(Role.BUYER)
    # As many queries for six orders as for one: the table's related records come with the orders.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("erp:purchaseorder_list"))
    assert response.status_code == 200
    sent = page(client.get(reverse("erp:purchaseorder_list"), {"state": "sent", "item": "CB-EU"}))
    assert sent_order.number in sent and "PO-2026-00002" not in sent
    assert '<td class="text-end">1200.00</td>' in sent  # 100 x 10 + 50 x 4, before tax


def test_the_screens_render_for_an_admin(client_as, sent_order):
    client = client_as(Role.ADMIN)
    assert client.get(reverse(SCREENS.url_name("list"))).status_code == 200
    assert client.get(reverse(SCREENS.url_name("add"))).status_code == 200
    assert client.get(reverse("erp:purchaseorder_invoice", args=[sent_order.pk])).status_code == 200


# --- A buyer's order, from the new page to the supplier's invoice -------------------------------------------------


def test_a_draft_is_made_edited_sent_confirmed_and_billed_on_the_screens(
    client_as, supplier, customer, warehouse, item, company, vat
):
    element, cable = item("HE-2000"), item("CB-EU")
    buyer = client_as(Role.BUYER)
    add = reverse("erp:purchaseorder_add")
    form = {"supplier": supplier.pk, "warehouse": warehouse.pk, "order_date": TODAY.isoformat(), "notes": "Q4"}
    response = buyer.post(add, {**form, "supplier": customer.pk})
    assert "supplier" in response.context["form"].errors  # a customer is not offered, nor accepted

    response = buyer.post(add, form)
    order = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    edit = reverse("erp:purchaseorder_edit", args=[order.pk])
    assert page(buyer.get(edit))
    response = buyer.post(edit, {**form, "expected_date": TODAY.replace(day=1).isoformat()})
    assert response.context["form"].errors["expected_date"]

    add_line = reverse("erp:purchaseorderline_add", args=[order.pk])
    buyer.post(add_line, {"new-item": "HE-2000", "new-quantity": "100", "new-unit_price": "10", "new-tax_rate": vat.pk})
    buyer.post(add_line, {"new-item": "CB-EU", "new-quantity": "5", "new-unit_price": "4"})
    response = buyer.post(add_line, {"new-item": "NOPE", "new-quantity": "1", "new-unit_price": "1"}, follow=True)
    assert any("There is no item NOPE" in m for m in messages_of(response))
    cable_line = order.lines.get(item=cable)
    buyer.post(
        reverse("erp:purchaseorderline_edit", args=[order.pk, cable_line.pk]),
        {
            f"line{cable_line.pk}-item": "CB-EU",
            f"line{cable_line.pk}-quantity": "50",
            f"line{cable_line.pk}-unit_price": "4",
        },
    )
    cable_line.refresh_from_db()
    assert cable_line.quantity == 50
    extra = purchasing.purchase_order_line_add(order=order, item=element, quantity=Decimal(1), unit_price=Decimal(1))
    buyer.post(reverse("erp:purchaseorderline_remove", args=[order.pk, extra.pk]))
    assert order.lines.count() == 2
    draft = page(buyer.get(order.get_absolute_url()))
    assert 'id="add-line"' in draft and f'name="line{cable_line.pk}-quantity" value="50"' in draft

    response = buyer.post(reverse("erp:purchaseorder_command", args=[order.pk, "send"]), follow=True)
    order.refresh_from_db()
    assert order.state == State.SENT
    assert f"the warehouse expects its goods on {order.receipt.number}" in messages_of(response)[-1]
    response = buyer.post(add_line, {"new-item": "CB-EU", "new-quantity": "1", "new-unit_price": "4"}, follow=True)
    assert messages_of(response)[-1] == f"{order.number} is sent: it cannot be changed."
    assert buyer.get(edit).status_code == 302

    response = buyer.post(
        reverse("erp:purchaseorder_confirm", args=[order.pk]),
        {"confirm-supplier_reference": "OC-19", "confirm-line_2": TODAY.replace(month=12).isoformat()},
        follow=True,
    )
    order.refresh_from_db()
    assert (order.state, order.supplier_reference) == (State.CONFIRMED, "OC-19")
    assert order.lines.get(position=2).expected_date == TODAY.replace(month=12)
    assert order.lines.get(position=1).expected_date is None  # unchanged: it follows the order's date

    receipt_receive(line=receipt_line(order, 1), quantity=Decimal(100))
    receipt_receive(line=receipt_line(order, 2), quantity=Decimal(50))
    finance = client_as(Role.FINANCE)
    invoice_url = reverse("erp:purchaseorder_invoice", args=[order.pk])
    lines = {line.position: line.pk for line in order.lines.all()}
    mismatch = {
        "supplier_reference": "HC-1",
        "invoice_date": TODAY.isoformat(),
        f"quantity_{lines[1]}": "100",
        f"price_{lines[1]}": "11",
        f"quantity_{lines[2]}": "60",
        f"price_{lines[2]}": "4",
    }
    response = finance.post(invoice_url, mismatch)
    text = page(response)
    assert f"{order.number}/1 (HE-2000): invoiced at 11, ordered at 10" in text
    assert f"{order.number}/2 (CB-EU): 60 billed now and 0 before is more than the 50 received" in text
    assert not Invoice.objects.exists()

    response = finance.post(invoice_url, {**mismatch, f"price_{lines[1]}": "10.1", f"quantity_{lines[2]}": "50"})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and invoice.state == InvoiceState.POSTED
    assert invoice.net_amount == Decimal("1210.00")  # 100 x 10.10 + 50 x 4
    order.refresh_from_db()
    assert order.state == State.BILLED
    detail = page(finance.get(order.get_absolute_url()))
    assert invoice.number in detail and 'id="supplier-invoice"' not in detail  # nothing left to bill


def test_cancel_and_close_are_buttons_that_refuse_with_a_message(client_as, sent_order):
    buyer = client_as(Role.BUYER)
    response = buyer.post(reverse("erp:purchaseorder_command", args=[sent_order.pk, "close"]), follow=True)
    assert messages_of(response)[-1] == f"{sent_order.number} is sent: it cannot be closed."
    response = buyer.post(reverse("erp:purchaseorder_command", args=[sent_order.pk, "cancel"]), follow=True)
    sent_order.refresh_from_db()
    assert sent_order.state == State.CANCELLED
    assert messages_of(response)[-1] == f"{sent_order.number} is cancelled."
    planner = client_as(Role.PLANNER)
    response = planner.post(reverse("erp:purchaseorder_command", args=[sent_order.pk, "close"]), follow=True)
    assert messages_of(response)[-1] == "Your role cannot do this."
    assert client_as(Role.BUYER).get(reverse("erp:purchaseorder_invoice", args=[sent_order.pk])).status_code == 403


# --- The warehouse's screens show ERP's refusal ------------------------------------------------------------------


def test_an_over_receipt_is_refused_on_the_tablet_with_erps_reason(client_as, sent_order, warehouse):
    line = receipt_line(sent_order, 1)
    receipt_receive(line=line, quantity=Decimal(100))
    tablet = client_as(Role.WAREHOUSE)
    url = reverse("wms:tablet_receipt_line", args=[sent_order.receipt.pk, line.pk])
    response = tablet.post(url, {"quantity": "7"})
    text = page(response)
    assert f"Over-receipt on {sent_order.number}/1 (HE-2000)" in text and "tolerance 5%" in text
    assert sent_order.lines.get(position=1).received_qty == 100
    assert Quant.objects.get(item=line.item, location=warehouse.receiving_location).quantity == 100


def test_an_over_receipt_is_a_400_from_the_receipt_api(api_as, sent_order):
    line = receipt_line(sent_order, 1)
    api = api_as(Role.WAREHOUSE)
    url = f"/api/v1/wms/receipts/{sent_order.receipt.pk}/receive/"
    assert api.post(url, {"line": line.pk, "quantity": "100"}, format="json").status_code == 201
    response = api.post(url, {"line": line.pk, "quantity": "6"}, format="json")
    assert response.status_code == 400, response.content
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("quantity", "over_receipt")
    assert "100 ordered, 100 already received, 6 in this receipt" in error["message"]
    assert sent_order.lines.get(position=1).received_qty == 100
