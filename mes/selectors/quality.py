"""Reads of quality: where a lot came from, which inspections a running operation owes, and statistical
process control (SPC) of a measured characteristic.

SPC, for the measurements of one characteristic in the order they were taken:

- Individuals (X-mR) chart: the values, their mean X̄ and the moving ranges MRᵢ = |xᵢ - xᵢ₋₁|; the
  control limits are X̄ ± 2.66 MR̄ (2.66 = 3 / d2 for n = 2).
- X-bar / R chart: consecutive subgroups of n values (2 ≤ n ≤ 10; an incomplete last subgroup is left
  out); the grand mean X̿ with limits X̿ ± A2 R̄, and the ranges with limits D3 R̄ and D4 R̄.
- Capability: Cp = (USL - LSL) / 6 sigma and Cpk = min(USL - μ, μ - LSL) / 3 sigma, with μ the mean and sigma the
  within-subgroup standard deviation: R̄ / d2 from the subgroups when a subgroup size is given, else
  MR̄ / 1.128 from the moving ranges. With one limit only there is no Cp and Cpk is that side's.
"""

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.formatting import format_quantity
from core.models import Partner
from erp.models import ProductionOperation, ProductionOrder
from mes.choices import CharacteristicKind, EventKind, InspectionTrigger, SamplingFrequency
from mes.models import Characteristic, Inspection, InspectionPlan, Nonconformance, OperationRun
from wms.choices import LocationKind, MoveKind
from wms.models import Lot, Receipt, StockMove

ZERO = Decimal(0)
# Control chart constants by subgroup size n (ASTM E2587 / Montgomery, table VI).
A2 = {2: "1.880", 3: "1.023", 4: "0.729", 5: "0.577", 6: "0.483", 7: "0.419", 8: "0.373", 9: "0.337", 10: "0.308"}
D3 = {2: "0", 3: "0", 4: "0", 5: "0", 6: "0", 7: "0.076", 8: "0.136", 9: "0.184", 10: "0.223"}
D4 = {2: "3.267", 3: "2.574", 4: "2.282", 5: "2.114", 6: "2.004", 7: "1.924", 8: "1.864", 9: "1.816", 10: "1.777"}
D2 = {2: "1.128", 3: "1.693", 4: "2.059", 5: "2.326", 6: "2.534", 7: "2.704", 8: "2.847", 9: "2.970", 10: "3.078"}
SUBGROUP_SIZES = range(2, 11)
E2 = Decimal("2.66")  # 3 / d2 for moving ranges of two
MR_D2 = Decimal(D2[2])


# --- Where a lot comes from -------------------------------------------------------------------------------


def lot_supplier(lot: Lot) -> Partner | None:
    """The supplier a lot was received from: the receipt its receipt move names (by number, or by the
    purchase order it was received against). Goods a customer returned come in on a receipt too, from the
    customers' location: those are not where the lot came from."""
    references = StockMove.objects.filter(
        lot=lot, kind=MoveKind.RECEIPT, from_location__kind=LocationKind.SUPPLIER
    ).values_list("reference", flat=True)
    for reference in references.order_by("moved_at", "pk"):
        receipt = (
            Receipt.objects.filter(lines__item=lot.item_id, number=reference).select_related("supplier").first()
            or Receipt.objects.filter(lines__item=lot.item_id, reference=reference).select_related("supplier").first()
        )
        if receipt is not None:
            return receipt.supplier
    return None


def producing_order(lot: Lot) -> ProductionOrder | None:
    """The production order whose output the lot is (its output is received under the order's number)."""
    reference = (
        StockMove.objects.filter(lot=lot, kind=MoveKind.PRODUCTION)
        .order_by("moved_at", "pk")
        .values_list("reference", flat=True)
        .first()
    )
    return ProductionOrder.objects.filter(number=reference).first() if reference else None


def limits_text(characteristic: Characteristic) -> str:
    """A characteristic's specification as people read it: "0 … 0.5", "≥ 95", "≤ 105" or "pass / fail"."""
    low, high = characteristic.lower_limit, characteristic.upper_limit
    if characteristic.kind == CharacteristicKind.ATTRIBUTE:
        return _("pass / fail")
    if low is not None and high is not None:
        return f"{format_quantity(low)} … {format_quantity(high)}"
    return f"≥ {format_quantity(low)}" if low is not None else f"≤ {format_quantity(high)}"


# --- Sampling: what a running operation owes ----------------------------------------------------------------


@dataclass(frozen=True)
class InspectionDue:
    """A plan to inspect now on a run: why, which unit (or lot) and how many inspections are outstanding."""

    plan: InspectionPlan
    reason: str
    outstanding: int
    unit_number: int | None = None
    lot: Lot | None = None


def rework_operation_ids() -> QuerySet:
    """The ids of the operations added to production orders to rework a nonconformance."""
    return Nonconformance.objects.filter(rework_operation__isnull=False).values_list("rework_operation", flat=True)


