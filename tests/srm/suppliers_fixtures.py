"""Fixtures of the supplier-master tests: two suppliers and a bought part, and supplier items and certificates
made by the services.

Imported by the test modules that use them (as tests/erp/conftest.py imports the WMS fixtures)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import Partner
from srm.models import Approval
from srm.services.suppliers import certificate_add, supplier_item_set, supplier_price_set
from tests.erp.conftest import TODAY, company, customer, supplier, usd  # noqa: F401  (shared fixtures)
from tests.wms.conftest import item, warehouse  # noqa: F401


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def refused(call, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value


def codes(error: ValidationError) -> set[tuple[str, str]]:
    """(field, code) of each problem a service named."""
    return {(field, e.code) for field, errors in error.error_dict.items() for e in errors}


@pytest.fixture
def second_supplier(company):  # noqa: F811
    return Partner.objects.create(
        code="THERMA", name="Therma Parts", kind="supplier", currency=company.currency, lead_time_days=20
    )


@pytest.fixture
def element(item):  # noqa: F811
    """A bought heating element, standard cost 12."""
    return item("ELEMENT", standard_cost=Decimal("12"))


@pytest.fixture
def make_source(supplier, element):  # noqa: F811
    """A supplier item through supplier_item_set (HeatCo's approved ELEMENT unless told otherwise), with
    price breaks given as {min_quantity: unit_price}."""

    def make(supplier=supplier, item=element, prices=None, approval=Approval.APPROVED, **terms):  # noqa: F811
        source = supplier_item_set(supplier=supplier, item=item, approval=approval, **terms)
        for minimum, price in (prices or {}).items():
            supplier_price_set(supplier_item=source, min_quantity=Decimal(minimum), unit_price=Decimal(price))
        return source

    return make


@pytest.fixture
def make_certificate(supplier):  # noqa: F811
    """A certificate through certificate_add: HeatCo's ISO 9001 "Q-1", valid for a year up to `valid_to`."""

    def make(supplier=supplier, valid_to=None, kind="iso_9001", number="Q-1", **fields):
        valid_to = valid_to or day(200)
        return certificate_add(
            supplier=supplier,
            kind=kind,
            number=number,
            valid_from=valid_to - datetime.timedelta(days=365),
            valid_to=valid_to,
            **fields,
        )

    return make
