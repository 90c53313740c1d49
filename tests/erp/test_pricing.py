"""Selling prices: a customer's own lists before the general ones, the highest quantity break reached,
only lists active and valid on the day and in the currency asked."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import Currency, Partner
from erp.models import PriceList, PriceListItem
from erp.services.pricing import price_for, price_list_item_remove, price_list_item_set, price_lookup
from tests.erp.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle(item):
    return item("KT-200")


@pytest.fixture
def general(company, kettle):
    """Everyone's list in CNY: 100 from 1, 90 from 10, 80 from 50."""
    price_list = PriceList.objects.create(code="STD-CNY", name="Standard", currency=company.currency)
    for min_quantity, price in ((0, 100), (10, 90), (50, 80)):
        price_list_item_set(price_list=price_list, item=kettle, min_quantity=Decimal(min_quantity), unit_price=price)
    return price_list


def price(customer, kettle, quantity, currency=None, on=TODAY):
    return price_for(
        customer=customer, item=kettle, quantity=Decimal(quantity), currency=currency or customer.currency, on=on
    )


@pytest.mark.parametrize(("quantity", "expected"), [("1", 100), ("9.5", 100), ("10", 90), ("49", 90), ("50", 80)])
def test_the_highest_break_not_above_the_quantity_prices_it(customer, kettle, general, quantity, expected):
    assert price(customer, kettle, quantity) == expected


def test_the_customers_own_list_comes_before_the_general_one(customer, kettle, general, company):
    own = PriceList.objects.create(code="MH-CNY", name="MediaHome", currency=company.currency, customer=customer)
    price_list_item_set(price_list=own, item=kettle, unit_price=Decimal(95))
    other = Partner.objects.create(code="OTHER", name="Other", kind="customer", currency=company.currency)
    # Its own 95 even where the general list's break would be cheaper: the contract price holds.
    assert price(customer, kettle, 60) == 95
    row = price_lookup(customer=customer, item=kettle, quantity=Decimal(60), currency=company.currency, on=TODAY)
    assert row.price_list == own
    assert price(other, kettle, 60) == 80


def test_a_general_list_answers_what_the_customers_lists_do_not(customer, kettle, general, company, item):
    own = PriceList.objects.create(code="MH-CNY", name="MediaHome", currency=company.currency, customer=customer)
    price_list_item_set(price_list=own, item=item("TS-400"), unit_price=Decimal(50))  # another item
    price_list_item_set(price_list=own, item=kettle, min_quantity=Decimal(100), unit_price=Decimal(70))
    assert price(customer, kettle, 20) == 90  # its own break starts at 100
    assert price(customer, kettle, 100) == 70


def test_only_active_lists_valid_on_the_day_count(customer, kettle, general, company):
    expired = PriceList.objects.create(
        code="MH-2025",
        name="MediaHome 2025",
        currency=company.currency,
        customer=customer,
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
    )
    future = PriceList.objects.create(
        code="MH-2027",
        name="MediaHome 2027",
        currency=company.currency,
        customer=customer,
        valid_from=datetime.date(2027, 1, 1),
    )
    inactive = PriceList.objects.create(
        code="MH-OLD", name="MediaHome old", currency=company.currency, customer=customer, active=False
    )
    for price_list, unit_price in ((expired, 60), (future, 65), (inactive, 55)):
        price_list_item_set(price_list=price_list, item=kettle, unit_price=Decimal(unit_price))
    assert price(customer, kettle, 1) == 100
    assert price(customer, kettle, 1, on=datetime.date(2025, 6, 1)) == 60
    assert price(customer, kettle, 1, on=datetime.date(2027, 1, 1)) == 65


def test_of_two_lists_valid_on_the_day_the_later_started_one_wins(customer, kettle, general, company):
    for code, start, unit_price in (("MH-A", datetime.date(2026, 1, 1), 97), ("MH-B", datetime.date(2026, 7, 1), 93)):
        price_list = PriceList.objects.create(
            code=code, name=code, currency=company.currency, customer=customer, valid_from=start
        )
        price_list_item_set(price_list=price_list, item=kettle, unit_price=Decimal(unit_price))
    assert price(customer, kettle, 1) == 93


def test_no_price_in_the_currency_asked_is_refused_naming_what_was_looked_for(customer, kettle, general, usd):
    with pytest.raises(ValidationError) as error:
        price(customer, kettle, 5, currency=usd)
    (problem,) = error.value.error_dict["item"]
    assert problem.code == "no_price"
    assert "KT-200" in problem.message and "USD" in problem.message and "MEDIAHOME" in problem.message


def test_a_quantity_must_be_positive(customer, kettle, general):
    with pytest.raises(ValidationError) as error:
        price(customer, kettle, 0)
    assert error.value.error_dict["quantity"][0].code == "min_value"


def test_setting_a_break_again_changes_its_price_and_negative_values_are_refused(company, kettle):
    price_list = PriceList.objects.create(code="STD", name="Standard", currency=company.currency)
    row = price_list_item_set(price_list=price_list, item=kettle, min_quantity=Decimal(10), unit_price=Decimal(90))
    again = price_list_item_set(price_list=price_list, item=kettle, min_quantity=Decimal(10), unit_price=Decimal(88))
    assert again.pk == row.pk and PriceListItem.objects.get(pk=row.pk).unit_price == 88
    with pytest.raises(ValidationError) as error:
        price_list_item_set(price_list=price_list, item=kettle, min_quantity=Decimal(-1), unit_price=Decimal(-5))
    assert set(error.value.error_dict) == {"unit_price", "min_quantity"}
    price_list_item_remove(row=again)
    assert not price_list.items.exists()


def test_a_price_list_cannot_end_before_it_starts_nor_belong_to_a_supplier(company, supplier):
    price_list = PriceList(
        code="BAD",
        name="Bad",
        currency=Currency.objects.get(code="CNY"),
        customer=supplier,
        valid_from=datetime.date(2026, 6, 1),
        valid_to=datetime.date(2026, 5, 1),
    )
    with pytest.raises(ValidationError) as error:
        price_list.full_clean()
    assert {"valid_to", "customer"} <= set(error.value.error_dict)
