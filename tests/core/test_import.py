"""The CSV import and export of docs/import.md: partners, work centers and items, the commands, the upload."""

import io
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import events
from core.choices import TaskRunStatus
from core.models import DomainEvent, Item, Machine, Partner, TaskRun, WorkCenter
from core.roles import Role
from core.services.dataio import ImportFileError, export_folder, file_handlers, import_folder
from tests.dataio import PLANT, csv_text, table_counts, write_folder

CORE_FILES = {name: PLANT[name] for name in ("partners.csv", "work_centers.csv", "items.csv")}


def import_files(tmp_path: Path, files: dict[str, str]) -> dict:
    return import_folder(write_folder(tmp_path / "plant", files))


def import_error(tmp_path: Path, files: dict[str, str]) -> str:
    with pytest.raises(ImportFileError) as failure:
        import_files(tmp_path, files)
    return str(failure.value)


def test_the_error_names_file_line_column_and_reason():
    error = ImportFileError(file="items.csv", line=14, column="uom", reason="unknown unit 'furlong'")
    assert str(error) == "items.csv, line 14, column uom: unknown unit 'furlong'"
    assert str(ImportFileError(file="boms.csv", reason="not UTF-8")) == "boms.csv: not UTF-8"


def test_the_handlers_come_in_the_order_of_the_format():
    assert [handler.name for handler in file_handlers()][:5] == [
        "partners.csv",
        "work_centers.csv",
        "items.csv",
        "boms.csv",
        "routings.csv",
    ]


@pytest.mark.django_db
def test_a_plant_folder_loads_partners_work_centers_and_items(tmp_path):
    counts = import_files(tmp_path, CORE_FILES)

    assert counts["items.csv"] == {"rows": 4, "created": 4, "updated": 0}
    steel = Partner.objects.get(code="S-STEEL")
    assert (steel.kind, steel.currency.code, steel.lead_time_days) == ("supplier", "EUR", 10)
    assert Partner.objects.get(code="C-SHOP").lead_time_days == 0  # empty cell: the default
    press = WorkCenter.objects.get(code="PRESS")
    assert (press.hours_per_day, press.cost_per_hour) == (Decimal("16"), Decimal("45.5"))
    assert [(m.code, m.name, m.active) for m in press.machines.all()] == [
        ("PRESS-1", "PRESS-1", True),
        ("PRESS-2", "PRESS-2", True),
    ]
    assert list(WorkCenter.objects.get(code="ASSY").machines.values_list("code", flat=True)) == ["ASSY-1"]
    sheet = Item.objects.get(code="SHEET")
    assert (sheet.uom.code, sheet.procurement, sheet.lot_policy) == ("kg", "buy", "min_multiple")
    assert (sheet.min_qty, sheet.multiple_qty, sheet.default_supplier) == (200, 25, steel)
    kettle = Item.objects.get(code="KTL")
    assert (kettle.standard_cost, kettle.safety_stock, kettle.default_supplier) == (Decimal("12.5"), 10, None)
    event = DomainEvent.objects.get(name=events.DATA_IMPORTED)
    assert event.payload["files"]["partners.csv"]["created"] == 3


