"""Where to buy an item: the approved sources and their prices.

The rule: the preferred approved source, when its supplier is not blocked on the day; else
the cheapest approved source at the quantity (compared in the company currency); a conditional source
only when the item has no approved one; pending and disqualified sources never. Only active supplier
items of active suppliers count.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Case, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from core.choices import PartnerKind
from core.models import BlockPurpose, Company, Currency, ExchangeRate, Item, Partner, PartnerBlock
from srm.models import Approval, SupplierItem, SupplierPrice
from srm.models.suppliers import SOURCEABLE_APPROVALS

ZERO = Decimal(0)


def _valid_on(on: datetime.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


def price_at(*, supplier_item: SupplierItem, quantity: Decimal, on: datetime.date) -> Decimal | None:
    """The supplier item's unit price for `quantity` on that day: the break with the largest minimum
    quantity not above it, among the prices valid that day; None when no break applies."""
    return (
        SupplierPrice.objects.filter(_valid_on(on), supplier_item=supplier_item, min_quantity__lte=quantity)
        .order_by("-min_quantity", "-valid_from")
        .values_list("unit_price", flat=True)
        .first()
    )


def supplier_blocked_on(on: datetime.date) -> Exists:
    """Whether a supplier item's supplier has a purchasing block in force that day (for annotate/filter)."""
    return Exists(
        PartnerBlock.objects.filter(
            partner=OuterRef("supplier"),
            purpose=BlockPurpose.PURCHASING,
            lifted_at__isnull=True,
            effective_from__lte=on,
        )
    )


def order_quantity(*, quantity: Decimal, min_order_qty: Decimal, order_multiple: Decimal) -> Decimal:
    """What is ordered from a source to cover `quantity`: at least its minimum, in whole multiples."""
    quantity = max(quantity, min_order_qty)
    if order_multiple > 0:
        quantity = (quantity / order_multiple).to_integral_value(rounding=ROUND_CEILING) * order_multiple
    return quantity


@dataclass(frozen=True, slots=True)
class SourceOption:
    """One candidate source of an item, with its price breaks valid on the day it was read for."""

    supplier_item: SupplierItem
    breaks: tuple[tuple[Decimal, Decimal], ...]  # (min_quantity, unit_price), smallest minimum first
    company_rate: Decimal | None  # company-currency units per unit of its currency; None: no rate known

    @property
    def approval(self) -> str:
        return self.supplier_item.approval

    def order_quantity(self, quantity: Decimal) -> Decimal:
        item = self.supplier_item
        return order_quantity(quantity=quantity, min_order_qty=item.min_order_qty, order_multiple=item.order_multiple)

    def unit_price(self, quantity: Decimal) -> Decimal | None:
        """The price of the break for `quantity`, in the supplier item's currency."""
        price = None
        for minimum, unit_price in self.breaks:
            if minimum > quantity:
                break
            price = unit_price
        return price

    def company_price(self, quantity: Decimal) -> Decimal | None:
        price = self.unit_price(quantity)
        if price is None or self.company_rate is None:
            return None
        return price * self.company_rate


def choose_source(options: Iterable[SourceOption], quantity: Decimal) -> SourceOption | None:
    """The source to buy `quantity` from (see the module's rule); each is priced at what would be ordered
    from it (its minimum and multiple applied). Unpriced sources come after priced ones, then the
    shorter lead time, then the supplier's code."""
    approved, conditional = [], []
    for option in options:
        if option.approval == Approval.APPROVED:
            if option.supplier_item.preferred:
                return option
            approved.append(option)
        elif option.approval == Approval.CONDITIONAL:
            conditional.append(option)
    pool = approved or conditional
    if not pool:
        return None

    def rank(option: SourceOption) -> tuple:
        price = option.company_price(option.order_quantity(quantity))
        item = option.supplier_item
        return (price is None, price or ZERO, item.lead_time_days, item.supplier.code)

    return min(pool, key=rank)


def _company_currency_id() -> Subquery:
    return Subquery(Company.objects.order_by("pk").values("currency_id")[:1])


def _rate_on(on: datetime.date) -> Subquery:
    return Subquery(
        ExchangeRate.objects.filter(currency=OuterRef("currency"), valid_from__lte=on)
        .order_by("-valid_from")
        .values("rate")[:1]
    )


