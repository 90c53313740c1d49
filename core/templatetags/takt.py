from decimal import Decimal

from django import template

from core.formatting import trim_decimal

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity without the trailing zeros of its column's scale: 0.420000 -> 0.42, 1.000000 -> 1."""
    if value is None or value == "":
        return ""
    return trim_decimal(Decimal(value), min_places=0)