ITEMS_HEADER = "code,name,uom,procurement,lead_time_days,safety_stock,lot_policy,lot_qty,supplier\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"items.csv": ITEMS_HEADER + "A,Alpha,ea,buy,,,,,\nB,Beta,furlong,buy,,,,,\n"},
            "items.csv, line 3, column uom: unknown unit 'furlong'",
            id="unknown unit",
        ),
        pytest.param(
            {"items.csv": "code,name,procurement\nA,Alpha,buy\n"},
            "items.csv, line 1, column uom: this required column is missing from the header",
            id="missing column",
        ),
        pytest.param(
            {"items.csv": ITEMS_HEADER + 'A,Alpha,ea,buy,,"1,5",,,\n'},
            "items.csv, line 2, column safety_stock: not a number: '1,5' (the decimal point is '.')",
            id="bad number",
        ),
        pytest.param(
            {"items.csv": ITEMS_HEADER + "A,Alpha,ea,buy,two,,,,\n"},
            "items.csv, line 2, column lead_time_days: not a whole number: 'two'",
            id="bad whole number",
        ),
        pytest.param(
            {"items.csv": ITEMS_HEADER + "A,Alpha,ea,buy,-3,,,,\n"},
            "items.csv, line 2, column lead_time_days: Ensure this value is greater than or equal to 0.",
            id="negative number",
        ),
        pytest.param(
            {"items.csv": ITEMS_HEADER + "A,Alpha,ea,produce,,,,,\n"},
            "items.csv, line 2, column procurement: 'produce' is not one of make, buy",
            id="bad choice",
        ),
        pytest.param(
            {"items.csv": ITEMS_HEADER + "A,,ea,buy,,,,,\n"},
            "items.csv, line 2, column name: a value is required",
            id="missing value",
        ),
        pytest.param(
            {"items.csv": ITEMS_HEADER + "A,Alpha,ea,buy,,,,,S-NOBODY\n"},
            "items.csv, line 2, column supplier: unknown partner 'S-NOBODY'",
            id="unknown code",
        ),
        pytest.param(
            {"partners.csv": PLANT["partners.csv"], "items.csv": ITEMS_HEADER + "A,Alpha,ea,buy,,,,,C-SHOP\n"},
            "items.csv, line 2, column supplier: partner 'C-SHOP' is not a supplier (Customer)",
            id="supplier is a customer",
        ),
        pytest.param(
            {"items.csv": ITEMS_HEADER + "A,Alpha,ea,buy,,,fixed,,\n"},
            "items.csv, line 2, column lot_qty: A fixed lot policy needs a lot quantity greater than zero.",
            id="lot policy rule",
        ),
        pytest.param(
            {"items.csv": ITEMS_HEADER + "A,Alpha,ea,buy,,,,,\nB,Beta,ea,buy,,,,,\nA,Again,ea,buy,,,,,\n"},
            "items.csv, line 4, column code: item 'A' appears twice in this file (first on line 2)",
            id="duplicate code",
        ),
        pytest.param(
            {"items.csv": "code,name,uom,procurement,colour\nA,Alpha,ea,buy,red\n"},
            "items.csv, line 1, column colour: unknown column; the columns of items.csv are code, name, uom,"
            " procurement, lead_time_days, safety_stock, lot_policy, lot_qty, min_qty, multiple_qty,"
            " standard_cost, supplier",
            id="unknown column",
        ),
        pytest.param(
            {"items.csv": "code,name,uom,procurement\nA,Alpha,ea,buy,oops\n"},
            "items.csv, line 2: 5 values, but the header names 4 columns",
            id="too many values",
        ),
        pytest.param(
            {"partners.csv": "code,name,kind,currency\nP1,Partner,both,XYZ\n"},
            "partners.csv, line 2, column currency: unknown currency 'XYZ'",
            id="unknown currency",
        ),
        pytest.param(
            {"work_centers.csv": "code,name,hours_per_day\nW1,Welding,eight\n"},
            "work_centers.csv, line 2, column hours_per_day: not a number: 'eight'",
            id="work center bad number",
        ),
        pytest.param(
            {"work_centers.csv": "code,name,machines\nW1,Welding,1000\n"},
            "work_centers.csv, line 2, column machines: Ensure this value is less than or equal to 999.",
            id="too many machines",
        ),
        pytest.param(
            {"item.csv": ITEMS_HEADER},
            "item.csv: unknown file; the import reads partners.csv, work_centers.csv, items.csv, boms.csv,"
            " routings.csv, stock.csv, demand.csv, purchase_orders.csv, production_orders.csv, devices.csv, tags.csv",
            id="unknown file",
        ),
        pytest.param({"items.csv": ""}, "items.csv: the file is empty; it needs a header row", id="empty file"),
    ],
)
def test_each_error_names_file_line_column_and_reason(tmp_path, files, message):
    assert import_error(tmp_path, files) == message


@pytest.mark.django_db
def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    folder = tmp_path / "plant"
    folder.mkdir()
    (folder / "items.csv").write_bytes(b"code,name,uom,procurement\nA,Alpha,ea,buy\nB,Stra\xdfe,ea,buy\n")
    with pytest.raises(ImportFileError, match=r"^items.csv, line 3: not UTF-8 text"):
        import_folder(folder)


