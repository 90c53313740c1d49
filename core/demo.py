"""SmartAppliance Co., the demo company: its users, roles, site, calendars, equipment, items and partners.

Loading is idempotent (records are matched by code), so `make demo` can run again over its data.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from core import models
from core.choices import LotPolicy, PartnerKind, Procurement, Tracking
from core.roles import Role

DEMO_PASSWORD = "takt-demo"

USERS = [
    ("admin", "Ada", "Admin", Role.ADMIN),
    ("planner", "Paul", "Chen", Role.PLANNER),
    ("sales", "Sara", "Li", Role.SALES),
    ("buyer", "Bo", "Wang", Role.BUYER),
    ("engineer", "Emma", "Zhou", Role.ENGINEER),
    ("warehouse", "Wei", "Zhang", Role.WAREHOUSE),
    ("operator", "Omar", "Liu", Role.OPERATOR),
    ("quality", "Qing", "Huang", Role.QUALITY),
    ("finance", "Fang", "Xu", Role.FINANCE),
    ("hr", "Hui", "Zhao", Role.HR),
    ("partner", "MediaHome", "API", Role.PARTNER),
    ("supplier", "Ningbo Heating", "Portal", Role.PARTNER),
]
# Partner logins belong to their partner (core.PartnerUser): the portal shows them that partner's records only.
PARTNER_LOGINS = {"partner": "C-MEDIA", "supplier": "S-HEAT"}

# area, code, name, number of machines, calendar, cost per hour
WORK_CENTERS = [
    ("FAB", "PRESS", "Stamping presses", 2, "3SHIFT", "85"),
    ("FAB", "MOLD", "Injection molding", 3, "3SHIFT", "70"),
    ("FAB", "SMT", "PCB assembly (SMT line)", 1, "2SHIFT", "120"),
    ("ASM", "ASSY", "Kettle assembly lines", 2, "2SHIFT", "55"),
    ("ASM", "TEST", "Electrical safety test", 1, "2SHIFT", "40"),
    ("ASM", "PACK", "Packing", 1, "2SHIFT", "35"),
]

PARTNERS = [
    ("C-MEDIA", "MediaHome GmbH", PartnerKind.CUSTOMER, "EUR", 0, "Hamburg", "DE", "500000"),
    ("C-HOMEPLUS", "HomePlus Retail Ltd", PartnerKind.CUSTOMER, "USD", 0, "Chicago", "US", "300000"),
    ("C-JD", "Jingdong Appliance Trading", PartnerKind.CUSTOMER, "CNY", 0, "Beijing", "CN", "2000000"),
    ("S-HEAT", "Ningbo Heating Elements Co.", PartnerKind.SUPPLIER, "CNY", 14, "Ningbo", "CN", "0"),
    ("S-STEEL", "Baoshan Steel Trading", PartnerKind.SUPPLIER, "CNY", 7, "Shanghai", "CN", "0"),
    ("S-POLY", "Yangtze Polymers", PartnerKind.SUPPLIER, "CNY", 10, "Nanjing", "CN", "0"),
    ("S-CABLE", "Yueqing Cable Works", PartnerKind.SUPPLIER, "CNY", 12, "Yueqing", "CN", "0"),
    ("S-PACK", "Suzhou Packaging", PartnerKind.SUPPLIER, "CNY", 5, "Suzhou", "CN", "0"),
]

CATEGORIES = [
    ("FG", "Finished goods"),
    ("SA", "Subassemblies"),
    ("RM", "Raw materials"),
    ("EL", "Electrical parts"),
    ("PK", "Packaging"),
]

MAKE, BUY = Procurement.MAKE, Procurement.BUY
NONE, LOT, SERIAL = Tracking.NONE, Tracking.LOT, Tracking.SERIAL
L4L, FIXED, MINMULT = LotPolicy.LOT_FOR_LOT, LotPolicy.FIXED, LotPolicy.MIN_MULTIPLE

# code, name, uom, category, procurement, tracking, lead time, safety stock, lot policy,
# (lot, min, multiple), standard cost, supplier. Sub-assemblies are made in batches of at least 100,
# the lot their setup is costed over.
ITEMS = [
    # Finished goods
    (
        "KT-200",
        "Electric kettle 1.7 l",
        "ea",
        "FG",
        MAKE,
        SERIAL,
        2,
        "50",
        MINMULT,
        (None, "100", "50"),
        "142.00",
        None,
    ),
    ("TS-400", "Two-slice toaster", "ea", "FG", MAKE, SERIAL, 2, "30", MINMULT, (None, "100", "50"), "168.00", None),
    ("BL-600", "Blender 600 W", "ea", "FG", MAKE, SERIAL, 3, "20", MINMULT, (None, "50", "50"), "236.00", None),
    # Subassemblies and made parts
    ("KT-BODY", "Kettle body, stainless", "ea", "SA", MAKE, NONE, 1, "0", MINMULT, (None, "100", "10"), "38.50", None),
    ("KT-HANDLE", "Kettle handle, molded", "ea", "SA", MAKE, NONE, 1, "0", FIXED, ("500", None, None), "2.10", None),
    ("KT-LID", "Kettle lid, molded", "ea", "SA", MAKE, NONE, 1, "0", FIXED, ("500", None, None), "6.20", None),
    ("KT-HEAT", "Kettle heating assembly", "ea", "SA", MAKE, LOT, 1, "0", MINMULT, (None, "100", "10"), "27.10", None),
    ("KT-BASE", "Power base 360°", "ea", "SA", MAKE, LOT, 1, "0", MINMULT, (None, "100", "10"), "24.80", None),
    (
        "BASE-HSG",
        "Power base housing, molded",
        "ea",
        "SA",
        MAKE,
        NONE,
        1,
        "0",
        FIXED,
        ("500", None, None),
        "1.90",
        None,
    ),
    ("PCB-KT", "Kettle control board", "ea", "SA", MAKE, LOT, 2, "0", MINMULT, (None, "200", "100"), "9.80", None),
    (
        "TS-HSG",
        "Toaster housing, stainless",
        "ea",
        "SA",
        MAKE,
        NONE,
        1,
        "0",
        MINMULT,
        (None, "100", "10"),
        "31.00",
        None,
    ),
    ("TS-LEVER", "Toaster lever, molded", "ea", "SA", MAKE, NONE, 1, "0", FIXED, ("500", None, None), "0.90", None),
    ("TS-CTRL", "Toaster control board", "ea", "SA", MAKE, LOT, 2, "0", MINMULT, (None, "200", "100"), "11.40", None),
    ("BL-MOTOR", "Blender motor unit", "ea", "SA", MAKE, LOT, 1, "0", MINMULT, (None, "100", "10"), "74.00", None),
    ("BL-MHSG", "Motor housing, molded", "ea", "SA", MAKE, NONE, 1, "0", FIXED, ("300", None, None), "4.30", None),
    ("BL-JAR", "Jar assembly 1.5 l", "ea", "SA", MAKE, NONE, 1, "0", MINMULT, (None, "100", "10"), "41.00", None),
    ("BL-CTRL", "Blender control board", "ea", "SA", MAKE, LOT, 2, "0", MINMULT, (None, "200", "100"), "12.60", None),
    # Purchased parts
    (
        "HE-2000",
        "Heating element 2 kW",
        "ea",
        "EL",
        BUY,
        LOT,
        14,
        "200",
        MINMULT,
        (None, "500", "100"),
        "18.40",
        "S-HEAT",
    ),
    (
        "HE-2200",
        "Heating element 2.2 kW",
        "ea",
        "EL",
        BUY,
        LOT,
        14,
        "0",
        MINMULT,
        (None, "500", "100"),
        "19.90",
        "S-HEAT",
    ),
    (
        "TH-01",
        "Thermostat with steam switch",
        "ea",
        "EL",
        BUY,
        LOT,
        14,
        "200",
        MINMULT,
        (None, "500", "100"),
        "7.90",
        "S-HEAT",
    ),
    (
        "TS-ELEM",
        "Toaster element set",
        "ea",
        "EL",
        BUY,
        LOT,
        14,
        "100",
        MINMULT,
        (None, "400", "100"),
        "9.60",
        "S-HEAT",
    ),
    (
        "MOT-600",
        "Universal motor 600 W",
        "ea",
        "EL",
        BUY,
        LOT,
        21,
        "50",
        MINMULT,
        (None, "200", "50"),
        "38.00",
        "S-HEAT",
    ),
    (
        "PCB-BARE",
        "Bare PCB, FR-4 2-layer",
        "ea",
        "EL",
        BUY,
        LOT,
        10,
        "300",
        MINMULT,
        (None, "1000", "500"),
        "1.20",
        "S-CABLE",
    ),
    (
        "IC-MCU",
        "Microcontroller, 8-bit",
        "ea",
        "EL",
        BUY,
        LOT,
        28,
        "500",
        MINMULT,
        (None, "2000", "1000"),
        "0.85",
        "S-CABLE",
    ),
    (
        "RES-SET",
        "Passive component kit",
        "ea",
        "EL",
        BUY,
        LOT,
        10,
        "500",
        MINMULT,
        (None, "2000", "1000"),
        "0.40",
        "S-CABLE",
    ),
    (
        "CB-EU",
        "Power cable 1 m, EU plug",
        "ea",
        "EL",
        BUY,
        NONE,
        12,
        "300",
        MINMULT,
        (None, "1000", "250"),
        "4.60",
        "S-CABLE",
    ),
    ("JAR-GL", "Glass jar 1.5 l", "ea", "RM", BUY, NONE, 14, "100", MINMULT, (None, "300", "100"), "14.50", "S-PACK"),
    (
        "BLADE-4",
        "Four-wing blade assembly",
        "ea",
        "RM",
        BUY,
        LOT,
        14,
        "100",
        MINMULT,
        (None, "300", "100"),
        "8.70",
        "S-STEEL",
    ),
    (
        "SS-304",
        "Stainless steel sheet 0.6 mm",
        "kg",
        "RM",
        BUY,
        LOT,
        7,
        "300",
        FIXED,
        ("1000", None, None),
        "21.50",
        "S-STEEL",
    ),
    (
        "PP-WHT",
        "Polypropylene granulate, white",
        "kg",
        "RM",
        BUY,
        LOT,
        10,
        "200",
        FIXED,
        ("500", None, None),
        "11.20",
        "S-POLY",
    ),
    (
        "BOX-KT",
        "Kettle carton with inserts",
        "ea",
        "PK",
        BUY,
        NONE,
        5,
        "200",
        FIXED,
        ("1000", None, None),
        "3.10",
        "S-PACK",
    ),
    (
        "BOX-TS",
        "Toaster carton with inserts",
        "ea",
        "PK",
        BUY,
        NONE,
        5,
        "200",
        FIXED,
        ("1000", None, None),
        "3.40",
        "S-PACK",
    ),
    (
        "BOX-BL",
        "Blender carton with inserts",
        "ea",
        "PK",
        BUY,
        NONE,
        5,
        "100",
        FIXED,
        ("500", None, None),
        "4.20",
        "S-PACK",
    ),
    (
        "MAN-EU",
        "User manual, EU languages",
        "ea",
        "PK",
        BUY,
        NONE,
        5,
        "300",
        FIXED,
        ("2000", None, None),
        "0.60",
        "S-PACK",
    ),
]


def load() -> dict[str, int]:
    cny, eur, usd = (models.Currency.objects.get(code=code) for code in ("CNY", "EUR", "USD"))
    for currency, rates in ((eur, ("7.72", "7.81", "7.86")), (usd, ("7.16", "7.21", "7.18"))):
        for months_back, rate in zip((12, 6, 1), rates, strict=True):
            models.ExchangeRate.objects.update_or_create(
                currency=currency,
                valid_from=datetime.date.today().replace(day=1) - datetime.timedelta(days=30 * months_back),
                defaults={"rate": Decimal(rate)},
            )
    company, _ = models.Company.objects.update_or_create(
        code="SAC",
        defaults={
            "name": "SmartAppliance Co.",
            "currency": cny,
            "vat_number": "91320500MA1XYZ1234",
            "address": "88 Xinghu Street, Suzhou Industrial Park, Jiangsu, China",
        },
    )
    site, _ = models.Site.objects.update_or_create(
        code="SZ1", defaults={"company": company, "name": "Suzhou plant", "timezone": "Asia/Shanghai"}
    )
    calendars = _calendars()
    areas = {
        code: models.Area.objects.update_or_create(code=code, defaults={"site": site, "name": name})[0]
        for code, name in (("FAB", "Fabrication hall"), ("ASM", "Assembly hall"))
    }
    for area, code, name, machines, calendar, rate in WORK_CENTERS:
        work_center, _ = models.WorkCenter.objects.update_or_create(
            code=code,
            defaults={
                "area": areas[area],
                "name": name,
                "calendar": calendars[calendar],
                "cost_per_hour": Decimal(rate),
            },
        )
        for number in range(1, machines + 1):
            models.Machine.objects.update_or_create(
                code=f"{code}-{number}", defaults={"work_center": work_center, "name": f"{name} #{number}"}
            )
    currencies = {c.code: c for c in models.Currency.objects.all()}
    for code, name, kind, currency, lead_time, city, country, credit in PARTNERS:
        models.Partner.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "currency": currencies[currency],
                "lead_time_days": lead_time,
                "city": city,
                "country": country,
                "credit_limit": Decimal(credit),
                "email": f"orders@{code.lower().split('-')[1]}.example",
            },
        )
    categories = {
        code: models.ItemCategory.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in CATEGORIES
    }
    units = {u.code: u for u in models.Unit.objects.all()}
    for code, name, uom, category, procurement, tracking, lead_time, safety, policy, (
        lot,
        minimum,
        multiple,
    ), cost, supplier in ITEMS:
        fields = {
            "name": name,
            "uom": units[uom],
            "category": categories[category],
            "procurement": procurement,
            "tracking": tracking,
            "lead_time_days": lead_time,
            "safety_stock": Decimal(safety),
            "lot_policy": policy,
            "lot_qty": lot and Decimal(lot),
            "min_qty": minimum and Decimal(minimum),
            "multiple_qty": multiple and Decimal(multiple),
            "default_supplier": models.Partner.objects.get(code=supplier) if supplier else None,
        }
        # The catalogue's cost is a starting point: ERP's cost roll-up owns it from then on.
        models.Item.objects.update_or_create(
            code=code, defaults=fields, create_defaults={**fields, "standard_cost": Decimal(cost)}
        )
    _users()
    return {"items": models.Item.objects.count(), "machines": models.Machine.objects.count(), "users": len(USERS)}


def _calendars() -> dict[str, models.WorkCalendar]:
    two_shift, _ = models.WorkCalendar.objects.update_or_create(
        code="2SHIFT", defaults={"name": "Two shifts, Monday to Friday", "timezone": "Asia/Shanghai"}
    )
    three_shift, _ = models.WorkCalendar.objects.update_or_create(
        code="3SHIFT", defaults={"name": "Three shifts, Monday to Saturday", "timezone": "Asia/Shanghai"}
    )
    shifts = {
        two_shift: (range(5), [("Early", "06:00", "14:00"), ("Late", "14:00", "22:00")]),
        three_shift: (range(6), [("Early", "06:00", "14:00"), ("Late", "14:00", "22:00"), ("Night", "22:00", "06:00")]),
    }
    for calendar, (weekdays, day_shifts) in shifts.items():
        for weekday in weekdays:
            for name, start, end in day_shifts:
                models.Shift.objects.update_or_create(
                    calendar=calendar,
                    weekday=weekday,
                    name=name,
                    defaults={
                        "start_time": datetime.time.fromisoformat(start),
                        "end_time": datetime.time.fromisoformat(end),
                    },
                )
        # This year's holidays and last year's: the demo's history reaches a year back.
        this_year = datetime.date.today().year
        for year in (this_year - 1, this_year):
            for offset in range(7):  # National Day golden week
                models.CalendarException.objects.update_or_create(
                    calendar=calendar,
                    date=datetime.date(year, 10, 1) + datetime.timedelta(days=offset),
                    defaults={"is_working": False, "reason": "National Day holiday"},
                )
            models.CalendarException.objects.update_or_create(
                calendar=calendar,
                date=datetime.date(year + 1, 1, 1),
                defaults={"is_working": False, "reason": "New Year's Day"},
            )
    return {"2SHIFT": two_shift, "3SHIFT": three_shift}


def _users() -> None:
    user_model = get_user_model()
    hashed = None
    for username, first, last, role in USERS:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@smartappliance.example"},
        )
        if created:
            # One hash for the one published password: hashing is slow by design (a second each).
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        if username in PARTNER_LOGINS:
            partner = models.Partner.objects.get(code=PARTNER_LOGINS[username])
            models.PartnerUser.objects.update_or_create(user=user, defaults={"partner": partner})


def logins() -> list[tuple[str, str]]:
    return [
        (username, f"{role.label} ({PARTNER_LOGINS[username]})" if username in PARTNER_LOGINS else role.label)
        for username, _first, _last, role in USERS
    ]
