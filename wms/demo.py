"""SmartAppliance Co.'s warehouse: MAIN at the Suzhou plant, its zones and bins, stock, two stock requests.

Idempotent: locations and policies are matched by code; stock is posted once, through the services
(purchased parts, made parts and finished kettles, all as the plant's opening stock), only while the
warehouse has no moves; the requests are made once, by their reference.

The stock was on hand when the plant moved into Takt: it loads as opening stock (booked against
opening balance equity), not as receipts from suppliers, which would leave goods received that no
supplier invoice ever matches, nor as output of a production order that does not exist, which would
leave work in progress credited forever, nor as a count's gain, which would be a profit the plant
never made.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from core.models import Item, ItemCategory, Partner, Site
from wms.choices import LocationKind, RemovalStrategy, RequestKind
from wms.locations import virtual_location
from wms.models import Location, Lot, Receipt, StockMove, StockPolicy, StockRequest, Warehouse
from wms.services.adjustments import StockCount, inventory_adjust_bulk
from wms.services.picking import pick_list_create
from wms.services.receipts import receipt_create
from wms.services.requests import stock_request_create, stock_request_reserve

WAREHOUSE = "MAIN"
VIEW, INTERNAL = LocationKind.VIEW, LocationKind.INTERNAL

# code, name, kind, quality hold
ZONES = [
    ("MAIN/RECV", "Receiving dock", INTERNAL, False),
    ("MAIN/QC", "Quality hold", INTERNAL, True),
    ("MAIN/STOCK", "Storage", VIEW, False),
    ("MAIN/OUT", "Shipping dock", INTERNAL, False),
]
# Aisle, name, capacity of each of its 8 bins (units; None: no limit). Pickers walk A up, B down, C up.
AISLES = [
    ("A", "Aisle A: pallet racking (raw materials, packaging)", None),
    ("B", "Aisle B: shelving (subassemblies, finished goods)", Decimal(1000)),
    ("C", "Aisle C: small-parts bins (electrical parts)", Decimal(3000)),
]
BINS_PER_AISLE = 8

# Purchased parts on hand when the plant moved in, in their suppliers' lots: item, bin, quantity, lot,
# days to expiry, supplier lot.
PURCHASED_STOCK = [
    ("SS-304", "A-01", "1000", "SS-2609-114", 540, "BS-88213"),
    ("SS-304", "A-02", "800", "SS-2610-207", 365, "BS-88540"),  # newer, but expires first: FEFO takes it
    ("PP-WHT", "A-03", "500", "PP-2608-031", 300, "YP-5530"),
    ("PP-WHT", "A-03", "500", "PP-2610-044", 420, "YP-5712"),
    ("BOX-KT", "A-04", "400", None, None, ""),
    ("BOX-KT", "A-08", "200", None, None, ""),
    ("JAR-GL", "A-05", "240", None, None, ""),
    ("BLADE-4", "A-06", "180", "BL4-2609-02", 730, "SP-1120"),
    ("BOX-TS", "A-07", "400", None, None, ""),
    ("BOX-BL", "A-07", "200", None, None, ""),
    ("MAN-EU", "A-08", "1500", None, None, ""),
    ("HE-2000", "C-01", "400", "HE-2609-A", 720, "NB-HE-7781"),
    ("HE-2200", "C-02", "100", "HE22-2610-A", 720, "NB-HE-7902"),
    ("TH-01", "C-02", "600", "TH-2609-C", 720, "NB-TH-3301"),
    ("TS-ELEM", "C-03", "300", "TSE-2609-A", 720, "NB-TS-1187"),
    ("MOT-600", "C-04", "120", "MOT-2608-B", 900, "NB-MO-0456"),
    ("PCB-BARE", "C-05", "1500", "PCB-2610-11", 365, "YC-PCB-2210"),
    ("IC-MCU", "C-06", "1500", "MCU-2607-4", 730, "YC-IC-9001"),
    ("IC-MCU", "C-06", "1000", "MCU-2610-1", 730, "YC-IC-9240"),
    ("RES-SET", "C-07", "2000", "RES-2609-7", 1095, "YC-RS-3318"),
    ("CB-EU", "C-08", "800", None, None, ""),
    ("HE-2000", "QC", "200", "HE-2611-B", 720, "NB-HE-7990"),  # in quality hold, waiting for inspection
    ("CB-EU", "RECV", "250", None, None, ""),  # on the receiving dock, waiting for put-away
]
# Made parts on hand when the plant moved in: item, bin, quantity, lot.
MADE_STOCK = [
    ("KT-BODY", "B-08", "120", None),
    ("KT-HANDLE", "B-08", "500", None),
    ("KT-LID", "B-07", "300", None),
    ("KT-HEAT", "B-06", "80", "KH-2611-01"),
    ("KT-BASE", "B-06", "90", "KB-2611-01"),
    ("BASE-HSG", "B-05", "400", None),
    ("PCB-KT", "B-05", "200", "PK-2611-03"),
    ("TS-HSG", "B-04", "60", None),
    ("TS-LEVER", "B-04", "500", None),
    ("TS-CTRL", "B-03", "150", "TC-2611-02"),
    ("BL-MOTOR", "B-03", "40", "BM-2610-05"),
    ("BL-MHSG", "B-02", "200", None),
    ("BL-JAR", "B-02", "50", None),
    ("BL-CTRL", "B-01", "120", "BC-2611-01"),
]
MADE_LOT_SHELF_DAYS = 365
KETTLES = 20  # serial-numbered kettles, made before the move-in, in B-01
OPENING_REFERENCE = "OPENING-2026"
SHIPMENT_REFERENCE = "SO-2026-00012"
MATERIAL_REFERENCE = "MO-2026-00008"


def load() -> dict[str, int]:
    site = Site.objects.get(code="SZ1")
    warehouse, _ = Warehouse.objects.update_or_create(
        code=WAREHOUSE, defaults={"name": "Suzhou main warehouse", "site": site}
    )
    locations = _locations(warehouse)
    warehouse.stock_location = locations["MAIN/STOCK"]
    warehouse.receiving_location = locations["MAIN/RECV"]
    warehouse.quality_location = locations["MAIN/QC"]
    warehouse.output_location = locations["MAIN/OUT"]
    warehouse.save()
    categories = {category.code: category for category in ItemCategory.objects.filter(code__in=["RM", "PK"])}
    StockPolicy.objects.update_or_create(category=categories["RM"], defaults={"removal_strategy": RemovalStrategy.FEFO})
    StockPolicy.objects.update_or_create(
        category=categories["PK"], defaults={"removal_strategy": RemovalStrategy.LOCATION}
    )
    items = {item.code: item for item in Item.objects.select_related("uom")}
    has_moves = StockMove.objects.filter(
        Q(from_location__warehouse=warehouse) | Q(to_location__warehouse=warehouse)
    ).exists()
    if not has_moves:
        _stock(items, locations)
    _requests(warehouse, items)
    _expected_receipt(warehouse, items)
    return {
        "locations": Location.objects.filter(warehouse=warehouse).count(),
        "stock moves": StockMove.objects.count(),
        "stock requests": StockRequest.objects.count(),
    }


def _location(code: str, **fields) -> Location:
    return Location.objects.update_or_create(code=code, defaults=fields)[0]


def _locations(warehouse: Warehouse) -> dict[str, Location]:
    root = _location(WAREHOUSE, name="Suzhou main warehouse", kind=VIEW, warehouse=warehouse)
    locations = {WAREHOUSE: root}
    for code, name, kind, hold in ZONES:
        locations[code] = _location(code, name=name, kind=kind, warehouse=warehouse, parent=root, quality_hold=hold)
    storage = locations["MAIN/STOCK"]
    sequence = 0
    for number, (aisle, name, capacity) in enumerate(AISLES):
        aisle_location = _location(f"MAIN/STOCK/{aisle}", name=name, kind=VIEW, warehouse=warehouse, parent=storage)
        bays = range(1, BINS_PER_AISLE + 1)
        # A serpentine path: up one aisle, down the next, so the pick sequence never walks back.
        for bay in bays if number % 2 == 0 else reversed(bays):
            sequence += 10
            code = f"MAIN/STOCK/{aisle}-{bay:02d}"
            locations[f"{aisle}-{bay:02d}"] = _location(
                code,
                name=f"Aisle {aisle}, bay {bay}",
                kind=INTERNAL,
                warehouse=warehouse,
                parent=aisle_location,
                pick_sequence=sequence,
                capacity_qty=capacity,
            )
    locations["QC"], locations["RECV"] = locations["MAIN/QC"], locations["MAIN/RECV"]
    return locations


def _lot(item: Item, code: str | None, days: int | None, supplier_lot: str = "") -> Lot | None:
    if code is None:
        return None
    expiry = timezone.localdate() + datetime.timedelta(days=days) if days else None
    return Lot.objects.get_or_create(
        item=item, code=code, defaults={"expiry_date": expiry, "supplier_lot": supplier_lot}
    )[0]


def _stock(items: dict[str, Item], locations: dict[str, Location]) -> None:
    user = get_user_model().objects.filter(username="warehouse").first()
    counts = [
        StockCount(
            item=items[code],
            location=locations[bin_code],
            counted=Decimal(quantity),
            lot=_lot(items[code], lot, days, supplier_lot),
        )
        for code, bin_code, quantity, lot, days, supplier_lot in PURCHASED_STOCK
    ]
    counts += [
        StockCount(
            item=items[code],
            location=locations[bin_code],
            counted=Decimal(quantity),
            lot=_lot(items[code], lot, MADE_LOT_SHELF_DAYS if lot else None),
        )
        for code, bin_code, quantity, lot in MADE_STOCK
    ]
    kettle = items["KT-200"]
    counts += [
        StockCount(
            item=kettle,
            location=locations["B-01"],
            counted=Decimal(1),
            lot=_lot(kettle, f"KT200-2611-{number:04d}", None),
        )
        for number in range(1, KETTLES + 1)
    ]
    inventory_adjust_bulk(counts=counts, user=user, reason="Opening stock", reference=OPENING_REFERENCE, opening=True)


def _requests(warehouse: Warehouse, items: dict[str, Item]) -> None:
    today = timezone.localdate()
    if not StockRequest.objects.filter(reference=SHIPMENT_REFERENCE).exists():
        shipment = stock_request_create(
            kind=RequestKind.SHIPMENT,
            warehouse=warehouse,
            destination=virtual_location(LocationKind.CUSTOMER),
            lines=[(items["KT-200"], Decimal(12), None), (items["CB-EU"], Decimal(24), None)],
            reference=SHIPMENT_REFERENCE,
            partner=Partner.objects.get(code="C-MEDIA"),
            needed_on=today + datetime.timedelta(days=5),
        )
        # Released for picking: the tablet's Pick screen has work.
        pick_list_create(request=stock_request_reserve(request=shipment))
    if not StockRequest.objects.filter(reference=MATERIAL_REFERENCE).exists():
        stock_request_create(
            kind=RequestKind.MATERIAL,
            warehouse=warehouse,
            destination=virtual_location(LocationKind.PRODUCTION),
            # 120 kettle bodies: 0.42 kg of steel each with 6 % scrap, and a handle each.
            lines=[(items["SS-304"], Decimal("53.424"), None), (items["KT-HANDLE"], Decimal(120), None)],
            reference=MATERIAL_REFERENCE,
            needed_on=today + datetime.timedelta(days=2),
        )


ASN_NUMBER = "NB-ASN-26-0412"


def _expected_receipt(warehouse: Warehouse, items: dict[str, Item]) -> None:
    """An advance shipping notice from the element supplier, due today: the tablet's Receive screen has work."""
    if Receipt.objects.filter(asn_number=ASN_NUMBER).exists():
        return
    today = timezone.localdate()
    receipt_create(
        warehouse=warehouse,
        supplier=Partner.objects.get(code="S-HEAT"),
        reference="PO-2026-00042",
        asn_number=ASN_NUMBER,
        expected_on=today,
        lines=[
            {
                "item": items["HE-2000"],
                "expected_qty": Decimal(500),
                "lot_code": "NB-2611-21",
                "expiry_date": today + datetime.timedelta(days=730),
                "unit_cost": Decimal("18.40"),
                "order_line_ref": "PO-2026-00042/1",
            },
            {
                "item": items["TH-01"],
                "expected_qty": Decimal(500),
                "lot_code": "TH-2611-08",
                "unit_cost": Decimal("7.90"),
                "order_line_ref": "PO-2026-00042/2",
            },
        ],
    )
