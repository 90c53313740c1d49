"""SmartAppliance Co.'s business in ERP: its master data, a year of history and a live today.

Loaded by demo_load after core, PLM and WMS. Master data is matched by its code, so loading again
changes nothing. The history is made once, while there are no sales orders, by the real services run
on past days (time_machine), so every document, stock move, journal entry and timestamp carries its day.
It is the quarter below played settings.TAKT_DEMO_HISTORY_DAYS / 91 times (four by default, one in the
test settings), oldest first; the quarters before the last at smaller volumes (the business grows), with
keys and documents of their own, their bills and payments falling into the quarters after them:

- Day one: standard costs are rolled up over the released BOMs and routings and activated (the stock
  on hand is revalued to them); the price lists follow from them (cost plus a markup); the
  shareholders pay in the capital (on the history's first day).
- Two purchase waves: the planner firms the orders of the coming weeks and the buyer orders what they
  need from each supplier (steel by weight, elements to the piece). The warehouse receives against the
  orders and puts the goods away; suppliers bill after delivery (a copper surcharge on elements and a
  chip discount make purchase price variances) and are paid after their 30 days, except one bill of the
  last quarter held in a price dispute.
- Production: a molding campaign and an SMT campaign make the quarter's molded parts and control
  boards, then the kettle, toaster and blender sub-assemblies are made; seven finished-goods batches
  follow, one serial number per unit. Operators sign in at their machines and report their minutes
  (a little faster or slower than the routing) and their scrap (short shots, AOI rejects, a split
  drawing, a hi-pot failure); material is backflushed, a few extra grams or cartons issued; each order
  is closed the next day with its variances.
- Sales: kettles are made to stock and sold from it; toasters and blenders are made to order (the
  production order is linked to the sales line and puts the order in production). Most shipments go
  straight to the carrier, the latest ones are picked, packed and shipped; each is invoiced the same
  day. MediaHome and Jingdong pay after 30 days; HomePlus pays late (half of one invoice, another
  overdue); the newest invoices are not due yet.
- Month ends: wages (what the labor bookings cost), the plant's running costs and the office rent,
  against what production absorbed.

Today: open sales orders (a draft, one confirmed on stock, one in production, one partly shipped),
purchase orders sent and confirmed with deliveries due this week (one partly received, one a draft),
production orders planned, firm, released and in progress, a draft cost version for next quarter,
the roster of this week and the next.

WMS's demo loads today's stock before this runs. The history keeps its hands off it: it buys, makes
and sells its own (lots of its own, bins of its own, older, so FIFO and FEFO take them first), so the
warehouse's demo figures (steel, elements, the reserved kettles) stand as WMS loaded them.
"""

import datetime
import heapq
import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import time_machine
from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from core.choices import Procurement, Tracking
from core.models import (
    CalendarException,
    Currency,
    Item,
    ItemCategory,
    Machine,
    NumberSequence,
    Partner,
    Shift,
    WorkCalendar,
    WorkCenter,
)
from core.services.numbering import next_document_number
from erp.choices import (
    AccountKind,
    AccountRole,
    CostVersionState,
    InvoiceState,
    JournalSource,
    PurchaseOrderState,
    SalesOrderState,
    ValuationMethod,
)
from erp.models import (
    Account,
    Budget,
    CostCenter,
    Department,
    Employee,
    ErpSettings,
    Invoice,
    ItemCost,
    JournalEntry,
    JournalLine,
    LaborBooking,
    PriceList,
    ProductionOrder,
    PurchaseOrder,
    Qualification,
    SalesOrder,
    TaxRate,
    ValuationPolicy,
    WorkCenterRate,
)
from erp.selectors.people import qualified_employees
from erp.selectors.production import standard_minutes
from erp.services.costing import cost_version_activate, cost_version_create, cost_version_roll_up
from erp.services.finance import journal_entry_create_manual
from erp.services.invoices import payment_register
from erp.services.journal import accounts_for
from erp.services.people import attendance_sign_in, attendance_sign_out, labor_book, roster_pattern_apply
from erp.services.pricing import price_list_item_set
from erp.services.production import (
    production_backflush,
    production_material_issue,
    production_operation_finish,
    production_operation_report,
    production_order_close,
    production_order_complete,
    production_order_create,
    production_order_firm,
    production_order_release,
    production_output_receive,
)
from erp.services.purchasing import (
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_create,
    purchase_order_send,
    supplier_invoice_create,
)
from erp.services.sales import (
    sales_order_close,
    sales_order_confirm,
    sales_order_create,
    sales_order_invoice,
    sales_order_register_shipment,
)
from erp.services.valuation import item_standard_cost_set, valuation_policy_set
from wms.choices import LocationKind
from wms.models import Location, Lot, Quant, Receipt, Reservation, StockMove, StockRequest, Warehouse
from wms.services.picking import pick_confirm, pick_list_create, shipment_create, shipment_ship
from wms.services.putaway import stock_task_confirm
from wms.services.receipts import receipt_close, receipt_receive
from wms.services.requests import stock_request_deliver, stock_request_reserve

ZERO = Decimal(0)
CENT = Decimal("0.01")
PLANT = ZoneInfo("Asia/Shanghai")

# --- Master data ---------------------------------------------------------------------------------------------------

TAX_RATES = [("VAT13", "VAT 13%", "13"), ("EXPORT0", "Export, zero-rated", "0")]

ERP_SETTINGS = {
    "over_receipt_tolerance_pct": Decimal("5"),
    "invoice_price_tolerance_pct": Decimal("2"),
    "invoice_quantity_tolerance_pct": Decimal("0"),
    "default_valuation_method": ValuationMethod.AVERAGE,
}

VALUATION_POLICIES = [
    # What the plant makes is valued at standard: its variances show where production costs differ.
    ("FG", ValuationMethod.STANDARD),
    ("SA", ValuationMethod.STANDARD),
    # Steel, granulate, glass and blades are bought in lots whose prices follow the commodity markets:
    # FIFO keeps each lot at what it cost.
    ("RM", ValuationMethod.FIFO),
    # Electrical parts and packaging are bought often, at prices that move a little: moving average.
    ("EL", ValuationMethod.AVERAGE),
    ("PK", ValuationMethod.AVERAGE),
]

# Work center: labor per hour (CNY, an operator fully loaded), operators per running machine, machine
# overhead per hour (the work center's own cost per hour: power, upkeep, depreciation).
WORK_CENTER_RATES = {
    "PRESS": ("42", "1", "85"),
    "MOLD": ("40", "0.5", "70"),  # one operator tends two molding machines
    "SMT": ("46", "2", "120"),  # a line operator and a feeder on the SMT line
    "ASSY": ("38", "2", "55"),  # two at each assembly line
    "TEST": ("40", "1", "40"),
    "PACK": ("34", "1", "35"),
}

# Cost centers: one per work center, and the support functions.
SUPPORT_COST_CENTERS = [
    ("CC-WH", "Warehouse and logistics"),
    ("CC-QA", "Quality assurance"),
    ("CC-OFFICE", "Office and administration"),
]

DEPARTMENTS = [
    ("PROD", "Production", None),  # its people book their hours to the work centers' cost centers
    ("WH", "Warehouse", "CC-WH"),
    ("QA", "Quality", "CC-QA"),
    ("OFFICE", "Office", "CC-OFFICE"),
]