def last_routing_operation_id(order: ProductionOrder) -> int | None:
    """The order's last operation of its routing: the one that produces its lots. Rework operations added
    for nonconformances may come after it; they rework what was made and produce nothing new."""
    routing = order.operations.exclude(pk__in=rework_operation_ids())
    return routing.order_by("-seq").values_list("pk", flat=True).first()


def is_last_operation(operation: ProductionOperation) -> bool:
    """The operation that produces the order's lots (rework operations added after it produce none)."""
    return operation.pk == last_routing_operation_id(operation.order)


def plans_for_operation(operation: ProductionOperation) -> QuerySet[InspectionPlan]:
    """The active plans of the order's item at this operation: its own sequence, or (empty sequence) the
    order's last operation."""
    order = operation.order
    plans = InspectionPlan.objects.filter(active=True, trigger=InspectionTrigger.OPERATION, item_id=order.item_id)
    at_this = Q(operation_seq=operation.seq)
    plans = plans.filter(at_this | Q(operation_seq__isnull=True) if is_last_operation(operation) else at_this)
    return plans.prefetch_related("characteristics__unit").order_by("code")


def inspections_due(run: OperationRun) -> list[InspectionDue]:
    """The inspections a run owes by its plans' frequencies. Units are what the run counted, good and scrap.

    - first piece: none recorded yet on the operation (whichever run);
    - every n-th: one at units n, 2n, ... of the run, against those recorded since the run started;
    - every unit: one per unit the run counted, against those recorded since it started;
    - per lot: the order's last operation, one per lot it produced without one; another operation, one.
    """
    operation = run.operation
    # Counts are added by UPDATE: read them as they are now, not as the caller's instance holds them.
    good, scrap = OperationRun.objects.filter(pk=run.pk).values_list("good_qty", "scrap_qty").get()
    units = int(good + scrap)
    inspected = Inspection.objects.filter(operation=operation)
    on_operation = Counter(inspected.values_list("plan_id", flat=True))
    on_run = Counter(inspected.filter(inspected_at__gte=run.started_at).values_list("plan_id", flat=True))
    due = []
    for plan in plans_for_operation(operation):
        if plan.frequency == SamplingFrequency.FIRST_PIECE:
            if not on_operation[plan.pk]:
                due.append(InspectionDue(plan, _("First piece"), 1, unit_number=1))
        elif plan.frequency == SamplingFrequency.EVERY_NTH:
            owed = units // plan.every_n - on_run[plan.pk]
            if owed > 0:
                unit = (on_run[plan.pk] + 1) * plan.every_n
                reason = _("Every %(n)s units: unit %(unit)s") % {"n": plan.every_n, "unit": unit}
                due.append(InspectionDue(plan, reason, owed, unit_number=unit))
        elif plan.frequency == SamplingFrequency.EVERY_UNIT:
            owed = units - on_run[plan.pk]
            if owed > 0:
                unit = on_run[plan.pk] + 1
                due.append(InspectionDue(plan, _("Every unit: unit %(unit)s") % {"unit": unit}, owed, unit_number=unit))
        else:
            due.extend(_per_lot_due(plan, operation, on_operation))
    return due


def _per_lot_due(plan: InspectionPlan, operation: ProductionOperation, on_operation: Counter) -> list[InspectionDue]:
    """The last operation produces the order's lots: one inspection each. Another operation's output is
    one lot, moving on to the next operation: one inspection."""
    if not is_last_operation(operation):
        return [] if on_operation[plan.pk] else [InspectionDue(plan, _("Once for the operation"), 1)]
    produced = (
        Lot.objects.filter(mes_events__kind=EventKind.PRODUCE, mes_events__operation=operation)
        .exclude(pk__in=Inspection.objects.filter(plan=plan, lot__isnull=False).values("lot"))
        .distinct()
        .order_by("code")
    )
    return [InspectionDue(plan, _("Lot %(lot)s") % {"lot": lot.code}, 1, lot=lot) for lot in produced]


# --- SPC ------------------------------------------------------------------------------------------------------


@dataclass
class IndividualsChart:
    values: list[Decimal]
    moving_ranges: list[Decimal]
    mean: Decimal
    mr_bar: Decimal
    ucl: Decimal
    lcl: Decimal


@dataclass
class XbarRChart:
    subgroup_size: int
    means: list[Decimal]
    ranges: list[Decimal]
    grand_mean: Decimal
    r_bar: Decimal
    x_ucl: Decimal
    x_lcl: Decimal
    r_ucl: Decimal
    r_lcl: Decimal


@dataclass
class Capability:
    mean: Decimal
    sigma: Decimal
    sigma_method: str  # "R̄/d2" or "MR̄/1.128"
    cp: Decimal | None
    cpk: Decimal | None


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, ZERO) / len(values)