@pytest.mark.django_db
def test_a_byte_order_mark_blank_lines_and_quoted_newlines_are_read_and_lines_counted(tmp_path):
    folder = tmp_path / "plant"
    folder.mkdir()
    text = 'code,name,uom,procurement\r\nA,"Two\nlines",ea,buy\r\n\r\n,,,\r\nB,Beta,furlong,buy\r\n'
    (folder / "items.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    with pytest.raises(ImportFileError) as failure:
        import_folder(folder)
    assert str(failure.value) == "items.csv, line 6, column uom: unknown unit 'furlong'"


@pytest.mark.django_db
def test_one_bad_row_writes_nothing_in_any_table(tmp_path):
    import_files(tmp_path / "before", {"partners.csv": PLANT["partners.csv"]})
    before = table_counts()
    bad_items = csv_text(PLANT["items.csv"]) + "LAST,Last item,furlong,buy,,,,,,,,\n"

    message = import_error(tmp_path, {**CORE_FILES, "items.csv": bad_items})

    assert message == "items.csv, line 6, column uom: unknown unit 'furlong'"
    assert table_counts() == before


@pytest.mark.django_db
def test_a_reimport_updates_by_code_instead_of_duplicating(tmp_path):
    import_files(tmp_path / "first", CORE_FILES)
    untouched = Item.objects.get(code="LID").updated_at
    renamed = PLANT["items.csv"].replace("KTL,Kettle,", "KTL,Electric kettle,")

    counts = import_files(tmp_path / "again", {**CORE_FILES, "items.csv": renamed})

    assert counts["items.csv"] == {"rows": 4, "created": 0, "updated": 1}
    assert counts["partners.csv"] == {"rows": 3, "created": 0, "updated": 0}
    assert Item.objects.count() == 4 and Partner.objects.count() == 3 and Machine.objects.count() == 3
    assert Item.objects.get(code="KTL").name == "Electric kettle"
    assert Item.objects.get(code="LID").updated_at == untouched  # unchanged rows are not rewritten


@pytest.mark.django_db
def test_columns_a_file_leaves_out_keep_their_stored_values(tmp_path):
    import_files(tmp_path / "full", CORE_FILES)

    import_files(tmp_path / "names", {"items.csv": "code,name,uom,procurement\nSHEET,Sheet steel,kg,buy\n"})

    sheet = Item.objects.get(code="SHEET")
    assert sheet.name == "Sheet steel"
    assert (sheet.lot_policy, sheet.multiple_qty, sheet.default_supplier.code) == ("min_multiple", 25, "S-STEEL")


@pytest.mark.django_db
def test_machines_follow_the_count_deactivating_never_deleting(tmp_path):
    import_files(tmp_path / "three", {"work_centers.csv": "code,name,machines\nPRESS,Presses,3\n"})
    press = WorkCenter.objects.get(code="PRESS")
    hand_made = Machine.objects.create(work_center=press, code="PRESS-OLD", name="Old press")

    counts = import_files(tmp_path / "one", {"work_centers.csv": "code,name,machines\nPRESS,Presses,1\n"})

    assert counts["work_centers.csv"]["machines_deactivated"] == 2
    states = dict(press.machines.values_list("code", "active"))
    assert states == {"PRESS-1": True, "PRESS-2": False, "PRESS-3": False, "PRESS-OLD": True}

    counts = import_files(tmp_path / "four", {"work_centers.csv": "code,name,machines\nPRESS,Presses,4\n"})

    assert (counts["work_centers.csv"]["machines_reactivated"], counts["work_centers.csv"]["machines_created"]) == (
        2,
        1,
    )
    assert press.machines.filter(active=True).count() == 5
    assert Machine.objects.get(pk=hand_made.pk).active


@pytest.mark.django_db
def test_a_machine_code_taken_by_another_work_center_is_an_error(tmp_path):
    import_files(tmp_path / "first", {"work_centers.csv": "code,name,machines\nOTHER,Other,1\n"})
    Machine.objects.filter(code="OTHER-1").update(code="PRESS-2")

    message = import_error(tmp_path, {"work_centers.csv": "code,name,machines\nPRESS,Presses,2\n"})

    assert message == "work_centers.csv, line 2, column machines: machine PRESS-2 already belongs to work center OTHER"


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_rows(tmp_path):
    import_files(tmp_path, {"partners.csv": PLANT["partners.csv"]})

    def queries_for(count: int) -> int:
        rows = "".join(f"IT-{count}-{n},Item {n},ea,buy,1,,fixed,10,S-STEEL\n" for n in range(count))
        folder = write_folder(tmp_path / str(count), {"items.csv": ITEMS_HEADER + rows})
        with CaptureQueriesContext(connection) as queries:
            import_folder(folder)
        return len(queries)

    assert queries_for(10) == queries_for(300)


@pytest.mark.django_db
def test_an_export_reads_back_as_the_same_data(tmp_path):
    import_files(tmp_path, CORE_FILES)

    export_folder(tmp_path / "export")

    items = (tmp_path / "export" / "items.csv").read_text().splitlines()
    assert items[0] == (
        "code,name,uom,procurement,lead_time_days,safety_stock,lot_policy,lot_qty,min_qty,multiple_qty,standard_cost,supplier"
    )
    assert "SHEET,Steel sheet,kg,buy,10,100,min_multiple,,200,25,1.25,S-STEEL" in items
    assert "ASSY,Assembly,1,8,0" in (tmp_path / "export" / "work_centers.csv").read_text().splitlines()


@pytest.mark.django_db
def test_the_command_prints_counts_and_exits_2_on_a_bad_file(tmp_path, capsys):
    good = write_folder(tmp_path / "good", CORE_FILES)
    call_command("import_data", str(good))
    assert "items.csv: rows 4, created 4, updated 0" in capsys.readouterr().out

    bad = write_folder(tmp_path / "bad", {"items.csv": ITEMS_HEADER + "A,Alpha,furlong,buy,,,,,\n"})
    with pytest.raises(CommandError) as failure:
        call_command("import_data", str(bad))
    assert failure.value.returncode == 2
    assert str(failure.value) == "items.csv, line 2, column uom: unknown unit 'furlong'"


def test_the_command_exits_2_with_the_message_on_stderr_for_a_missing_folder(tmp_path):
    missing = tmp_path / "no-such-folder"
    result = subprocess.run(
        [sys.executable, "manage.py", "import_data", str(missing)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert f"{missing}: no such folder" in result.stderr


@pytest.mark.django_db
def test_export_data_writes_the_files(tmp_path, capsys):
    import_files(tmp_path, CORE_FILES)
    call_command("export_data", str(tmp_path / "out"))
    assert "partners.csv: 3 rows" in capsys.readouterr().out
    assert (tmp_path / "out" / "partners.csv").read_text().startswith("code,name,kind,currency,lead_time_days\n")


# --- the browser upload ------------------------------------------------------------------------------

IMPORT_URL = "/core/import/"


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_text(text).encode(), content_type="text/csv")


def finished(run: TaskRun, timeout: float = 30.0) -> TaskRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run still {run.status} after {timeout}s")


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.PLANNER, Role.ENGINEER])
def test_roles_other_than_admin_are_refused_even_if_they_manage_items(client_as, role):
    client = client_as(role)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {"files": [upload("items.csv", ITEMS_HEADER)]}).status_code == 403