# number, first name, last name, demo user, badge, department, position, cost per hour (CNY), hired on
EMPLOYEES = [
    ("E1001", "Omar", "Liu", "operator", "B-1001", "PROD", "Assembly line lead", "44", "2019-03-04"),
    ("E1002", "Jie", "Chen", None, "B-1002", "PROD", "Press and molding operator", "41", "2018-06-11"),
    ("E1003", "Fang", "Wang", None, "B-1003", "PROD", "Molding operator", "38", "2021-09-01"),
    ("E1004", "Hong", "Guo", None, "B-1004", "PROD", "Molding operator", "39", "2020-02-17"),
    ("E1005", "Lei", "Zhao", None, "B-1005", "PROD", "SMT line operator", "45", "2017-05-08"),
    ("E1006", "Yan", "Sun", None, "B-1006", "PROD", "SMT operator", "42", "2022-03-14"),
    ("E1007", "Qiang", "Zhou", None, "B-1007", "PROD", "Assembler", "37", "2020-07-20"),
    ("E1008", "Min", "Wu", None, "B-1008", "PROD", "Assembler", "36", "2023-04-03"),
    ("E1009", "Jing", "Xu", None, "B-1009", "PROD", "Assembler and packer", "36", "2022-10-10"),
    ("E1010", "Lin", "Ma", None, "B-1010", "PROD", "Test operator", "40", "2019-11-25"),
    ("E1011", "Bin", "Hu", None, "B-1011", "PROD", "Press operator", "39", "2021-01-18"),
    ("E1012", "Na", "Lin", None, "B-1012", "PROD", "Assembler", "37", "2024-02-26"),
    ("E2001", "Paul", "Chen", "planner", "B-2001", "PROD", "Production planner", "62", "2016-08-01"),
    ("E3001", "Wei", "Zhang", "warehouse", "B-3001", "WH", "Warehouse lead", "46", "2017-02-13"),
    ("E3002", "Hao", "Tang", None, "B-3002", "WH", "Forklift driver", "35", "2021-05-17"),
    ("E4001", "Qing", "Huang", "quality", "B-4001", "QA", "Quality engineer", "58", "2018-09-03"),
    ("E4002", "Li", "Deng", None, "B-4002", "QA", "Quality inspector", "40", "2020-04-06"),
    ("E5001", "Sara", "Li", "sales", None, "OFFICE", "Sales manager", "75", "2016-03-01"),
    ("E5002", "Bo", "Wang", "buyer", None, "OFFICE", "Buyer", "60", "2018-01-15"),
    ("E5003", "Emma", "Zhou", "engineer", None, "OFFICE", "Process engineer", "68", "2019-06-03"),
    ("E5004", "Fang", "Xu", "finance", None, "OFFICE", "Accountant", "64", "2017-10-09"),
    ("E5005", "Hui", "Zhao", "hr", None, "OFFICE", "HR officer", "55", "2020-11-02"),
    ("E5006", "Ada", "Admin", "admin", None, "OFFICE", "IT administrator", "66", "2019-01-07"),
]

# employee, work center (or one machine), valid until: None for good, days from today (negative: expired), or a date.
QUALIFICATIONS = [
    ("E1001", "ASSY", None),
    ("E1001", "TEST", None),
    ("E1002", "PRESS", None),
    ("E1002", "MOLD", None),
    ("E1003", "MOLD", None),
    ("E1004", "MOLD", None),
    ("E1004", "PRESS", "2027-06-30"),
    ("E1005", "SMT-1", None),  # the line's own qualification, for its one machine
    ("E1005", "TEST", None),
    ("E1006", "SMT", 25),  # renewal training booked
    ("E1006", "TEST", None),
    ("E1007", "ASSY", None),
    ("E1008", "ASSY", 12),
    ("E1008", "PACK", None),
    ("E1009", "ASSY", None),
    ("E1009", "PACK", None),
    ("E1010", "TEST", None),
    ("E1010", "PACK", None),
    ("E1011", "PRESS", -9),  # lapsed: rostered on packing until the press course is redone
    ("E1011", "PACK", None),
    ("E1012", "ASSY", None),
    ("E1012", "TEST", 28),
    ("E4002", "TEST", None),
]

# employee, work center, shift this week, shift next week
ROSTER = [
    ("E1001", "ASSY", "Early", "Late"),
    ("E1007", "ASSY", "Early", "Late"),
    ("E1009", "ASSY", "Late", "Early"),
    ("E1012", "ASSY", "Late", "Early"),
    ("E1008", "PACK", "Early", "Early"),
    ("E1011", "PACK", "Late", "Late"),
    ("E1010", "TEST", "Early", "Late"),
    ("E1005", "SMT", "Early", "Early"),
    ("E1006", "SMT", "Late", "Late"),
    ("E1002", "PRESS", "Early", "Late"),
    ("E1003", "MOLD", "Late", "Night"),
    ("E1004", "MOLD", "Night", "Early"),
]

# Selling prices are set on the standard cost: item, markup.
MARKUPS = [("KT-200", "1.40"), ("TS-400", "1.45"), ("BL-600", "1.50"), ("CB-EU", "1.80")]  # cables as spares
# code, name, currency, customer, CNY per unit of the currency the list is worked out at, quantity breaks
PRICE_LISTS = [
    ("PL-CNY", "General price list", "CNY", None, "1", {0: "1"}),
    ("PL-MEDIA-EUR", "MediaHome GmbH, EUR", "EUR", "C-MEDIA", "7.80", {0: "0.96", 50: "0.93", 100: "0.90"}),
    ("PL-HOMEPLUS-USD", "HomePlus Retail, USD", "USD", "C-HOMEPLUS", "7.20", {0: "0.98", 100: "0.95"}),
]

# Monthly budgets of the current quarter: account, cost center, amount (income credit-positive).
BUDGETS = [
    ("4000", None, "11000"),
    ("5000", None, "7600"),
    ("5100", None, "20"),
    ("5240", None, "500"),
    ("6000", "CC-OFFICE", "2600"),
]

# --- The history ------------------------------------------------------------------------------------------------------

QUARTER_DAYS = 91  # the plan below is a quarter's: about 13 weeks; settings.TAKT_DEMO_HISTORY_DAYS says how many
# Business grows: each quarter before the last does this share of the next one's (but at least FLOOR_VOLUME).
QUARTER_GROWTH = Decimal("0.9")
FLOOR_VOLUME = Decimal("0.6")
# Orders for parts the plant makes for its own assembly lines make this many more in the quarters before the last,
# whose volumes are rounded: scrap and rounding never leave an assembly short.
SPARE_PARTS = 3
# Days after which an invoice the last quarter leaves open was paid in the quarters before it.
LATE_PAYMENT_DAYS = 45
OFFICE_RENT = "2600.00"  # a month, paid at its end

# Production orders: campaign, item, quantity, working day it runs (0: the quarter's first), sales order it makes for.
PRODUCTION = [
    ("M1", "KT-HANDLE", 52, 7, None),
    ("M1", "KT-LID", 50, 7, None),
    ("M1", "BASE-HSG", 50, 7, None),
    ("M1", "TS-LEVER", 30, 8, None),
    ("M1", "BL-MHSG", 27, 8, None),
    ("P1", "PCB-KT", 50, 9, None),
    ("P1", "TS-CTRL", 30, 9, None),
    ("P1", "BL-CTRL", 26, 10, None),
    ("K1", "KT-BODY", 47, 10, None),  # the quarter's kettle sub-assemblies, for three batches
    ("K1", "KT-HEAT", 46, 10, None),
    ("K1", "KT-BASE", 46, 11, None),
    ("K1", "KT-200", 15, 12, None),
    ("T1", "TS-HSG", 26, 15, None),  # and the toasters' housings, for two
    ("T1", "TS-400", 10, 16, "S3"),
    ("B1", "BL-MOTOR", 23, 20, None),
    ("B1", "BL-JAR", 23, 21, None),
    ("B1", "BL-600", 9, 22, "S4"),
    ("K2", "KT-200", 15, 30, None),
    ("T2", "TS-400", 15, 36, "S7"),
    ("K3", "KT-200", 15, 44, None),
    ("B2", "BL-600", 13, 49, "S9"),
]
# Units scrapped per order, and at which work center: short shots, AOI rejects, a hi-pot failure, a split drawing.
SCRAP = {"MOLD": 3, "SMT": 2, "TEST": 1, "PRESS": 1}
# What an order issues beyond its backflush (purge granulate, a damaged carton, spoiled manuals): usage variance.
EXTRA_ISSUES = {
    "KT-HANDLE": ("PP-WHT", "1.5"),
    "BL-MHSG": ("PP-WHT", "2"),
    "TS-400": ("BOX-TS", "1"),
    "KT-200": ("MAN-EU", "2"),
}
# Purchase waves: working day, the campaigns whose material is bought, deliveries per supplier (working days;
# a delivery brings what the orders running before the next one need).
WAVES = [
    (
        0,
        ("M1", "P1", "K1", "T1", "B1"),
        {"S-PACK": (4,), "S-STEEL": (5,), "S-POLY": (6,), "S-CABLE": (8,), "S-HEAT": (9,)},
    ),
    (18, ("K2", "T2", "K3", "B2"), {"S-PACK": (24, 40), "S-CABLE": (25,), "S-HEAT": (26,)}),
]
# Order prices against the standard cost (steel went up this quarter), and bills that differ from the order.
ORDER_PRICES = {"SS-304": "1.03", "PP-WHT": "0.98", "IC-MCU": "0.95", "MOT-600": "1.02", "JAR-GL": "1.04"}
BILL_PRICES = {(0, "IC-MCU"): "0.99", (0, "HE-2000"): "1.015", (1, "TS-ELEM"): "1.015"}
DISPUTED_BILLS = {(0, "S-POLY")}  # held: the supplier billed the granulate above the agreed price
# Sales orders: key, customer, working day ordered, lines, working day confirmed (None: when it is made,
# from stock), working day shipped, how it ships, days until paid and the part paid (None: not yet).
SALES = [
    ("S1", "C-MEDIA", 6, [("KT-200", 8)], None, 13, "deliver", (30, "1")),
    ("S2", "C-JD", 8, [("KT-200", 6)], None, 14, "deliver", (28, "1")),
    ("S3", "C-HOMEPLUS", 0, [("TS-400", 9)], 0, 17, "deliver", (40, "0.5")),
    ("S4", "C-JD", 0, [("BL-600", 8)], 0, 23, "deliver", (30, "1")),
    ("S5", "C-MEDIA", 26, [("KT-200", 10)], None, 31, "deliver", (30, "1")),
    ("S6", "C-HOMEPLUS", 27, [("KT-200", 4)], None, 32, "deliver", None),
    ("S7", "C-MEDIA", 18, [("TS-400", 10)], 18, 37, "deliver", (30, "1")),
    ("S8", "C-JD", 40, [("KT-200", 12)], None, 45, "deliver", None),
    ("S9", "C-HOMEPLUS", 18, [("BL-600", 7)], 18, 50, "pick", None),
]
CUSTOMER_REFERENCES = {"C-MEDIA": "MH-45{:05d}", "C-HOMEPLUS": "HP-PO-{:04d}", "C-JD": "JD{:08d}"}
CARRIERS = {"C-MEDIA": "DB Schenker (sea freight)", "C-HOMEPLUS": "Maersk (sea freight)", "C-JD": "SF Express"}

