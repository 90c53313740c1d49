"""SmartAppliance Co.'s sourcing: the buyer's live RFQs and a blanket contract, made by the real services.

- "Heating elements 2027 Q1": 3000 elements and 3000 thermostats asked of Ningbo Heating (the usual source)
  and two challengers, Foshan Thermal and Eurotherm (quoting in euros, slow, elements only); all three
  quotes are in, awaiting the buyer's award on the comparison screen.
- "EU mains cables, spot buy": awarded to Yueqing Cable Works, whose draft purchase order waits to be sent.
- A blanket contract with Baoshan Steel for the year's stainless sheet and blender blades, with two
  call-offs: one sent to the supplier (the warehouse expects it next week), one still a draft.

Loaded once: when the RFQs are there already, loading again changes nothing.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.choices import PartnerKind
from core.models import Currency, Item, Partner
from erp.services.purchasing import purchase_order_send
from srm.models import Contract, Rfq, SupplierQuoteLine
from srm.services import contracts, sourcing
from wms.models import Warehouse

ELEMENTS_RFQ = "Heating elements 2027 Q1"
CABLES_RFQ = "EU mains cables, spot buy"

# The challengers of the demo's element supplier: code, name, currency, lead time, city, country.
CHALLENGERS = [
    ("S-FOSHAN", "Foshan Thermal Components", "CNY", 21, "Foshan", "CN"),
    ("S-EUROTHERM", "Eurotherm Heizelemente GmbH", "EUR", 35, "Stuttgart", "DE"),
]


def _challengers() -> list[Partner]:
    partners = []
    for code, name, currency, lead_time, city, country in CHALLENGERS:
        partner, _created = Partner.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": PartnerKind.SUPPLIER,
                "currency": Currency.objects.get(code=currency),
                "lead_time_days": lead_time,
                "city": city,
                "country": country,
            },
        )
        partners.append(partner)
    return partners


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _quote(rfq: Rfq, supplier: Partner, offers: dict[int, tuple[str, int, str]], buyer, **fields) -> None:
    """A quote typed in by the buyer: {position: (unit price, lead time days, minimum order)}."""
    lines = {line.position: line for line in rfq.lines.all()}
    sourcing.supplier_quote_submit(
        rfq=rfq,
        supplier=supplier,
        lines=[
            {
                "rfq_line": lines[position],
                "unit_price": Decimal(price),
                "lead_time_days": lead,
                "min_order_qty": Decimal(minimum),
            }
            for position, (price, lead, minimum) in offers.items()
        ],
        user=buyer,
        **fields,
    )


def _elements_rfq(buyer, heat: Partner, foshan: Partner, eurotherm: Partner) -> Rfq:
    rfq = sourcing.rfq_create(
        title=ELEMENTS_RFQ,
        respond_by=_day(5),
        buyer=buyer,
        notes="Next quarter's kettle elements and thermostats: price, lead time and the supplier's record count.",
        lines=[
            {"item": Item.objects.get(code="HE-2000"), "quantity": Decimal(3000), "required_date": _day(30)},
            {"item": Item.objects.get(code="TH-01"), "quantity": Decimal(3000), "required_date": _day(30)},
        ],
    )
    sourcing.rfq_invite(rfq=rfq, suppliers=[heat, foshan, eurotherm], user=buyer)
    rfq = sourcing.rfq_send(rfq=rfq, user=buyer)
    _quote(rfq, heat, {1: ("17.60", 14, "500"), 2: ("7.50", 14, "500")}, buyer, reference="NB-Q-2291")
    _quote(
        rfq,
        foshan,
        {1: ("16.90", 21, "1000"), 2: ("7.20", 28, "1000")},
        buyer,
        reference="FS-0417",
        valid_until=_day(45),
    )
    _quote(rfq, eurotherm, {1: ("2.15", 35, "0")}, buyer, reference="ET-26-118", currency=eurotherm.currency)
    return rfq


def _cables_rfq(buyer, cable: Partner, foshan: Partner, warehouse: Warehouse) -> Rfq:
    rfq = sourcing.rfq_create(
        title=CABLES_RFQ,
        respond_by=_day(2),
        buyer=buyer,
        lines=[{"item": Item.objects.get(code="CB-EU"), "quantity": Decimal(2000), "required_date": _day(14)}],
    )
    sourcing.rfq_invite(rfq=rfq, suppliers=[cable, foshan], user=buyer)
    rfq = sourcing.rfq_send(rfq=rfq, user=buyer)
    _quote(rfq, cable, {1: ("4.45", 12, "250")}, buyer, reference="YQ-7781")
    _quote(rfq, foshan, {1: ("4.30", 25, "2000")}, buyer, reference="FS-0422")
    rfq = sourcing.rfq_close(rfq=rfq, user=buyer)
    chosen = SupplierQuoteLine.objects.get(quote__rfq=rfq, quote__supplier=cable)
    sourcing.rfq_award(rfq=rfq, choices=[chosen], warehouse=warehouse, user=buyer)
    return rfq


def _steel_contract(buyer, warehouse: Warehouse) -> Contract:
    sheet, blades = Item.objects.get(code="SS-304"), Item.objects.get(code="BLADE-4")
    contract = contracts.contract_create(
        supplier=Partner.objects.get(code="S-STEEL"),
        valid_from=_day(-60),
        valid_to=_day(305),
        buyer=buyer,
        terms="Prices fixed for the year; delivery free our dock within 7 days of each call-off; mill certificate "
        "with every lot.",
        lines=[
            {"item": sheet, "quantity": Decimal(40000), "unit_price": Decimal("20.90")},
            {"item": blades, "quantity": Decimal(3000), "unit_price": Decimal("8.40")},
        ],
    )
    contract = contracts.contract_activate(contract=contract, user=buyer)
    first = contracts.contract_call_off(
        contract=contract,
        lines=[
            {"item": sheet, "quantity": Decimal(8000), "expected_date": _day(7)},
            {"item": blades, "quantity": Decimal(600), "expected_date": _day(7)},
        ],
        warehouse=warehouse,
        user=buyer,
    )
    purchase_order_send(order=first.purchase_order, user=buyer)
    contracts.contract_call_off(
        contract=contract,
        lines=[{"item": sheet, "quantity": Decimal(5000), "expected_date": _day(21)}],
        warehouse=warehouse,
        user=buyer,
    )
    return contract


def load() -> dict[str, int]:
    if Rfq.objects.filter(title__in=(ELEMENTS_RFQ, CABLES_RFQ)).exists():
        return {"RFQs": 0, "contracts": 0}
    buyer = get_user_model().objects.filter(username="buyer").first()
    warehouse = Warehouse.objects.get(code="MAIN")
    foshan, eurotherm = _challengers()
    _elements_rfq(buyer, Partner.objects.get(code="S-HEAT"), foshan, eurotherm)
    _cables_rfq(buyer, Partner.objects.get(code="S-CABLE"), foshan, warehouse)
    _steel_contract(buyer, warehouse)
    return {"RFQs": 2, "contracts": 1}
