from decimal import Decimal


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