# Where the history keeps its own stock: bins the WMS demo does not use for that item (so its stock is in
# quants of its own, older than today's), packaging ahead of WMS's on the pick path.
OWN_BINS = {
    "SS-304": "A-01",
    "PP-WHT": "A-03",
    "BLADE-4": "A-06",
    "JAR-GL": "A-06",
    "BOX-KT": "A-02",
    "BOX-TS": "A-02",
    "BOX-BL": "A-02",
    "MAN-EU": "A-02",
    "HE-2000": "C-01",
    "CB-EU": "C-01",
    "TH-01": "C-02",
    "TS-ELEM": "C-03",
    "IC-MCU": "C-03",
    "MOT-600": "C-04",
    "RES-SET": "C-04",
    "PCB-BARE": "C-05",
    "KT-BODY": "B-07",
    "KT-HANDLE": "B-07",
    "KT-LID": "B-06",
    "KT-HEAT": "B-06",
    "KT-BASE": "B-06",
    "BASE-HSG": "B-03",
    "PCB-KT": "B-03",
    "TS-HSG": "B-02",
    "TS-LEVER": "B-02",
    "TS-CTRL": "B-02",
    "BL-MOTOR": "B-01",
    "BL-MHSG": "B-01",
    "BL-JAR": "B-01",
    "BL-CTRL": "B-01",
    "KT-200": "A-04",
    "TS-400": "A-07",
    "BL-600": "A-05",
}
# Lot and serial number prefixes (WMS's demo lots are YYMM-numbered; these are dated, so they never meet).
LOT_PREFIXES = {
    "SS-304": "SS",
    "PP-WHT": "PP",
    "BLADE-4": "BL4",
    "HE-2000": "HE",
    "TH-01": "TH",
    "TS-ELEM": "TSE",
    "MOT-600": "MOT",
    "PCB-BARE": "PCB",
    "IC-MCU": "MCU",
    "RES-SET": "RES",
    "KT-HEAT": "KH",
    "KT-BASE": "KB",
    "PCB-KT": "PK",
    "TS-CTRL": "TC",
    "BL-MOTOR": "BM",
    "BL-CTRL": "BC",
    "KT-200": "KT200",
    "TS-400": "TS400",
    "BL-600": "BL600",
}
SHELF_DAYS = {"RM": 240, "EL": 720, "SA": 365}
FIRST_SERIAL = 101  # WMS's demo kettles are numbered from 1

DEMO_USERS = [username for _n, _f, _l, username, *_rest in EMPLOYEES if username]


def load() -> dict[str, int]:
    users = get_user_model().objects.in_bulk(DEMO_USERS, field_name="username")
    _erp_settings()
    taxes = _tax_rates()
    _valuation_policies(users["finance"])
    _work_center_rates()
    cost_centers = _cost_centers()
    _people(users, cost_centers)
    _budgets(cost_centers)
    if not SalesOrder.objects.exists():
        # The replay is the demo's making, nobody's change: it writes no audit trail (a sixth of its time).
        with disable_auditlog():
            _History(users, taxes).run()
    else:
        _standard_costs_follow_active_version(users["finance"])
        _price_lists()
    return {
        "sales orders": SalesOrder.objects.count(),
        "purchase orders": PurchaseOrder.objects.count(),
        "production orders": ProductionOrder.objects.count(),
        "invoices": Invoice.objects.count(),
        "journal entries": JournalEntry.objects.count(),
        "employees": Employee.objects.count(),
    }


# --- Master data ---------------------------------------------------------------------------------------------------


def _erp_settings() -> None:
    ErpSettings.objects.update_or_create(pk=1, defaults=ERP_SETTINGS)


def _tax_rates() -> dict[str, TaxRate]:
    return {
        code: TaxRate.objects.update_or_create(code=code, defaults={"name": name, "rate_pct": Decimal(rate)})[0]
        for code, name, rate in TAX_RATES
    }


def _valuation_policies(user) -> None:
    current = dict(ValuationPolicy.objects.values_list("category__code", "method"))
    for code, method in VALUATION_POLICIES:
        if current.get(code) != method:
            # Through valuation: stock already on hand (WMS's) is carried over to the method.
            valuation_policy_set(category=ItemCategory.objects.get(code=code), method=method, user=user)


def _work_center_rates() -> None:
    for code, (labor, crew, machine) in WORK_CENTER_RATES.items():
        WorkCenterRate.objects.update_or_create(
            work_center=WorkCenter.objects.get(code=code),
            defaults={
                "labor_rate_per_hour": Decimal(labor),
                "crew_size": Decimal(crew),
                "machine_rate_per_hour": Decimal(machine),
            },
        )


def _cost_centers() -> dict[str, CostCenter]:
    centers = {}
    for work_center in WorkCenter.objects.order_by("code"):
        code = f"CC-{work_center.code}"
        centers[code] = CostCenter.objects.update_or_create(
            code=code, defaults={"name": work_center.name, "work_center": work_center}
        )[0]
    for code, name in SUPPORT_COST_CENTERS:
        centers[code] = CostCenter.objects.update_or_create(code=code, defaults={"name": name, "work_center": None})[0]
    return centers


def _people(users: dict, cost_centers: dict[str, CostCenter]) -> None:
    departments = {
        code: Department.objects.update_or_create(
            code=code, defaults={"name": name, "cost_center": cost_centers.get(center)}
        )[0]
        for code, name, center in DEPARTMENTS
    }
    employees = {}
    for number, first, last, username, badge, department, position, rate, hired in EMPLOYEES:
        employees[number] = Employee.objects.update_or_create(
            number=number,
            defaults={
                "first_name": first,
                "last_name": last,
                "user": users.get(username) if username else None,
                "badge": badge,
                "department": departments[department],
                "position": position,
                "labor_cost_rate": Decimal(rate),
                "hired_on": datetime.date.fromisoformat(hired),
                "active": True,
            },
        )[0]
    today = timezone.localdate()
    work_centers = {wc.code: wc for wc in WorkCenter.objects.all()}
    machines = {machine.code: machine for machine in Machine.objects.all()}
    for number, scope, until in QUALIFICATIONS:
        employee = employees[number]
        if isinstance(until, int):
            until = today + datetime.timedelta(days=until)
        elif isinstance(until, str):
            until = datetime.date.fromisoformat(until)
        # The dates are the first load's: a later load leaves them (and what has expired since) as they are.
        Qualification.objects.update_or_create(
            employee=employee,
            work_center=work_centers.get(scope),
            machine=machines.get(scope),
            create_defaults={
                "valid_from": employee.hired_on,
                "valid_until": until,
                "note": "Trained and signed off by the line lead",
            },
        )


