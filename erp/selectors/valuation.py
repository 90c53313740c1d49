"""Reads of inventory valuation: an item's method, and the value of stock at the end of a day."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from core.models import Item, ItemCategory
from erp.choices import AccountRole
from erp.models import Account, ErpSettings, ItemValuation, JournalLine, ValuationLayer, ValuationPolicy
from wms.selectors.stock import stock_as_of

ZERO = Decimal(0)


def valuation_methods_for(*, items: Iterable[Item]) -> dict[int, str]:
    """Item id -> the method of its category's policy (walking up the parents), else the company default.

    A few queries whatever the number of items: the policies, the category tree when a parent must be
    walked, the settings when some item falls back on the default.
    """
    items = list(items)
    policies = dict(ValuationPolicy.objects.order_by().values_list("category_id", "method"))
    parents: dict[int, int | None] | None = None
    default: str | None = None
    methods: dict[int, str] = {}
    for item in items:
        category_id, seen, method = item.category_id if policies else None, set(), None
        while category_id is not None and category_id not in seen:
            if category_id in policies:
                method = policies[category_id]
                break
            seen.add(category_id)
            if parents is None:
                parents = dict(ItemCategory.objects.values_list("pk", "parent_id"))
            category_id = parents.get(category_id)
        if method is None:
            if default is None:
                default = ErpSettings.load().default_valuation_method
            method = default
        methods[item.pk] = method
    return methods


def valuation_method_for(*, item: Item) -> str:
    """The method the item is valued by now: see valuation_methods_for()."""
    return valuation_methods_for(items=[item])[item.pk]


def category_and_below(category: ItemCategory) -> list[int]:
    """The category and every category below it, from one read of the tree."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in ItemCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: list[int] = []
    todo = [category.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.append(pk)
            todo.extend(children.get(pk, ()))
    return found


def day_end(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` in the company's time zone: what happened before it is "as of" the day."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def inventory_accounts() -> list[Account]:
    """Every account the inventory role books to (by default and per item category)."""
    return list(Account.objects.filter(mappings__role=AccountRole.INVENTORY).distinct().order_by("code"))


def account_balance(*, accounts: list[Account], as_of: datetime.date) -> Decimal:
    """Debits less credits booked on the accounts up to the end of the day."""
    sums = JournalLine.objects.filter(account__in=accounts, entry__date__lte=as_of).aggregate(
        debit=Sum("debit", default=ZERO), credit=Sum("credit", default=ZERO)
    )
    return sums["debit"] - sums["credit"]


@dataclass
class StockValuationRow:
    item: Item
    method: str
    quantity: Decimal
    value: Decimal
    on_hand: Decimal  # what WMS holds; differs from `quantity` only for stock that was never valued

    @property
    def unit_cost(self) -> Decimal:
        return (self.value / self.quantity).quantize(Decimal("0.000001")) if self.quantity else ZERO

    @property
    def unvalued(self) -> Decimal:
        return self.on_hand - self.quantity


@dataclass
class StockValuation:
    as_of: datetime.date
    rows: list[StockValuationRow]
    accounts: list[Account]
    account_balance: Decimal
    category: ItemCategory | None = None  # a part of the stock: its value is not the accounts' balance
    total_value: Decimal = field(init=False)

    def __post_init__(self):
        self.total_value = sum((row.value for row in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        """Zero unless the books were touched outside the valuation (see docs/erp.md)."""
        return self.account_balance - self.total_value


def stock_valuation(*, as_of: datetime.date, category: ItemCategory | None = None) -> StockValuation:
    """Quantity and value of every item's stock (of a category and those below it, if given) at the end of
    a day, from its valuation layers, beside the balance of the inventory accounts that day and what WMS
    had on hand. The balance is of all inventory accounts, even for one category.

    Layers record every change of an item's valued stock (receipts, issues, revaluations), so their sums
    up to a moment are the valuation at that moment; the entries they booked carry the same day.
    """
    end = day_end(as_of)
    layers = ValuationLayer.objects.filter(date__lt=end)
    categories = category_and_below(category) if category is not None else None
    if categories is not None:
        layers = layers.filter(item__category__in=categories)
    sums = {
        row["item"]: (row["quantity"], row["value"])
        for row in layers.values("item").annotate(quantity=Sum("quantity"), value=Sum("value")).order_by()
    }
    on_hand: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in stock_as_of(at=end - datetime.timedelta(microseconds=1)):
        on_hand[row["item_id"]] += row["quantity"]
    item_ids = {pk for pk, (quantity, value) in sums.items() if quantity or value}
    item_ids |= {pk for pk, quantity in on_hand.items() if quantity}
    items = Item.objects.filter(pk__in=item_ids).select_related("uom", "category").order_by("code")
    if categories is not None:
        items = items.filter(category__in=categories)
    methods = dict(ItemValuation.objects.filter(item__in=item_ids).values_list("item_id", "method"))
    rows = [
        StockValuationRow(
            item=item,
            method=methods.get(item.pk, ""),
            quantity=sums.get(item.pk, (ZERO, ZERO))[0],
            value=sums.get(item.pk, (ZERO, ZERO))[1],
            on_hand=on_hand[item.pk],
        )
        for item in items
    ]
    accounts = inventory_accounts()
    return StockValuation(
        as_of=as_of,
        rows=rows,
        accounts=accounts,
        account_balance=account_balance(accounts=accounts, as_of=as_of),
        category=category,
    )
