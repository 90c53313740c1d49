import types
import weakref

import django_tables2 as tables
import django_tables2.utils
from django.db.models import DecimalField
from django.template.defaultfilters import date as date_filter
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _
from django_tables2.columns.base import library

from core import models
from core.formatting import format_quantity, trim_decimal


class DecimalColumn(tables.Column):
    """Right-aligned, without the trailing zeros of the column's full scale."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return trim_decimal(value)

    def value(self, value):  # exports keep the full value
        return value


class QuantityColumn(DecimalColumn):
    """A quantity as people count it: 50, 0.42 (money keeps its cents in DecimalColumn)."""

    def render(self, value):
        return format_quantity(value)


_read_signature = django_tables2.utils.signature
_signatures: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _signature_once(fn) -> tuple[tuple[str, ...], str | None]:
    """django-tables2 reads the signature of a column's render, value and linkify functions for every cell
    (utils.call_with_appropriate), a quarter of a 50-row list's time. A function's signature does not change:
    it is read once per function (per function and boundness for a method)."""
    function = getattr(fn, "__func__", fn)
    if not isinstance(function, types.FunctionType):
        return _read_signature(fn)
    by_boundness = _signatures.setdefault(function, {})
    bound = function is not fn
    if bound not in by_boundness:
        by_boundness[bound] = _read_signature(fn)
    return by_boundness[bound]


django_tables2.utils.signature = _signature_once


class _DateFilterRender:
    """django-tables2's date and time columns are TemplateColumns that compile and render a template for every
    cell (a third of a 50-row list's time went there); these call the same `date` filter directly, in the
    current time zone as a template would."""

    format: str

    def render(self, value, bound_column):
        return date_filter(template_localtime(value), self.format) or bound_column.default


# Registered in this order (django-tables2 tries the last registered first): a DateTimeField is a DateField.
@library.register
class DateColumn(_DateFilterRender, tables.DateColumn):
    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format, short, *args, **kwargs)
        self.format = format or ("SHORT_DATE_FORMAT" if short else "DATE_FORMAT")


@library.register
class DateTimeColumn(_DateFilterRender, tables.DateTimeColumn):
    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format, short, *args, **kwargs)
        self.format = format or ("SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT")


@library.register
class TimeColumn(_DateFilterRender, tables.TimeColumn):
    def __init__(self, format=None, *args, **kwargs):
        super().__init__(format, *args, **kwargs)
        self.format = format or "TIME_FORMAT"


class TaktTable(tables.Table):
    """Lists link their first column to the detail page and are sortable."""

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle"}
        per_page = 50


def _table(model, fields: tuple[str, ...], link: str = "code", **columns) -> type[tables.Table]:
    """A list table for a model: the `link` column opens the record."""
    decimals = {
        name: DecimalColumn()
        for name in fields
        if isinstance(model._meta.get_field(name), DecimalField) and name not in columns
    }
    attrs = {**decimals, link: tables.Column(linkify=True), **columns}
    meta = type("Meta", (TaktTable.Meta,), {"model": model, "fields": fields})
    return type(f"{model.__name__}Table", (TaktTable,), {**attrs, "Meta": meta})


CompanyTable = _table(models.Company, ("code", "name", "currency", "vat_number"))
SiteTable = _table(models.Site, ("code", "name", "company", "timezone"))
UnitCategoryTable = _table(models.UnitCategory, ("code", "name"))
UnitTable = _table(models.Unit, ("code", "name", "category", "factor", "decimals"))
CurrencyTable = _table(models.Currency, ("code", "name", "symbol", "decimals"))
ExchangeRateTable = _table(models.ExchangeRate, ("currency", "valid_from", "rate"), link="currency")
PartnerTable = _table(
    models.Partner, ("code", "name", "kind", "city", "country", "currency", "lead_time_days", "active")
)
ItemCategoryTable = _table(models.ItemCategory, ("code", "name", "parent"))
ItemTable = _table(
    models.Item,
    ("code", "name", "uom", "category", "procurement", "tracking", "lead_time_days", "standard_cost", "active"),
)
AreaTable = _table(models.Area, ("code", "name", "site"))
WorkCenterTable = _table(
    models.WorkCenter,
    ("code", "name", "area", "calendar", "hours_per_day", "cost_per_hour"),
    machine_count=tables.Column(verbose_name=_("Machines"), orderable=True),
)
MachineTable = _table(models.Machine, ("code", "name", "work_center", "calendar", "active"))
WorkCalendarTable = _table(models.WorkCalendar, ("code", "name", "timezone"))
ShiftTable = _table(models.Shift, ("name", "calendar", "weekday", "start_time", "end_time"), link="name")
CalendarExceptionTable = _table(
    models.CalendarException, ("date", "calendar", "is_working", "start_time", "end_time", "reason"), link="date"
)
TaskRunTable = _table(
    models.TaskRun,
    ("title", "status", "percent", "message", "created_by", "created_at", "finished_at"),
    link="title",
    # Stored untranslated: shown in the reader's language.
    title=tables.Column(accessor="title_text", order_by="title", linkify=True, verbose_name=_("Title")),
    message=tables.Column(accessor="message_text", order_by="message", verbose_name=_("Message")),
)
DomainEventTable = _table(
    models.DomainEvent,
    ("id", "name", "aggregate_type", "aggregate_id", "occurred_at", "dispatched_at", "attempts"),
    link="id",
)