def candidate_supplier_items(*, on: datetime.date) -> QuerySet[SupplierItem]:
    """Supplier items that may be bought from on that day: active, approved or conditional, of an active
    supplier without a purchasing block in force."""
    return SupplierItem.objects.filter(
        active=True,
        approval__in=SOURCEABLE_APPROVALS,
        supplier__active=True,
        supplier__kind__in=(PartnerKind.SUPPLIER, PartnerKind.BOTH),
    ).exclude(supplier_blocked_on(on))


def sources_for_items(items: Iterable[Item | int] | None, on: datetime.date) -> dict[int, list[SourceOption]]:
    """The candidate sources of the items (all items when None), by item id, with their price breaks valid
    on that day and their currency's rate to the company currency: one query, for MRP."""
    # A supplier item without prices joins one empty row, which the validity test alone would let in.
    valid = Q(prices__isnull=False) & _valid_on(on, "prices__")
    queryset = (
        candidate_supplier_items(on=on)
        .select_related("supplier", "currency")
        .annotate(
            break_quantities=ArrayAgg("prices__min_quantity", filter=valid, order_by=("prices__min_quantity",)),
            break_prices=ArrayAgg("prices__unit_price", filter=valid, order_by=("prices__min_quantity",)),
            company_rate=Case(
                When(currency_id=_company_currency_id(), then=Value(Decimal(1))),
                default=_rate_on(on),
                output_field=DecimalField(max_digits=18, decimal_places=8),
            ),
        )
        .order_by("item_id", "supplier__code")
    )
    if items is not None:
        queryset = queryset.filter(item__in=[getattr(item, "pk", item) for item in items])
    options: dict[int, list[SourceOption]] = defaultdict(list)
    for supplier_item in queryset:
        # Two prices for one minimum on one day cannot be saved (overlap check): the breaks are distinct.
        breaks = tuple(zip(supplier_item.break_quantities or (), supplier_item.break_prices or (), strict=True))
        options[supplier_item.item_id].append(SourceOption(supplier_item, breaks, supplier_item.company_rate))
    return dict(options)


@dataclass(frozen=True)
class Source:
    """Where to buy an item and on what terms (price in `currency`, for the quantity asked)."""

    supplier: Partner
    supplier_item: SupplierItem
    unit_price: Decimal | None
    currency: Currency
    lead_time_days: int
    min_order_qty: Decimal
    order_multiple: Decimal

    @classmethod
    def of(cls, option: SourceOption, quantity: Decimal) -> "Source":
        item = option.supplier_item
        return cls(
            supplier=item.supplier,
            supplier_item=item,
            unit_price=option.unit_price(option.order_quantity(quantity)),
            currency=item.currency,
            lead_time_days=item.lead_time_days,
            min_order_qty=item.min_order_qty,
            order_multiple=item.order_multiple,
        )


def preferred_source(*, item: Item, quantity: Decimal, on: datetime.date) -> Source | None:
    """Where to buy `quantity` of the item on that day (the module's rule); None when it has no source.
    The price is the break for what would be ordered (the source's minimum and multiple applied)."""
    option = choose_source(sources_for_items([item], on).get(item.pk, ()), Decimal(quantity))
    return Source.of(option, Decimal(quantity)) if option is not None else None


def item_sources(*, item: Item) -> QuerySet[SupplierItem]:
    """The approved vendor list of an item: every supplier item of it, best standing first, with prices."""
    approval_rank = Case(
        *(When(approval=value, then=Value(rank)) for rank, value in enumerate(Approval.values)),
        default=Value(len(Approval.values)),
    )
    return (
        SupplierItem.objects.filter(item=item)
        .select_related("supplier", "currency", "approval_changed_by")
        .prefetch_related("prices")
        .annotate(approval_rank=approval_rank)
        .order_by("-preferred", "approval_rank", "supplier__code")
    )


def supplier_items_for(*, supplier: Partner, items: Iterable[Item]) -> dict[int, SupplierItem]:
    """The supplier's supplier items of these items, by item id (whatever their approval: for pricing what
    is ordered from them)."""
    queryset = SupplierItem.objects.filter(supplier=supplier, item__in=[item.pk for item in items])
    return {supplier_item.item_id: supplier_item for supplier_item in queryset.select_related("currency")}