@pytest.mark.django_db
def test_the_page_lists_the_files_for_an_admin(client_as):
    response = client_as(Role.ADMIN).get(IMPORT_URL)
    assert response.status_code == 200
    assert b"<code>boms.csv</code>" in response.content and b"<strong>qty_per</strong>" in response.content


@pytest.mark.django_db
def test_an_upload_of_files_the_format_does_not_know_is_refused_on_the_page(client_as):
    response = client_as(Role.ADMIN).post(IMPORT_URL, {"files": [upload("parts.csv", "code\n")]})
    assert response.status_code == 200 and b"parts.csv: unknown file" in response.content
    response = client_as(Role.ADMIN).post(IMPORT_URL, {"files": [upload("items.xlsx", "PK")]})
    assert b"Upload .csv files, or one .zip of them." in response.content
    assert TaskRun.objects.count() == 0


@pytest.mark.celery
def test_an_admin_uploads_csv_files_and_a_worker_imports_them(celery_worker, client_as, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_as(Role.ADMIN)

    response = client.post(IMPORT_URL, {"files": [upload(name, text) for name, text in CORE_FILES.items()]})

    run = TaskRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/core/task-runs/{run.pk}/"
    assert sorted(p.name for p in (settings.MEDIA_ROOT / run.params["folder"]).iterdir()) == sorted(CORE_FILES)
    run = finished(run)
    assert run.status == TaskRunStatus.SUCCEEDED, run.error
    assert run.result["items.csv"] == {"rows": 4, "created": 4, "updated": 0}
    assert Item.objects.count() == 4 and Machine.objects.count() == 3
    page = client.get(response["Location"])
    assert b"run-progress" in page.content and b"100%" in page.content


@pytest.mark.celery
def test_a_bad_zip_upload_fails_its_run_naming_file_line_and_column(celery_worker, client_as, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, text in CORE_FILES.items():
            zipped.writestr(
                f"plant/{name}", csv_text(text).replace("SHEET,Steel sheet,kg", "SHEET,Steel sheet,furlong")
            )
        zipped.writestr("__MACOSX/plant/._items.csv", "junk")
        zipped.writestr("plant/README.txt", "not imported")
    zip_upload = SimpleUploadedFile("plant.zip", archive.getvalue(), content_type="application/zip")

    response = client_as(Role.ADMIN).post(IMPORT_URL, {"files": [zip_upload]})

    assert response.status_code == 302
    run = finished(TaskRun.objects.get())
    assert run.status == TaskRunStatus.FAILED
    assert run.error == "items.csv, line 4, column uom: unknown unit 'furlong'"
    assert Item.objects.count() == 0 and Partner.objects.count() == 0
