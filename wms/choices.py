from django.db import models
from django.utils.translation import gettext_lazy as _


class LocationKind(models.TextChoices):
    VIEW = "view", _("View (groups locations, holds no stock)")
    INTERNAL = "internal", _("Internal (holds stock)")
    SUPPLIER = "supplier", _("Suppliers")
    CUSTOMER = "customer", _("Customers")
    PRODUCTION = "production", _("Production")
    SCRAP = "scrap", _("Scrap")
    INVENTORY = "inventory", _("Inventory loss")


# Where stock comes from or goes to outside the warehouse: no quants are kept there.
VIRTUAL_KINDS = (
    LocationKind.SUPPLIER,
    LocationKind.CUSTOMER,
    LocationKind.PRODUCTION,
    LocationKind.SCRAP,
    LocationKind.INVENTORY,
)


class RemovalStrategy(models.TextChoices):
    FIFO = "fifo", _("First in, first out")
    FEFO = "fefo", _("First expiry, first out")
    LOCATION = "location", _("By location order")


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    PUTAWAY = "putaway", _("Put-away")
    TRANSFER = "transfer", _("Transfer")
    PICK = "pick", _("Pick")
    SHIPMENT = "shipment", _("Shipment")
    CONSUMPTION = "consumption", _("Consumption")
    PRODUCTION = "production", _("Production output")
    SCRAP = "scrap", _("Scrap")
    ADJUSTMENT = "adjustment", _("Inventory adjustment")
    # Stock on hand when a plant starts with Takt: a gain from inventory that ERP books against opening
    # balance equity, not against the inventory adjustment expense a count's difference goes to.
    OPENING = "opening", _("Opening stock")


class RequestKind(models.TextChoices):
    SHIPMENT = "shipment", _("Sales shipment")
    MATERIAL = "material", _("Production material request")


class RequestState(models.TextChoices):
    OPEN = "open", _("Open")
    RESERVED = "reserved", _("Reserved")
    PARTIAL = "partial", _("Partially reserved")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
