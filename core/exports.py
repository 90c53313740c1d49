"""Rows as a downloaded file: CSV (streamed) or an Excel workbook (written row by row, not held in memory).

Both protect against formula injection the same way (core.formatting.spreadsheet_safe). In the workbook,
numbers (Decimal, int) are number cells and dates and times date cells, in the site's time zone since Excel
has none; the CSV writes them as text, as it always did.
"""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from core.formatting import spreadsheet_safe

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")
# What openpyxl writes as numbers, booleans and dates.
_XLSX_NATIVE = (bool, int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)


class _Echo:
    """A file-like object whose write() returns the line, for streaming CSV rows."""

    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[list], name: str, title: str = "") -> StreamingHttpResponse:
    """The rows (the first one the header) as `<name>.csv`, streamed (a CSV file has no title)."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([spreadsheet_safe(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, datetime.time) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if value == "":
        return None  # an empty cell, not an empty text
    if isinstance(value, str):
        # Control characters are not allowed in a workbook's XML: openpyxl would refuse the whole file.
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", value))
    if value is None or isinstance(value, _XLSX_NATIVE):
        return value
    return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", force_str(value)))


def xlsx_response(rows: Iterable[list], name: str, title: str = "") -> FileResponse:
    """The rows (the first one the header, in bold) as `<name>.xlsx`, one sheet named `title`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or name).translate(_SHEET_TITLE_FORBIDDEN)[:31] or "Sheet")
    rows = iter(rows)
    header = next(rows, [])
    bold = Font(bold=True)
    cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(label))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_xlsx_value(cell) for cell in row])
    # A temporary file rather than memory: the workbook is a zip only complete when saved.
    file = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it once sent)
    workbook.save(file)
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_CONTENT_TYPE)


Exporter = Callable[[Iterable[list], str, str], HttpResponse | StreamingHttpResponse]


EXPORTERS: dict[str, Exporter] = {"csv": csv_response, "xlsx": xlsx_response}


# Columns whose export value is text ("2026-03-01 08:00:00+00:00", "True"): a workbook takes the value itself.
RAW_VALUE_COLUMNS = (tables.DateColumn, tables.DateTimeColumn, tables.BooleanColumn)


def table_rows(table: tables.Table, *, typed: bool = False) -> Iterator[list]:
    """The header and the rows of a table as its export shows them (django-tables2's `as_values`, whose column
    `value()`s keep numbers as numbers). `typed`: date, time and yes/no columns give the value itself, not its text."""
    if not typed:
        yield from table.as_values()
        return
    columns = [c for c in table.columns.iterall() if not c.column.exclude_from_export]
    raw = {c.name for c in columns if isinstance(c.column, RAW_VALUE_COLUMNS)}
    yield [force_str(column.header, strings_only=True) for column in columns]
    for row in table.rows:
        yield [
            column.accessor.resolve(row.record, quiet=True)
            if column.name in raw
            else force_str(row.get_cell_value(column.name), strings_only=True)
            for column in columns
        ]
