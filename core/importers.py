"""core's files of the import format: partners.csv, work_centers.csv, items.csv (see docs/import.md)."""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.validators import MaxValueValidator
from django.db import models

from core.models import Currency, Item, Machine, Partner, Unit, WorkCenter
from core.services.dataio import Changes, CsvFile, FileHandler, register

# Not a model field: how many machines `<code>-1` ... `<code>-N` the work center has.
MACHINES = models.PositiveIntegerField(default=1, validators=[MaxValueValidator(999)])
MACHINE_CODE_LENGTH = Machine._meta.get_field("code").max_length


def _code(row, model: type[models.Model], seen: dict, label: str) -> str:
    code = row.value("code", model._meta.get_field("code"))
    row.once(seen, "code", code, f"{label} '{code}'")
    return code


# --- partners.csv ------------------------------------------------------------------------------------

PARTNER_COLUMNS = ("code", "name", "kind", "currency", "lead_time_days")


def partners_load(data: CsvFile) -> dict[str, int]:
    currencies = {currency.code: currency for currency in Currency.objects.all()}
    stored = {partner.code: partner for partner in Partner.objects.all()}
    changes = Changes(Partner, ["name", "kind", "currency", "lead_time_days"])
    seen: dict[str, int] = {}
    for row in data.rows:
        code = _code(row, Partner, seen, "partner")
        partner = stored.get(code) or Partner(code=code)
        before = changes.state(partner)
        for column in ("name", "kind", "lead_time_days"):
            row.assign(partner, column)
        row.assign(partner, "currency", lookup=currencies)
        row.check(partner)
        changes.add(partner, before)
    changes.save()
    return {"rows": len(data.rows), **changes.counts()}


def partners_export() -> Iterable[Sequence[Any]]:
    return Partner.objects.order_by("code").values_list("code", "name", "kind", "currency__code", "lead_time_days")


# --- work_centers.csv --------------------------------------------------------------------------------

WORK_CENTER_COLUMNS = ("code", "name", "machines", "hours_per_day", "cost_per_hour")


def _machine_number(machine: Machine, work_center_code: str) -> int | None:
    """N for a machine named `<work center code>-N`: one the import made and manages."""
    match = re.fullmatch(rf"{re.escape(work_center_code)}-([1-9]\d*)", machine.code)
    return int(match[1]) if match else None


def work_centers_load(data: CsvFile) -> dict[str, int]:
    """Work centers by code, each with `machines` active machines `<code>-1` ... `<code>-N`.

    Fewer machines than before deactivate the surplus (`<code>-N` above the new count); machines are
    never deleted, since history and devices point at them. More reactivate or create. Machines
    added by hand under other codes are left alone. A file without the column leaves machines as
    they are.
    """
    stored = {work_center.code: work_center for work_center in WorkCenter.objects.all()}
    changes = Changes(WorkCenter, ["name", "hours_per_day", "cost_per_hour"])
    seen: dict[str, int] = {}
    wanted: list[tuple[Any, WorkCenter, int]] = []
    for row in data.rows:
        code = _code(row, WorkCenter, seen, "work center")
        work_center = stored.get(code) or WorkCenter(code=code)
        before = changes.state(work_center)
        for column in ("name", "hours_per_day", "cost_per_hour"):
            row.assign(work_center, column)
        if data.has("machines") or work_center.pk is None:
            count = row.value("machines", MACHINES)
            if count and len(f"{code}-{count}") > MACHINE_CODE_LENGTH:
                reason = f"machine codes {code}-1 ... {code}-{count} would exceed {MACHINE_CODE_LENGTH} characters"
                raise row.error("machines", reason)
            wanted.append((row, work_center, count))
        row.check(work_center)
        changes.add(work_center, before)
    changes.save()
    machine_counts = _machines_sync(wanted)
    return {"rows": len(data.rows), **changes.counts(), **machine_counts}


