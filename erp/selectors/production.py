"""Reads of production orders: the standard cost of an order, its variances, and variances per item and month.

The variances (positive = unfavourable, cost above standard). G = good units received, S = units scrapped,
Q = the order quantity. Per component, at its frozen standard price SP: AQ issued, AV their value,
SQ(n) = n x qty_per x (1 + scrap_pct/100), R the required quantity (SQ(Q) rounded up to the unit's precision):

    material price  = AV - AQ x SP
    material usage  = (AQ - SQ(G+S)) x SP - (G/Q x R - SQ(G)) x SP
    scrap           = SQ(S) x SP

Per operation, at its frozen rates (labor LR and machine MR per hour, crew C), with SM(n) = setup + run x n
minutes and the actual machine minutes AM and labor minutes AL:

    machine efficiency = (AM - SM(G+S)) / 60 x MR + (1 - G/Q) x setup / 60 x MR
    labor efficiency   = (AL - SM(G+S) x C) / 60 x LR + (1 - G/Q) x setup x C / 60 x LR
    scrap              = run x S / 60 x (LR x C + MR)

The output is received at the order's standard unit cost, which spreads the setup and the required
quantities (rounded up) over Q. The second terms above are what that absorbs beyond SQ(G) and SM(G): the
setup not absorbed when G < Q (over-absorbed when G > Q) lands in the efficiency variances, and the
rounding allowance of the required quantities in material usage. With them the variances add up to the
actual cost less G x standard unit cost, which is what the order's WIP holds. Each variance is rounded to
the cent; what the roundings (and the booked amounts' own) leave is put in material usage, so the
variances clear the WIP balance to the cent.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from core.models import Item
from erp.choices import VarianceKind
from erp.models import ProductionComponent, ProductionOperation, ProductionOrder, ProductionVariance

ZERO = Decimal(0)
CENT = Decimal("0.01")
HOUR = Decimal(60)
UNIT_COST_STEP = Decimal(1).scaleb(-ProductionOrder._meta.get_field("standard_unit_cost").decimal_places)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def standard_quantity(component: ProductionComponent, units: Decimal) -> Decimal:
    """SQ(n): what `units` of the parent need of the component by standard, the scrap allowance included."""
    return units * component.qty_per * (1 + component.scrap_pct / 100)


def standard_minutes(operation: ProductionOperation, units: Decimal) -> Decimal:
    """SM(n): machine minutes `units` of the parent take on the operation by standard, setup included."""
    return operation.setup_minutes + operation.run_minutes_per_unit * units


def rate_per_minute(operation: ProductionOperation) -> Decimal:
    """What one machine minute of the operation costs at its frozen rates: its crew's labor and the machine."""
    return (operation.labor_rate_per_hour * operation.crew_size + operation.machine_rate_per_hour) / HOUR


def order_standard_unit_cost(
    *, quantity: Decimal, components: list[ProductionComponent], operations: list[ProductionOperation]
) -> Decimal:
    """The order's own standard per good unit: its required material at the frozen standard prices and its
    operations' setup and run time at their frozen rates, spread over the order quantity."""
    material = sum((c.required_qty * (c.standard_unit_cost or ZERO) for c in components), ZERO)
    time = sum((standard_minutes(o, quantity) * rate_per_minute(o) for o in operations), ZERO)
    return ((material + time) / quantity).quantize(UNIT_COST_STEP, rounding=ROUND_HALF_UP)


@dataclass
class ComponentVariances:
    component: ProductionComponent
    standard_qty: Decimal  # SQ(G+S)
    price: Decimal
    usage: Decimal
    scrap: Decimal


@dataclass
class OperationVariances:
    operation: ProductionOperation
    standard_minutes: Decimal  # SM(G+S)
    machine: Decimal
    labor: Decimal
    scrap: Decimal


@dataclass
class OrderVariances:
    """An order's variances: per component and operation unrounded, per kind in cents clearing its WIP."""

    good: Decimal
    scrapped: Decimal
    material_cost: Decimal
    labor_cost: Decimal
    machine_cost: Decimal
    output_value: Decimal
    components: list[ComponentVariances] = field(default_factory=list)
    operations: list[OperationVariances] = field(default_factory=list)
    amounts: dict[str, Decimal] = field(default_factory=dict)
    rounding: Decimal = ZERO

    @property
    def actual_cost(self) -> Decimal:
        return self.material_cost + self.labor_cost + self.machine_cost

    @property
    def wip_balance(self) -> Decimal:
        """What the order's WIP holds: consumption and absorbed time, less the output received."""
        return self.actual_cost - self.output_value

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def order_variances(*, order: ProductionOrder) -> OrderVariances:
    """The variances of a released order on what it has consumed, absorbed and received so far (final once
    it is completed); see the module's docstring for the formulas."""
    components = list(order.components.select_related("item__uom").order_by("position"))
    operations = list(order.operations.select_related("work_center").order_by("seq"))
    good, scrapped, planned = order.completed_qty, order.scrapped_qty, order.quantity
    processed = good + scrapped
    result = OrderVariances(
        good=good,
        scrapped=scrapped,
        material_cost=sum((c.issued_value for c in components), ZERO),
        labor_cost=sum((o.absorbed_labor for o in operations), ZERO),
        machine_cost=sum((o.absorbed_machine for o in operations), ZERO),
        output_value=order.received_value,
    )
    kinds = dict.fromkeys(VarianceKind.values, ZERO)
    for component in components:
        price_ = component.standard_unit_cost or ZERO
        allowance = (good / planned * component.required_qty - standard_quantity(component, good)) * price_
        row = ComponentVariances(
            component=component,
            standard_qty=standard_quantity(component, processed),
            price=component.issued_value - component.issued_qty * price_,
            usage=(component.issued_qty - standard_quantity(component, processed)) * price_ - allowance,
            scrap=standard_quantity(component, scrapped) * price_,
        )
        result.components.append(row)
        kinds[VarianceKind.MATERIAL_PRICE] += row.price
        kinds[VarianceKind.MATERIAL_USAGE] += row.usage
        kinds[VarianceKind.SCRAP] += row.scrap
    unabsorbed_setup = 1 - good / planned
    for operation in operations:
        minutes = standard_minutes(operation, processed)
        # The setup the output did not absorb (G < Q), or absorbed twice over (G > Q).
        setup = operation.setup_minutes * unabsorbed_setup
        row = OperationVariances(
            operation=operation,
            standard_minutes=minutes,
            machine=(operation.actual_machine_minutes - minutes + setup) / HOUR * operation.machine_rate_per_hour,
            labor=(operation.actual_labor_minutes - (minutes - setup) * operation.crew_size)
            / HOUR
            * operation.labor_rate_per_hour,
            scrap=operation.run_minutes_per_unit * scrapped * rate_per_minute(operation),
        )
        result.operations.append(row)
        kinds[VarianceKind.MACHINE_EFFICIENCY] += row.machine
        kinds[VarianceKind.LABOR_EFFICIENCY] += row.labor
        kinds[VarianceKind.SCRAP] += row.scrap
    result.amounts = {kind: _cents(amount) for kind, amount in kinds.items()}
    # The cents the roundings leave (of each variance, of the booked amounts, of the standard unit cost).
    result.rounding = result.wip_balance - result.total
    result.amounts[VarianceKind.MATERIAL_USAGE] += result.rounding
    return result


