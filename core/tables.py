import django_tables2 as tables
from django.db.models import DecimalField
from django.utils.translation import gettext_lazy as _

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
