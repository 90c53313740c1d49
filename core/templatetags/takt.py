from django import template

from core.formatting import format_quantity

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity without the trailing zeros of its column's scale: 0.420000 -> 0.42, 1.000000 -> 1."""
    return format_quantity(None if value == "" else value)
