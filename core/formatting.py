from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext


def translated(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """A text stored untranslated (its msgid, marked with gettext_noop, and the values of its placeholders), in the
    active language: what a background run wrote is shown in the language of whoever reads it. A text stored
    before it was kept this way, or not in the catalog, reads as stored."""
    if not msgid:
        return ""  # gettext("") is the catalog's header
    text = gettext(msgid)
    return text % params if params else text


def trim_decimal(value: Decimal, min_places: int = 2) -> str:
    """A decimal as people read it: no trailing zeros beyond `min_places` (3.100000 -> 3.10, 0.000001 stays)."""
    text = f"{value.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(min_places, '0')}" if min_places or fraction else whole


def format_quantity(value: Decimal | None) -> str:
    """A quantity as people read it: 105.000000 -> 105, 0.420000 -> 0.42; nothing for None."""
    return "" if value is None else trim_decimal(Decimal(value), min_places=0)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A cell a spreadsheet shows as text: user-entered text that starts like a formula gets a
    leading apostrophe; numbers (-12.5 is a number, not a formula) are left as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        Decimal(value)
    except ArithmeticError:
        return f"'{value}"
    return value
