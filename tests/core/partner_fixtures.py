"""Records of every partner-portal resource, made through the services, for two customers and two suppliers.

`PORTAL_RECORDS` maps (portal kind, model label) to a factory that makes records of that model belonging to
one partner of that kind, the way the business makes them (a sales order confirmed, a quote sent, a
purchase order sent, an ASN announced, a supplier invoice matched three ways, ...). tests/core/
test_partner_scoping.py fails for a portal endpoint whose model has no factory here: whoever adds a portal
endpoint adds the factory of its records too, and the endpoint is then checked like all the others.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.api.portal import PortalKind
from core.models import Company, Currency, Item, Partner, PartnerUser, Unit
from core.roles import Role
from crm.services import quotes as crm_quotes
from erp.models import TaxRate
from erp.services import purchasing, sales
from srm.services import sourcing
from srm.services.portal import asn_create
from srm.services.scorecards import scorecard_compute
from tests.conftest import user_with_role
from wms.choices import LocationKind
from wms.models import Location, Warehouse
from wms.services.receipts import receipt_receive


@dataclass
class PortalBase:
    """What every portal record needs: the company, a warehouse, two items, a tax rate."""

    company: Company
    warehouse: Warehouse
    items: tuple[Item, Item]
    vat: TaxRate
    counter: list[int] = field(default_factory=lambda: [0])

    def next_reference(self, prefix: str) -> str:
        self.counter[0] += 1
        return f"{prefix}-{self.counter[0]:04d}"


def portal_base() -> PortalBase:
    cny = Currency.objects.get(code="CNY")
    company = Company.objects.create(code="SAC", name="SmartAppliance Co.", currency=cny)
    warehouse = Warehouse.objects.create(code="MAIN", name="Main warehouse")
    root = Location.objects.create(code="MAIN", kind=LocationKind.VIEW, warehouse=warehouse)
    stock = Location.objects.create(code="MAIN/STOCK", kind=LocationKind.VIEW, warehouse=warehouse, parent=root)
    Location.objects.create(code="MAIN/STOCK/A-01", warehouse=warehouse, parent=stock, pick_sequence=10)
    warehouse.stock_location = stock
    warehouse.quality_location = Location.objects.create(
        code="MAIN/QC", warehouse=warehouse, parent=root, quality_hold=True
    )
    warehouse.receiving_location = Location.objects.create(code="MAIN/RECV", warehouse=warehouse, parent=root)
    warehouse.output_location = Location.objects.create(code="MAIN/OUT", warehouse=warehouse, parent=root)
    warehouse.save()
    each = Unit.objects.get(code="ea")
    items = tuple(
        Item.objects.create(code=code, name=name, uom=each, standard_cost=Decimal("10"))
        for code, name in (("KT-200", "Electric kettle"), ("HE-2000", "Heating element"))
    )
    vat = TaxRate.objects.create(code="VAT13", name="VAT 13%", rate_pct=Decimal("13"))
    return PortalBase(company=company, warehouse=warehouse, items=items, vat=vat)


def partner_make(code: str, kind: str, base: PortalBase) -> Partner:
    return Partner.objects.create(
        code=code,
        name=f"{code} Ltd",
        kind=kind,
        currency=base.company.currency,
        credit_limit=Decimal("10000000"),
        lead_time_days=7,
    )


def portal_login(partner: Partner) -> APIClient:
    """An API client with the token of a login of `partner` (the partner role, linked by a PartnerUser)."""
    user = user_with_role(Role.PARTNER, f"portal-{partner.code.lower()}")
    PartnerUser.objects.create(user=user, partner=partner)
    return token_client(user)


def token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


# --- The factories: (kind, model label) -> records of that model belonging to one partner --------------------

RecordFactory = Callable[[PortalBase, Partner], list[Model]]
PORTAL_RECORDS: dict[tuple[PortalKind, str], RecordFactory] = {}


def portal_records(kind: PortalKind, label: str) -> Callable[[RecordFactory], RecordFactory]:
    def register(factory: RecordFactory) -> RecordFactory:
        PORTAL_RECORDS[(kind, label)] = factory
        return factory

    return register


def _today() -> datetime.date:
    return timezone.localdate()


def _order_lines(base: PortalBase) -> list[dict]:
    return [
        {"item": base.items[0], "quantity": Decimal(10), "unit_price": Decimal("100"), "tax_rate": base.vat},
        {"item": base.items[1], "quantity": Decimal(20), "unit_price": Decimal("12.50"), "tax_rate": base.vat},
    ]


@portal_records("customer", "erp.salesorder")
def confirmed_sales_orders(base: PortalBase, customer: Partner) -> list[Model]:
    order = sales.sales_order_create(
        customer=customer,
        warehouse=base.warehouse,
        requested_date=_today() + datetime.timedelta(days=21),
        customer_reference=base.next_reference(f"{customer.code}-PO"),
        lines=_order_lines(base),
    )
    return [sales.sales_order_confirm(order=order)]


@portal_records("customer", "crm.quote")
def sent_quotes(base: PortalBase, customer: Partner) -> list[Model]:
    quote = crm_quotes.quote_create(
        account=customer,
        warehouse=base.warehouse,
        requested_date=_today() + datetime.timedelta(days=30),
        lines=_order_lines(base),
    )
    return [crm_quotes.quote_send(quote=quote)]


def _sent_purchase_order(base: PortalBase, supplier: Partner):
    order = purchasing.purchase_order_create(supplier=supplier, warehouse=base.warehouse, lines=_order_lines(base))
    return purchasing.purchase_order_send(order=order)


@portal_records("supplier", "erp.purchaseorder")
def sent_purchase_orders(base: PortalBase, supplier: Partner) -> list[Model]:
    return [_sent_purchase_order(base, supplier)]


@portal_records("supplier", "srm.asn")
def announced_shipments(base: PortalBase, supplier: Partner) -> list[Model]:
    order = _sent_purchase_order(base, supplier)
    first = order.lines.get(position=1)
    asn = asn_create(
        supplier=supplier,
        order=order,
        asn_number=base.next_reference(f"{supplier.code}-ASN"),
        ship_date=_today(),
        expected_date=_today() + datetime.timedelta(days=3),
        lines=[{"po_line": first, "quantity": first.quantity}],
    )
    return [asn]


@portal_records("supplier", "erp.invoice")
def matched_supplier_invoices(base: PortalBase, supplier: Partner) -> list[Model]:
    """An order received in full and billed for its first line (the second is left to bill)."""
    order = _sent_purchase_order(base, supplier)
    for line in order.lines.all():
        receipt_receive(line=order.receipt.lines.get(order_line_ref=line.reference), quantity=line.quantity)
    first = order.lines.get(position=1)
    invoice = purchasing.supplier_invoice_create(
        order=order,
        supplier_reference=base.next_reference(f"{supplier.code}-INV"),
        invoice_date=_today(),
        lines=[(first, first.received_qty, first.unit_price)],
    )
    return [invoice]


@portal_records("supplier", "srm.scorecard")
def monthly_scorecards(base: PortalBase, supplier: Partner) -> list[Model]:
    return [scorecard_compute(supplier=supplier, period=_today())]


@portal_records("supplier", "srm.rfq")
def rfqs_quoted(base: PortalBase, supplier: Partner) -> list[Model]:
    """An RFQ sent to this supplier alone (an RFQ is each invited supplier's: one per supplier keeps them
    apart), with the supplier's quote on it."""
    rfq = sourcing.rfq_create(
        title=f"Heating elements for {supplier.code}",
        respond_by=_today() + datetime.timedelta(days=10),
        lines=[{"item": base.items[1], "quantity": Decimal(500)}],
    )
    sourcing.rfq_invite(rfq=rfq, suppliers=[supplier])
    rfq = sourcing.rfq_send(rfq=rfq)
    sourcing.supplier_quote_submit(
        rfq=rfq,
        supplier=supplier,
        lines=[{"rfq_line": rfq.lines.get(), "unit_price": Decimal("11.80"), "lead_time_days": 12}],
    )
    return [rfq]


