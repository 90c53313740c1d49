import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.models import Company, Currency, ExchangeRate


def company_currency() -> Currency:
    """The currency the books are kept in (one company per Takt database)."""
    company = Company.objects.select_related("currency").order_by("pk").first()
    if company is None:
        raise ValidationError(_("No company is set up yet."), code="no_company")
    return company.currency


def exchange_rate_on(*, currency: Currency, on: datetime.date) -> Decimal:
    """Company-currency units per unit of `currency`, from the latest rate on or before `on`."""
    if currency.pk == company_currency().pk:
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationError(
            _("No exchange rate for %(currency)s on or before %(date)s."),
            code="no_exchange_rate",
            params={"currency": currency.code, "date": on.isoformat()},
        )
    return rate


def convert_amount(*, amount: Decimal, from_currency: Currency, to_currency: Currency, on: datetime.date) -> Decimal:
    """Convert money between currencies at the rates of a date, rounded to the target's decimals."""
    if from_currency.pk == to_currency.pk:
        return amount
    converted = (
        Decimal(amount)
        * exchange_rate_on(currency=from_currency, on=on)
        / exchange_rate_on(currency=to_currency, on=on)
    )
    return converted.quantize(Decimal(1).scaleb(-to_currency.decimals))
