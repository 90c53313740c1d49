"""`manage.py backup` / `restore`: a backup restored into a fresh database holds every record and file."""

import dataclasses
import io
import json
import tarfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from psycopg2 import sql

from core.models import Partner
from core.roles import Role
from core.services.backup import MANIFEST_NAME, Database, table_counts
from plm.models import Attachment
from plm.services.attachments import attachment_add
from tests.conftest import user_with_role
from tests.erp.conftest import company_make
from tests.wms.conftest import bin_of, warehouse_make
from wms.models import StockMove

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only

DRAWING = b"%PDF-1.4 kettle body drawing \x00\x01\x02"


@pytest.fixture
def fresh_database():
    """An empty database on the test database's server, named after it (so each xdist worker has its own)."""
    source = Database.from_settings()
    name = f"{source.name}_restored"
    admin = dataclasses.replace(source, name="postgres").connect()
    admin.autocommit = True

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    drop()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield dataclasses.replace(source, name=name)
    drop()
    admin.close()


@pytest.fixture
def other_schema():
    """A schema beside public, with a row: a backup takes the whole database."""
    source = Database.from_settings().connect()
    source.autocommit = True
    with source.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS backup_extra CASCADE; CREATE SCHEMA backup_extra")
        cursor.execute("CREATE TABLE backup_extra.note (body text); INSERT INTO backup_extra.note VALUES ('kept')")
    yield
    with source.cursor() as cursor:
        cursor.execute("DROP SCHEMA backup_extra CASCADE")
    source.close()


def records_make() -> None:
    """Records in several apps: a company, a customer, a user with a role, a warehouse, stock received
    (WMS moves, ERP valuation) and a PLM attachment with its file."""
    from core.models import Item, Unit
    from wms.choices import LocationKind, MoveKind
    from wms.locations import virtual_location
    from wms.services.moves import stock_move_post

    company = company_make()
    Partner.objects.create(code="MEDIAHOME", name="MediaHome", kind="customer", currency=company.currency)
    user_with_role(Role.PLANNER, "planner")
    warehouse_make()
    body = Item.objects.create(code="KT-BODY", name="Kettle body", uom=Unit.objects.get(code="ea"))
    stock_move_post(
        item=body,
        quantity=Decimal("40"),
        from_location=virtual_location(LocationKind.SUPPLIER),
        to_location=bin_of("A-01"),
        kind=MoveKind.RECEIPT,
        unit_cost=Decimal("1.5"),
        reference="PO-TEST",
    )
    attachment_add(target=body, upload=SimpleUploadedFile("kt-body.pdf", DRAWING), user=None)


def checksums(database: Database, tables: list[str]) -> dict[str, str]:
    """The content of each table, as one md5 over its rows in a fixed order."""
    with database.connect() as conn, conn.cursor() as cursor:
        sums = {}
        for table in tables:
            cursor.execute(
                sql.SQL("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t").format(
                    sql.Identifier(table)
                )
            )
            sums[table] = cursor.fetchone()[0]
    conn.close()
    return sums


def counts(database: Database) -> dict[str, int]:
    conn = database.connect()
    try:
        with conn.cursor() as cursor:
            return table_counts(cursor)
    finally:
        conn.close()


def test_a_backup_restored_into_a_fresh_database_holds_every_record_and_file(
    settings, tmp_path, fresh_database, other_schema
):
    settings.MEDIA_ROOT = tmp_path / "media"
    records_make()
    attachment = Attachment.objects.get()
    source = Database.from_settings()
    checked = [model._meta.db_table for model in (Partner, StockMove, Attachment)] + ["auth_user", "core_company"]

    out = io.StringIO()
    call_command("backup", output_dir=tmp_path / "backups", stdout=out)
    archive = tmp_path / "backups" / out.getvalue().strip().rsplit("/", 1)[-1]
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(MANIFEST_NAME))
    assert manifest["tables"] == counts(source)
    assert manifest["tables"]["plm_attachment"] == 1 and manifest["media_files"] == 1
    assert "0001_initial" in manifest["migrations"]["core"]

    restored_media = tmp_path / "restored-media"
    call_command("restore", archive, database_url=fresh_database.url(), media_root=restored_media, stdout=io.StringIO())

    restored = counts(fresh_database)
    assert set(restored) == set(counts(source)) and len(restored) > 100  # every table of every app
    assert restored == counts(source)
    assert checksums(fresh_database, checked) == checksums(source, checked)
    assert (restored_media / attachment.file.name).read_bytes() == DRAWING

    # Once it holds data, the target is only replaced when asked to; then it is the backup again.
    with pytest.raises(CommandError, match="not empty") as refused:
        call_command("restore", archive, database_url=fresh_database.url(), media_root=restored_media)
    assert refused.value.returncode == 2
    with fresh_database.connect() as conn, conn.cursor() as cursor:
        cursor.execute("DELETE FROM core_partner")
    conn.close()
    call_command(
        "restore",
        archive,
        database_url=fresh_database.url(),
        media_root=restored_media,
        force=True,
        stdout=io.StringIO(),
    )
    assert counts(fresh_database) == counts(source)
    assert checksums(fresh_database, checked) == checksums(source, checked)
    with fresh_database.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT body FROM backup_extra.note")
        assert cursor.fetchall() == [("kept",)]
    conn.close()


def manifest_edited(archive, tmp_path, **changes):
    """A copy of `archive` whose manifest has `changes` applied (key paths joined by "__")."""
    copy = tmp_path / f"edited-{'-'.join(changes)}-{archive.name}"
    with tarfile.open(archive) as source, tarfile.open(copy, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == MANIFEST_NAME:
                manifest = json.loads(data)
                for path, value in changes.items():
                    *parents, key = path.split("__")
                    node = manifest
                    for parent in parents:
                        node = node[parent]
                    node[key] = value
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return copy


def test_restore_refuses_clearly_what_it_cannot_restore(settings, tmp_path, fresh_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    company_make()
    out = io.StringIO()
    call_command("backup", output_dir=tmp_path, stdout=out)
    archive = tmp_path / out.getvalue().strip().rsplit("/", 1)[-1]
    target = fresh_database.url()

    cases = {
        "No backup file": tmp_path / "missing.tar",
        "comes from PostgreSQL 99": manifest_edited(archive, tmp_path, postgresql__major=99),
        "made by a newer Takt": manifest_edited(archive, tmp_path, migrations={"core": ["0999_future"]}),
    }
    for message, path in cases.items():
        with pytest.raises(CommandError, match=message) as refused:
            call_command("restore", path, database_url=target)
        assert refused.value.returncode == 2
    # The database in use is not empty: refused before anything is written to it.
    with pytest.raises(CommandError, match="not empty") as refused:
        call_command("restore", archive)
    assert refused.value.returncode == 2
    assert counts(fresh_database) == {}
    assert counts(Database.from_settings())["core_company"] == 1
