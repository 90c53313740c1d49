"""Backup and restore (docs/operations.md): one tar archive holding the database, the media files and a manifest.

    takt-20261122-221500.tar
        manifest.json     format, time, PostgreSQL and pg_dump versions, applied migrations, rows per table
        database.dump     pg_dump --format=custom, taken in the same snapshot the rows were counted in
        media/...         every file under MEDIA_ROOT

A restore replays the dump into an empty database (or, with `force`, replaces what is there) in one
transaction, so a failed restore leaves the target as it was, then checks every table's row count against
the manifest. The PostgreSQL client tools used are those whose major version matches the server: the
embedded server's own (pgserver's), or the system's (/usr/lib/postgresql/<major>/bin, PATH).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import environ
import psycopg2
from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from psycopg2 import sql

ARCHIVE_FORMAT = 1
MANIFEST_NAME = "manifest.json"
DUMP_NAME = "database.dump"
MEDIA_DIR = "media"
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Database:
    """Where a database is, as libpq connection keywords (the password goes through PGPASSWORD, not argv)."""

    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: tuple[tuple[str, str], ...] = ()  # other libpq keywords: sslmode, ...

    @classmethod
    def from_settings(cls, alias: str = "default") -> Database:
        return cls.from_config(settings.DATABASES[alias])

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls.from_config(environ.Env.db_url_config(url))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Database:
        options = {key: str(value) for key, value in (config.get("OPTIONS") or {}).items()}
        # The embedded server's URL names its socket directory as the `host` parameter.
        host = config.get("HOST") or options.pop("host", "")
        options.pop("host", None)
        return cls(
            name=config["NAME"],
            user=config.get("USER") or "",
            password=config.get("PASSWORD") or "",
            host=host,
            port=str(config.get("PORT") or ""),
            options=tuple(sorted(options.items())),
        )

    def conninfo(self) -> str:
        fields = {"dbname": self.name, "user": self.user, "host": self.host, "port": self.port, **dict(self.options)}
        return " ".join(f"{key}='{_quoted(value)}'" for key, value in fields.items() if value)

    def url(self) -> str:
        """As DATABASE_URL spells it (a unix socket directory as the `host` parameter)."""
        socket = self.host.startswith("/")
        password = f":{quote(self.password, safe='')}" if self.password else ""
        address = ("" if socket else self.host) + (f":{self.port}" if self.port else "")
        query = [*([("host", self.host)] if socket else []), *self.options]
        return f"postgres://{quote(self.user, safe='')}{password}@{address}/{self.name}" + (
            "?" + urlencode(query) if query else ""
        )

    def client_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password} if self.password else dict(os.environ)

    def connect(self):
        try:
            return psycopg2.connect(self.conninfo(), password=self.password or None)
        except psycopg2.OperationalError as exc:
            raise BackupError(f"Cannot connect to database {self.name}: {str(exc).strip()}") from exc


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


# --- The PostgreSQL client tools ---------------------------------------------------------------------
def _tool_dirs() -> Iterator[Path]:
    if override := os.environ.get("TAKT_PG_BIN_DIR"):
        yield Path(override)
    try:
        from config.embedded import postgres_bin_dir

        yield postgres_bin_dir()
    except ImportError:  # pgserver is a dev extra; production images use the system's tools
        pass
    yield from sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory:
            yield Path(directory)


def tool_major(path: Path) -> int | None:
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    match = _VERSION.search(output)
    return int(match.group(1)) if match else None


def pg_tool(name: str, *, server_major: int, at_least: int = 0) -> Path:
    """The `name` tool (pg_dump, pg_restore, psql) of the server's major version, else the newest newer one
    (client tools talk to older servers, never to newer ones), reading archives of `at_least` or older."""
    found: dict[int, Path] = {}
    for directory in _tool_dirs():
        path = directory / name
        if path.is_file() and os.access(path, os.X_OK) and (major := tool_major(path)):
            found.setdefault(major, path)
    usable = sorted(major for major in found if major >= max(server_major, at_least))
    if not usable:
        have = ", ".join(f"{found[major]} ({major})" for major in sorted(found)) or "none"
        raise BackupError(
            f"No {name} for PostgreSQL {max(server_major, at_least)} or newer was found (found: {have}). "
            f"Install the PostgreSQL {server_major} client tools or point TAKT_PG_BIN_DIR at them."
        )
    return found[server_major] if server_major in usable else found[usable[-1]]


def _run(command: list[Any], *, database: Database, **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(  # noqa: S603 (our own tools and arguments)
            [str(part) for part in command], env=database.client_env(), check=True, capture_output=True, **kwargs
        )
    except subprocess.CalledProcessError as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
        raise BackupError(f"{Path(command[0]).name} failed: {stderr.strip()[-2000:]}") from exc


# --- Reading a database's state ------------------------------------------------------------------------
def server_major(cursor) -> int:
    cursor.execute("SELECT current_setting('server_version_num')::int")
    return cursor.fetchone()[0] // 10000


def public_tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def table_counts(cursor) -> dict[str, int]:
    """Rows of every table in the public schema."""
    counts = {}
    for table in public_tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


# --- Backup -----------------------------------------------------------------------------------------------
def backup_create(*, directory: Path, database: Database | None = None, media_root: Path | None = None) -> Path:
    """Write takt-<time>.tar into `directory`: the database and the media files, as they were at one moment
    for the database (pg_dump runs in the snapshot the manifest's row counts were taken in)."""
    database = database or Database.from_settings()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    directory.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    archive = directory / f"takt-{created:%Y%m%d-%H%M%S-%f}.tar"
    with tempfile.TemporaryDirectory(prefix="takt-backup-") as work:
        dump = Path(work) / DUMP_NAME
        connection = database.connect()
        try:
            connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
                major = server_major(cursor)
                pg_dump = pg_tool("pg_dump", server_major=major)
                manifest = {
                    "format": ARCHIVE_FORMAT,
                    "created_at": created.isoformat(),
                    "database": database.name,
                    "postgresql": {"server": server_version, "major": major, "pg_dump": tool_major(pg_dump)},
                    "migrations": _applied_migrations(cursor),
                    "tables": table_counts(cursor),
                }
                _run(
                    [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", database.conninfo()],
                    database=database,
                )
        finally:
            connection.close()
        media = sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.is_dir() else []
        manifest["media_files"] = len(media)
        partial = archive.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as tar:
            info = tarfile.TarInfo(MANIFEST_NAME)
            payload = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info.size, info.mtime = len(payload), int(created.timestamp())
            tar.addfile(info, io.BytesIO(payload))
            tar.add(dump, arcname=DUMP_NAME)
            for path in media:
                tar.add(path, arcname=f"{MEDIA_DIR}/{path.relative_to(media_root).as_posix()}")
        partial.rename(archive)  # a crash mid-write leaves a .partial file, never a truncated archive
    return archive


# --- Restore ----------------------------------------------------------------------------------------------
def backup_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of an archive, after checking the archive is one of ours."""
    if not archive.is_file():
        raise BackupError(f"No backup file at {archive}.")
    try:
        with tarfile.open(archive) as tar:
            names = set(tar.getnames())
            if MANIFEST_NAME not in names or DUMP_NAME not in names:
                raise BackupError(f"{archive} is not a Takt backup: it lacks {MANIFEST_NAME} or {DUMP_NAME}.")
            manifest = json.load(tar.extractfile(MANIFEST_NAME))
    except tarfile.TarError as exc:
        raise BackupError(f"{archive} is not a readable tar archive: {exc}") from exc
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise BackupError(f"{archive} has archive format {manifest.get('format')}; this Takt reads {ARCHIVE_FORMAT}.")
    return manifest


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names if (app, name) not in known
    ]


@contextmanager
def _extracted_dump(archive: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="takt-restore-") as work, tarfile.open(archive) as tar:
        tar.extract(DUMP_NAME, path=work, filter="data")
        yield Path(work) / DUMP_NAME


def backup_restore(
    *, archive: Path, database: Database | None = None, media_root: Path | None = None, force: bool = False
) -> dict[str, Any]:
    """Restore `archive` into `database` (default: the configured one) and its files into `media_root`.

    The target must be empty unless `force`, which drops its public schema first, in the restore's own
    transaction. Refused: a backup from a newer PostgreSQL major version than the target server, or holding
    migrations this code does not know (made by a newer Takt). Returns the manifest."""
    manifest = backup_manifest(archive)
    database = database or Database.from_settings()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if unknown := _unknown_migrations(manifest):
        raise BackupError(
            f"The backup was made by a newer Takt: this code lacks its migrations {', '.join(unknown[:5])}"
            f"{' ...' if len(unknown) > 5 else ''}. Restore it with the Takt version that made it."
        )
    connection = database.connect()
    try:
        with connection.cursor() as cursor:
            major = server_major(cursor)
            existing = public_tables(cursor)
    finally:
        connection.close()
    backup_major = manifest["postgresql"]["major"]
    if major < backup_major:
        raise BackupError(
            f"The backup comes from PostgreSQL {backup_major}; the target server runs {major}. "
            f"Restore into PostgreSQL {backup_major} or newer."
        )
    if existing and not force:
        raise BackupError(
            f"Database {database.name} is not empty ({len(existing)} tables). Restore into an empty database, "
            "or pass --force to replace everything in it."
        )
    pg_restore = pg_tool("pg_restore", server_major=major, at_least=manifest["postgresql"]["pg_dump"] or 0)
    psql = pg_tool("psql", server_major=major)
    # pg_restore writes the dump as SQL, which psql replays in one transaction, after dropping the public
    # schema when forced: a failure part way changes nothing.
    drop = ["--command=DROP SCHEMA public CASCADE; CREATE SCHEMA public;"] if force else []
    # Forced, the script also drops each object of the dump that exists (other schemas than public too).
    clean = ["--clean", "--if-exists"] if force else []
    with _extracted_dump(archive) as dump:
        script = subprocess.Popen(  # noqa: S603 (our own tool and arguments)
            [pg_restore, "--no-owner", "--no-privileges", *clean, "--file=-", dump],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            _run(
                [
                    *(psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1"),
                    *drop,
                    *("--file=-", database.conninfo()),
                ],
                database=database,
                stdin=script.stdout,
            )
        finally:
            script.stdout.close()
            script_errors = script.stderr.read().decode(errors="replace")
            script.wait()
        if script.returncode:
            raise BackupError(f"pg_restore failed: {script_errors.strip()[-2000:]}")
    connection = database.connect()
    try:
        with connection.cursor() as cursor:
            counts = table_counts(cursor)
    finally:
        connection.close()
    if counts != manifest["tables"]:
        differ = sorted(t for t in set(counts) | set(manifest["tables"]) if counts.get(t) != manifest["tables"].get(t))
        raise BackupError(f"The restored database differs from the backup in tables {', '.join(differ[:10])}.")
    _media_restore(archive, media_root)
    return manifest


def _media_restore(archive: Path, media_root: Path) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    prefix = f"{MEDIA_DIR}/"
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(prefix):
                member.name = member.name.removeprefix(prefix)
                # filter="data" refuses absolute paths, ".." and links out of media_root.
                tar.extract(member, path=media_root, filter="data")
