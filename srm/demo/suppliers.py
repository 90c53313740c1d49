"""SmartAppliance Co.'s supplier master, made by the real services:

- Every bought item is an approved, preferred supplier item of its usual supplier (the item's default
  supplier), with the supplier's part number, the item's lead time and three price breaks around its
  standard cost (a little dearer in small quantities, cheaper in bulk); firmed purchases are priced there.
- Second sources: Guangdong Huamei Electric, conditionally approved for the heating element and the power
  cable (bought from only if the usual source falls away), and Xiamen Lianyi Printing for the manuals.
- Certificates: ISO 9001 of every usual supplier (required, valid); Yueqing Cable's RoHS declaration
  expires within the month (the daily task warns of it); Xiamen Lianyi's required ISO 9001 expired ten
  days ago, so purchasing from it is blocked, with the reason on its page and on any new order.

Loaded once: when the supplier items are there already, loading again changes nothing.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.choices import PartnerKind, Procurement
from core.models import Contact, Currency, Item, Partner
from srm.models import Approval, CertificateKind, SupplierItem
from srm.services.suppliers import certificate_add, supplier_item_set, supplier_price_set

# The usual suppliers' part-number prefixes and certification bodies.
USUAL = {
    "S-HEAT": ("NHE", "SGS"),
    "S-STEEL": ("BST", "Bureau Veritas"),
    "S-POLY": ("YZP", "TÜV SÜD"),
    "S-CABLE": ("YCW", "CQC"),
    "S-PACK": ("SZP", "SGS"),
}
# Minor suppliers: code, name, lead time, city, and the contact purchasing writes to.
MINOR = [
    ("S-HUAMEI", "Guangdong Huamei Electric", 18, "Foshan", ("Chen Jie", "Sales manager", "chen.jie@huamei.example")),
    ("S-LIANYI", "Xiamen Lianyi Printing", 9, "Xiamen", ("Lin Mei", "Key account", "lin.mei@lianyi.example")),
]
# item, minor supplier, their part number, approval, price factor against the standard cost
SECOND_SOURCES = [
    ("HE-2000", "S-HUAMEI", "HM-EL2000", Approval.CONDITIONAL, "0.92"),
    ("CB-EU", "S-HUAMEI", "HM-PC1EU", Approval.CONDITIONAL, "0.95"),
    ("MAN-EU", "S-LIANYI", "LY-MAN-EU", Approval.APPROVED, "0.85"),
]
# Price breaks: (from quantity, factor against the standard cost).
BREAKS = [(Decimal(0), Decimal("1.05")), (Decimal(100), Decimal(1)), (Decimal(1000), Decimal("0.95"))]
CENTS = Decimal("0.01")


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _minor_suppliers() -> dict[str, Partner]:
    cny = Currency.objects.get(code="CNY")
    partners = {}
    for code, name, lead_time, city, (contact, title, email) in MINOR:
        partner, created = Partner.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": PartnerKind.SUPPLIER,
                "currency": cny,
                "lead_time_days": lead_time,
                "city": city,
                "country": "CN",
                "email": email,
            },
        )
        if created:
            Contact.objects.create(partner=partner, name=contact, job_title=title, email=email, is_primary=True)
        partners[code] = partner
    return partners


def _prices(source: SupplierItem, cost: Decimal, factor: Decimal = Decimal(1)) -> None:
    for minimum, break_factor in BREAKS:
        price = (cost * factor * break_factor).quantize(CENTS)
        supplier_price_set(supplier_item=source, min_quantity=minimum, unit_price=price)


def _usual_sources(buyer) -> int:
    bought = Item.objects.filter(procurement=Procurement.BUY, default_supplier__code__in=USUAL).select_related(
        "default_supplier"
    )
    for item in bought.order_by("code"):
        prefix, _body = USUAL[item.default_supplier.code]
        source = supplier_item_set(
            supplier=item.default_supplier,
            item=item,
            supplier_part_number=f"{prefix}-{item.code}",
            approval=Approval.APPROVED,
            preferred=True,
            lead_time_days=item.lead_time_days,
            user=buyer,
        )
        _prices(source, item.standard_cost)
    return bought.count()


def _second_sources(buyer, minor: dict[str, Partner]) -> None:
    for code, supplier, part_number, approval, factor in SECOND_SOURCES:
        item = Item.objects.get(code=code)
        source = supplier_item_set(
            supplier=minor[supplier],
            item=item,
            supplier_part_number=part_number,
            approval=approval,
            min_order_qty=Decimal(500),
            order_multiple=Decimal(100),
            notes="Second source: samples passed, first-article inspection pending."
            if approval == Approval.CONDITIONAL
            else "",
            user=buyer,
        )
        _prices(source, item.standard_cost, Decimal(factor))


def _certificates(minor: dict[str, Partner]) -> None:
    for code, (prefix, body) in USUAL.items():
        certificate_add(
            supplier=Partner.objects.get(code=code),
            kind=CertificateKind.ISO_9001,
            number=f"{prefix}-QMS-2025",
            issued_by=body,
            valid_from=_day(-200),
            valid_to=_day(895),
            blocks_purchasing=True,
        )
    certificate_add(
        supplier=Partner.objects.get(code="S-CABLE"),
        kind=CertificateKind.ROHS,
        number="YCW-ROHS-24",
        issued_by="CQC",
        valid_from=_day(-345),
        valid_to=_day(20),
        notes="Declaration of conformity for the EU cables; the supplier has been asked for the renewal.",
    )
    certificate_add(
        supplier=minor["S-HUAMEI"],
        kind=CertificateKind.ISO_9001,
        number="HM-9001-0419",
        issued_by="CQC",
        valid_from=_day(-400),
        valid_to=_day(330),
        blocks_purchasing=True,
    )
    certificate_add(
        supplier=minor["S-LIANYI"],
        kind=CertificateKind.ISO_9001,
        number="LY-9001-2211",
        issued_by="SGS",
        valid_from=_day(-1105),
        valid_to=_day(-10),
        blocks_purchasing=True,
        notes="Recertification audit postponed by the supplier.",
    )


def load() -> dict[str, int]:
    if SupplierItem.objects.exists():
        return {"supplier items": SupplierItem.objects.count()}
    buyer = get_user_model().objects.filter(username="buyer").first()
    minor = _minor_suppliers()
    usual = _usual_sources(buyer)
    _second_sources(buyer, minor)
    _certificates(minor)
    return {"supplier items": usual + len(SECOND_SOURCES), "certificates": len(USUAL) + 3}
