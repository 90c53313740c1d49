"""What every MES service checks the same way: refusals naming their field, and the moments and numbers
reported from the floor."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# Clocks on tablets and PLCs drift; a report a little ahead of the server is accepted as now.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def local_time(at: datetime.datetime) -> str:
    """A moment as people on the floor read it in a message: the plant's local time."""
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


def moment(at: datetime.datetime | None, field: str = "at") -> datetime.datetime:
    """A time reported from the floor: now when not given, never naive nor ahead of the server's clock."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise refuse(field, _("Give the time with its time zone."), "naive")
    if at > now + CLOCK_SKEW:
        raise refuse(field, _("%(at)s is in the future.") % {"at": local_time(at)}, "future")
    return at


def number(value: Any, field: str) -> Decimal:
    """A finite number from what was given (a Decimal, an int, a string), or a refusal naming the field."""
    try:
        given = Decimal(str(value))
    except ArithmeticError:
        raise refuse(field, _("Give a number."), "invalid") from None
    if not given.is_finite():
        raise refuse(field, _("Give a number."), "invalid")
    return given
