"""Fixtures of the pipeline tests: the default stages, a salesperson, and opportunities made by the service.

Imported by the test modules that use them (as tests/erp/conftest.py imports the WMS fixtures)."""

import datetime
from decimal import Decimal

import pytest

from core.roles import Role
from crm.models import LostReason, Stage
from crm.services.opportunities import opportunity_create, pipeline_defaults_ensure
from tests.erp.conftest import TODAY, company, customer, usd  # noqa: F401  (shared fixtures)


@pytest.fixture
def stages(db) -> dict[str, Stage]:
    """The default pipeline by name (made after migrate; ensured here so the tests do not depend on it)."""
    pipeline_defaults_ensure()
    return {stage.name: stage for stage in Stage.objects.all()}


@pytest.fixture
def price_reason(stages) -> LostReason:
    return LostReason.objects.get(code="PRICE")


@pytest.fixture
def seller(make_user):
    return make_user(Role.SALES, username="sally")


@pytest.fixture
def make_opportunity(stages, customer, seller):  # noqa: F811
    """An opportunity through opportunity_create: MediaHome's, Sally's, 10,000 in the company currency,
    closing on TODAY, in Prospecting, unless told otherwise."""

    def make(**values):
        arguments = {
            "account": customer,
            "name": "Kettles for the spring catalog",
            "owner": seller,
            "expected_revenue": Decimal("10000"),
            "currency": customer.currency,
            "close_date": TODAY,
            **values,
        }
        if isinstance(arguments.get("stage"), str):
            arguments["stage"] = stages[arguments["stage"]]
        return opportunity_create(**arguments)

    return make


def month(year: int, number: int) -> datetime.date:
    return datetime.date(year, number, 1)
