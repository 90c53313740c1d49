"""A plant's data in and out as a folder of CSV files: the format of docs/import.md.

Each app describes its files in `<app>/importers.py`, found at run time over settings.TAKT_APPS (as
`roles.py` is, so core never imports an upper app), and registers one FileHandler per file.
IMPORT_FILES fixes the order files load in, so later files can refer to codes from earlier ones.

Handlers work set-based: one query loads the existing rows by code, every row is parsed and checked
in Python (the model's own field validators and clean(), never a query per row), and the writes go
out in bulk. `import_folder` runs them all in one transaction: one bad row and nothing is written.
"""

import csv
import datetime
import io
import re
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, IntegrityError, connection, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone
from django.utils.translation import gettext_noop

from core import events
from core.formatting import trim_decimal
from core.models import TaskRun
from core.services.events import event_publish
from core.services.progress import ProgressReporter, task_run_start

# Every file of the format, in load order. Apps register handlers for theirs; a file without one
# yet is refused by name rather than skipped, so nothing in a folder is silently left out.
IMPORT_FILES = (
    "partners.csv",
    "work_centers.csv",
    "items.csv",
    "boms.csv",
    "routings.csv",
    "stock.csv",
    "demand.csv",
    "purchase_orders.csv",
    "production_orders.csv",
    "devices.csv",
    "tags.csv",
)
BATCH_SIZE = 2000
UPLOAD_DIR = "imports"

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

T = TypeVar("T")


class ImportFileError(Exception):
    """What is wrong with an import, and where: `items.csv, line 14, column uom: unknown unit 'furlong'`."""

    def __init__(self, *, file: str, reason: str, line: int | None = None, column: str | None = None):
        self.file, self.line, self.column, self.reason = file, line, column, reason
        where = [file, *([f"line {line}"] if line else []), *([f"column {column}"] if column else [])]
        super().__init__(f"{', '.join(where)}: {reason}")


class Row:
    """One data row of a CSV file: its cells by column (only the header's columns) and its line number."""

    __slots__ = ("cells", "file", "line")

    def __init__(self, *, file: str, line: int, cells: dict[str, str]):
        self.file, self.line, self.cells = file, line, cells

    def error(self, column: str | None, reason: str) -> ImportFileError:
        return ImportFileError(file=self.file, line=self.line, column=column, reason=reason)

    def lookup(self, column: str, table: Mapping[str, T], what: str) -> T | None:
        """The record a code refers to (None for an empty cell); an unknown code is an error naming it."""
        code = self.cells.get(column, "")
        if not code:
            return None
        try:
            return table[code]
        except KeyError:
            raise self.error(column, f"unknown {what} '{code}'") from None

    def value(
        self,
        column: str,
        field: models.Field,
        *,
        lookup: Mapping[str, Any] | None = None,
        default: Any = NOT_PROVIDED,
    ) -> Any:
        """The cell parsed and validated as the model field would be; an empty cell gives the default."""
        raw = self.cells.get(column, "")
        if not raw:
            if default is not NOT_PROVIDED:
                return default
            if field.has_default():
                return field.get_default()
            if field.null:
                return None
            if field.blank and field.empty_strings_allowed:
                return ""
            raise self.error(column, "a value is required")
        if field.is_relation:
            return self.lookup(column, lookup or {}, str(field.related_model._meta.verbose_name))
        if field.choices:
            valid = [str(choice) for choice, _label in field.flatchoices]
            if raw not in valid:
                raise self.error(column, f"'{raw}' is not one of {', '.join(valid)}")
            return raw
        try:
            return field.clean(self._parse(column, raw, field), None)
        except ValidationError as exc:
            raise self.error(column, " ".join(exc.messages)) from None

    def _parse(self, column: str, raw: str, field: models.Field) -> Any:
        if isinstance(field, models.DecimalField):
            if not _DECIMAL.fullmatch(raw):
                hint = " (the decimal point is '.')" if "," in raw else ""
                raise self.error(column, f"not a number: '{raw}'{hint}")
            return Decimal(raw)
        if isinstance(field, models.IntegerField):
            if not _INTEGER.fullmatch(raw):
                raise self.error(column, f"not a whole number: '{raw}'")
            return int(raw)
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            try:
                if not _DATE.fullmatch(raw):
                    raise ValueError(raw)
                return datetime.date.fromisoformat(raw)
            except ValueError:
                raise self.error(column, f"not a date (YYYY-MM-DD): '{raw}'") from None
        return raw

    def assign(
        self, obj: models.Model, column: str, *, field: str | None = None, lookup: Mapping[str, Any] | None = None
    ) -> None:
        """Set obj.<field> (default: the column's name) from the cell; a column the file lacks leaves it as it is."""
        if column in self.cells:
            model_field = obj._meta.get_field(field or column)
            setattr(obj, model_field.name, self.value(column, model_field, lookup=lookup))

    def check(self, obj: models.Model, columns: Mapping[str, str] | None = None) -> None:
        """The model's own cross-field rules (clean()), reported on the column of the field they name.

        Related records must be assigned as objects, not ids, so clean() reads them without a query.
        """
        try:
            obj.clean()
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise self.error(None, " ".join(exc.messages)) from None
            field, messages = next(iter(exc.message_dict.items()))
            column = None if field == NON_FIELD_ERRORS else (columns or {}).get(field, field)
            raise self.error(column, " ".join(messages)) from None

    def once(self, seen: dict[Any, int], column: str, key: Any, label: str) -> None:
        """Refuse a second row for the same key in one file: the later row would silently win."""
        first = seen.setdefault(key, self.line)
        if first != self.line:
            raise self.error(column, f"{label} appears twice in this file (first on line {first})")


