from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def percent(ratio: Decimal | None) -> str:
    """An OEE ratio as a percentage with one decimal (0.6400 -> 64.0 %); a dash when it is undefined."""
    if ratio is None or ratio == "":
        return "\N{EN DASH}"
    return f"{(Decimal(ratio) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"
