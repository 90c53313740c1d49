from .calendars import CalendarException, Shift, WorkCalendar
from .currencies import Currency, ExchangeRate
from .equipment import Area, Machine, WorkCenter
from .events import DomainEvent
from .idempotency import IdempotencyRecord
from .items import Item, ItemCategory
from .numbering import NumberSequence
from .organization import Company, Site
from .partners import AddressKind, BlockPurpose, Contact, Partner, PartnerAddress, PartnerBlock, PartnerUser
from .progress import TaskRun
from .tokens import ApiToken
from .units import Unit, UnitCategory, UnitConversionError
from .webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AddressKind",
    "ApiToken",
    "Area",
    "BlockPurpose",
    "CalendarException",
    "Company",
    "Contact",
    "Currency",
    "DeliveryStatus",
    "DomainEvent",
    "ExchangeRate",
    "IdempotencyRecord",
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
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkCalendar",
    "WorkCenter",
]