@dataclass(frozen=True)
class CsvFile:
    name: str
    columns: tuple[str, ...]
    rows: list[Row]

    def has(self, column: str) -> bool:
        return column in self.columns


@dataclass(frozen=True)
class FileHandler:
    """One file of the format: its columns in export order, the required ones, and how it loads and exports.

    `load` writes the file's rows and returns counts ({"rows": ..., "created": ...}); `export` yields
    the rows in column order, as values the import reads back to the same records.
    """

    name: str
    columns: tuple[str, ...]
    required: frozenset[str]
    load: Callable[[CsvFile], dict[str, int]]
    export: Callable[[], Iterable[Sequence[Any]]]


_handlers: dict[str, FileHandler] = {}


def register(handler: FileHandler) -> FileHandler:
    """Called by each app's importers module for every file it handles."""
    if handler.name not in IMPORT_FILES:
        raise ValueError(f"{handler.name} is not a file of the import format (core.services.dataio.IMPORT_FILES)")
    _handlers[handler.name] = handler
    return handler


def file_handlers() -> list[FileHandler]:
    """The registered handlers in load order, after importing every Takt app's `importers` module."""
    for app in settings.TAKT_APPS:
        try:
            import_module(f"{app}.importers")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.importers":
                raise
    return [_handlers[name] for name in IMPORT_FILES if name in _handlers]


class Changes:
    """New and changed instances of one model, written in batches; unchanged rows are not touched.

    Take `state(obj)` before applying a row and pass it to `add(obj, before)` after: a re-import of
    the same file then writes nothing, and `updated_at` moves only for records that changed.
    """

    def __init__(self, model: type[models.Model], fields: Sequence[str]):
        self.model = model
        self.fields = list(fields)
        self._attnames = [model._meta.get_field(name).attname for name in fields]
        self.created: list[models.Model] = []
        self.updated: list[models.Model] = []

    def state(self, obj: models.Model) -> tuple:
        return tuple(getattr(obj, attname) for attname in self._attnames)

    def add(self, obj: models.Model, before: tuple) -> None:
        if obj.pk is None:
            self.created.append(obj)
        elif self.state(obj) != before:
            self.updated.append(obj)

    def save(self) -> None:
        # Updates first: a row moving away from a unique value frees it for a new row taking it.
        if self.updated:
            now = timezone.now()
            for obj in self.updated:
                obj.updated_at = now
            bulk_update_values(self.model, self.updated, [*self.fields, "updated_at"])
        self.model.objects.bulk_create(self.created, batch_size=BATCH_SIZE)

    def counts(self, prefix: str = "") -> dict[str, int]:
        return {f"{prefix}created": len(self.created), f"{prefix}updated": len(self.updated)}