# --- Variances per item and period --------------------------------------------------------------------------------


@dataclass
class VarianceSummaryRow:
    item: Item
    period: datetime.date  # the first day of the month
    amounts: dict[str, Decimal]
    orders: int

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def variances_in(
    *, date_from: datetime.date | None = None, date_to: datetime.date | None = None, item: Item | None = None
) -> QuerySet[ProductionVariance]:
    """The variances of orders closed in a date range (both ends included), of one item or all."""
    variances = ProductionVariance.objects.all()
    if date_from:
        variances = variances.filter(date__gte=date_from)
    if date_to:
        variances = variances.filter(date__lte=date_to)
    if item is not None:
        variances = variances.filter(order__item=item)
    return variances


def variance_summary(
    *, date_from: datetime.date | None = None, date_to: datetime.date | None = None, item: Item | None = None
) -> list[VarianceSummaryRow]:
    """Variances summed per item and month of closing, each kind apart, ordered by item code then month."""
    variances = variances_in(date_from=date_from, date_to=date_to, item=item).annotate(period=TruncMonth("date"))
    money = DecimalField(max_digits=18, decimal_places=2)
    sums = (
        variances.values("order__item", "period", "kind")
        .annotate(amount=Coalesce(Sum("amount"), Value(ZERO), output_field=money))
        .order_by()
    )
    orders = variances.values("order__item", "period").annotate(count=Count("order", distinct=True)).order_by()
    amounts: dict[tuple[int, datetime.date], dict[str, Decimal]] = {}
    for row in sums:
        key = (row["order__item"], row["period"])
        amounts.setdefault(key, dict.fromkeys(VarianceKind.values, ZERO))[row["kind"]] += row["amount"]
    counts = {(row["order__item"], row["period"]): row["count"] for row in orders}
    items = Item.objects.in_bulk({item_id for item_id, _period in amounts})
    rows = [
        VarianceSummaryRow(item=items[item_id], period=period, amounts=kinds, orders=counts[(item_id, period)])
        for (item_id, period), kinds in amounts.items()
    ]
    return sorted(rows, key=lambda row: (row.item.code, row.period))


@dataclass
class ProductionProgress:
    """Where a production order for a customer's order stands, as MES has reported it."""

    order: ProductionOrder
    operations: int
    operations_done: int
    good_qty: Decimal  # good units out of the last operation so far
    current: ProductionOperation | None  # the first operation not done

    @property
    def percent_done(self) -> Decimal:
        return min(Decimal(100), self.good_qty / self.order.quantity * 100).quantize(Decimal("1"), ROUND_HALF_UP)


def sales_order_production(*, sales_order_id: int) -> list[ProductionProgress]:
    """The production orders made for a sales order's lines, each with its progress. Two queries."""
    return production_progress(ProductionOrder.objects.filter(sales_order_line__order_id=sales_order_id))


def production_progress(orders: QuerySet[ProductionOrder]) -> list[ProductionProgress]:
    """Those of `orders` not cancelled, by number, each with its progress: operations done, good units out of
    its last operation, and the operation (and machine) it is at. Two queries, however many orders."""
    orders = list(orders.exclude(state="cancelled").select_related("item").order_by("number"))
    operations: dict[int, list[ProductionOperation]] = {order.pk: [] for order in orders}
    for operation in (
        ProductionOperation.objects.filter(order__in=orders)
        .select_related("work_center", "machine")
        .order_by("order_id", "seq")
    ):
        operations[operation.order_id].append(operation)
    progress = []
    for order in orders:
        ops = operations[order.pk]
        open_ops = [op for op in ops if op.state != "done"]
        progress.append(
            ProductionProgress(
                order=order,
                operations=len(ops),
                operations_done=len(ops) - len(open_ops),
                good_qty=ops[-1].good_qty if ops else order.completed_qty,
                current=open_ops[0] if open_ops else None,
            )
        )
    return progress
