"""Fixtures of the accounts, leads and activities tests: a customer with its people and places, a
salesperson, leads made by the service.

Imported by the test modules that use them (as tests/erp/conftest.py imports the WMS fixtures)."""

import datetime

import pytest
from django.utils import timezone

from core.models import Partner
from core.roles import Role
from crm.models import Lead
from crm.services.accounts import address_create, contact_create
from crm.services.leads import lead_create
from crm.services.opportunities import pipeline_defaults_ensure
from tests.erp.conftest import TODAY, company, customer, usd  # noqa: F401  (shared fixtures)


@pytest.fixture
def seller(make_user):
    return make_user(Role.SALES, username="sara")


@pytest.fixture
def stages(db) -> None:
    pipeline_defaults_ensure()


@pytest.fixture
def account(customer):  # noqa: F811
    """MediaHome with a VAT number, a buyer (its primary contact) and a shipping address."""
    customer.vat_number = "DE 811.234.567"
    customer.email = "orders@mediahome.example"
    customer.save()
    contact_create(
        account=customer, name="Jana Weber", job_title="Head of purchasing", email="j.weber@mediahome.example"
    )
    address_create(account=customer, name="Hamburg warehouse", street="Hafenstrasse 1", city="Hamburg", country="de")
    return customer


@pytest.fixture
def make_lead(seller):
    """A lead through lead_create, owned by the salesperson, unless told otherwise."""

    def make(**values) -> Lead:
        arguments = {
            "company_name": "Nordic Kitchen AB",
            "contact_name": "Lars Berg",
            "email": "lars.berg@nordickitchen.example",
            "phone": "+46 8 123 456",
            "vat_number": "SE556677889901",
            "country": "SE",
            "source": "trade_show",
            "owner": seller,
            "user": seller,
            **values,
        }
        return lead_create(**arguments)

    return make


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def days_ahead(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def supplier_partner(code: str = "S-HEAT") -> Partner:
    return Partner.objects.create(code=code, name="Ningbo Heating Elements Co.", kind="supplier")


__all__ = ["TODAY", "company", "usd"]