def bulk_delete(queryset: models.QuerySet, *, file: str, what: str) -> None:
    """Delete the rows a file no longer lists (a BOM's dropped lines); still referenced ones are an error.

    Like the bulk writes, without an audit entry per row: the import's event records the counts.
    """
    try:
        with disable_auditlog():
            queryset.delete()
    except (ProtectedError, RestrictedError) as exc:
        used = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        users = ", ".join(sorted({str(obj._meta.verbose_name_plural) for obj in used}))
        raise ImportFileError(
            file=file, reason=f"{what} the file leaves out cannot be deleted: used by {users}"
        ) from exc


def bulk_update_values(model: type[models.Model], objs: list[models.Model], field_names: list[str]) -> None:
    """UPDATE ... FROM (VALUES ...): one join per batch.

    Django's bulk_update writes a CASE with a branch per row for every field, which PostgreSQL
    evaluates row by row: quadratic in the batch, 89 s for the benchmark's 80,000 changed rows.
    """
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in field_names)]
    quote = connection.ops.quote_name
    columns = [quote(field.column) for field in fields]
    row_sql = "(" + ", ".join(f"CAST(%s AS {field.cast_db_type(connection)})" for field in fields) + ")"
    assignments = ", ".join(f"{column} = v.{column}" for column in columns[1:])
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH_SIZE):
            batch = objs[start : start + BATCH_SIZE]
            params = [
                field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in batch for field in fields
            ]
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments}"  # noqa: S608 (names from the model)
                f" FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v({', '.join(columns)})"
                f" WHERE t.{columns[0]} = v.{columns[0]}",
                params,
            )