def individuals_chart(values: Sequence[Decimal]) -> IndividualsChart:
    """X-mR chart of at least two values."""
    if len(values) < 2:
        raise ValueError("An individuals chart needs at least two values")
    moving_ranges = [abs(b - a) for a, b in itertools.pairwise(values)]
    mean, mr_bar = _mean(values), _mean(moving_ranges)
    return IndividualsChart(
        values=list(values),
        moving_ranges=moving_ranges,
        mean=mean,
        mr_bar=mr_bar,
        ucl=mean + E2 * mr_bar,
        lcl=mean - E2 * mr_bar,
    )


def xbar_r_chart(values: Sequence[Decimal], subgroup_size: int) -> XbarRChart:
    """X-bar / R chart of consecutive subgroups of `subgroup_size` (2 to 10); at least one whole subgroup."""
    if subgroup_size not in SUBGROUP_SIZES:
        raise ValueError(f"Subgroups have 2 to 10 values, not {subgroup_size}")
    whole = len(values) - len(values) % subgroup_size
    if not whole:
        raise ValueError("An X-bar / R chart needs at least one whole subgroup")
    groups = [values[start : start + subgroup_size] for start in range(0, whole, subgroup_size)]
    means = [_mean(group) for group in groups]
    ranges = [max(group) - min(group) for group in groups]
    grand_mean, r_bar = _mean(means), _mean(ranges)
    a2 = Decimal(A2[subgroup_size])
    return XbarRChart(
        subgroup_size=subgroup_size,
        means=means,
        ranges=ranges,
        grand_mean=grand_mean,
        r_bar=r_bar,
        x_ucl=grand_mean + a2 * r_bar,
        x_lcl=grand_mean - a2 * r_bar,
        r_ucl=Decimal(D4[subgroup_size]) * r_bar,
        r_lcl=Decimal(D3[subgroup_size]) * r_bar,
    )


def capability(
    *,
    mean: Decimal,
    lower_limit: Decimal | None,
    upper_limit: Decimal | None,
    individuals: IndividualsChart | None = None,
    xbar_r: XbarRChart | None = None,
) -> Capability | None:
    """Cp and Cpk against the specification limits, sigma from the X-bar / R chart when given, else from the
    individuals chart; None when sigma is 0 (every value the same)."""
    if xbar_r is not None:
        sigma, method = xbar_r.r_bar / Decimal(D2[xbar_r.subgroup_size]), "R̄/d2"
    elif individuals is not None:
        sigma, method = individuals.mr_bar / MR_D2, "MR̄/1.128"
    else:
        raise ValueError("Capability needs an individuals or an X-bar / R chart")
    if sigma == 0:
        return None
    sides = []
    if upper_limit is not None:
        sides.append((upper_limit - mean) / (3 * sigma))
    if lower_limit is not None:
        sides.append((mean - lower_limit) / (3 * sigma))
    cp = (upper_limit - lower_limit) / (6 * sigma) if lower_limit is not None and upper_limit is not None else None
    return Capability(mean=mean, sigma=sigma, sigma_method=method, cp=cp, cpk=min(sides) if sides else None)


@dataclass
class CharacteristicSpc:
    characteristic: Characteristic
    points: list[tuple]  # (measured_at, value, inspection number), oldest first
    individuals: IndividualsChart | None = None
    xbar_r: XbarRChart | None = None
    capability: Capability | None = None
    notes: list[str] = field(default_factory=list)


def characteristic_spc(
    *, characteristic: Characteristic, subgroup_size: int | None = None, last: int = 200
) -> CharacteristicSpc:
    """The last `last` measurements of a measured characteristic with its charts and capability; what
    cannot be computed yet (too few values) is said in `notes`."""
    if characteristic.kind != CharacteristicKind.VARIABLE:
        raise ValueError("SPC is for measured characteristics")
    rows = list(
        characteristic.measurements.filter(value__isnull=False)
        .order_by("-measured_at", "-pk")
        .values_list("measured_at", "value", "inspection__number")[:last]
    )
    rows.reverse()
    result = CharacteristicSpc(characteristic=characteristic, points=rows)
    values = [value for _at, value, _number in rows]
    if len(values) < 2:
        result.notes.append(_("Charts need at least two measurements."))
        return result
    result.individuals = individuals_chart(values)
    if subgroup_size is not None:
        if len(values) >= subgroup_size:
            result.xbar_r = xbar_r_chart(values, subgroup_size)
        else:
            result.notes.append(
                _("An X-bar / R chart needs at least %(n)s measurements (one subgroup).") % {"n": subgroup_size}
            )
    result.capability = capability(
        mean=result.individuals.mean,
        lower_limit=characteristic.lower_limit,
        upper_limit=characteristic.upper_limit,
        individuals=result.individuals,
        xbar_r=result.xbar_r,
    )
    if result.capability is None:
        result.notes.append(_("No capability: every value is the same."))
    return result
