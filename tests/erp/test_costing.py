"""Standard-cost roll-up: a kettle with a made heating sub-assembly costed by hand, low-level codes,
costing lots, warnings, re-rolls and frozen versions, activation, comparison, the query bound, and the
background run."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.choices import Procurement, TaskRunStatus
from core.models import Item, Unit, WorkCenter
from core.services import progress
from erp.choices import CostVersionState, JournalSource, ValuationMethod
from erp.models import CostVersion, ErpSettings, ItemCost, ItemValuation, JournalEntry, WorkCenterRate
from erp.selectors.costing import cost_version_compare, costing_lot, low_level_codes, work_center_rates
from erp.services.costing import (
    cost_version_activate,
    cost_version_create,
    cost_version_roll_up,
    cost_version_roll_up_start,
)
from erp.tasks import cost_version_roll_up_task
from plm.choices import RevisionState
from plm.models import BomLine, BomRevision, RoutingOperation, RoutingRevision

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 12, 1)
D = Decimal


def codes_of(error: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.value.error_dict.items()}


@pytest.fixture
def bom(db):
    """A released BOM: {component: qty} or {component: (qty, scrap %, unit code)}."""

    def make(parent: Item, lines: dict, revision="A", effective_from=None, effective_to=None) -> BomRevision:
        revision = BomRevision.objects.create(
            item=parent,
            revision=revision,
            state=RevisionState.RELEASED,
            effective_from=effective_from,
            effective_to=effective_to,
        )
        for position, (component, spec) in enumerate(lines.items(), start=1):
            qty, scrap, unit = (*spec, None)[:3] if isinstance(spec, tuple) else (spec, 0, None)
            BomLine.objects.create(
                bom=revision,
                position=position * 10,
                component=component,
                qty_per=D(str(qty)),
                scrap_pct=D(str(scrap)),
                uom=Unit.objects.get(code=unit) if unit else component.uom,
            )
        return revision

    return make


@pytest.fixture
def routing(db):
    """A released routing: [(seq, work center, setup minutes, run minutes per unit)]."""

    def make(item: Item, operations: list, revision="A") -> RoutingRevision:
        revision = RoutingRevision.objects.create(item=item, revision=revision, state=RevisionState.RELEASED)
        for seq, work_center, setup, run in operations:
            RoutingOperation.objects.create(
                routing=revision,
                seq=seq,
                name=f"Op {seq}",
                work_center=work_center,
                setup_minutes=D(str(setup)),
                run_minutes_per_unit=D(str(run)),
            )
        return revision

    return make


@pytest.fixture
def plant(db):
    """Three work centers: welding (machine rate from the work center), assembly (crew of two), test."""
    weld = WorkCenter.objects.create(code="WELD", name="Welding", cost_per_hour=D("40"))
    assy = WorkCenter.objects.create(code="ASSY", name="Assembly", cost_per_hour=D("25"))
    test = WorkCenter.objects.create(code="TEST", name="Testing", cost_per_hour=D("99"))
    WorkCenterRate.objects.create(work_center=weld, labor_rate_per_hour=D("60"), crew_size=1)  # machine 0: WC's 40
    WorkCenterRate.objects.create(work_center=assy, labor_rate_per_hour=D("48"), crew_size=2, machine_rate_per_hour=12)
    WorkCenterRate.objects.create(work_center=test, labor_rate_per_hour=D("36"), crew_size=1, machine_rate_per_hour=30)
    return {"weld": weld, "assy": assy, "test": test}


@pytest.fixture
def kettle(item, bom, routing, plant):
    """KT-200: body, the made heating assembly HE-ASSY, a cable with 5 % scrap and 450 g of steel sold by kg."""
    coil = item("HE-COIL", standard_cost=D("12"))
    stat = item("TH-STAT", standard_cost=D("4.5"))
    screw = item("SCREW-M4", standard_cost=D("0.05"))
    heater = item("HE-ASSY", procurement=Procurement.MAKE, min_qty=D("20"))
    body = item("KT-BODY", standard_cost=D("30"))
    cable = item("CB-EU", standard_cost=D("2"))
    steel = item("SS-304", "kg", standard_cost=D("20"))
    kettle = item("KT-200", procurement=Procurement.MAKE, lot_qty=D("50"), min_qty=D("10"))
    bom(heater, {coil: 1, stat: 1, screw: 4})
    routing(heater, [(10, plant["weld"], 30, 3)])
    bom(kettle, {body: 1, heater: 1, cable: (1, 5), steel: (450, 0, "g")})
    routing(kettle, [(10, plant["assy"], 60, 6), (20, plant["test"], 15, 2)])
    return kettle


@pytest.fixture
def version(db):
    return cost_version_create(code="STD-2027", name="Standard 2027", as_of=AS_OF)


def cost_of(version: CostVersion, code: str) -> ItemCost:
    return ItemCost.objects.get(version=version, item__code=code)


def split(cost: ItemCost) -> tuple[Decimal, Decimal, Decimal, Decimal, int]:
    return (cost.material, cost.labor, cost.machine, cost.total, cost.level)


# --- The roll-up, by hand ------------------------------------------------------------------------------------


def test_the_kettle_rolls_up_to_the_hand_computed_costs(kettle, version):
    result = cost_version_roll_up(version=version)

    assert (result.items, result.levels, result.warnings) == (2, 2, 0)
    # HE-ASSY, per unit. Material: coil 12 + thermostat 4.50 + 4 screws x 0.05 = 16.70.
    # No lot quantity: its minimum order quantity (20) spreads the setup. Welding: 30 / 20 + 3 = 4.5 min
    # = 0.075 h; labor 0.075 x 60 x crew 1 = 4.50; machine rate 0 on the ERP rate, so the work center's
    # 40 / h applies: 0.075 x 40 = 3.00. Total 24.20.
    assert split(cost_of(version, "HE-ASSY")) == (D("16.70"), D("4.50"), D("3.00"), D("24.20"), 1)
    # KT-200, lot quantity 50. Material: body 30 + the heater as rolled above 24.20 + cable 1 x 1.05 x 2
    # = 2.10 + steel 450 g = 0.45 kg x 20 = 9.00 -> 65.30.
    # Assembly: 60 / 50 + 6 = 7.2 min = 0.12 h; labor 0.12 x 48 x crew 2 = 11.52; machine 0.12 x 12 = 1.44.
    # Test: 15 / 50 + 2 = 2.3 min; labor 2.3 / 60 x 36 = 1.38; machine 2.3 / 60 x 30 = 1.15.
    # Labor 12.90, machine 2.59, total 65.30 + 12.90 + 2.59 = 80.79.
    assert split(cost_of(version, "KT-200")) == (D("65.30"), D("12.90"), D("2.59"), D("80.79"), 0)
    version.refresh_from_db()
    assert version.rolled_up_at is not None and version.state == CostVersionState.DRAFT


def test_the_detail_holds_each_contribution_and_adds_up(kettle, version):
    cost_version_roll_up(version=version)
    cost = cost_of(version, "KT-200")
    rows = {(row["kind"], row.get("item") or row.get("seq")): row for row in cost.detail}

    assert rows[("source", None)] == {"kind": "source", "bom": "A", "routing": "A", "costing_lot": "50"}
    heater = rows[("component", "HE-ASSY")]
    assert (heater["source"], heater["unit_cost"], heater["amount"]) == ("rolled", "24.2", "24.2")
    cable = rows[("component", "CB-EU")]
    assert (cable["scrap_pct"], cable["quantity"], cable["source"], cable["amount"]) == ("5", "1.05", "standard", "2.1")
    steel = rows[("component", "SS-304")]
    assert (steel["qty_per"], steel["uom"], steel["quantity"], steel["unit"], steel["amount"]) == (
        "450",
        "g",
        "0.45",
        "kg",
        "9",
    )
    assembly = rows[("operation", 10)]
    assert (assembly["minutes"], assembly["crew"], assembly["labor"], assembly["machine"]) == (
        "7.2",
        "2",
        "11.52",
        "1.44",
    )
    assert assembly["machine_rate_source"] == "rate"
    welding = cost_of(version, "HE-ASSY").detail
    assert [row["machine_rate_source"] for row in welding if row["kind"] == "operation"] == ["work_center"]
    components = [D(row["amount"]) for row in cost.detail if row["kind"] == "component"]
    operations = [row for row in cost.detail if row["kind"] == "operation"]
    assert sum(components) == cost.material
    assert sum(D(row["labor"]) for row in operations) == cost.labor
    assert sum(D(row["machine"]) for row in operations) == cost.machine


def test_a_parent_uses_its_made_components_cost_from_the_same_version(kettle, version):
    # The coil is dearer by 3: the heater and, through it, the kettle cost 3 more.
    Item.objects.filter(code="HE-COIL").update(standard_cost=D("15"))

    cost_version_roll_up(version=version)

    assert cost_of(version, "HE-ASSY").total == D("27.20")
    assert cost_of(version, "KT-200").material == D("68.30")
    assert cost_of(version, "KT-200").total == D("83.79")


@pytest.mark.parametrize(
    ("lot_qty", "min_qty", "lot", "labor", "machine"),
    [
        # Lot 50: as in the hand roll-up above.
        (D("50"), D("10"), D("50"), D("12.90"), D("2.59")),
        # No lot quantity: the minimum 10. Assembly 60/10 + 6 = 12 min: labor 0.2 h x 48 x 2 = 19.20,
        # machine 0.2 x 12 = 2.40. Test 15/10 + 2 = 3.5 min: labor 3.5/60 x 36 = 2.10, machine 1.75.
        (None, D("10"), D("10"), D("21.30"), D("4.15")),
        # Neither: the whole setup on one unit. Assembly 66 min = 1.1 h: labor 105.60, machine 13.20.
        # Test 17 min: labor 17/60 x 36 = 10.20, machine 17/60 x 30 = 8.50.
        (None, None, D("1"), D("115.80"), D("21.70")),
        # A lot quantity of zero means none.
        (D("0"), None, D("1"), D("115.80"), D("21.70")),
    ],
)
def test_the_costing_lot_spreads_the_setup(kettle, version, lot_qty, min_qty, lot, labor, machine):
    Item.objects.filter(pk=kettle.pk).update(lot_qty=lot_qty, min_qty=min_qty)
    kettle.refresh_from_db()
    assert costing_lot(kettle) == lot

    cost_version_roll_up(version=version)

    cost = cost_of(version, "KT-200")
    assert (cost.labor, cost.machine) == (labor, machine)
    assert cost.total == D("65.30") + labor + machine


def test_low_level_codes_put_an_item_at_its_deepest_use():
    # 1 -> 2 -> 3 and 1 -> 3: item 3 is costed after 2, at level 2; 4 is used by nobody.
    levels = low_level_codes(items=[1, 2, 3, 4], edges=[(1, 2), (2, 3), (1, 3), (1, 3)])
    assert levels == {1: 0, 2: 1, 3: 2, 4: 0}


def test_a_shared_sub_assembly_is_costed_before_every_parent(item, bom, routing, plant, version):
    # The heater is used by the kettle directly and by the base, itself in the kettle: level 2.
    element = item("EL", standard_cost=D("10"))
    heater = item("HEATER", procurement=Procurement.MAKE)
    base = item("BASE", procurement=Procurement.MAKE)
    kettle = item("KETTLE", procurement=Procurement.MAKE)
    bom(heater, {element: 1})
    bom(base, {heater: 2})
    bom(kettle, {heater: 1, base: 1})

    cost_version_roll_up(version=version)

    assert {c.item.code: (c.level, c.total) for c in ItemCost.objects.filter(version=version)} == {
        "HEATER": (2, D("10")),
        "BASE": (1, D("20")),
        "KETTLE": (0, D("30")),
    }


def test_only_revisions_effective_on_the_version_date_are_costed(item, bom, plant):
    part_old, part_new = item("OLD-PART", standard_cost=D("5")), item("NEW-PART", standard_cost=D("7"))
    thing = item("THING", procurement=Procurement.MAKE)
    switch = datetime.date(2027, 1, 1)
    bom(thing, {part_old: 1}, "A", effective_to=switch)
    bom(thing, {part_new: 1}, "B", effective_from=switch)
    before = cost_version_create(code="V-2026", name="Before", as_of=switch - datetime.timedelta(days=1))
    after = cost_version_create(code="V-2027", name="After", as_of=switch)

    cost_version_roll_up(version=before)
    cost_version_roll_up(version=after)

    assert cost_of(before, "THING").total == D("5") and cost_of(before, "THING").detail[0]["bom"] == "A"
    assert cost_of(after, "THING").total == D("7") and cost_of(after, "THING").detail[0]["bom"] == "B"


def test_gaps_in_the_data_are_costed_as_far_as_they_go_and_flagged(item, bom, routing, version):
    bare = WorkCenter.objects.create(code="PACK", name="Packing", cost_per_hour=D("18"))
    unknown_make = item("SUB-NO-BOM", procurement=Procurement.MAKE, standard_cost=D("3"))
    free = item("LABEL", standard_cost=D("0"))
    bought_with_bom = item("PSU", standard_cost=D("11"))
    bom(bought_with_bom, {free: 1})  # a supplier's BOM kept for reference: bought items are never rolled
    box = item("BOX", procurement=Procurement.MAKE, lot_qty=D("1"))
    bom(box, {unknown_make: 2, free: 1, bought_with_bom: 1})
    routing(box, [(10, bare, 0, 10)])  # no ERP rate: labor 0, machine 10 / 60 x 18 = 3
    no_routing = item("KIT", procurement=Procurement.MAKE)
    bom(no_routing, {free: 1})

    cost_version_roll_up(version=version)

    assert set(ItemCost.objects.filter(version=version).values_list("item__code", flat=True)) == {"BOX", "KIT"}
    box_cost = cost_of(version, "BOX")
    assert split(box_cost) == (D("17"), D("0"), D("3"), D("20"), 0)  # 2 x 3 + 0 + 11; machine 3
    warnings = {row["code"] for row in box_cost.detail if row["kind"] == "warning"}
    assert warnings == {"component_not_rolled", "no_standard_cost", "no_rate"}
    kit_warnings = {row["code"] for row in cost_of(version, "KIT").detail if row["kind"] == "warning"}
    assert kit_warnings == {"no_routing", "no_standard_cost"}


def test_a_bom_cycle_written_around_plm_is_refused_not_looped(item, bom, version):
    a, b = item("LOOP-A", procurement=Procurement.MAKE), item("LOOP-B", procurement=Procurement.MAKE)
    bom(a, {b: 1})
    bom(b, {a: 1})  # PLM's services refuse this; rows written directly must not hang the roll-up

    with pytest.raises(ValidationError) as error:
        cost_version_roll_up(version=version)

    assert codes_of(error) == {"as_of": ["bom_cycle"]}
    assert "LOOP-A > LOOP-B > LOOP-A" in error.value.messages[0]
    assert not ItemCost.objects.filter(version=version).exists()


def test_rolling_a_draft_again_replaces_its_rows(kettle, version):
    cost_version_roll_up(version=version)
    first_ids = set(ItemCost.objects.filter(version=version).values_list("pk", flat=True))
    Item.objects.filter(code="KT-BODY").update(standard_cost=D("31"))
    WorkCenterRate.objects.filter(work_center__code="TEST").update(labor_rate_per_hour=D("72"))

    cost_version_roll_up(version=version)

    assert ItemCost.objects.filter(version=version).count() == 2
    assert first_ids.isdisjoint(ItemCost.objects.filter(version=version).values_list("pk", flat=True))
    # Body +1; test labor doubles: 2.3 / 60 x 72 = 2.76 (+1.38).
    assert split(cost_of(version, "KT-200")) == (D("66.30"), D("14.28"), D("2.59"), D("83.17"), 0)


def test_a_version_needs_a_unique_code_a_name_and_a_date(version):
    with pytest.raises(ValidationError) as error:
        cost_version_create(code="STD-2027", name="", as_of=None)
    assert codes_of(error) == {"code": ["unique"], "name": ["blank"], "as_of": ["null"]}


# --- Activation ---------------------------------------------------------------------------------------------


def test_activation_sets_standard_costs_and_archives_the_active_version(kettle, version):
    cost_version_roll_up(version=version)
    older = cost_version_create(code="STD-2026", name="Standard 2026", as_of=datetime.date(2026, 1, 1))
    cost_version_roll_up(version=older)
    cost_version_activate(version=older)
    older.refresh_from_db()
    assert older.state == CostVersionState.ACTIVE

    activated = cost_version_activate(version=version)

    older.refresh_from_db()
    assert older.state == CostVersionState.ARCHIVED
    assert activated.state == CostVersionState.ACTIVE and activated.activated_at is not None
    assert Item.objects.get(code="HE-ASSY").standard_cost == D("24.20")
    assert Item.objects.get(code="KT-200").standard_cost == D("80.79")
    assert Item.objects.get(code="HE-COIL").standard_cost == D("12")  # bought items keep theirs
    assert list(CostVersion.objects.filter(state=CostVersionState.ACTIVE)) == [version]


def test_activation_revalues_standard_costed_stock_through_valuation(kettle, version, bin_, receive):
    policy = ErpSettings.load()
    policy.default_valuation_method = ValuationMethod.STANDARD
    policy.save()
    receive(kettle, 10, bin_("A-01"))  # valued at the standard cost of then: zero
    cost_version_roll_up(version=version)

    cost_version_activate(version=version)

    assert ItemValuation.objects.get(item=kettle).value == D("807.90")  # 10 x 80.79
    entry = JournalEntry.objects.get(source=JournalSource.REVALUATION)
    assert sum(line.debit for line in entry.lines.all()) == D("807.90")
    assert "KT-200" in entry.memo


def test_active_and_archived_versions_are_frozen(kettle, version):
    cost_version_roll_up(version=version)
    cost_version_activate(version=version)
    newer = cost_version_create(code="STD-2028", name="Standard 2028", as_of=AS_OF)
    cost_version_roll_up(version=newer)
    cost_version_activate(version=newer)
    version.refresh_from_db()
    assert version.state == CostVersionState.ARCHIVED

    for frozen in (version, newer):
        rows_before = list(ItemCost.objects.filter(version=frozen).values_list("pk", "total"))
        with pytest.raises(ValidationError) as error:
            cost_version_roll_up(version=frozen)
        assert codes_of(error) == {"state": ["version_frozen"]}
        assert list(ItemCost.objects.filter(version=frozen).values_list("pk", "total")) == rows_before
        with pytest.raises(ValidationError) as error:
            cost_version_activate(version=frozen)
        assert codes_of(error) == {"state": ["version_not_draft"]}


def test_a_version_not_rolled_up_cannot_be_activated(kettle, version):
    with pytest.raises(ValidationError) as error:
        cost_version_activate(version=version)
    assert codes_of(error) == {"state": ["not_rolled_up"]}
    assert Item.objects.get(code="KT-200").standard_cost == D("0")


# --- Comparing -------------------------------------------------------------------------------------------------


def test_compare_shows_old_and_new_per_item_with_delta_and_percent(kettle, version, item, bom):
    cost_version_roll_up(version=version)
    Item.objects.filter(code="HE-COIL").update(standard_cost=D("14.42"))  # heater +2.42: exactly +10 %
    WorkCenterRate.objects.filter(work_center__code="ASSY").update(crew_size=1)  # kettle labor -5.76
    extra = item("KT-300", procurement=Procurement.MAKE)
    bom(extra, {Item.objects.get(code="KT-BODY"): 1})
    newer = cost_version_create(code="STD-2028", name="Standard 2028", as_of=AS_OF)
    cost_version_roll_up(version=newer)

    rows = {row.item.code: row for row in cost_version_compare(old=version, new=newer)}

    assert list(rows) == ["HE-ASSY", "KT-200", "KT-300"]
    heater = rows["HE-ASSY"]
    assert (heater.status, heater.old.total, heater.new.total, heater.delta, heater.delta_pct) == (
        "changed",
        D("24.20"),
        D("26.62"),
        D("2.42"),
        D("10.00"),
    )
    assert (heater.material_delta, heater.labor_delta, heater.machine_delta) == (D("2.42"), 0, 0)
    kettle_row = rows["KT-200"]
    # Material +2.42 (the heater), labor 11.52 -> 5.76: 80.79 -> 77.45, -3.34 = -4.13 %.
    assert (kettle_row.material_delta, kettle_row.labor_delta, kettle_row.delta) == (
        D("2.42"),
        D("-5.76"),
        D("-3.34"),
    )
    assert kettle_row.delta_pct == D("-4.13")
    added = rows["KT-300"]
    assert (added.status, added.old, added.delta, added.delta_pct, added.new.total) == (
        "added",
        None,
        None,
        None,
        D("30"),
    )
    assert [row.item.code for row in cost_version_compare(old=newer, new=version)][-1] == "KT-300"
    assert cost_version_compare(old=newer, new=version)[-1].status == "removed"
    assert cost_version_compare(old=version, new=version, changed_only=True) == []


# --- Query bound ---------------------------------------------------------------------------------------------------


def _plant_of(size: int, plant) -> None:
    """A five-level tree: `size` top items, each with 3 made children, down 4 levels; 3 bought leaves each."""
    ea = Unit.objects.get(code="ea")
    leaves = Item.objects.bulk_create(
        Item(code=f"B{n:03d}", name=f"Bought {n}", uom=ea, standard_cost=D(n + 1)) for n in range(3)
    )
    levels: list[list[Item]] = []
    count = size
    serial = 0
    for depth in range(5):
        made = Item.objects.bulk_create(
            Item(code=f"M{depth}-{n:05d}", name=f"Made {depth}/{n}", uom=ea, procurement=Procurement.MAKE)
            for n in range(serial, serial + count)
        )
        levels.append(made)
        serial += count
        count *= 3
    boms = BomRevision.objects.bulk_create(
        BomRevision(item=made, revision="A", state=RevisionState.RELEASED) for level in levels for made in level
    )
    routings = RoutingRevision.objects.bulk_create(
        RoutingRevision(item=made, revision="A", state=RevisionState.RELEASED) for level in levels for made in level
    )
    bom_of = {bom.item_id: bom for bom in boms}
    lines = []
    for depth, level in enumerate(levels):
        for index, parent in enumerate(level):
            children = levels[depth + 1][index * 3 : index * 3 + 3] if depth + 1 < len(levels) else leaves
            lines += [
                BomLine(bom=bom_of[parent.pk], position=p * 10, component=child, qty_per=D(2), uom=ea)
                for p, child in enumerate(children, start=1)
            ]
    BomLine.objects.bulk_create(lines)
    RoutingOperation.objects.bulk_create(
        RoutingOperation(routing=r, seq=seq, work_center=wc, setup_minutes=D(30), run_minutes_per_unit=D(1))
        for r in routings
        for seq, wc in ((10, plant["assy"]), (20, plant["test"]))
    )


@pytest.mark.parametrize("size", [1, 4])
def test_the_roll_up_takes_a_fixed_number_of_queries_whatever_the_size(
    plant, version, size, django_assert_max_num_queries
):
    _plant_of(size, plant)
    made = size * (1 + 3 + 9 + 27 + 81)  # 121 or 484 items, 5 levels

    with django_assert_max_num_queries(14):
        result = cost_version_roll_up(version=version)

    assert (result.items, result.levels) == (made, 5)
    # A leaf-level item: 2 x (1 + 2 + 3) = 12 material; conversion per unit: assembly 31 min, test 31 min.
    # Labor 31/60 x 48 x 2 + 31/60 x 36 = 49.60 + 18.60; machine 31/60 x 12 + 31/60 x 30 = 6.20 + 15.50.
    by_level = ItemCost.objects.filter(version=version)
    assert {split(cost) for cost in by_level.filter(level=4)} == {(D("12"), D("68.20"), D("21.70"), D("101.90"), 4)}
    # One level up: three such children, two of each: 611.40 material, the same conversion.
    assert {split(cost) for cost in by_level.filter(level=3)} == {(D("611.40"), D("68.20"), D("21.70"), D("701.30"), 3)}
    assert by_level.filter(level=0).count() == size and by_level.filter(level=4).count() == size * 81


def test_rates_for_actual_costing_read_as_the_roll_up_does(plant):
    bare = WorkCenter.objects.create(code="PACK", name="Packing", cost_per_hour=D("18"))
    rates = work_center_rates(work_centers=[plant["weld"], plant["assy"], bare])
    assert (rates[plant["weld"].pk].machine_per_hour, rates[plant["weld"].pk].machine_source) == (40, "work_center")
    assert (rates[plant["assy"].pk].labor_per_hour, rates[plant["assy"].pk].crew) == (48, 2)
    assert (rates[bare.pk].labor_per_hour, rates[bare.pk].machine_per_hour, rates[bare.pk].has_rate) == (0, 18, False)


# --- In the background ------------------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """Runs handed to the broker, instead of a real one."""
    sent = []
    monkeypatch.setattr(progress.current_app, "send_task", lambda name, kwargs, **options: sent.append((name, kwargs)))
    return sent


def test_the_background_roll_up_reports_its_result(kettle, version, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = cost_version_roll_up_start(version=version)
    assert queued == [("erp.tasks.cost_version_roll_up", {"run_id": str(run.pk)})]
    with pytest.raises(ValidationError) as error:
        cost_version_roll_up_start(version=version)  # one at a time
    assert codes_of(error) == {"state": ["running"]}

    cost_version_roll_up_task(str(run.pk))  # what the worker does with the message

    run.refresh_from_db()
    assert run.status == TaskRunStatus.SUCCEEDED and run.percent == 100
    assert run.result == {"version": "STD-2027", "items": 2, "levels": 2, "warnings": 0}
    assert cost_of(version, "KT-200").total == D("80.79")


def test_a_background_roll_up_of_a_frozen_version_fails_with_the_reason(kettle, version, queued):
    run = cost_version_roll_up_start(version=version)
    cost_version_roll_up(version=version)
    cost_version_activate(version=version)  # activated while the run waited in the queue

    cost_version_roll_up_task(str(run.pk))

    run.refresh_from_db()
    assert run.status == TaskRunStatus.FAILED
    assert "frozen" in run.error and "{" not in run.error
    with pytest.raises(ValidationError):
        cost_version_roll_up_start(version=version)


@pytest.mark.celery
def test_a_real_worker_rolls_up_with_progress(celery_worker, kettle, version):
    from tests.core.test_progress import finished

    run = finished(cost_version_roll_up_start(version=version))

    assert run.status == TaskRunStatus.SUCCEEDED, run.error
    assert run.result["items"] == 2
    assert cost_of(version, "KT-200").total == D("80.79")
