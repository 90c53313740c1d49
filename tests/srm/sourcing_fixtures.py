"""Fixtures of the sourcing and contract tests: three suppliers (one quoting in US dollars), two bought
parts, a warehouse, and RFQs, quotes and contracts made by the services.

Imported by the test modules that use them (as tests/erp/conftest.py imports the WMS fixtures)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import Partner, PartnerUser
from core.roles import Role
from srm.models import Rfq
from srm.services import contracts, sourcing
from tests.erp.conftest import company, customer, supplier, usd
from tests.wms.conftest import item, warehouse

# What the test modules take with `from tests.srm.sourcing_fixtures import *`: the fixtures (these and the
# shared ones they build on) and the helpers.
__all__ = [
    "codes",
    "company",
    "customer",
    "day",
    "euroheat",
    "item",
    "make_contract",
    "make_rfq",
    "parts",
    "quote_of",
    "quoted_rfq",
    "refused",
    "supplier",
    "supplier_api",
    "therma",
    "today",
    "usd",
    "warehouse",
]


def today() -> datetime.date:
    return timezone.localdate()


def day(offset: int) -> datetime.date:
    return today() + datetime.timedelta(days=offset)


def refused(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


def codes(error: ValidationError) -> set[tuple[str | None, str]]:
    """(field, code) of each problem a service named; field None for a refusal of the whole."""
    if not hasattr(error, "error_dict"):
        return {(None, e.code) for e in error.error_list}
    return {(field, e.code) for field, errors in error.error_dict.items() for e in errors}


@pytest.fixture
def therma(company):
    return Partner.objects.create(
        code="THERMA", name="Therma Parts", kind="supplier", currency=company.currency, lead_time_days=20
    )


@pytest.fixture
def euroheat(usd):
    """A supplier that quotes in US dollars (7.1 yuan each)."""
    return Partner.objects.create(code="EUROHEAT", name="EuroHeat", kind="supplier", currency=usd, lead_time_days=30)


@pytest.fixture
def parts(item):
    return item("HE-2000"), item("TH-01")


@pytest.fixture
def make_rfq(company, parts, supplier, therma, euroheat):
    """An RFQ for 100 elements (needed in 20 days) and 200 thermostats, sent to HEATCO, THERMA and EUROHEAT
    unless told otherwise."""
    element, thermostat = parts

    def make(suppliers=None, send=True, lines=None, user=None, **fields) -> Rfq:
        rfq = sourcing.rfq_create(
            title=fields.pop("title", "Kettle elements 2027"),
            respond_by=fields.pop("respond_by", day(7)),
            lines=lines
            if lines is not None
            else [
                {"item": element, "quantity": Decimal(100), "required_date": day(20)},
                {"item": thermostat, "quantity": Decimal(200)},
            ],
            buyer=user,
            **fields,
        )
        sourcing.rfq_invite(rfq=rfq, suppliers=suppliers if suppliers is not None else [supplier, therma, euroheat])
        if send:
            rfq = sourcing.rfq_send(rfq=rfq)
        return rfq

    return make


def quote_of(rfq: Rfq, supplier: Partner, offers: dict[int, tuple], user=None, **fields):
    """A supplier's quote: {position: (unit_price, lead_time_days[, min_order_qty[, quantity]])}."""
    lines = {line.position: line for line in rfq.lines.all()}
    entries = []
    for position, offer in offers.items():
        price, lead, *rest = offer
        entry = {"rfq_line": lines[position], "unit_price": Decimal(price), "lead_time_days": lead}
        if rest:
            entry["min_order_qty"] = Decimal(rest[0])
        if len(rest) > 1:
            entry["quantity"] = Decimal(rest[1])
        entries.append(entry)
    return sourcing.supplier_quote_submit(rfq=rfq, supplier=supplier, lines=entries, user=user, **fields)


@pytest.fixture
def quoted_rfq(make_rfq, supplier, therma, euroheat):
    """The RFQ with all three quotes in: HEATCO cheapest on elements but slow, THERMA fast, EUROHEAT in USD."""
    rfq = make_rfq()
    quote_of(rfq, supplier, {1: ("10.00", 25), 2: ("3.00", 10)})
    quote_of(rfq, therma, {1: ("11.00", 7), 2: ("2.80", 7)})
    quote_of(rfq, euroheat, {1: ("1.50", 14)}, currency=euroheat.currency)  # 10.65 yuan
    return rfq


@pytest.fixture
def make_contract(company, supplier, parts):
    """An active contract with HEATCO over 1000 elements at 9.50 and 500 thermostats at 2.90."""
    element, thermostat = parts

    def make(activate=True, **fields):
        contract = contracts.contract_create(
            supplier=fields.pop("supplier", supplier),
            valid_from=fields.pop("valid_from", day(-30)),
            valid_to=fields.pop("valid_to", day(335)),
            lines=fields.pop(
                "lines",
                [
                    {"item": element, "quantity": Decimal(1000), "unit_price": Decimal("9.50")},
                    {"item": thermostat, "quantity": Decimal(500), "unit_price": Decimal("2.90")},
                ],
            ),
            **fields,
        )
        if activate:
            contract = contracts.contract_activate(contract=contract)
        return contract

    return make


@pytest.fixture
def supplier_api(make_user):
    """An API client authenticated (by token) as a login of the given supplier, as its portal user would be."""

    def authenticate(partner: Partner) -> APIClient:
        user = make_user(Role.PARTNER)
        PartnerUser.objects.create(user=user, partner=partner)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return api

    return authenticate
