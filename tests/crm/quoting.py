"""What the quote and tracking tests share: the kettle maker's customer with its own price list (quantity breaks)
over the general one, quotes made through the services, portal logins, and the clock they run at.

Test modules import the fixtures they use from here (and this module imports the ERP and WMS ones).
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.models import Item, Partner, PartnerUser, Unit
from core.roles import Role
from crm.services import quotes as services
from erp.models import PriceList
from erp.services.pricing import price_list_item_set
from tests.erp.conftest import company, customer, usd, vat  # noqa: F401  (shared fixtures)
from tests.mes.conftest import floor  # noqa: F401
from tests.wms.conftest import bin_, item, receive, warehouse  # noqa: F401

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)  # a Monday morning
TODAY = NOW.date()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def clock():
    """The clock stands at NOW (moving on from there) while the test runs."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def goods(item):  # noqa: F811
    return {"kettle": item("KT-200"), "toaster": item("TS-400")}


@pytest.fixture
def prices(company, customer, goods):  # noqa: F811
    """The general list (kettle 100, from 10: 90; toaster 50) and MediaHome's own (kettle 95, from 20: 85,
    from 100: 75; no toasters)."""
    general = PriceList.objects.create(code="STD", name="Standard", currency=company.currency)
    price_list_item_set(price_list=general, item=goods["kettle"], unit_price=Decimal(100))
    price_list_item_set(price_list=general, item=goods["kettle"], min_quantity=Decimal(10), unit_price=Decimal(90))
    price_list_item_set(price_list=general, item=goods["toaster"], unit_price=Decimal(50))
    own = PriceList.objects.create(code="MH", name="MediaHome", currency=company.currency, customer=customer)
    price_list_item_set(price_list=own, item=goods["kettle"], unit_price=Decimal(95))
    price_list_item_set(price_list=own, item=goods["kettle"], min_quantity=Decimal(20), unit_price=Decimal(85))
    price_list_item_set(price_list=own, item=goods["kettle"], min_quantity=Decimal(100), unit_price=Decimal(75))
    return {"general": general, "own": own}


@pytest.fixture
def quote_of(clock, customer, warehouse, prices):  # noqa: F811
    def make(*lines, account=None, **header):
        """A draft of (item, quantity[, {line field: value}]) lines, requested in two weeks."""
        header.setdefault("requested_date", day(14))
        rows = [
            {"item": item, "quantity": Decimal(quantity), **(extra[0] if extra else {})}
            for item, quantity, *extra in lines  # noqa: F811
        ]
        return services.quote_create(account=account or customer, warehouse=warehouse, lines=rows, **header)

    return make


@pytest.fixture
def sent_quote(quote_of, goods, vat):  # noqa: F811
    """Sent: 30 kettles (85 from MediaHome's list) at 10 % off, and 4 toasters at 48 by hand, with 13 % VAT."""
    quote = quote_of(
        (goods["kettle"], 30, {"discount_pct": Decimal(10), "tax_rate": vat}),
        (goods["toaster"], 4, {"unit_price": Decimal(48), "tax_rate": vat}),
    )
    return services.quote_send(quote=quote)


@pytest.fixture
def other_customer(company):  # noqa: F811
    return Partner.objects.create(code="KITCHENCO", name="KitchenCo", kind="customer", currency=company.currency)


@pytest.fixture
def portal_api(make_user):
    """An API client logged in (by token) as a login of the given partner."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def authenticate(partner: Partner):
        user = make_user(Role.PARTNER)
        PartnerUser.objects.create(user=user, partner=partner)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return api

    return authenticate


def field_codes(error: ValidationError) -> dict[str, list[str]]:
    return {name: [e.code for e in errors] for name, errors in error.error_dict.items()}


def api_errors(response) -> set[tuple[str | None, str]]:
    """(field, code) of an API error response."""
    assert response.status_code == 400, (response.status_code, response.content)
    return {(error["field"], error["code"]) for error in response.json()["errors"]}


# --- Orders in every state of tracking -----------------------------------------------------------------------


def ship(order, *, carrier: str, tracking_number: str):
    """What WMS does for an order whose stock is reserved: pick it all, pack it, hand it to the carrier."""
    from wms.services.picking import pick_confirm, pick_list_create, shipment_create, shipment_ship

    order.refresh_from_db()
    pick_list = pick_list_create(request=order.stock_request)
    for line in pick_list.lines.select_related("from_location", "lot"):
        pick_confirm(line=line, location=line.from_location, quantity=line.quantity, lot=line.lot)
    shipment = shipment_create(
        pick_list=pick_list, packages=[{"code": "P1"}], carrier=carrier, tracking_number=tracking_number
    )
    return shipment_ship(shipment=shipment)


@pytest.fixture
def tracked(floor, customer, other_customer):  # noqa: F811
    """On the kettle floor (tests/mes), at T0 + 8 hours:
    - `making`: 100 kettles for MediaHome in production (40 good out of test so far) and 5 bodies reserved;
    - `shipped`: 3 bodies for MediaHome, shipped by DHL (JD-0001) and invoiced;
    - `waiting`: 2 lids for MediaHome, none on hand;
    - `theirs`: 4 bodies for KitchenCo, confirmed and reserved.
    """
    from erp.services.sales import sales_order_confirm, sales_order_create, sales_order_invoice
    from mes.services import execution as x
    from tests.mes.conftest import T0

    def order(partner, *lines, **header):
        return sales_order_confirm(
            order=sales_order_create(
                customer=partner,
                warehouse=floor["warehouse"],
                requested_date=datetime.date(2026, 12, 10),
                lines=[
                    {"item": item_, "quantity": Decimal(quantity), "unit_price": Decimal(10), **extra}
                    for item_, quantity, extra in lines
                ],
                **header,
            )
        )

    with time_machine.travel(T0 + datetime.timedelta(hours=8), tick=False):
        making = order(
            customer,
            (floor["kettle"], 100, {"promised_date": datetime.date(2026, 12, 8)}),
            (floor["body"], 5, {}),
            customer_reference="PO-MAKE",
        )
        production = floor.order("100", sales_order_line=making.lines.get(position=10))
        run = x.operation_start(operation=production.operations.get(seq=10), machine=floor["assy1"], at=T0)
        x.operation_count(run=run, good_qty=100, at=T0 + datetime.timedelta(hours=2))
        x.operation_complete(run=run, at=T0 + datetime.timedelta(hours=3))
        run = x.operation_start(
            operation=production.operations.get(seq=20), machine=floor["test1"], at=T0 + datetime.timedelta(hours=3)
        )
        x.operation_count(run=run, good_qty=40, at=T0 + datetime.timedelta(hours=4))
        x.operation_pause(run=run, at=T0 + datetime.timedelta(hours=4))

        shipped = order(customer, (floor["body"], 3, {}), promised_date=datetime.date(2026, 12, 1))
        ship(shipped, carrier="DHL", tracking_number="JD-0001")
        sales_order_invoice(order=shipped)
        # Lids: none on hand, none being made; the line waits.
        lid = Item.objects.create(code="KT-LID", name="Kettle lid", uom=Unit.objects.get(code="ea"))
        waiting = order(customer, (lid, 2, {}))
        theirs = order(other_customer, (floor["body"], 4, {}))
    for sales_order in (making, shipped, waiting, theirs):
        sales_order.refresh_from_db()
    return {"making": making, "shipped": shipped, "waiting": waiting, "theirs": theirs, "production": production}