def _machines_sync(wanted: list[tuple[Any, WorkCenter, int]]) -> dict[str, int]:
    machines = {machine.code: machine for machine in Machine.objects.select_related("work_center")}
    by_work_center: dict[int, list[Machine]] = defaultdict(list)
    for machine in machines.values():
        by_work_center[machine.work_center_id].append(machine)
    changes = Changes(Machine, ["active"])
    for row, work_center, count in wanted:
        for number in range(1, count + 1):
            code = f"{work_center.code}-{number}"
            machine = machines.get(code) or Machine(work_center=work_center, code=code, name=code)
            if machine.pk and machine.work_center_id != work_center.pk:
                reason = f"machine {code} already belongs to work center {machine.work_center.code}"
                raise row.error("machines", reason)
            before = changes.state(machine)
            machine.active = True
            changes.add(machine, before)
        for machine in by_work_center[work_center.pk]:
            number = _machine_number(machine, work_center.code)
            if number and number > count and machine.active:
                machine.active = False
                changes.updated.append(machine)
    changes.save()
    return {
        "machines_created": len(changes.created),
        "machines_reactivated": sum(machine.active for machine in changes.updated),
        "machines_deactivated": sum(not machine.active for machine in changes.updated),
    }


def work_centers_export() -> Iterable[Sequence[Any]]:
    active: dict[int, int] = defaultdict(int)
    for machine in Machine.objects.filter(active=True).select_related("work_center").only("code", "work_center__code"):
        if _machine_number(machine, machine.work_center.code):
            active[machine.work_center_id] += 1
    for work_center in WorkCenter.objects.order_by("code"):
        yield (
            work_center.code,
            work_center.name,
            active[work_center.pk],
            work_center.hours_per_day,
            work_center.cost_per_hour,
        )


# --- items.csv ---------------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "code",
    "name",
    "uom",
    "procurement",
    "lead_time_days",
    "safety_stock",
    "lot_policy",
    "lot_qty",
    "min_qty",
    "multiple_qty",
    "standard_cost",
    "supplier",
)
# Named as the item's own fields and read without a lookup.
ITEM_PLAIN_COLUMNS = (
    "procurement",
    "lead_time_days",
    "safety_stock",
    "lot_policy",
    "lot_qty",
    "min_qty",
    "multiple_qty",
    "standard_cost",
)


def items_load(data: CsvFile) -> dict[str, int]:
    units = {unit.code: unit for unit in Unit.objects.all()}
    partners = {partner.code: partner for partner in Partner.objects.all()}
    # The supplier comes along so Item.clean() can check its kind without a query.
    stored = {item.code: item for item in Item.objects.select_related("default_supplier")}
    changes = Changes(Item, ["name", "uom", *ITEM_PLAIN_COLUMNS, "default_supplier"])
    seen: dict[str, int] = {}
    for row in data.rows:
        code = _code(row, Item, seen, "item")
        item = stored.get(code) or Item(code=code)
        before = changes.state(item)
        row.assign(item, "name")
        row.assign(item, "uom", lookup=units)
        for column in ITEM_PLAIN_COLUMNS:
            row.assign(item, column)
        row.assign(item, "supplier", field="default_supplier", lookup=partners)
        supplier = item.default_supplier
        if data.has("supplier") and supplier and not supplier.is_supplier:
            raise row.error("supplier", f"partner '{supplier.code}' is not a supplier ({supplier.get_kind_display()})")
        row.check(item, columns={"default_supplier": "supplier"})
        changes.add(item, before)
    changes.save()
    return {"rows": len(data.rows), **changes.counts()}


def items_export() -> Iterable[Sequence[Any]]:
    return Item.objects.order_by("code").values_list(
        "code", "name", "uom__code", *ITEM_PLAIN_COLUMNS, "default_supplier__code"
    )


register(
    FileHandler(
        name="partners.csv",
        columns=PARTNER_COLUMNS,
        required=frozenset({"code", "name", "kind"}),
        load=partners_load,
        export=partners_export,
    )
)
register(
    FileHandler(
        name="work_centers.csv",
        columns=WORK_CENTER_COLUMNS,
        required=frozenset({"code", "name"}),
        load=work_centers_load,
        export=work_centers_export,
    )
)
register(
    FileHandler(
        name="items.csv",
        columns=ITEM_COLUMNS,
        required=frozenset({"code", "name", "uom", "procurement"}),
        load=items_load,
        export=items_export,
    )
)
