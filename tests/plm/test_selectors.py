import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Item, Unit
from plm.choices import RevisionState
from plm.models import BomLine, BomRevision
from plm.selectors.boms import bom_diff, bom_explode, bom_summary, where_used
from plm.selectors.revisions import effective_bom

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 22)


@pytest.fixture
def kettle(make_item, released_bom):
    kettle, body, element, steel, cable = (
        make_item("KT-200"),
        make_item("KT-BODY"),
        make_item("HE-2000"),
        make_item("SS-304", "kg"),
        make_item("CB-EU"),
    )
    released_bom(kettle, {body: 1, element: 1, cable: (1, 2)})
    released_bom(body, {steel: (450, 5, Unit.objects.get(code="g"))})
    return kettle


def test_explosion_is_indented_with_extended_quantities_in_each_components_unit(kettle):
    rows = bom_explode(item=kettle, on=DAY, quantity=Decimal(200))
    assert [(row.level, row.component.code, row.extended_qty, row.unit.code) for row in rows] == [
        (1, "KT-BODY", Decimal(200), "ea"),
        (2, "SS-304", Decimal("94.500"), "kg"),  # 200 x 450 g x 1.05 scrap, in kg
        (1, "HE-2000", Decimal(200), "ea"),
        (1, "CB-EU", Decimal("204.00"), "ea"),
    ]
    assert {item.code: qty for item, qty in bom_summary(rows)}["SS-304"] == Decimal("94.500")


def test_where_used_single_level_and_indented_to_the_top(kettle):
    steel = Item.objects.get(code="SS-304")
    assert [row.parent.code for row in where_used(item=steel, on=DAY)] == ["KT-BODY"]
    assert [(row.level, row.parent.code) for row in where_used(item=steel, on=DAY, indented=True)] == [
        (1, "KT-BODY"),
        (2, "KT-200"),
    ]


def test_only_the_revision_effective_on_the_date_is_read(make_item, released_bom):
    parent, old_part, new_part = make_item("P"), make_item("OLD"), make_item("NEW")
    switch = datetime.date(2027, 1, 1)
    released_bom(parent, {old_part: 1}, "A", effective_to=switch)
    released_bom(parent, {new_part: 1}, "B", effective_from=switch)
    assert effective_bom(item=parent, on=switch - datetime.timedelta(days=1)).revision == "A"
    assert effective_bom(item=parent, on=switch).revision == "B"
    assert [r.component.code for r in bom_explode(item=parent, on=switch)] == ["NEW"]
    assert where_used(item=old_part, on=switch) == []


def test_a_six_level_explosion_of_2000_components_takes_one_query_per_level():
    ea = Unit.objects.get(code="ea")
    items = Item.objects.bulk_create(Item(code=f"I{n:05d}", name=f"Part {n}", uom=ea) for n in range(2001))
    top, parts = items[0], items[1:]
    # Six levels below the top: 4, 16, 64, 256, 660, 1000 components; each part under one parent above.
    sizes = [4, 16, 64, 256, 660, 1000]
    levels, start = [[top]], 0
    for size in sizes:
        levels.append(parts[start : start + size])
        start += size
    boms = {}
    lines = []
    for depth in range(1, len(levels)):
        parents = levels[depth - 1]
        for index, child in enumerate(levels[depth]):
            parent = parents[index % len(parents)]
            if parent.pk not in boms:
                boms[parent.pk] = BomRevision.objects.create(item=parent, revision="A", state=RevisionState.RELEASED)
            lines.append(BomLine(bom=boms[parent.pk], position=index + 1, component=child, qty_per=2, uom=ea))
    BomLine.objects.bulk_create(lines)

    with CaptureQueriesContext(connection) as queries:
        rows = bom_explode(item=top, on=DAY)
    assert len(rows) == 2000 and max(row.level for row in rows) == 6
    assert len(queries) == 1  # however deep, whatever the number of parts
    assert rows[-1].extended_qty == Decimal(2) ** rows[-1].level


def test_the_diff_shows_added_removed_and_changed_components(make_item, released_bom):
    parent, a, b, c = make_item("P"), make_item("A1"), make_item("B1"), make_item("C1")
    old = released_bom(parent, {a: 1, b: 2}, "A")
    new = released_bom(parent, {a: 1, b: 3, c: 1}, "B", effective_from=datetime.date(2030, 1, 1))
    changes = {row.key: (row.change, row.changed_fields) for row in bom_diff(old=old, new=new)}
    assert changes == {"A1": ("same", ()), "B1": ("changed", ("qty_per",)), "C1": ("added", ())}
    assert {row.key: row.change for row in bom_diff(old=new, new=old)}["C1"] == "removed"


def test_scrap_is_kept_exactly_when_a_line_is_written_in_an_equivalent_unit(make_item, released_bom):
    parent, part = make_item("P"), make_item("PART")
    released_bom(parent, {part: (1, 5, Unit.objects.get(code="pc"))})  # pc and ea are the same size
    (row,) = bom_explode(item=parent, on=DAY, quantity=Decimal(100))
    assert row.extended_qty == Decimal(105) and row.unit.code == "ea"
