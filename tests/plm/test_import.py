"""boms.csv and routings.csv of docs/import.md: released revisions, effectivity, cycles, re-import, round trip."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Item, Partner, WorkCenter
from core.services.dataio import ImportFileError, export_folder, import_folder
from plm.choices import RevisionState
from plm.models import BomLine, BomRevision, RoutingOperation, RoutingRevision
from tests.dataio import PLANT, csv_text, table_counts, write_folder

pytestmark = pytest.mark.django_db

MASTER_DATA = {name: PLANT[name] for name in ("partners.csv", "work_centers.csv", "items.csv")}
BOM_HEADER = "parent,component,qty_per,scrap_pct,revision,effective_from\n"
ROUTING_HEADER = "item,seq,work_center,setup_minutes,run_minutes_per_unit\n"


@pytest.fixture
def plant(tmp_path) -> Path:
    """The master data the BOMs and routings refer to, imported."""
    import_folder(write_folder(tmp_path / "master", MASTER_DATA))
    return tmp_path


def import_files(folder: Path, files: dict[str, str]) -> dict:
    return import_folder(write_folder(folder, files))


def import_error(folder: Path, files: dict[str, str]) -> str:
    with pytest.raises(ImportFileError) as failure:
        import_files(folder, files)
    return str(failure.value)


def bom_lines(parent: str, revision: str = "A") -> list[tuple]:
    return list(
        BomLine.objects.filter(bom__item__code=parent, bom__revision=revision).values_list(
            "position", "component__code", "qty_per", "scrap_pct", "uom__code"
        )
    )


def cycle_errors(line: int, cycle: list[str]) -> set[str]:
    """The error for a cycle, entered at any of its items: where the graph walk enters it depends on ids."""
    turns = [cycle[start:] + cycle[:start] for start in range(len(cycle))]
    prefix = f"boms.csv, line {line}, column component: This makes an item its own component:"
    return {f"{prefix} {' > '.join([*turn, turn[0]])}." for turn in turns}


def test_boms_import_as_released_revisions_effective_for_any_date(plant):
    counts = import_files(plant / "boms", {"boms.csv": PLANT["boms.csv"]})

    assert counts["boms.csv"]["revisions_created"] == 2 and counts["boms.csv"]["lines_created"] == 3
    kettle = BomRevision.objects.get(item__code="KTL")
    assert (kettle.revision, kettle.state, kettle.effective_from, kettle.effective_to) == (
        "A",
        RevisionState.RELEASED,
        None,
        None,
    )
    assert kettle.eco is None and kettle.is_effective_on(datetime.date(1990, 1, 1))
    assert bom_lines("KTL") == [(10, "BODY", 1, 0, "ea"), (20, "LID", 1, Decimal("2.5"), "ea")]
    assert bom_lines("BODY") == [(10, "SHEET", Decimal("0.45"), 5, "kg")]  # the line is in the component's unit


def test_several_revisions_of_a_parent_each_end_where_the_next_begins(plant):
    today = timezone.localdate()
    past, future = today - datetime.timedelta(days=100), today + datetime.timedelta(days=100)
    boms = BOM_HEADER + (
        f"KTL,BODY,1,,C,{future}\n"  # listed out of order: ordered by effective_from
        "KTL,BODY,1,,A,\n"
        f"KTL,LID,1,,B,{past}\n"
        f"KTL,BODY,2,,B,{past}\n"
    )
    import_files(plant / "boms", {"boms.csv": boms})

    revisions = BomRevision.objects.filter(item__code="KTL").order_by("revision")
    # A's window has ended: obsolete at once, as PLM's release makes it, and still readable for its dates.
    assert [(r.revision, r.state, r.effective_from, r.effective_to) for r in revisions] == [
        ("A", RevisionState.OBSOLETE, None, past),
        ("B", RevisionState.RELEASED, past, future),
        ("C", RevisionState.RELEASED, future, None),
    ]
    for day, effective in [(past - datetime.timedelta(days=1), "A"), (today, "B"), (future, "C")]:
        assert [r.revision for r in revisions if r.is_effective_on(day)] == [effective]
    assert bom_lines("KTL", "B") == [(10, "LID", 1, 0, "ea"), (20, "BODY", 2, 0, "ea")]

    counts = import_files(plant / "boms", {"boms.csv": boms})  # the obsolete A is the file's too: no error

    assert counts["boms.csv"]["revisions_updated"] == 0 and counts["boms.csv"]["lines_updated"] == 0


def test_a_new_revision_in_a_later_file_ends_the_released_one_in_takt(plant):
    import_files(plant / "first", {"boms.csv": PLANT["boms.csv"]})

    start = timezone.localdate() + datetime.timedelta(days=30)
    import_files(plant / "second", {"boms.csv": BOM_HEADER + f"KTL,BODY,1,,B,{start}\n"})

    windows = BomRevision.objects.filter(item__code="KTL").values_list("revision", "state", "effective_to")
    assert sorted(windows) == [("A", RevisionState.RELEASED, start), ("B", RevisionState.RELEASED, None)]
    assert len(bom_lines("KTL", "A")) == 2  # the revision the file did not name keeps its lines


def test_a_reimport_of_a_revision_replaces_its_lines(plant):
    import_files(plant / "first", {"boms.csv": PLANT["boms.csv"]})
    first_line = BomLine.objects.get(bom__item__code="KTL", position=10).pk

    counts = import_files(plant / "again", {"boms.csv": BOM_HEADER + "KTL,BODY,3,1,A,\n"})

    assert counts["boms.csv"] == {
        "rows": 1,
        "revisions_created": 0,
        "revisions_updated": 0,
        "lines_created": 0,
        "lines_updated": 1,
        "lines_deleted": 1,
    }
    assert BomRevision.objects.filter(item__code="KTL").count() == 1
    assert bom_lines("KTL") == [(10, "BODY", 3, 1, "ea")]
    assert BomLine.objects.get(bom__item__code="KTL").pk == first_line
    assert bom_lines("BODY") == [(10, "SHEET", Decimal("0.45"), 5, "kg")]  # parents not in the file stay


def test_the_same_folder_imported_twice_writes_nothing_the_second_time(plant):
    files = {**MASTER_DATA, "boms.csv": PLANT["boms.csv"], "routings.csv": PLANT["routings.csv"]}
    import_files(plant / "plant", files)
    before = table_counts()

    counts = import_files(plant / "plant", files)

    assert table_counts() == {**before, "core.DomainEvent": before["core.DomainEvent"] + 1}
    assert all(value == 0 for file_counts in counts.values() for key, value in file_counts.items() if key != "rows")


@pytest.mark.parametrize(
    ("boms", "message"),
    [
        pytest.param(
            "KTL,KTL,1,,,\n",
            "boms.csv, line 2, column component: This makes an item its own component: KTL > KTL.",
            id="own component",
        ),
        pytest.param("KTL,GHOST,1,,,\n", "boms.csv, line 2, column component: unknown item 'GHOST'", id="unknown code"),
        pytest.param("NOPE,LID,1,,,\n", "boms.csv, line 2, column parent: unknown item 'NOPE'", id="unknown parent"),
        pytest.param("KTL,LID,0,,,\n", "boms.csv, line 2, column qty_per: must be greater than 0", id="zero quantity"),
        pytest.param("KTL,LID,one,,,\n", "boms.csv, line 2, column qty_per: not a number: 'one'", id="bad number"),
        pytest.param(
            "KTL,LID,1,,,01/07/2026\n",
            "boms.csv, line 2, column effective_from: not a date (YYYY-MM-DD): '01/07/2026'",
            id="bad date",
        ),
        pytest.param(
            "KTL,LID,1,,,2026-02-30\n",
            "boms.csv, line 2, column effective_from: not a date (YYYY-MM-DD): '2026-02-30'",
            id="no such day",
        ),
        pytest.param(
            "KTL,LID,1,120,,\n",
            "boms.csv, line 2, column scrap_pct: Ensure this value is less than or equal to 99.99.",
            id="scrap out of range",
        ),
        pytest.param(
            "KTL,LID,1,,B,2026-07-01\nKTL,BODY,1,,B,2026-08-01\n",
            "boms.csv, line 3, column effective_from: revision B of KTL starts on 2026-07-01 on line 2",
            id="lines of a revision disagree",
        ),
        pytest.param(
            "KTL,LID,1,,A,\nKTL,BODY,1,,B,\n",
            "boms.csv, line 3, column revision: revision B of KTL is effective since always,"
            " as revision A does (line 2)",
            id="two revisions start together",
        ),
        pytest.param(
            "KTL,LID,,,,\n",
            "boms.csv, line 2, column qty_per: a value is required",
            id="missing value",
        ),
    ],
)
def test_each_bom_error_names_file_line_column_and_reason(plant, boms, message):
    import_files(plant / "items", {"items.csv": "code,name,uom,procurement\nA,Alpha,ea,make\nB,Beta,ea,make\n"})
    assert import_error(plant / "boms", {"boms.csv": BOM_HEADER + boms}) == message


def test_a_cycle_in_the_file_is_named_at_its_first_line(plant):
    import_files(plant / "items", {"items.csv": "code,name,uom,procurement\nA,Alpha,ea,make\nB,Beta,ea,make\n"})

    message = import_error(plant / "boms", {"boms.csv": BOM_HEADER + "A,B,1,,,\nB,A,1,,,\n"})

    assert message in cycle_errors(2, ["A", "B"])


def test_a_cycle_through_a_bom_already_in_takt_is_an_error(plant):
    import_files(plant / "first", {"boms.csv": PLANT["boms.csv"]})  # KTL > BODY > SHEET

    message = import_error(plant / "second", {"boms.csv": BOM_HEADER + "SHEET,LID,1,,,\nSHEET,KTL,1,,,\n"})

    assert message in cycle_errors(3, ["KTL", "BODY", "SHEET"])


def test_a_missing_required_column_is_named(plant):
    message = import_error(plant / "boms", {"boms.csv": "parent,component\nKTL,LID\n"})
    assert message == "boms.csv, line 1, column qty_per: this required column is missing from the header"


def test_a_revision_a_file_names_that_is_a_draft_in_takt_is_not_overwritten(plant):
    BomRevision.objects.create(item=Item.objects.get(code="KTL"), revision="B", state=RevisionState.DRAFT)
    message = import_error(plant / "boms", {"boms.csv": BOM_HEADER + "KTL,LID,1,,B,2026-07-01\n"})
    assert (
        message
        == "boms.csv, line 2, column revision: revision B of KTL is draft in Takt; the import writes released ones"
    )


def test_a_released_revision_in_takt_starting_on_the_same_day_is_named(plant):
    BomRevision.objects.create(item=Item.objects.get(code="KTL"), revision="X", state=RevisionState.RELEASED)
    message = import_error(plant / "boms", {"boms.csv": BOM_HEADER + "KTL,LID,1,,A,\n"})
    assert message == (
        "boms.csv, line 2, column revision: revision A of KTL is effective since always,"
        " as revision X does (released in Takt, not in this file)"
    )


def test_routings_import_one_released_revision_a_with_operations_in_seq_order(plant):
    counts = import_files(plant / "routings", {"routings.csv": PLANT["routings.csv"]})

    assert counts["routings.csv"]["operations_created"] == 3
    routing = RoutingRevision.objects.get(item__code="KTL")
    assert (routing.revision, routing.state, routing.effective_from, routing.effective_to) == (
        "A",
        RevisionState.RELEASED,
        None,
        None,
    )
    operations = list(
        routing.operations.values_list("seq", "work_center__code", "setup_minutes", "run_minutes_per_unit")
    )
    assert operations == [(10, "ASSY", 15, Decimal("2.25")), (20, "ASSY", 0, 4)]


def test_a_routing_reimport_replaces_the_operations_and_keeps_what_the_file_does_not_hold(plant):
    import_files(plant / "first", {"routings.csv": PLANT["routings.csv"]})
    RoutingOperation.objects.filter(routing__item__code="KTL", seq=10).update(instructions="Fill, then test.")

    counts = import_files(plant / "again", {"routings.csv": ROUTING_HEADER + "KTL,10,PRESS,5,3\nKTL,30,ASSY,,1\n"})

    assert (counts["routings.csv"]["operations_created"], counts["routings.csv"]["operations_deleted"]) == (1, 1)
    assert RoutingRevision.objects.filter(item__code="KTL").count() == 1
    operations = list(
        RoutingOperation.objects.filter(routing__item__code="KTL").values_list(
            "seq", "work_center__code", "instructions"
        )
    )
    assert operations == [(10, "PRESS", "Fill, then test."), (30, "ASSY", "")]
    assert RoutingOperation.objects.filter(routing__item__code="BODY").count() == 1


@pytest.mark.parametrize(
    ("routings", "message"),
    [
        pytest.param(
            "KTL,10,NOWHERE,,1\n",
            "routings.csv, line 2, column work_center: unknown work center 'NOWHERE'",
            id="unknown work center",
        ),
        pytest.param(
            "GHOST,10,ASSY,,1\n", "routings.csv, line 2, column item: unknown item 'GHOST'", id="unknown item"
        ),
        pytest.param("KTL,ten,ASSY,,1\n", "routings.csv, line 2, column seq: not a whole number: 'ten'", id="bad seq"),
        pytest.param(
            "KTL,10,ASSY,,-1\n",
            "routings.csv, line 2, column run_minutes_per_unit: Ensure this value is greater than or equal to 0.",
            id="negative run time",
        ),
        pytest.param(
            "KTL,10,ASSY,,1\nKTL,10,PRESS,,2\n",
            "routings.csv, line 3, column seq: operation 10 of KTL appears twice in this file (first on line 2)",
            id="duplicate seq",
        ),
    ],
)
def test_each_routing_error_names_file_line_column_and_reason(plant, routings, message):
    assert import_error(plant / "routings", {"routings.csv": ROUTING_HEADER + routings}) == message


def test_a_bad_routing_row_writes_nothing_of_the_whole_folder(tmp_path):
    before = table_counts()
    files = {**PLANT, "routings.csv": csv_text(PLANT["routings.csv"]) + "KTL,30,NOWHERE,,1\n"}

    with pytest.raises(ImportFileError, match="unknown work center 'NOWHERE'"):
        import_files(tmp_path / "plant", files)

    assert table_counts() == before


def test_export_then_import_into_an_empty_database_is_lossless(plant):
    files = {
        **MASTER_DATA,
        "boms.csv": csv_text(PLANT["boms.csv"]) + "KTL,BODY,2,0.5,B,2026-07-01\n",
        "routings.csv": PLANT["routings.csv"],
    }
    import_files(plant / "plant", files)
    export_folder(plant / "first-export")

    # An empty database: everything the import wrote is deleted, children first.
    RoutingOperation.objects.all().delete()
    RoutingRevision.objects.all().delete()
    BomLine.objects.all().delete()
    BomRevision.objects.all().delete()
    Item.objects.all().delete()
    for work_center in WorkCenter.objects.all():
        work_center.machines.all().delete()
        work_center.delete()
    Partner.objects.all().delete()

    import_folder(plant / "first-export")
    export_folder(plant / "second-export")

    first = {path.name: path.read_text() for path in sorted((plant / "first-export").iterdir())}
    second = {path.name: path.read_text() for path in sorted((plant / "second-export").iterdir())}
    # (stock.csv and the files of other apps come along, holding only their header here)
    assert {"partners.csv", "work_centers.csv", "items.csv", "boms.csv", "routings.csv"} <= set(first)
    assert first == second
    assert "KTL,BODY,2,0.5,B,2026-07-01" in first["boms.csv"].splitlines()


def test_the_number_of_queries_does_not_grow_with_the_boms_and_routings(plant):
    def queries_for(parents: int) -> int:
        folder = plant / f"plant-{parents}"
        items = "".join(f"P{parents}-{n},Parent {n},ea,make\n" for n in range(parents))
        boms = "".join(f"P{parents}-{n},LID,1,,A,\nP{parents}-{n},SHEET,0.5,,B,2030-01-01\n" for n in range(parents))
        routings = "".join(f"P{parents}-{n},10,ASSY,,1\nP{parents}-{n},20,PRESS,5,2\n" for n in range(parents))
        import_files(folder / "items", {"items.csv": "code,name,uom,procurement\n" + items})
        files = {"boms.csv": BOM_HEADER + boms, "routings.csv": ROUTING_HEADER + routings}
        with CaptureQueriesContext(connection) as queries:
            import_files(folder / "engineering", files)
        return len(queries)

    assert queries_for(3) == queries_for(60)


def test_files_with_a_header_only_import_nothing(plant):
    counts = import_files(plant / "empty", {"boms.csv": BOM_HEADER, "routings.csv": ROUTING_HEADER})
    assert counts["boms.csv"]["rows"] == counts["routings.csv"]["rows"] == 0
    assert not BomRevision.objects.exists() and not RoutingRevision.objects.exists()


def test_run_time_is_optional_as_the_format_says(plant):
    folder = plant / "routings"
    folder.mkdir(exist_ok=True)
    (folder / "routings.csv").write_text("item,seq,work_center\nKTL,10,ASSY\n", encoding="utf-8")
    import_folder(folder)
    operation = RoutingOperation.objects.get(routing__item__code="KTL", seq=10)
    assert operation.run_minutes_per_unit == 0 and operation.setup_minutes == 0
