"""The virtual locations every Takt database has: where stock comes from and goes to outside a warehouse."""

from wms.choices import LocationKind
from wms.models import Location

VIRTUAL_LOCATIONS = {
    LocationKind.SUPPLIER: ("VIRTUAL/SUPPLIERS", "Suppliers"),
    LocationKind.CUSTOMER: ("VIRTUAL/CUSTOMERS", "Customers"),
    LocationKind.PRODUCTION: ("VIRTUAL/PRODUCTION", "Production"),
    LocationKind.SCRAP: ("VIRTUAL/SCRAP", "Scrap"),
    LocationKind.INVENTORY: ("VIRTUAL/INVENTORY-LOSS", "Inventory loss and gain"),
}


def virtual_locations_load() -> None:
    """Create the virtual locations that are missing (after every migrate, like the unit catalog)."""
    for kind, (code, name) in VIRTUAL_LOCATIONS.items():
        Location.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})


def virtual_location(kind: str) -> Location:
    return Location.objects.get(code=VIRTUAL_LOCATIONS[kind][0])
