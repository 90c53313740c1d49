"""Standard costing: cost versions, their roll-up over the released BOMs and routings, and activation.

Per unit of a made item, in the company currency (see docs/erp.md):

    material = sum over BOM lines of qty_per x (1 + scrap % / 100) x unit ratio x component unit cost
    labor    = sum over operations of (setup / costing lot + run per unit) / 60 x labor rate x crew
    machine  = sum over operations of (setup / costing lot + run per unit) / 60 x machine rate
    total    = material + labor + machine

A bought component costs its Item.standard_cost; a made one costs its total rolled in the same
version, so items are costed leaves first, by low-level code. Every contribution is rounded to six
places and the parts are the sums of their contributions, so the detail adds up to the figures.

A draft version can be rolled up again and again (its rows are replaced); activating it makes its
totals the items' standard costs and archives the version active before; active and archived
versions are frozen.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.choices import Procurement
from core.models import Item, TaskRun
from core.models.units import UnitConversionError
from core.services.progress import ProgressReporter, task_run_start
from erp.choices import CostVersionState
from erp.models import CostVersion, ItemCost
from erp.selectors.costing import (
    HUNDRED,
    ROLL_UP_TASK,
    ZERO,
    CostingStructure,
    cost_version_running,
    costing_lot,
    costing_structure,
    low_level_codes,
    operation_rates,
)
from erp.services.valuation import item_standard_cost_set
from plm.services.cycles import describe_cycle, find_cycle

SIXTY = Decimal(60)
PLACES = Decimal("0.000001")  # the scale of ItemCost's and Item.standard_cost's columns

Progress = ProgressReporter


def _round(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def _text(value: Decimal) -> str:
    """A decimal for the detail JSON, as a string without trailing zeros (JSON numbers would be floats)."""
    return f"{value.normalize():f}"


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- Versions -------------------------------------------------------------------------------------------------


def cost_version_create(*, code: str, name: str, as_of: datetime.date) -> CostVersion:
    """A draft version costing the BOM and routing revisions effective on `as_of`."""
    version = CostVersion(code=(code or "").strip(), name=(name or "").strip(), as_of=as_of)
    version.full_clean()
    version.save()
    return version


def _require_draft(version: CostVersion, code: str) -> None:
    if version.state != CostVersionState.DRAFT:
        message = _("%(version)s is %(state)s: its costs are frozen. Create a new version to cost again.") % {
            "version": version.code,
            "state": version.get_state_display().lower(),
        }
        raise _refuse("state", message, code)


# --- Roll-up ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollUp:
    version: CostVersion
    items: int
    levels: int
    warnings: int

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version.code, "items": self.items, "levels": self.levels, "warnings": self.warnings}


def _warning(code: str, message: str) -> dict[str, str]:
    return {"kind": "warning", "code": code, "message": message}


def _levels(structure: CostingStructure) -> dict[int, int]:
    edges = structure.edges()
    cycle = find_cycle(edges)
    if cycle is not None:
        # PLM refuses cycles when BOMs are saved; data written around it must not loop the roll-up.
        codes = {pk: item.code for pk, item in structure.items.items()}
        message = _("The BOMs effective on %(day)s make an item its own component: %(cycle)s.") % {
            "day": structure.on.isoformat(),
            "cycle": describe_cycle(cycle, codes),
        }
        raise _refuse("as_of", message, "bom_cycle")
    return low_level_codes(items=structure.items, edges=edges)


def _material(item: Item, structure: CostingStructure, costs: dict[int, ItemCost], detail: list[dict]) -> Decimal:
    material = ZERO
    for line in structure.lines.get(item.pk, []):
        component = line.component
        try:
            ratio = line.uom.ratio_to(component.uom)
        except UnitConversionError as exc:
            message = _("%(item)s, BOM line %(position)s: %(reason)s") % {
                "item": item.code,
                "position": line.position,
                "reason": " ".join(exc.messages),
            }
            raise _refuse("as_of", message, "unit_conversion") from exc
        # In the component's own unit, so it multiplies the component's cost per unit.
        quantity = line.qty_per * (1 + line.scrap_pct / HUNDRED) * ratio
        rolled = costs.get(component.pk)
        if rolled is not None:
            unit_cost, source = rolled.total, "rolled"
        else:
            unit_cost, source = component.standard_cost, "standard"
            if component.procurement == Procurement.MAKE:
                detail.append(
                    _warning(
                        "component_not_rolled",
                        _(
                            "%(component)s is made but has no BOM or routing released on this date: "
                            "its standard cost %(cost)s is used."
                        )
                        % {"component": component.code, "cost": _text(unit_cost)},
                    )
                )
            elif not unit_cost:
                detail.append(
                    _warning(
                        "no_standard_cost",
                        _("%(component)s has no standard cost: it adds nothing.") % {"component": component.code},
                    )
                )
        amount = _round(quantity * unit_cost)
        material += amount
        detail.append(
            {
                "kind": "component",
                "position": line.position,
                "item": component.code,
                "name": component.name,
                "qty_per": _text(line.qty_per),
                "uom": line.uom.code,
                "scrap_pct": _text(line.scrap_pct),
                "quantity": _text(_round(quantity)),
                "unit": component.uom.code,
                "unit_cost": _text(unit_cost),
                "source": source,
                "amount": _text(amount),
            }
        )
    return material


def _conversion(item: Item, structure: CostingStructure, lot: Decimal, detail: list[dict]) -> tuple[Decimal, Decimal]:
    labor = machine = ZERO
    unrated: set[str] = set()
    for operation in structure.operations.get(item.pk, []):
        rates = operation_rates(operation)
        minutes = operation.setup_minutes / lot + operation.run_minutes_per_unit
        hours = minutes / SIXTY
        op_labor = _round(hours * rates.labor_per_hour * rates.crew)
        op_machine = _round(hours * rates.machine_per_hour)
        labor += op_labor
        machine += op_machine
        if not rates.has_rate:
            unrated.add(operation.work_center.code)
        detail.append(
            {
                "kind": "operation",
                "seq": operation.seq,
                "name": operation.name,
                "work_center": operation.work_center.code,
                "setup_minutes": _text(operation.setup_minutes),
                "run_minutes_per_unit": _text(operation.run_minutes_per_unit),
                "costing_lot": _text(lot),
                "minutes": _text(_round(minutes)),
                "labor_rate": _text(rates.labor_per_hour),
                "crew": _text(rates.crew),
                "machine_rate": _text(rates.machine_per_hour),
                "machine_rate_source": rates.machine_source,
                "labor": _text(op_labor),
                "machine": _text(op_machine),
            }
        )
    for code in sorted(unrated):
        detail.append(
            _warning(
                "no_rate",
                _(
                    "Work center %(work_center)s has no ERP rate: its labor costs nothing and its machine time "
                    "costs the work center's cost per hour."
                )
                % {"work_center": code},
            )
        )
    return labor, machine


def _item_cost(
    version: CostVersion, item: Item, level: int, structure: CostingStructure, costs: dict[int, ItemCost]
) -> ItemCost:
    bom, routing = structure.boms.get(item.pk), structure.routings.get(item.pk)
    lot = costing_lot(item)
    detail: list[dict] = [
        {
            "kind": "source",
            "bom": bom.revision if bom else None,
            "routing": routing.revision if routing else None,
            "costing_lot": _text(lot),
        }
    ]
    if bom is None:
        detail.append(_warning("no_bom", _("No BOM is released on this date: no material is costed.")))
    if routing is None:
        detail.append(
            _warning("no_routing", _("No routing is released on this date: no labor or machine time is costed."))
        )
    material = _material(item, structure, costs, detail)
    labor, machine = _conversion(item, structure, lot, detail)
    return ItemCost(
        version=version,
        item=item,
        material=material,
        labor=labor,
        machine=machine,
        total=material + labor + machine,
        level=level,
        detail=detail,
    )


def cost_version_roll_up(*, version: CostVersion, progress: Progress | None = None) -> RollUp:
    """Cost every make item with a BOM or routing released on the version's date; replace the draft's rows.

    The structure is read in a fixed number of queries and the rows written in bulk, so the query
    count does not grow with the number of items or levels. One transaction: a refusal or a failure
    leaves the previous roll-up as it was.
    """
    report = progress or (lambda percent, message="", params=None: None)
    with transaction.atomic():
        version = CostVersion.objects.select_for_update().get(pk=version.pk)
        _require_draft(version, "version_frozen")
        structure = costing_structure(on=version.as_of)
        levels = _levels(structure)
        by_level: dict[int, list[Item]] = defaultdict(list)
        for item in structure.items.values():
            by_level[levels[item.pk]].append(item)
        costs: dict[int, ItemCost] = {}
        total, done = len(structure.items), 0
        for level in sorted(by_level, reverse=True):  # leaves first: components before their parents
            for item in sorted(by_level[level], key=lambda item: item.code):
                costs[item.pk] = _item_cost(version, item, level, structure, costs)
            done += len(by_level[level])
            report(
                done * 90 // total,
                gettext_noop("Level %(level)s costed: %(done)s of %(total)s items."),
                {"level": level, "done": done, "total": total},
            )
        # A raw delete: the rows are derived data, rewritten whole; deleting them one by one through
        # the audit trail's signals would cost a query per row.
        ItemCost.objects.filter(version=version)._raw_delete(ItemCost.objects.db)
        ItemCost.objects.bulk_create(costs.values(), batch_size=1000)
        version.rolled_up_at = timezone.now()
        version.save(update_fields=["rolled_up_at", "updated_at"])
    warnings = sum(1 for cost in costs.values() for row in cost.detail if row["kind"] == "warning")
    return RollUp(version=version, items=len(costs), levels=len(by_level), warnings=warnings)


def cost_version_roll_up_start(*, version: CostVersion, user: Any = None) -> TaskRun:
    """Queue the roll-up as a background run whose progress the version's page shows."""
    version = CostVersion.objects.get(pk=version.pk)  # its state now, not as the caller last read it
    _require_draft(version, "version_frozen")
    if cost_version_running(version=version):
        raise _refuse(
            "state", _("A roll-up of %(version)s is already under way.") % {"version": version.code}, "running"
        )
    return task_run_start(
        task_name=ROLL_UP_TASK,
        title=gettext_noop("Cost roll-up %(version)s"),
        title_params={"version": version.code},
        params={"version_id": version.pk},
        user=user,
    )