# --- Creating through the portal: a body naming a partner's own records -----------------------------------------

# For each portal endpoint that creates records (POST on its list): (world, owner) -> a request body that is
# valid for `owner` and names `owner`'s records. The test posts it as `owner` (created) and as the other
# partner of that kind (refused with a 400, nothing written): a partner cannot write onto another's records.
CreateBody = Callable[["PortalWorld", Partner], dict]
PORTAL_CREATES: dict[tuple[PortalKind, str], CreateBody] = {}


def portal_creates(kind: PortalKind, label: str) -> Callable[[CreateBody], CreateBody]:
    def register(body: CreateBody) -> CreateBody:
        PORTAL_CREATES[(kind, label)] = body
        return body

    return register


@portal_creates("supplier", "srm.asn")
def asn_of_the_open_line(world: "PortalWorld", supplier: Partner) -> dict:
    """A shipment of the second line of the order the supplier's ASN was for (only its first is announced)."""
    order = world.owned("supplier", "srm.asn", supplier)[0].purchase_order
    return {
        "purchase_order": order.number,
        "asn_number": world.base.next_reference("ASN"),
        "ship_date": _today().isoformat(),
        "expected_date": (_today() + datetime.timedelta(days=2)).isoformat(),
        "lines": [{"position": 2, "quantity": "1"}],
    }


@portal_creates("supplier", "erp.invoice")
def invoice_of_the_unbilled_line(world: "PortalWorld", supplier: Partner) -> dict:
    """An invoice of the second line of the supplier's invoiced order: received, not yet billed."""
    order = world.owned("supplier", "erp.invoice", supplier)[0].purchase_order
    line = order.lines.get(position=2)
    return {
        "purchase_order": order.number,
        "supplier_reference": world.base.next_reference("INV"),
        "invoice_date": _today().isoformat(),
        "lines": [{"position": 2, "quantity": "1", "unit_price": str(line.unit_price)}],
    }


@dataclass
class PortalWorld:
    """Two partners of each portal kind, each with records of every portal resource, and their logins."""

    base: PortalBase
    partners: dict[PortalKind, tuple[Partner, Partner]]
    clients: dict[int, APIClient]  # by partner pk
    records: dict[tuple[PortalKind, str], dict[int, list[Model]]]  # (kind, label) -> partner pk -> records

    def owned(self, kind: PortalKind, label: str, partner: Partner) -> list[Model]:
        return self.records[(kind, label)][partner.pk]


def portal_world() -> PortalWorld:
    base = portal_base()
    partners: dict[PortalKind, tuple[Partner, Partner]] = {
        "customer": (partner_make("C-ONE", "customer", base), partner_make("C-TWO", "customer", base)),
        "supplier": (partner_make("S-ONE", "supplier", base), partner_make("S-TWO", "supplier", base)),
    }
    records: dict[tuple[PortalKind, str], dict[int, list[Model]]] = {}
    for (kind, label), factory in PORTAL_RECORDS.items():
        records[(kind, label)] = {partner.pk: factory(base, partner) for partner in partners[kind]}
    clients = {partner.pk: portal_login(partner) for pair in partners.values() for partner in pair}
    return PortalWorld(base=base, partners=partners, clients=clients, records=records)
