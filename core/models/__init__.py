from .calendars import CalendarException, Shift, WorkCalendar
from .currencies import Currency, ExchangeRate
from .equipment import Area, Machine, WorkCenter
from .events import DomainEvent
from .items import Item, ItemCategory
from .numbering import NumberSequence
from .organization import Company, Site
from .partners import AddressKind, BlockPurpose, Contact, Partner, PartnerAddress, PartnerBlock, PartnerUser
from .progress import TaskRun
from .units import Unit, UnitCategory, UnitConversionError

__all__ = [
    "AddressKind",
    "Area",
    "BlockPurpose",
    "CalendarException",
    "Company",
    "Contact",
    "Currency",
    "DomainEvent",
    "ExchangeRate",
    "Item",
    "ItemCategory",
    "Machine",
    "NumberSequence",
    "Partner",
    "PartnerAddress",
    "PartnerBlock",
    "PartnerUser",
    "Shift",
    "Site",
    "TaskRun",
    "Unit",
    "UnitCategory",
    "UnitConversionError",
    "WorkCalendar",
    "WorkCenter",
]
