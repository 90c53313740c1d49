"""Fixtures of the supplier portal and scorecard tests: two suppliers (HEATCO, whose portal logins the tests
use, and COILTEC), a plain part and a lot-tracked one, purchase orders sent through ERP's services, portal
logins with API tokens, and the WMS receiving that fills the orders.

Imported by the test modules that use them (`from tests.srm.portal_fixtures import *`)."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.choices import Tracking
from core.models import Partner, PartnerUser
from core.roles import Role
from erp.models import PurchaseOrder
from erp.services import purchasing
from tests.erp.conftest import company, customer, supplier, vat
from tests.wms.conftest import bin_, item, warehouse
from wms.models import ReceiptLine
from wms.services.receipts import receipt_receive

__all__ = [
    "api_errors",
    "bin_",
    "company",
    "customer",
    "item",
    "make_order",
    "other_supplier",
    "parts",
    "portal_api",
    "receipt_lines",
    "receive_line",
    "supplier",
    "vat",
    "warehouse",
]


@pytest.fixture
def other_supplier(company):
    return Partner.objects.create(
        code="COILTEC", name="Coiltec Wires", kind="supplier", currency=company.currency, lead_time_days=5
    )


@pytest.fixture
def parts(item):
    """A heating element (not tracked) and a power cable bought by lot."""
    return item("HE-2000", standard_cost=Decimal("10")), item(
        "CB-EU", tracking=Tracking.LOT, standard_cost=Decimal("4")
    )


@pytest.fixture
def make_order(supplier, warehouse, parts):
    """A purchase order sent to the supplier (its WMS receipt made): 100 elements at 10, 50 cables at 4."""
    element, cable = parts

    def make(lines=None, send=True, order_date=None, **fields) -> PurchaseOrder:
        order = purchasing.purchase_order_create(
            supplier=fields.pop("supplier", supplier),
            warehouse=warehouse,
            order_date=order_date or datetime.date.today(),
            lines=lines
            if lines is not None
            else [
                {"item": element, "quantity": Decimal(100), "unit_price": Decimal("10.00")},
                {"item": cable, "quantity": Decimal(50), "unit_price": Decimal("4.00")},
            ],
            **fields,
        )
        return purchasing.purchase_order_send(order=order) if send else order

    return make


@pytest.fixture
def portal_api(make_user):
    """An API client authenticated (by token) as a login of the given partner."""

    def authenticate(partner: Partner) -> APIClient:
        user = make_user(Role.PARTNER)
        PartnerUser.objects.create(user=user, partner=partner)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return api

    return authenticate


def receipt_lines(order: PurchaseOrder, position: int) -> list[ReceiptLine]:
    """The receipt lines expecting an order line: the one of goods not announced yet first, then by ASN and lot."""
    return list(
        ReceiptLine.objects.filter(receipt=order.receipt, order_line_ref=f"{order.number}/{position}").order_by(
            "asn_number", "lot_code", "pk"
        )
    )


def receive_line(order: PurchaseOrder, position: int, quantity, lot_code: str | None = None):
    """Receive on the order line's receipt line of that lot, else its lot-less one, as the dock does."""
    lines = receipt_lines(order, position)
    line = next((line for line in lines if line.lot_code == (lot_code or "")), None) or next(
        (line for line in lines if not line.lot_code), lines[0]
    )
    return receipt_receive(line=line, quantity=Decimal(str(quantity)), lot_code=lot_code)


def api_errors(response) -> set[tuple[str | None, str]]:
    """(field, code) of an API error response."""
    return {(error["field"], error["code"]) for error in response.json()["errors"]}
