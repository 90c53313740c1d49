from .calendars import CalendarException, Shift, WorkCalendar
from .currencies import Currency, ExchangeRate
from .equipment import Area, Machine, WorkCenter
from .events import DomainEvent
from .items import Item, ItemCategory
from .numbering import NumberSequence
from .organization import Company, Site
from .partners import Partner
from .progress import TaskRun
from .units import Unit, UnitCategory, UnitConversionError

__all__ = [
    "Area",
    "CalendarException",
    "Company",
    "Currency",
    "DomainEvent",
    "ExchangeRate",
    "Item",
    "ItemCategory",
    "Machine",
    "NumberSequence",
    "Partner",
    "Shift",
    "Site",
    "TaskRun",
    "Unit",
    "UnitCategory",
    "UnitConversionError",
    "WorkCalendar",
    "WorkCenter",
]
