"""The list tables' cells: dates as the `date` filter shows them, and a cost per cell that does not read
function signatures again for every row."""

import datetime
import weakref
from zoneinfo import ZoneInfo

import django_tables2 as tables
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation

import core.tables
from core.tables import (
    CalendarExceptionTable,
    DateColumn,
    DateTimeColumn,
    DomainEventTable,
    ExchangeRateTable,
    TimeColumn,
)

BERLIN = ZoneInfo("Europe/Berlin")
MOMENT = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)  # 01:30 in Berlin, the night clocks go on


class Readings(tables.Table):
    at = DateTimeColumn(format="Y-m-d H:i")
    at_short = DateTimeColumn(accessor="at")
    day = DateColumn(format="D j M")
    shift_start = TimeColumn(default="—")
    counter = tables.Column(linkify=lambda record: f"/counters/{record['counter']}/")
    good = tables.Column()

    def render_good(self, value, record):
        return f"{value} of {record['counter']}"


def _rows(count: int) -> list[dict]:
    return [
        {"at": MOMENT, "day": MOMENT.date(), "shift_start": None, "counter": n, "good": n * 10} for n in range(count)
    ]


def _cells(table: tables.Table) -> list[list[str]]:
    return [[str(cell) for _column, cell in row.items()] for row in table.rows]


def _date_filter(value, date_format: str) -> str:
    return Template("{{ value|date:date_format }}").render(Context({"value": value, "date_format": date_format}))


def test_date_and_time_cells_read_as_the_date_filter_in_the_current_time_zone():
    with timezone.override(BERLIN), translation.override("en"):
        at, at_short, day, shift_start, *_rest = _cells(Readings(_rows(1)))[0]
        assert at == "2026-03-29 01:30" == _date_filter(MOMENT, "Y-m-d H:i")
        assert at_short == _date_filter(MOMENT, "SHORT_DATETIME_FORMAT")
        assert day == "Sun 29 Mar"
        assert shift_start == "—"  # no value: the column's default


def test_model_date_fields_get_the_date_column_and_datetime_fields_the_datetime_column():
    assert type(DomainEventTable.base_columns["occurred_at"]) is DateTimeColumn
    assert type(ExchangeRateTable.base_columns["valid_from"]) is DateColumn
    assert type(CalendarExceptionTable.base_columns["start_time"]) is TimeColumn


def test_signatures_are_read_once_per_function_not_per_cell(monkeypatch):
    reads = []

    def counted(fn):
        reads.append(fn)
        return read(fn)

    read = core.tables._read_signature
    monkeypatch.setattr(core.tables, "_read_signature", counted)
    request = RequestFactory().get("/")

    def reads_to_render(rows: int) -> int:
        monkeypatch.setattr(core.tables, "_signatures", weakref.WeakKeyDictionary())
        reads.clear()
        html = Readings(_rows(rows)).as_html(request)
        assert html.count("<tr") == rows + 1
        return len(reads)

    few, many = reads_to_render(5), reads_to_render(50)
    assert few > 0 and many == few
