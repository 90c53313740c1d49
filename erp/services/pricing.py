"""Selling prices: which price list row applies to a customer, an item and a quantity on a day.

A customer's own lists come first, the general lists (no customer) after them; within those, the
quantity break with the greatest minimum quantity not above the ordered quantity wins.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from core.formatting import format_quantity
from core.models import Currency, Item, Partner
from erp.models import PriceList, PriceListItem


def _valid_rows(*, item: Item, quantity: Decimal, currency: Currency, on: datetime.date) -> QuerySet:
    return (
        PriceListItem.objects.select_related("price_list__currency", "price_list__customer")
        .filter(
            item=item,
            min_quantity__lte=quantity,
            price_list__active=True,
            price_list__currency=currency,
        )
        .filter(Q(price_list__valid_from__isnull=True) | Q(price_list__valid_from__lte=on))
        .filter(Q(price_list__valid_to__isnull=True) | Q(price_list__valid_to__gte=on))
        # The highest break reached first; between lists that both have it, the most recently started
        # list (a list without a start date counts as the oldest), then by code so the answer is stable.
        .order_by(
            "-min_quantity",
            F("price_list__valid_from").desc(nulls_last=True),
            "price_list__code",
        )
    )


def price_lookup(
    *, customer: Partner | None, item: Item, quantity: Decimal, currency: Currency, on: datetime.date
) -> PriceListItem:
    """The price list row that prices `quantity` of `item` for `customer` in `currency` on `on`.

    The customer's own active lists valid on the day come first; only when none of them prices the
    item at that quantity does a general list (one without a customer) answer. Refused, naming what
    was looked for, when no list does.
    """
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise ValidationError(
            {"quantity": ValidationError(_("The quantity must be more than zero."), code="min_value")}
        )
    rows = _valid_rows(item=item, quantity=quantity, currency=currency, on=on)
    row = rows.filter(price_list__customer=customer).first() if customer is not None else None
    if row is None:
        row = rows.filter(price_list__customer__isnull=True).first()
    if row is None:
        message = _(
            "No price list prices %(quantity)s of %(item)s in %(currency)s for %(customer)s on %(date)s; "
            "add the item to a price list or enter a unit price."
        ) % {
            "quantity": format_quantity(quantity),
            "item": item.code,
            "currency": currency.code,
            "customer": customer.code if customer is not None else _("any customer"),
            "date": on.isoformat(),
        }
        raise ValidationError({"item": ValidationError(message, code="no_price")})
    return row


def price_for(
    *, customer: Partner | None, item: Item, quantity: Decimal, currency: Currency, on: datetime.date
) -> Decimal:
    """The unit price (in `currency`, before discount) of `quantity` of `item` for `customer` on `on`."""
    return price_lookup(customer=customer, item=item, quantity=quantity, currency=currency, on=on).unit_price


def price_list_item_set(
    *, price_list: PriceList, item: Item, unit_price: Decimal, min_quantity: Decimal = Decimal(0)
) -> PriceListItem:
    """Set the price of an item from a quantity on: a new break, or a new price for an existing one."""
    with transaction.atomic():
        # Locked, so two people setting the same break at once cannot both insert it.
        price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
        row = PriceListItem.objects.filter(price_list=price_list, item=item, min_quantity=min_quantity).first()
        if row is None:
            row = PriceListItem(price_list=price_list, item=item, min_quantity=min_quantity)
        row.unit_price = unit_price
        errors = {}
        if Decimal(unit_price) < 0:
            errors["unit_price"] = ValidationError(_("A price cannot be negative."), code="min_value")
        if Decimal(min_quantity) < 0:
            errors["min_quantity"] = ValidationError(_("A quantity break cannot be negative."), code="min_value")
        if errors:
            raise ValidationError(errors)
        # (The break's uniqueness is what the lookup above ensures.)
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()
        return row


def price_list_item_remove(*, row: PriceListItem) -> None:
    with transaction.atomic():
        PriceList.objects.select_for_update().get(pk=row.price_list_id)
        row.delete()
