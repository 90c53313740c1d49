import datetime
from decimal import Decimal

import pytest
import time_machine

from core.models import Company, Currency, ExchangeRate, ItemCategory, Partner
from erp.models import TaxRate, ValuationPolicy
from tests.wms.conftest import bin_, item, receive, warehouse  # noqa: F401  (shared fixtures)

TODAY = datetime.date(2026, 11, 22)


@pytest.fixture
def on_today():
    """The clock on TODAY (10:00 UTC, ticking), for tests whose services date things today by default: they
    would otherwise pass only on the day they were written."""
    with time_machine.travel(datetime.datetime.combine(TODAY, datetime.time(10), tzinfo=datetime.UTC), tick=True):
        yield


def company_make() -> Company:
    return Company.objects.create(code="SAC", name="SmartAppliance Co.", currency=Currency.objects.get(code="CNY"))


@pytest.fixture
def company(db):
    return company_make()


@pytest.fixture
def usd(company):
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(currency=usd, valid_from=datetime.date(2026, 1, 1), rate=Decimal("7.1"))
    return usd


@pytest.fixture
def customer(company):
    return Partner.objects.create(
        code="MEDIAHOME", name="MediaHome", kind="customer", currency=company.currency, credit_limit=Decimal("100000")
    )


@pytest.fixture
def supplier(company):
    return Partner.objects.create(
        code="HEATCO", name="HeatCo Elements", kind="supplier", currency=company.currency, lead_time_days=10
    )


@pytest.fixture
def vat(db):
    return TaxRate.objects.create(code="VAT13", name="VAT 13%", rate_pct=Decimal("13"))


@pytest.fixture
def valued(item):  # noqa: F811  (the fixture imported above)
    """An item valued by a method, through its category's policy."""

    def make(code: str, method: str, **fields):
        category = ItemCategory.objects.create(code=f"CAT-{code}", name=f"Category {code}")
        ValuationPolicy.objects.create(category=category, method=method)
        return item(code, category=category, **fields)

    return make
