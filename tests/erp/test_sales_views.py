"""The sales screens: orders (lines edited on drafts, the buttons of their life), price lists with their
breaks, forecasts; who may open and press what. Data is made through the services."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import Role
from core.services.roles import model_access
from erp.choices import SalesOrderState
from erp.models import PriceList, PriceListItem, SalesForecast, SalesOrder
from erp.services import sales
from erp.services.pricing import price_list_item_set
from erp.views.sales import SCREENS
from tests.erp.conftest import TODAY
from tests.erp.test_sales import ship_all
from tests.urls import all_urls
from wms.models import Quant

pytestmark = pytest.mark.django_db

S = SalesOrderState


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def shop(company, customer, warehouse, item, bin_, receive, vat):
    """A price list, a forecast, kettles on hand and a draft order of 4 kettles."""
    kettle, toaster = item("KT-200"), item("TS-400")
    price_list = PriceList.objects.create(code="STD", name="Standard", currency=company.currency)
    price_list_item_set(price_list=price_list, item=kettle, unit_price=Decimal(100))
    price_list_item_set(price_list=price_list, item=kettle, min_quantity=Decimal(10), unit_price=Decimal(90))
    price_list_item_set(price_list=price_list, item=toaster, unit_price=Decimal(50))
    SalesForecast.objects.create(reference="FC-Q1", item=kettle, customer=customer, due_date=TODAY, quantity=500)
    receive(kettle, 6, bin_("A-01"))
    order = sales.sales_order_create(
        customer=customer,
        warehouse=warehouse,
        order_date=TODAY,
        requested_date=TODAY + datetime.timedelta(days=7),
        lines=[{"item": kettle, "quantity": Decimal(4), "tax_rate": vat}],
    )
    return {"kettle": kettle, "toaster": toaster, "price_list": price_list, "order": order}


@pytest.mark.parametrize("screens", SCREENS, ids=lambda s: s.meta.label)
def test_list_detail_and_edit_pages_render(client_as, shop, screens):
    client = client_as(Role.ADMIN)
    page(client.get(reverse(screens.url_name("list"))))
    obj = screens.get_queryset().first()
    page(client.get(reverse(screens.url_name("detail"), args=[obj.pk])))
    page(client.get(reverse(screens.url_name("edit"), args=[obj.pk])))
    page(client.get(reverse(screens.url_name("add"))))


LABELS = {"erp.salesorder": "salesorder", "erp.pricelist": "pricelist", "erp.salesforecast": "salesforecast"}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("label", sorted(LABELS))
def test_pages_follow_the_access_table(client_as, shop, role, label):
    rule = model_access()[label]
    allowed = role == Role.ADMIN or role in rule.view
    client = client_as(role)
    obj = {"erp.salesorder": shop["order"], "erp.pricelist": shop["price_list"]}.get(
        label, SalesForecast.objects.first()
    )
    name = LABELS[label]
    for url in (reverse(f"erp:{name}_list"), reverse(f"erp:{name}_detail", args=[obj.pk])):
        assert client.get(url).status_code == (200 if allowed else 403), url
    can_manage = role == Role.ADMIN or role in rule.manage
    assert client.get(reverse(f"erp:{name}_add")).status_code == (200 if can_manage else 403)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES, Role.FINANCE, Role.WAREHOUSE])
def test_a_confirmed_order_page_works_for_who_may_see_it(client_as, shop, bin_, role):
    order = sales.sales_order_confirm(order=shop["order"])
    ship_all(order, bin_)
    sales.sales_order_invoice(order=order, invoice_date=TODAY)
    html = page(client_as(role).get(order.get_absolute_url()))
    assert "452.00" in html  # 4 x 100 + 13%
    assert order.stock_request.get_absolute_url() in html
    # A customer's login follows its orders through the portal API; the staff page is not for it.
    assert client_as(Role.PARTNER).get(order.get_absolute_url()).status_code == 403


def test_list_page_takes_a_fixed_number_of_queries(client_as, shop, customer, warehouse, django_assert_max_num_queries):
    client = client_as(Role.SALES)
    url = reverse("erp:salesorder_list")
    client.get(url)
    for n in range(5):
        sales.sales_order_create(
            customer=customer,
            warehouse=warehouse,
            order_date=TODAY,
            requested_date=TODAY,
            lines=[{"item": shop["kettle"], "quantity": Decimal(n + 1)}],
        )
    with django_assert_max_num_queries(12):
        html = page(client.get(url))
    assert html.count("SO-2026-") >= 6


def test_a_seller_writes_an_order_on_screen_from_header_to_confirmation(client_as, shop, customer, bin_):
    client = client_as(Role.SALES)
    response = client.post(
        reverse("erp:salesorder_add"),
        {
            "customer": "MEDIAHOME",
            "customer_reference": "PO-77",
            "requested_date": "2026-12-01",
            "warehouse": shop["order"].warehouse.pk,
        },
    )
    order = SalesOrder.objects.get(customer_reference="PO-77")
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.salesperson.username.startswith("sales") and order.order_date is not None
    detail = order.get_absolute_url()

    add = reverse("erp:salesorderline_add", args=[order.pk])
    client.post(add, {"item": "KT-200", "quantity": "12"})
    client.post(add, {"item": "TS-400", "quantity": "1", "unit_price": "45", "discount_pct": "10"})
    response = client.post(add, {"item": "NOPE", "quantity": "1"}, follow=True)
    assert any("There is no active item NOPE" in m for m in messages_of(response))
    kettles, toasters = order.lines.order_by("position")
    assert (kettles.unit_price, toasters.unit_price, toasters.net_unit_price) == (90, 45, Decimal("40.5"))

    edit = reverse("erp:salesorderline_edit", args=[order.pk, kettles.pk])
    response = client.post(edit, {"item": "KT-200", "quantity": "3", "unit_price": ""}, follow=True)
    assert "Line saved." in messages_of(response)
    kettles.refresh_from_db()
    assert (kettles.quantity, kettles.unit_price) == (3, 100)  # below the break: priced again
    client.post(reverse("erp:salesorderline_remove", args=[order.pk, toasters.pk]))
    assert order.lines.count() == 1

    html = page(client.get(detail))
    assert 'id="add-line"' in html and "300.00" in html
    response = client.post(reverse("erp:salesorder_command", args=[order.pk, "confirm"]), follow=True)
    assert messages_of(response) == ["Confirmed: stock on hand is reserved in the warehouse."]
    order.refresh_from_db()
    assert order.state == S.CONFIRMED
    assert Quant.objects.get(item=shop["kettle"], location=bin_("A-01")).reserved == 3
    html = page(client.get(detail))
    assert 'id="add-line"' not in html and order.stock_request.number in html
    response = client.post(reverse("erp:salesorderline_remove", args=[order.pk, kettles.pk]), follow=True)
    assert any("only a draft order can be changed" in m for m in messages_of(response))
    assert order.lines.count() == 1

    # Once confirmed the header keeps everything but the reference and the notes.
    response = client.post(
        reverse("erp:salesorder_edit", args=[order.pk]),
        {"customer_reference": "PO-78", "notes": "Gate 3", "requested_date": "2027-01-01"},
        follow=True,
    )
    assert messages_of(response) == [f"Saved {order}."]
    order.refresh_from_db()
    assert (order.customer_reference, order.notes, order.requested_date) == (
        "PO-78",
        "Gate 3",
        datetime.date(2026, 12, 1),
    )

    response = client.post(reverse("erp:salesorder_command", args=[order.pk, "cancel"]), follow=True)
    assert messages_of(response) == ["Cancelled: its reservations are released."]
    assert Quant.objects.get(item=shop["kettle"], location=bin_("A-01")).reserved == 0


def test_the_new_order_form_shows_a_service_refusal_on_its_field(client_as, shop, customer, supplier):
    client = client_as(Role.SALES)
    data = {"customer": "HEATCO", "requested_date": "2026-12-01", "warehouse": shop["order"].warehouse.pk}
    response = client.post(reverse("erp:salesorder_add"), data)
    assert response.context["form"].errors["customer"] == ["There is no customer HEATCO."]
    customer.active = False
    customer.save()
    response = client.post(reverse("erp:salesorder_add"), {**data, "customer": "MEDIAHOME"})
    assert response.status_code == 200
    assert response.context["form"].errors["customer"] == ["MEDIAHOME is inactive."]
    assert SalesOrder.objects.count() == 1


def test_a_confirmation_past_the_credit_limit_shows_why_on_the_page(client_as, shop, customer):
    customer.credit_limit = Decimal(400)
    customer.save()
    order = shop["order"]
    client = client_as(Role.SALES)
    html = page(client.get(order.get_absolute_url()))
    assert 'id="credit"' in html and "alert-danger" in html
    response = client.post(reverse("erp:salesorder_command", args=[order.pk, "confirm"]), follow=True)
    (message,) = messages_of(response)
    assert "credit limit" in message and "452.00" in message and "400.00" in message
    order.refresh_from_db()
    assert order.state == S.DRAFT


def browser(make_user, role) -> Client:
    """A client of its own (client_as signs one shared client in again)."""
    client = Client()
    client.force_login(make_user(role))
    return client


def test_invoice_and_close_buttons_follow_roles_and_states(make_user, shop, bin_):
    order = sales.sales_order_confirm(order=shop["order"])
    seller, finance = browser(make_user, Role.SALES), browser(make_user, Role.FINANCE)
    invoice_url = reverse("erp:salesorder_command", args=[order.pk, "invoice"])
    assert invoice_url not in page(finance.get(order.get_absolute_url()))  # nothing shipped yet
    ship_all(order, bin_)
    assert invoice_url not in page(seller.get(order.get_absolute_url()))
    response = seller.post(invoice_url, follow=True)
    assert messages_of(response) == ["Your role cannot do this."]
    assert invoice_url in page(finance.get(order.get_absolute_url()))
    response = finance.post(invoice_url, follow=True)
    assert messages_of(response) == ["Invoiced and posted."]
    order.refresh_from_db()
    assert order.state == S.INVOICED
    html = page(seller.get(order.get_absolute_url()))
    assert order.invoices.get().number in html
    response = seller.post(reverse("erp:salesorder_command", args=[order.pk, "close"]), follow=True)
    assert "unpaid invoices" in messages_of(response)[0]


def test_prices_are_set_changed_and_removed_on_the_price_list_page(client_as, shop):
    price_list = shop["price_list"]
    client = client_as(Role.SALES)
    set_url = reverse("erp:pricelistitem_set", args=[price_list.pk])
    client.post(set_url, {"item": "TS-400", "min_quantity": "20", "unit_price": "44"})
    client.post(set_url, {"item": "KT-200", "min_quantity": "10", "unit_price": "88"})
    assert price_list.items.get(item=shop["kettle"], min_quantity=10).unit_price == 88
    row = price_list.items.get(item=shop["toaster"], min_quantity=20)
    html = page(client.get(price_list.get_absolute_url()))
    assert 'id="add-price"' in html and "44" in html
    client.post(reverse("erp:pricelistitem_remove", args=[price_list.pk, row.pk]))
    assert not PriceListItem.objects.filter(pk=row.pk).exists()
    response = client_as(Role.PLANNER).post(set_url, {"item": "TS-400", "unit_price": "1"}, follow=True)
    assert messages_of(response)[-1] == "Your role cannot do this."
    assert 'id="add-price"' not in page(client_as(Role.PLANNER).get(price_list.get_absolute_url()))


def test_price_lists_and_forecasts_are_made_with_their_forms(client_as, shop, company, supplier):
    client = client_as(Role.SALES)
    response = client.post(
        reverse("erp:pricelist_add"),
        {"code": "MH", "name": "MediaHome", "currency": company.currency.pk, "customer": "MEDIAHOME", "active": "on"},
    )
    assert response.status_code == 302
    assert PriceList.objects.get(code="MH").customer.code == "MEDIAHOME"
    response = client.post(
        reverse("erp:pricelist_add"),
        {
            "code": "BAD",
            "name": "Bad",
            "currency": company.currency.pk,
            "valid_from": "2026-06-01",
            "valid_to": "2026-05-01",
        },
    )
    assert response.status_code == 200 and "valid_to" in response.context["form"].errors
    response = client.post(
        reverse("erp:salesforecast_add"),
        {"reference": "FC-Q2", "item": "TS-400", "customer": "MEDIAHOME", "due_date": "2027-04-01", "quantity": "80"},
    )
    assert response.status_code == 302 and SalesForecast.objects.get(reference="FC-Q2").quantity == 80
    response = client.post(
        reverse("erp:salesforecast_add"),
        {"reference": "FC-Q3", "item": "TS-400", "due_date": "2027-04-01", "quantity": "0"},
    )
    assert response.status_code == 200 and "quantity" in response.context["form"].errors


SALES_URLS = [
    (name, url)
    for name, url in all_urls()
    if name.split(":")[-1].split("_")[0]
    in {"salesorder", "salesorderline", "pricelist", "pricelistitem", "salesforecast"}
]


def test_every_sales_url_is_checked():
    assert len(SALES_URLS) == 21  # the order confirmation PDF included


@pytest.mark.parametrize(("name", "url"), SALES_URLS)
def test_anonymous_users_are_sent_to_sign_in(client, name, url):
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), name