# --- Activation ----------------------------------------------------------------------------------------------


def cost_version_activate(*, version: CostVersion, user: Any = None) -> CostVersion:
    """Make a rolled-up draft the active version: its totals become the items' standard costs.

    The version active until now is archived. Each changed standard cost goes through valuation,
    which revalues standard-valued stock with a journal entry; all of it in one transaction.
    """
    with transaction.atomic():
        # The version and the one it replaces, locked in one fixed order (by id).
        locked = {
            v.pk: v
            for v in CostVersion.objects.select_for_update()
            .filter(Q(pk=version.pk) | Q(state=CostVersionState.ACTIVE))
            .order_by("pk")
        }
        version = locked[version.pk]
        _require_draft(version, "version_not_draft")
        costs = list(ItemCost.objects.filter(version=version).select_related("item").order_by("item__code"))
        if version.rolled_up_at is None or not costs:
            message = _("%(version)s has no item costs: roll it up first.") % {"version": version.code}
            raise _refuse("state", message, "not_rolled_up")
        now = timezone.now()
        for previous in locked.values():
            if previous.pk != version.pk:
                previous.state = CostVersionState.ARCHIVED
                previous.save(update_fields=["state", "updated_at"])
        for cost in costs:
            # Unchanged costs are left alone: nothing to revalue, no empty journal entry.
            if cost.item.standard_cost != cost.total:
                item_standard_cost_set(item=cost.item, cost=cost.total, user=user)
        version.state = CostVersionState.ACTIVE
        version.activated_at = now
        version.activated_by = user if getattr(user, "is_authenticated", False) else None
        version.save(update_fields=["state", "activated_at", "activated_by", "updated_at"])
    return version