def read_csv(path: Path, handler: FileHandler) -> CsvFile:
    """Read and check the shape of one file: UTF-8 (with or without BOM), a header row, required values."""
    name = handler.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(file=name, line=line, reason="not UTF-8 text; save the file as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(file=name, reason="the file is empty; it needs a header row")
        columns = tuple(column.strip() for column in header)
        _check_header(handler, columns)
        rows = []
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(columns):
                reason = f"{len(values)} values, but the header names {len(columns)} columns"
                raise ImportFileError(file=name, line=line, reason=reason)
            values += [""] * (len(columns) - len(values))
            row = Row(file=name, line=line, cells={c: v.strip() for c, v in zip(columns, values, strict=True)})
            for column in handler.required:
                if not row.cells[column]:
                    raise row.error(column, "a value is required")
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(file=name, line=reader.line_num, reason=f"not valid CSV: {exc}") from None
    return CsvFile(name=name, columns=columns, rows=rows)


def _check_header(handler: FileHandler, columns: tuple[str, ...]) -> None:
    def refuse(column: str, reason: str) -> ImportFileError:
        return ImportFileError(file=handler.name, line=1, column=column, reason=reason)

    for position, column in enumerate(columns, start=1):
        if not column:
            raise ImportFileError(file=handler.name, line=1, reason=f"column {position} of the header has no name")
        if column not in handler.columns:
            raise refuse(column, f"unknown column; the columns of {handler.name} are {', '.join(handler.columns)}")
        if columns.count(column) > 1:
            raise refuse(column, "the column appears twice in the header")
    for column in handler.columns:
        if column in handler.required and column not in columns:
            raise refuse(column, "this required column is missing from the header")


def check_file_names(names: Iterable[str]) -> None:
    """Refuse files the import would otherwise skip: unknown names, and files no app imports yet."""
    handled = {handler.name for handler in file_handlers()}
    for name in sorted(names):
        if name not in IMPORT_FILES:
            raise ImportFileError(file=name, reason=f"unknown file; the import reads {', '.join(IMPORT_FILES)}")
        if name not in handled:
            raise ImportFileError(file=name, reason="this file cannot be imported yet")


def import_folder(
    path: str | Path, *, progress: ProgressReporter | None = None, actor: Any = None
) -> dict[str, dict[str, int]]:
    """Import the folder's CSV files in the format's order, in one transaction; counts per file.

    Raises ImportFileError, having written nothing, at the first bad row. Files that are not CSV
    (a README, say) are ignored; a CSV file the format does not know is an error.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ImportFileError(file=str(folder), reason="no such folder")
    check_file_names(entry.name for entry in folder.iterdir() if entry.suffix.lower() == ".csv")
    plan = [(handler, folder / handler.name) for handler in file_handlers() if (folder / handler.name).is_file()]
    if not plan:
        raise ImportFileError(file=str(folder), reason=f"no files to import; expected {', '.join(IMPORT_FILES)}")
    # Progress by bytes: the BOM file of a plant is most of the work, not one file in five.
    total = sum(file_path.stat().st_size for _handler, file_path in plan) or 1
    done = 0
    counts: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        for number, (handler, file_path) in enumerate(plan, start=1):
            if progress:
                message = gettext_noop("Importing %(file)s (%(number)s of %(total)s)")
                progress(done * 100 // total, message, {"file": handler.name, "number": number, "total": len(plan)})
            data = read_csv(file_path, handler)
            try:
                counts[handler.name] = handler.load(data)
            except (IntegrityError, DataError) as exc:
                # A rule the rows were not checked against; the file is all we can name.
                raise ImportFileError(file=handler.name, reason=f"the database refused the data: {exc}") from exc
            done += file_path.stat().st_size
        event_publish(name=events.DATA_IMPORTED, payload={"files": counts}, actor=actor)
    return counts


def export_folder(path: str | Path) -> dict[str, int]:
    """Write every importable file into the folder (created if missing); rows per file."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for handler in file_handlers():
        with (folder / handler.name).open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(handler.columns)
            rows = 0
            for values in handler.export():
                writer.writerow([_cell(value) for value in values])
                rows += 1
        counts[handler.name] = rows
    return counts


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return trim_decimal(value, min_places=0)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def import_start(*, files: Sequence[UploadedFile], user: Any) -> TaskRun:
    """Save a browser upload (CSV files, or one zip of them) and queue its import as a background run.

    The upload is kept under MEDIA_ROOT/imports/<uuid>/, where the worker reads it.
    """
    folder_name = f"{UPLOAD_DIR}/{uuid.uuid4()}"
    folder = Path(settings.MEDIA_ROOT) / folder_name
    folder.mkdir(parents=True)
    try:
        if len(files) == 1 and files[0].name.lower().endswith(".zip"):
            _unpack_zip(files[0], folder)
        else:
            _save_csv_files(files, folder)
    except Exception:
        shutil.rmtree(folder)
        raise
    return task_run_start(
        task_name="core.tasks.import_data", title=gettext_noop("Data import"), params={"folder": folder_name}, user=user
    )


def _too_big(name: str) -> ImportFileError:
    limit = settings.TAKT_IMPORT_MAX_BYTES // 1_000_000
    return ImportFileError(file=name, reason=f"more than {limit} MB of data; import it with manage.py import_data")


def _save_csv_files(files: Sequence[UploadedFile], folder: Path) -> None:
    names = [upload.name for upload in files]
    check_file_names(names)
    for name in names:
        if names.count(name) > 1:
            raise ImportFileError(file=name, reason="uploaded twice")
    if sum(upload.size for upload in files) > settings.TAKT_IMPORT_MAX_BYTES:
        raise _too_big(names[0])
    for upload in files:
        with (folder / upload.name).open("wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)


def _unpack_zip(upload: UploadedFile, folder: Path) -> None:
    """The zip's CSV files, flattened (a zip of a folder works too); everything else in it is ignored."""
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile:
        raise ImportFileError(file=upload.name, reason="not a zip file") from None
    with archive:
        members = {}
        for info in archive.infolist():
            path = PurePosixPath(info.filename)
            if info.is_dir() or path.suffix.lower() != ".csv" or path.parts[0] == "__MACOSX":
                continue
            if path.name in members:
                raise ImportFileError(file=upload.name, reason=f"{path.name} is in the zip twice")
            members[path.name] = info
        check_file_names(members)
        # Counted while unpacking, not taken from the zip's own (forgeable) size fields.
        budget = settings.TAKT_IMPORT_MAX_BYTES
        for name, info in members.items():
            with archive.open(info) as source, (folder / name).open("wb") as target:
                while chunk := source.read(1 << 20):
                    budget -= len(chunk)
                    if budget < 0:
                        raise _too_big(upload.name)
                    target.write(chunk)


def import_upload(
    *, folder: str, progress: ProgressReporter | None = None, actor: Any = None
) -> dict[str, dict[str, int]]:
    """Import a folder saved by `import_start` (a path under MEDIA_ROOT): the work of core.tasks.import_data."""
    return import_folder(Path(settings.MEDIA_ROOT) / folder, progress=progress, actor=actor)
