import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import Company, Currency, ExchangeRate, Unit, UnitConversionError
from core.selectors.currencies import convert_amount, exchange_rate_on

pytestmark = pytest.mark.django_db


def unit(code: str) -> Unit:
    return Unit.objects.select_related("category").get(code=code)


def test_the_builtin_catalog_has_the_units_import_files_name():
    assert set(Unit.objects.values_list("code", flat=True)) >= {"ea", "kg", "g", "m", "mm", "l", "ml", "h", "min"}


@pytest.mark.parametrize(
    ("quantity", "source", "target", "expected"),
    [
        ("1500", "g", "kg", "1.500"),
        ("2.5", "kg", "g", "2500.000"),
        ("1250", "mm", "m", "1.250"),
        ("90", "min", "h", "1.50"),
        ("3", "dz", "ea", "36"),
        ("250", "ml", "l", "0.250"),
        ("7", "kg", "kg", "7"),
    ],
)
def test_converts_within_a_category(quantity, source, target, expected):
    assert unit(source).convert(Decimal(quantity), unit(target)) == Decimal(expected)


def test_conversion_across_categories_is_an_error_naming_both_units():
    with pytest.raises(UnitConversionError) as error:
        unit("kg").convert(Decimal("1"), unit("m"))
    assert "kg" in str(error.value) and "m (Length)" in str(error.value)


@pytest.fixture
def company_in_cny():
    cny = Currency.objects.get(code="CNY")
    Company.objects.create(code="SAC", name="SmartAppliance Co.", currency=cny)
    eur = Currency.objects.get(code="EUR")
    ExchangeRate.objects.create(currency=eur, valid_from=datetime.date(2026, 1, 1), rate=Decimal("7.70"))
    ExchangeRate.objects.create(currency=eur, valid_from=datetime.date(2026, 6, 1), rate=Decimal("7.90"))
    ExchangeRate.objects.create(
        currency=Currency.objects.get(code="USD"), valid_from=datetime.date(2026, 1, 1), rate=Decimal("7.20")
    )
    return cny


def test_the_rate_of_a_date_is_the_latest_on_or_before_it(company_in_cny):
    eur = Currency.objects.get(code="EUR")
    assert exchange_rate_on(currency=eur, on=datetime.date(2026, 5, 31)) == Decimal("7.70")
    assert exchange_rate_on(currency=eur, on=datetime.date(2026, 6, 1)) == Decimal("7.90")
    assert exchange_rate_on(currency=company_in_cny, on=datetime.date(2020, 1, 1)) == Decimal(1)


def test_converts_money_through_the_company_currency(company_in_cny):
    eur, usd, jpy = (Currency.objects.get(code=c) for c in ("EUR", "USD", "JPY"))
    on = datetime.date(2026, 7, 1)
    assert convert_amount(amount=Decimal("100"), from_currency=eur, to_currency=company_in_cny, on=on) == Decimal(
        "790.00"
    )
    assert convert_amount(amount=Decimal("100"), from_currency=eur, to_currency=usd, on=on) == Decimal("109.72")
    with pytest.raises(ValidationError) as error:
        convert_amount(amount=Decimal("1"), from_currency=eur, to_currency=jpy, on=on)
    assert error.value.code == "no_exchange_rate"


def test_no_rate_before_the_first_one(company_in_cny):
    with pytest.raises(ValidationError, match="No exchange rate for EUR on or before 2025-12-31"):
        exchange_rate_on(currency=Currency.objects.get(code="EUR"), on=datetime.date(2025, 12, 31))