def _history_quarters() -> int:
    """How many quarters the history replays: settings.TAKT_DEMO_HISTORY_DAYS in whole quarters, at least one."""
    return max(1, round(settings.TAKT_DEMO_HISTORY_DAYS / QUARTER_DAYS))


def _budgets(cost_centers: dict[str, CostCenter]) -> None:
    """The current quarter's budgets, and those of the quarters before it that the history covers."""
    today = timezone.localdate()
    quarters = _history_quarters()
    first_month = 3 * ((today.month - 1) // 3) + 1
    accounts = {account.code: account for account in Account.objects.all()}
    for index in range(today.year * 12 + first_month - 1 - 3 * (quarters - 1), today.year * 12 + first_month + 2):
        year, month = divmod(index, 12)
        for code, center, amount in BUDGETS:
            Budget.objects.update_or_create(
                account=accounts[code],
                cost_center=cost_centers.get(center),
                year=year,
                month=month + 1,
                defaults={"amount": Decimal(amount)},
            )


def _standard_cost(item: Item) -> Decimal:
    """The item's cost in the active cost version (the item's standard cost when none costs it)."""
    total = (
        ItemCost.objects.filter(version__state=CostVersionState.ACTIVE, item=item)
        .values_list("total", flat=True)
        .first()
    )
    return item.standard_cost if total is None else total


def _price_lists() -> None:
    customers = {partner.code: partner for partner in Partner.objects.filter(code__in=["C-MEDIA", "C-HOMEPLUS"])}
    currency_of = {currency.code: currency for currency in Currency.objects.filter(code__in=["CNY", "EUR", "USD"])}
    items = {item.code: item for item in Item.objects.filter(code__in=[code for code, _m in MARKUPS])}
    for code, name, currency, customer, rate, breaks in PRICE_LISTS:
        price_list, _created = PriceList.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "currency": currency_of[currency],
                "customer": customers.get(customer),
                "active": True,
            },
        )
        step = Decimal("1") if currency == "CNY" else Decimal("0.05")
        for item_code, markup in MARKUPS:
            item = items[item_code]
            base = _standard_cost(item) * Decimal(markup) / Decimal(rate)
            for minimum, factor in breaks.items():
                price = (base * Decimal(factor) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
                price_list_item_set(price_list=price_list, item=item, unit_price=price, min_quantity=Decimal(minimum))


def _standard_costs_follow_active_version(user) -> None:
    """Keep the items' standard costs at the active version's (a reload of the items' master data resets
    them to the catalogue's); the stock is valued at them already, so nothing is revalued."""
    costs = ItemCost.objects.filter(version__state=CostVersionState.ACTIVE).select_related("item")
    for cost in costs:
        if cost.item.standard_cost != cost.total:
            item_standard_cost_set(item=cost.item, cost=cost.total, user=user)


def _working_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The two-shift calendar's working days from `start` up to (not including) `end`."""
    calendar = WorkCalendar.objects.get(code="2SHIFT")
    weekdays = set(Shift.objects.filter(calendar=calendar).values_list("weekday", flat=True))
    closed = set(
        CalendarException.objects.filter(calendar=calendar, is_working=False, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    days, day = [], start
    while day < end:
        if day.weekday() in weekdays and day not in closed:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _skip_numbers_in_use(doc_type: str, on: datetime.date) -> None:
    """Leave out the next numbers of a document type that the warehouse already uses as references (WMS's
    demo has receipts and requests of its own named like orders), so no order shares a name with them."""
    while True:
        last = (
            NumberSequence.objects.filter(doc_type=doc_type, year=on.year).values_list("last_value", flat=True).first()
        )
        candidate = f"{doc_type}-{on.year}-{(last or 0) + 1:05d}"
        in_use = (
            StockRequest.objects.filter(reference=candidate).exists()
            or Receipt.objects.filter(reference=candidate).exists()
            or StockMove.objects.filter(reference=candidate).exists()
        )
        if not in_use:
            return
        next_document_number(doc_type=doc_type, on=on)


def _round_up(quantity: Decimal, step: Decimal) -> Decimal:
    return (quantity / step).quantize(Decimal(1), rounding=ROUND_CEILING) * step


# --- The history ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Quarter:
    """One quarter of the history: the plan above, from a working day of the history on, at a volume."""

    first: int  # the index of its first working day among the history's
    prefix: str  # of its keys of orders; the last quarter's keys are the plan's own
    volume: Decimal  # its business against the last quarter's

    @property
    def last(self) -> bool:
        return not self.prefix

    def key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def made(self, item: Item, quantity: int) -> Decimal:
        """What a production order makes: the plan's quantity at the quarter's volume (parts for assembly
        with a few spare)."""
        if self.last:
            return Decimal(quantity)
        scaled = (quantity * self.volume).to_integral_value(rounding=ROUND_CEILING)
        return scaled if item.category.code == "FG" else scaled + SPARE_PARTS

    def sold(self, quantity: int) -> int:
        if self.last:
            return quantity
        return max(1, int((quantity * self.volume).to_integral_value(rounding=ROUND_FLOOR)))


class _History:
    """The quarters behind today, replayed day by day: events run in time order, each at its moment."""

    def __init__(self, users: dict, taxes: dict[str, TaxRate]) -> None:
        self.users = users
        self.taxes = taxes
        self.today = timezone.localdate()
        # Whole quarters, the last one ending today: the history's first day begins the oldest.
        self.quarter_count = _history_quarters()
        self.days = _working_days(self.today - datetime.timedelta(days=QUARTER_DAYS * self.quarter_count), self.today)
        # What is in the warehouse already is WMS's demo stock, loaded today: stock that arrived before it is
        # the history's own.
        first_move = StockMove.objects.order_by("moved_at").values_list("moved_at", flat=True).first()
        self.cutoff = min(first_move or timezone.now(), timezone.now())
        self.warehouse = Warehouse.objects.get(code="MAIN")
        self.items = {item.code: item for item in Item.objects.select_related("uom", "category", "default_supplier")}
        self.partners = {partner.code: partner for partner in Partner.objects.all()}
        self.bins = {
            location.code.rsplit("/", 1)[1]: location
            for location in Location.objects.filter(warehouse=self.warehouse, kind=LocationKind.INTERNAL)
        }
        self.employees = {employee.number: employee for employee in Employee.objects.all()}
        self.rng = random.Random(2026)  # the same history every time
        self.queue: list[tuple[datetime.datetime, int, Callable[[], None]]] = []
        self.sequence = itertools.count()
        self.orders: dict[tuple[str, str], ProductionOrder] = {}
        self.sales: dict[str, SalesOrder] = {}
        self.serials: dict[str, int] = defaultdict(lambda: FIRST_SERIAL)
        self.attended: set[tuple[int, datetime.date]] = set()
        self.slots: dict[datetime.date, int] = defaultdict(int)
        self.order_slots: dict[tuple[str, str], int] = {}

    # --- The clock ----------------------------------------------------------------------------------------------

    def day(self, number: int) -> datetime.date:
        return self.days[number]

    def on(self, day: datetime.date, time: str, action: Callable[[], None]) -> None:
        """Run `action` at `time` (UTC, inside the plant's day: 08:00 to 18:00 in Suzhou) on `day`."""
        moment = datetime.datetime.combine(day, datetime.time.fromisoformat(time), tzinfo=datetime.UTC)
        heapq.heappush(self.queue, (moment, next(self.sequence), action))

    def later(self, day: datetime.date, days: int) -> datetime.date | None:
        """The first working day at least `days` calendar days after `day`, if it is before today."""
        target = day + datetime.timedelta(days=days)
        return next((d for d in self.days if d >= target), None)

    def next_day(self, day: datetime.date) -> datetime.date | None:
        return next((d for d in self.days if d > day), None)

    def quarters(self) -> list[_Quarter]:
        """Oldest first; the last one is the plan as it stands, the ones before it smaller and smaller."""
        quarters = []
        for back in range(self.quarter_count - 1, -1, -1):
            begins = self.today - datetime.timedelta(days=QUARTER_DAYS * (back + 1))
            first = next(index for index, day in enumerate(self.days) if day >= begins)
            volume = max(FLOOR_VOLUME, QUARTER_GROWTH**back)
            quarters.append(_Quarter(first=first, prefix=f"Q-{back}-" if back else "", volume=volume))
        return quarters

    def run(self) -> None:
        quarters = self.quarters()
        needed = max(day for *_rest, day, _sale in PRODUCTION) + 7  # and the live days after the last
        for quarter, following in itertools.pairwise([*quarters, None]):
            working_days = (following.first if following else len(self.days)) - quarter.first
            if working_days < needed:
                raise RuntimeError(
                    f"A quarter of the history needs {needed} working days; the calendar gives one {working_days}."
                )
        self.standard_costs()
        self.on(self.day(0), "00:01", self.open_the_quarter)
        for quarter in quarters:
            self.plan(quarter)
        months = sorted({(day.year, day.month) for day in self.days})
        current = (self.today.year, self.today.month)
        for year, month in months:
            if (year, month) == current:
                continue  # not over yet
            last = max(day for day in self.days if (day.year, day.month) == (year, month))
            self.on(last, "10:00", lambda y=year, m=month, d=last: self.month_end(y, m, d))
        self.live()
        while self.queue:
            moment, _sequence, action = heapq.heappop(self.queue)
            with time_machine.travel(moment, tick=False):
                action()
        self.today_live()

    def plan(self, quarter: _Quarter) -> None:
        """Put a quarter's sales and purchase waves on the clock (the waves put its production on it)."""

        def day(number: int) -> datetime.date:
            return self.days[quarter.first + number]

        for plan_key, customer, ordered, lines, confirmed, shipped, how, paid in SALES:
            key, promised = quarter.key(plan_key), day(shipped)
            lines = [(code, quarter.sold(quantity)) for code, quantity in lines]
            if not quarter.last:  # what is still open today is the last quarter's: the older ones are paid
                paid = (paid[0], "1") if paid else (LATE_PAYMENT_DAYS, "1")
            self.on(
                day(ordered),
                "00:10",
                lambda k=key, c=customer, s=lines, f=confirmed, p=promised: self.sell(k, c, s, f, p),
            )
            self.on(promised, "07:00", lambda k=key, h=how, p=paid: self.ship(k, h, p))
            if confirmed is None:  # from stock: confirmed once the batch is made
                made = max(d for _c, item, _q, d, _s in PRODUCTION if item == lines[0][0] and d < shipped)
                self.on(day(made), "06:30", lambda k=key: self.confirm(k))
        for number, (wave_day, campaigns, deliveries) in enumerate(WAVES):
            self.on(
                day(wave_day),
                "00:30",
                lambda n=number, c=campaigns, s=deliveries: self.wave(quarter, n, c, s),
            )

    # --- Day one ----------------------------------------------------------------------------------------------------

    def standard_costs(self) -> None:
        """Roll up the quarter's standard costs (as of its first day) and activate them before the history
        is replayed. Activation revalues the stock WMS's demo has just posted today, so it is done now,
        dated with that stock: dated back, the revaluation would value stock that was not there yet."""
        first = self.day(0)
        quarter = (first.month - 1) // 3 + 1
        version = cost_version_create(
            code=f"STD-{first.year}-Q{quarter}", name=f"Standard costs {first.year} Q{quarter}", as_of=first
        )
        cost_version_roll_up(version=version)
        cost_version_activate(version=version, user=self.users["finance"])
        self.restate_opening_stock()
        _price_lists()

    def restate_opening_stock(self) -> None:
        """The first standards revalue the stock WMS's demo opened with at the catalogue's costs. A plant moving
        in sets its standards before it loads its stock, so finance moves that revaluation (the only one yet) to
        the opening balance: the month the plant moved in shows no loss it never had."""
        revalued = (
            JournalLine.objects.filter(entry__source=JournalSource.REVALUATION, account__kind=AccountKind.EXPENSE)
            .values("account__code")
            .annotate(debit=Sum("debit"), credit=Sum("credit"))
            .order_by("account__code")
        )
        opening = accounts_for([AccountRole.OPENING_BALANCE])[AccountRole.OPENING_BALANCE].code
        lines = []
        for row in revalued:
            loss = row["debit"] - row["credit"]
            if loss:
                side, other = ("credit", "debit") if loss > 0 else ("debit", "credit")
                lines += [{"account": row["account__code"], side: abs(loss)}, {"account": opening, other: abs(loss)}]
        if lines:
            journal_entry_create_manual(
                date=timezone.localdate(),
                memo="Opening stock restated at the first standard costs",
                reference="OPENING-2026",
                lines=lines,
                user=self.users["finance"],
            )

    def open_the_quarter(self) -> None:
        journal_entry_create_manual(
            date=timezone.localdate(),
            memo="Share capital paid in",
            reference="CAPITAL",
            lines=[{"account": "1000", "debit": "3000000.00"}, {"account": "3000", "credit": "3000000.00"}],
            user=self.users["finance"],
        )

    # --- Purchasing -------------------------------------------------------------------------------------------------

    def wave(self, quarter: _Quarter, number: int, campaigns: tuple[str, ...], deliveries: dict) -> None:
        """Firm the campaigns' orders, then order what they need from each supplier."""
        planner, buyer = self.users["planner"], self.users["buyer"]
        needs: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))  # item -> order day -> qty
        for plan_campaign, code, quantity, day_number, sale in PRODUCTION:
            if plan_campaign not in campaigns:
                continue
            campaign = quarter.key(plan_campaign)
            day = self.days[quarter.first + day_number]
            line = self.sales[quarter.key(sale)].lines.get() if sale else None
            _skip_numbers_in_use("MO", timezone.localdate())
            order = production_order_create(
                item=self.items[code],
                quantity=quarter.made(self.items[code], quantity),
                start_date=day,
                due_date=self.next_day(day) or day,
                warehouse=self.warehouse,
                sales_order_line=line,
                user=planner,
            )
            order = production_order_firm(order=order, user=planner)
            self.orders[(campaign, code)] = order
            self.schedule_production(campaign, code, day)
            for component in order.components.select_related("item"):
                if component.item.procurement == Procurement.BUY:
                    needs[component.item.code][day_number] += component.required_qty
            extra = EXTRA_ISSUES.get(code)
            if extra and self.items[extra[0]].procurement == Procurement.BUY:
                needs[extra[0]][day_number] += Decimal(extra[1])
        suppliers: dict[str, list[str]] = defaultdict(list)
        for code in sorted(needs):
            suppliers[self.items[code].default_supplier.code].append(code)
        today = timezone.localdate()
        for supplier_code, codes in suppliers.items():
            days = deliveries[supplier_code]
            shares = {code: self.split(needs[code], days) for code in codes}
            ordered = {code: self.order_quantity(self.items[code], sum(shares[code], ZERO)) for code in codes}
            supplier = self.partners[supplier_code]
            _skip_numbers_in_use("PO", today)
            order = purchase_order_create(
                supplier=supplier,
                warehouse=self.warehouse,
                order_date=today,
                expected_date=self.days[quarter.first + days[0]],
                buyer=buyer,
                notes="Planned orders of the coming weeks (MRP wave).",
                lines=[
                    {
                        "item": self.items[code],
                        "quantity": ordered[code],
                        "unit_price": self.order_price(self.items[code]),
                        "tax_rate": self.taxes["VAT13"],
                    }
                    for code in codes
                ],
            )
            order = purchase_order_send(order=order, user=buyer)
            self.on(self.next_day(today), "07:30", lambda o=order: self.supplier_confirms(o))
            for index, delivery in enumerate(days):
                last = index == len(days) - 1
                quantities = {}
                for code in codes:
                    if code in ("SS-304", "HE-2000"):
                        # Steel is weighed in: exactly what the orders take. Elements come to the piece.
                        quantities[code] = shares[code][index]
                    elif last:
                        quantities[code] = ordered[code] - sum(shares[code][:index], ZERO)
                    else:
                        quantities[code] = shares[code][index]
                quantities = {code: qty for code, qty in quantities.items() if qty > 0}
                self.on(
                    self.days[quarter.first + delivery],
                    "02:00",
                    lambda o=order, q=quantities, f=last, w=number, d=quarter.last: self.receive(o, q, f, w, d),
                )

    def split(self, need: dict[int, Decimal], deliveries: tuple[int, ...]) -> list[Decimal]:
        """What each delivery brings: the needs of the orders that run before the next delivery arrives."""
        shares = [ZERO] * len(deliveries)
        for day_number, quantity in need.items():
            index = max((i for i, delivery in enumerate(deliveries) if delivery < day_number), default=None)
            if index is None:
                raise RuntimeError(f"An order on working day {day_number} runs before its material arrives.")
            shares[index] += quantity
        return shares

    def order_quantity(self, item: Item, need: Decimal) -> Decimal:
        if item.code == "SS-304":
            return need.quantize(Decimal(1), rounding=ROUND_HALF_UP)  # ordered by the kilogram, weighed in
        if item.code == "HE-2000":
            return need
        return _round_up(need * Decimal("1.02"), Decimal(5) if item.uom.code == "kg" else Decimal(10))

    def order_price(self, item: Item) -> Decimal:
        factor = Decimal(ORDER_PRICES.get(item.code, "1"))
        return (item.standard_cost * factor).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    def supplier_confirms(self, order: PurchaseOrder) -> None:
        reference = f"{order.supplier.code.removeprefix('S-')}-OC-{order.number[-5:]}"
        purchase_order_confirm(order=order, supplier_reference=reference, user=self.users["buyer"])

    def receive(
        self, order: PurchaseOrder, quantities: dict[str, Decimal], last: bool, wave: int, disputes: bool = True
    ) -> None:
        """The truck is in: receive each line against the order, put it away, close the receipt after the last."""
        warehouse_user = self.users["warehouse"]
        today = timezone.localdate()
        order = PurchaseOrder.objects.select_related("receipt").get(pk=order.pk)
        billed = []
        for line in order.lines.select_related("item__category").order_by("position"):
            quantity = quantities.get(line.item.code)
            if not quantity:
                continue
            item = line.item
            receipt_line = order.receipt.lines.get(order_line_ref=line.reference)
            lot_code = expiry = None
            if item.tracking != Tracking.NONE:
                lot_code = f"{LOT_PREFIXES[item.code]}-{today:%y%m%d}"
                expiry = today + datetime.timedelta(days=SHELF_DAYS[item.category.code])
            tasks = receipt_receive(
                line=receipt_line, quantity=quantity, lot_code=lot_code, expiry_date=expiry, user=warehouse_user
            )
            for task in tasks:
                stock_task_confirm(
                    task=task, location=self.bins[OWN_BINS[item.code]], other_bin=True, user=warehouse_user
                )
            billed.append((line, quantity))
        if last:
            receipt_close(receipt=order.receipt, user=warehouse_user)
        bill_day = self.next_day(self.next_day(today) or today)
        if bill_day is not None:
            self.on(bill_day, "08:00", lambda o=order, b=billed, w=wave, d=disputes: self.bill(o, b, w, d))

    def bill(self, order: PurchaseOrder, lines: list, wave: int, disputes: bool) -> None:
        """The supplier's invoice; the disputed ones (of the last quarter: the older were settled) are held."""
        today = timezone.localdate()
        invoice = supplier_invoice_create(
            order=order,
            supplier_reference=f"{order.supplier.code.removeprefix('S-')}-INV-{today:%y%m%d}-{order.number[-3:]}",
            invoice_date=today,
            lines=[
                (
                    line,
                    quantity,
                    (line.unit_price * Decimal(BILL_PRICES.get((wave, line.item.code), "1"))).quantize(
                        Decimal("0.0001"), rounding=ROUND_HALF_UP
                    ),
                )
                for line, quantity in lines
            ],
            user=self.users["finance"],
        )
        if disputes and (wave, order.supplier.code) in DISPUTED_BILLS:
            return
        pay_day = self.later(invoice.due_date, 0)
        if pay_day is not None:
            self.on(pay_day, "09:00", lambda i=invoice: self.pay_supplier(i))

    def pay_supplier(self, invoice: Invoice) -> None:
        invoice.refresh_from_db()
        payment_register(
            invoice=invoice,
            amount=invoice.open_amount,
            date=timezone.localdate(),
            reference=f"TT {invoice.supplier_reference}",
            user=self.users["finance"],
        )
        order = PurchaseOrder.objects.get(pk=invoice.purchase_order_id)
        unpaid = order.invoices.exclude(state__in=(InvoiceState.PAID, InvoiceState.CANCELLED)).exists()
        if order.state == PurchaseOrderState.BILLED and not unpaid:
            purchase_order_close(order=order, user=self.users["buyer"])

    # --- Production ----------------------------------------------------------------------------------------------

    def schedule_production(self, campaign: str, code: str, day: datetime.date) -> None:
        slot = self.slots[day]
        self.slots[day] += 1
        self.order_slots[(campaign, code)] = slot
        self.on(day, f"00:{5 + 5 * slot:02d}", lambda: self.release(campaign, code))
        self.on(day, f"05:{30 + 2 * slot:02d}", lambda: self.output(campaign, code))
        close_day = self.next_day(day)
        if close_day is not None:
            self.on(close_day, f"00:{10 + 2 * slot:02d}", lambda: self.close(campaign, code))

    def order(self, campaign: str, code: str) -> ProductionOrder:
        return ProductionOrder.objects.select_related("item__uom", "item__category").get(
            pk=self.orders[(campaign, code)].pk
        )

    def check_own(self, request: StockRequest | None, what: str) -> None:
        """The history works with its own stock: a reservation of today's stock means a plan ran short."""
        if request is None:
            return
        foreign = (
            Reservation.objects.filter(line__request=request, quant__in_date__gte=self.cutoff)
            .select_related("line__item")
            .first()
        )
        if foreign is not None:
            raise RuntimeError(f"{what} ran short of {foreign.line.item.code}: it reserved today's stock.")

    def own_free_stock(self, item: Item, quantity: Decimal) -> tuple[Lot | None, Location]:
        quant = (
            Quant.objects.filter(
                item=item,
                location__kind=LocationKind.INTERNAL,
                in_date__lt=self.cutoff,
                quantity__gte=quantity + ZERO,
            )
            .exclude(location__in=[self.warehouse.receiving_location_id, self.warehouse.output_location_id])
            .select_related("lot", "location")
            .order_by("in_date", "pk")
        )
        for candidate in quant:
            if candidate.quantity - candidate.reserved >= quantity:
                return candidate.lot, candidate.location
        raise RuntimeError(f"The history has no {quantity} {item.code} of its own left for an extra issue.")

    def release(self, campaign: str, code: str) -> None:
        order = production_order_release(order=self.order(campaign, code), user=self.users["planner"])
        self.check_own(order.material_request, order.number)
        # The material goes to the line as the order starts.
        production_backflush(order=order, quantity=order.quantity, user=self.users["warehouse"])
        extra = EXTRA_ISSUES.get(code)
        if extra:
            item, quantity = self.items[extra[0]], Decimal(extra[1])
            lot, location = self.own_free_stock(item, quantity)
            production_material_issue(
                order=order,
                component=order.components.get(item=item),
                quantity=quantity,
                lot=lot,
                location=location,
                user=self.users["warehouse"],
            )
        day = timezone.localdate()
        slot = self.order_slots[(campaign, code)]
        for index, operation in enumerate(order.operations.order_by("seq")):
            hour = 1 + index * 1.5 + slot * 0.1
            time = f"{int(hour):02d}:{int(hour % 1 * 60):02d}"
            self.on(day, time, lambda o=operation.pk, c=campaign, i=code: self.operate(c, i, o))

    def operate(self, campaign: str, code: str, operation_id: int, part: Decimal | None = None) -> None:
        """MES reports the operation: good and scrapped units, machine and labor minutes; the crew books them."""
        order = self.order(campaign, code)
        operation = order.operations.select_related("work_center").get(pk=operation_id)
        processed = order.quantity - order.scrapped_qty if part is None else part
        scrap = min(SCRAP.get(operation.work_center.code, 0), processed - 1) if part is None else ZERO
        machine = (standard_minutes(operation, processed) * Decimal(str(self.rng.uniform(0.9, 1.16)))).quantize(CENT)
        labor = (machine * operation.crew_size * Decimal(str(self.rng.uniform(0.95, 1.08)))).quantize(CENT)
        operator = self.users["operator"]
        production_operation_report(
            operation=operation,
            good_qty=processed - scrap,
            scrap_qty=Decimal(scrap),
            machine_minutes=machine,
            labor_minutes=labor,
            user=operator,
        )
        if part is None:
            production_operation_finish(operation=operation, user=operator)
        self.book_crew(operation, labor)

    def book_crew(self, operation, labor: Decimal) -> None:
        day = timezone.localdate()
        machines = list(Machine.objects.filter(work_center=operation.work_center, active=True).order_by("code"))
        machine = machines[self.rng.randrange(len(machines))]
        qualified = list(qualified_employees(machine=machine, on=day).filter(department__code="PROD"))
        if not qualified:
            return
        size = max(1, int(operation.crew_size.to_integral_value(rounding=ROUND_CEILING)))
        crew = self.rng.sample(qualified, min(size, len(qualified)))
        share = (labor / len(crew)).quantize(CENT)
        for number, employee in enumerate(crew):
            minutes = labor - share * (len(crew) - 1) if number == len(crew) - 1 else share
            if (employee.pk, day) not in self.attended:
                self.attended.add((employee.pk, day))
                begins = datetime.datetime.combine(day, datetime.time(6), tzinfo=PLANT)
                attendance_sign_in(employee=employee, machine=machine, at=begins)
                attendance_sign_out(employee=employee, at=begins + datetime.timedelta(hours=8))
            if minutes > 0:
                labor_book(employee=employee, operation=operation, minutes=minutes, date=day)

    def output(self, campaign: str, code: str) -> None:
        """The good units go into stock (one serial number each for finished goods); the order is complete."""
        order = self.order(campaign, code)
        warehouse_user = self.users["warehouse"]
        item = order.item
        good = order.quantity - order.scrapped_qty
        location = self.bins[OWN_BINS[code]]
        today = timezone.localdate()
        if item.tracking == Tracking.SERIAL:
            for _unit in range(int(good)):
                number = self.serials[code]
                self.serials[code] += 1
                serial = f"{LOT_PREFIXES[code]}-{today:%y%m}-{number:04d}"
                production_output_receive(
                    order=order, quantity=Decimal(1), lot_code=serial, location=location, user=warehouse_user
                )
        else:
            lot_code = None
            if item.tracking == Tracking.LOT:
                lot_code = f"{LOT_PREFIXES[code]}-{today:%y%m%d}"
                Lot.objects.get_or_create(
                    item=item,
                    code=lot_code,
                    defaults={"expiry_date": today + datetime.timedelta(days=SHELF_DAYS["SA"])},
                )
            production_output_receive(
                order=order, quantity=good, lot_code=lot_code, location=location, user=warehouse_user
            )
        production_order_complete(order=order, user=self.users["planner"])

    def close(self, campaign: str, code: str) -> None:
        production_order_close(order=self.order(campaign, code), user=self.users["finance"])

    # --- Sales ---------------------------------------------------------------------------------------------------

    def sell(
        self, key: str, customer_code: str, lines: list, confirmed: int | None, promised: datetime.date | None = None
    ) -> None:
        customer = self.partners[customer_code]
        today = timezone.localdate()
        export = customer.country != "CN"
        _skip_numbers_in_use("SO", today)
        order = sales_order_create(
            customer=customer,
            warehouse=self.warehouse,
            order_date=today,
            requested_date=promised or today + datetime.timedelta(days=21),
            promised_date=promised,
            customer_reference=CUSTOMER_REFERENCES[customer_code].format(self.rng.randrange(1000, 9999)),
            salesperson=self.users["sales"],
            lines=[
                {
                    "item": self.items[code],
                    "quantity": Decimal(quantity),
                    "tax_rate": self.taxes["EXPORT0" if export else "VAT13"],
                }
                for code, quantity in lines
            ],
        )
        self.sales[key] = order
        if confirmed is not None:
            self.confirm(key)

    def confirm(self, key: str) -> None:
        order = sales_order_confirm(order=self.sales[key], user=self.users["sales"])
        self.check_own(order.stock_request, order.number)
        self.sales[key] = order

    def ship(self, key: str, how: str, paid: tuple[int, str] | None) -> None:
        """Pick, pack and ship (or hand the reserved units straight to the carrier), then invoice."""
        order = SalesOrder.objects.select_related("stock_request", "customer").get(pk=self.sales[key].pk)
        request = stock_request_reserve(request=order.stock_request)  # what was made for it since
        self.check_own(request, order.number)
        self.dispatch(order, request, how)
        today = timezone.localdate()
        invoice = sales_order_invoice(order=order, invoice_date=today, user=self.users["finance"])
        if paid is not None:
            days, part = paid
            pay_day = self.later(today, days)
            if pay_day is not None:
                self.on(pay_day, "09:30", lambda i=invoice, p=part, o=order: self.collect(i, Decimal(p), o))

    def dispatch(self, order: SalesOrder, request: StockRequest, how: str) -> None:
        warehouse_user = self.users["warehouse"]
        if how == "deliver":
            # Handed to the carrier as reserved, without a pick list or delivery note.
            shipped = defaultdict(Decimal)
            for reservation in Reservation.objects.filter(line__request=request).select_related("line__item"):
                shipped[reservation.line.item.code] += reservation.quantity
            before = order.lines.aggregate(total=Sum("shipped_qty"))["total"]
            stock_request_deliver(request=request, user=warehouse_user)
            if order.lines.aggregate(total=Sum("shipped_qty"))["total"] == before:
                # WMS did not tell the order (it only does for shipments it ships): tell it here.
                sales_order_register_shipment(order=order, shipped=list(shipped.items()))
            return
        pick_list = pick_list_create(request=request)
        units = 0
        for line in pick_list.lines.select_related("from_location", "lot").order_by("pk"):
            pick_confirm(
                line=line, location=line.from_location, quantity=line.quantity, lot=line.lot, user=warehouse_user
            )
            units += int(line.quantity)
        pallets = max(1, (units + 23) // 24)
        shipment = shipment_create(
            pick_list=pick_list,
            carrier=CARRIERS[order.customer.code],
            packages=[
                {
                    "code": f"PAL-{number}",
                    "weight_kg": Decimal(min(24, units - 24 * (number - 1)) * 2 + 18),
                    "contents": f"{order.number}: {min(24, units - 24 * (number - 1))} cartons",
                }
                for number in range(1, pallets + 1)
            ],
        )
        shipment_ship(shipment=shipment, user=warehouse_user, tracking_number=f"TRK{shipment.number[-5:]}{units:03d}")

    def collect(self, invoice: Invoice, part: Decimal, order: SalesOrder) -> None:
        invoice.refresh_from_db()
        amount = (invoice.open_amount * part).quantize(CENT, rounding=ROUND_HALF_UP)
        payment_register(
            invoice=invoice,
            amount=amount,
            date=timezone.localdate(),
            reference=f"{order.customer.code} remittance {invoice.number}",
            user=self.users["finance"],
        )
        order.refresh_from_db()
        invoice.refresh_from_db()
        if order.state == SalesOrderState.INVOICED and invoice.state == InvoiceState.PAID:
            sales_order_close(order=order, user=self.users["finance"])

    # --- Month ends ----------------------------------------------------------------------------------------------

    def month_end(self, year: int, month: int, day: datetime.date) -> None:
        """Wages as the labor bookings cost them, the plant's running costs near what the machines absorbed,
        the office rent: paid from the bank, beside what production absorbed."""
        finance = self.users["finance"]
        wages = (
            LaborBooking.objects.filter(date__year=year, date__month=month)
            .values("operation__work_center__code")
            .annotate(cost=Sum("cost"))
            .order_by("operation__work_center__code")
        )
        lines = [
            {"account": "7000", "debit": str(row["cost"]), "cost_center": f"CC-{row['operation__work_center__code']}"}
            for row in wages
            if row["cost"]
        ]
        absorbed = (
            JournalLine.objects.filter(
                account__code="7100", entry__date__year=year, entry__date__month=month, cost_center__isnull=False
            )
            .values("cost_center__code")
            .annotate(credit=Sum("credit"))
            .order_by("cost_center__code")
        )
        running = Decimal(str(self.rng.uniform(0.95, 1.07)))
        lines += [
            {
                "account": "7100",
                "debit": str((row["credit"] * running).quantize(CENT)),
                "cost_center": row["cost_center__code"],
            }
            for row in absorbed
            if row["credit"]
        ]
        lines.append(
            {
                "account": "6000",
                "debit": OFFICE_RENT,
                "cost_center": "CC-OFFICE",
                "description": "Office rent and utilities",
            }
        )
        total = sum((Decimal(line["debit"]) for line in lines), ZERO)
        lines.append({"account": "1000", "credit": str(total)})
        journal_entry_create_manual(
            date=day,
            memo=f"Month end {year}-{month:02d}: wages, plant running costs, office rent",
            reference=f"ME-{year}-{month:02d}",
            lines=lines,
            user=finance,
        )

    # --- Today ---------------------------------------------------------------------------------------------------

    def live(self) -> None:
        """The days before today leave work in hand: orders in every state."""
        self.on(self.day(-6), "01:00", self.live_purchasing_early)
        self.on(self.day(-4), "00:20", self.live_sales)
        self.on(self.day(-3), "00:40", self.live_planning)
        self.on(self.day(-2), "03:00", self.live_purchasing_late)
        self.on(self.day(-1), "00:05", self.live_shop_floor)
        self.on(self.day(-1), "07:00", self.live_shipping)

    def purchase(self, supplier: str, lines: list[tuple[str, str]], expected: datetime.date, send: bool = True):
        today = timezone.localdate()
        _skip_numbers_in_use("PO", today)
        order = purchase_order_create(
            supplier=self.partners[supplier],
            warehouse=self.warehouse,
            order_date=today,
            expected_date=expected,
            buyer=self.users["buyer"],
            lines=[
                {
                    "item": self.items[code],
                    "quantity": Decimal(quantity),
                    "unit_price": self.order_price(self.items[code]),
                    "tax_rate": self.taxes["VAT13"],
                }
                for code, quantity in lines
            ],
        )
        return purchase_order_send(order=order, user=self.users["buyer"]) if send else order

    def live_purchasing_early(self) -> None:
        today = self.today
        cable = self.purchase("S-CABLE", [("PCB-BARE", "1000"), ("IC-MCU", "1000")], today + datetime.timedelta(days=1))
        self.supplier_confirms(cable)
        self.on(self.day(-1), "02:00", lambda: self.receive(cable, {"PCB-BARE": Decimal(500)}, False, 2))
        steel = self.purchase("S-STEEL", [("SS-304", "300"), ("BLADE-4", "100")], today + datetime.timedelta(days=2))
        self.on(self.day(-5), "07:30", lambda: self.supplier_confirms(steel))

    def live_purchasing_late(self) -> None:
        self.purchase("S-POLY", [("PP-WHT", "500")], self.today + datetime.timedelta(days=3))
        self.purchase("S-HEAT", [("MOT-600", "100")], self.today + datetime.timedelta(days=8))
        self.purchase(
            "S-PACK", [("BOX-KT", "1000"), ("MAN-EU", "2000")], self.today + datetime.timedelta(days=5), send=False
        )

    def live_sales(self) -> None:
        # A repeat order from stock (the last toasters of the batch), one that has to be made, and one that
        # ships what is left of the blenders.
        self.sell("L1", "C-JD", [("TS-400", 4)], 0)
        self.sell("L2", "C-HOMEPLUS", [("TS-400", 20)], 0)
        self.sell("L3", "C-MEDIA", [("BL-600", 14)], 0)

    def live_planning(self) -> None:
        planner = self.users["planner"]
        today = timezone.localdate()
        monday = self.today + datetime.timedelta(days=7 - self.today.weekday())
        plans = [
            ("L", "TS-400", 20, self.day(-1), self.day(-1) + datetime.timedelta(days=3), "L2", True),
            ("L", "BL-MOTOR", 30, self.day(-1), self.day(-1) + datetime.timedelta(days=2), None, True),
            ("L", "BL-600", 30, monday, monday + datetime.timedelta(days=2), None, True),
            ("L", "KT-BODY", 60, monday + datetime.timedelta(days=2), monday + datetime.timedelta(days=3), None, False),
            ("L", "KT-200", 60, monday + datetime.timedelta(days=7), monday + datetime.timedelta(days=9), None, False),
        ]
        for campaign, code, quantity, start, due, sale, firm in plans:
            _skip_numbers_in_use("MO", today)
            order = production_order_create(
                item=self.items[code],
                quantity=Decimal(quantity),
                start_date=start,
                due_date=due,
                warehouse=self.warehouse,
                sales_order_line=self.sales[sale].lines.get() if sale else None,
                user=planner,
            )
            if firm:
                order = production_order_firm(order=order, user=planner)
            self.orders[(campaign, code)] = order

    def live_shop_floor(self) -> None:
        """Yesterday: the toaster batch started (eight assembled so far), the motor units are released."""
        planner, warehouse_user = self.users["planner"], self.users["warehouse"]
        toasters = production_order_release(order=self.order("L", "TS-400"), user=planner)
        production_backflush(order=toasters, quantity=Decimal(8), user=warehouse_user)
        first = toasters.operations.order_by("seq").first()
        self.on(timezone.localdate(), "03:00", lambda: self.operate("L", "TS-400", first.pk, part=Decimal(8)))
        production_order_release(order=self.order("L", "BL-MOTOR"), user=planner)

    def live_shipping(self) -> None:
        """The blenders left in stock go to MediaHome; the rest of its order waits for the next batch."""
        order = SalesOrder.objects.select_related("stock_request", "customer").get(pk=self.sales["L3"].pk)
        request = stock_request_reserve(request=order.stock_request)
        self.dispatch(order, request, "pick")
        sales_order_invoice(order=order, invoice_date=timezone.localdate(), user=self.users["finance"])

    def today_live(self) -> None:
        """Now: a draft order in from MediaHome, next quarter's standard costs rolled up in draft, the roster."""
        customer = self.partners["C-MEDIA"]
        _skip_numbers_in_use("SO", self.today)
        sales_order_create(
            customer=customer,
            warehouse=self.warehouse,
            requested_date=self.today + datetime.timedelta(days=28),
            customer_reference=CUSTOMER_REFERENCES["C-MEDIA"].format(self.rng.randrange(1000, 9999)),
            salesperson=self.users["sales"],
            notes="Spare cables for the service centres with the kettles.",
            lines=[
                {"item": self.items["KT-200"], "quantity": Decimal(60), "tax_rate": self.taxes["EXPORT0"]},
                {"item": self.items["CB-EU"], "quantity": Decimal(24), "tax_rate": self.taxes["EXPORT0"]},
            ],
        )
        quarter = (self.today.month - 1) // 3 + 1
        year, quarter = (self.today.year + 1, 1) if quarter == 4 else (self.today.year, quarter + 1)
        version = cost_version_create(
            code=f"STD-{year}-Q{quarter}", name=f"Standard costs {year} Q{quarter} (proposal)", as_of=self.today
        )
        cost_version_roll_up(version=version)
        self.roster()

    def roster(self) -> None:
        monday = self.today - datetime.timedelta(days=self.today.weekday())
        work_centers = {wc.code: wc for wc in WorkCenter.objects.select_related("calendar")}
        for number, code, this_week, next_week in ROSTER:
            work_center = work_centers[code]
            for start, name in ((monday, this_week), (monday + datetime.timedelta(days=7), next_week)):
                roster_pattern_apply(
                    employee=self.employees[number],
                    start=start,
                    end=start + datetime.timedelta(days=6),
                    shifts=Shift.objects.filter(calendar=work_center.calendar, name=name),
                    work_center=work_center,
                )
