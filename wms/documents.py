"""The delivery note of a shipment, in the documents' one layout (core.documents.pdf): whom it goes to (the
customer's shipping address), the order it answers, the carrier and tracking number, what is in it (item,
quantity with its unit, the lots or serial numbers) and its packages.

WMS does not see the sales order: the order's number is the stock request's reference, and the customer is
the request's partner.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from core.choices import Tracking
from core.documents.parties import partner_party
from core.documents.pdf import (
    Column,
    Layout,
    day,
    heading,
    letterhead_company,
    lines_table,
    notes,
    quantity,
    render_pdf,
)
from core.formatting import format_quantity
from core.models import AddressKind, Item
from wms.choices import MoveKind
from wms.models import Reservation, Shipment, StockMove


@dataclass
class DeliveredItem:
    """An item on the delivery note: the quantity in it, and how much of it came from each lot or serial."""

    item: Item
    quantity: Decimal = Decimal(0)
    lots: dict[str, Decimal] = field(default_factory=dict)

    def add(self, amount: Decimal, lot: str | None) -> None:
        self.quantity += amount
        if lot:
            self.lots[lot] = self.lots.get(lot, Decimal(0)) + amount

    @property
    def lots_text(self) -> str:
        if self.item.tracking == Tracking.SERIAL:
            return ", ".join(sorted(self.lots))
        return "\n".join(f"{lot} ({quantity(amount, self.item.uom.code)})" for lot, amount in sorted(self.lots.items()))


def shipment_contents(shipment: Shipment) -> list[DeliveredItem]:
    """What the shipment holds, per item. Once shipped: the moves that took its request's stock to the customer
    after the request's shipment before it left and by the time this one did (a delivery note is the first
    one shipped after its moves, as genealogy tells it). Before: what is picked and waits at the dock."""
    request = shipment.request
    found: dict[int, DeliveredItem] = {}
    if shipment.shipped_at is None:
        source = [
            (reservation.line.item, reservation.quantity, reservation.quant.lot)
            for reservation in Reservation.objects.filter(
                line__request=request, quant__location=request.warehouse.output_location_id
            ).select_related("line__item__uom", "quant__lot")
        ]
    else:
        earlier = (
            request.shipments.filter(shipped_at__lt=shipment.shipped_at)
            .order_by("-shipped_at")
            .values_list("shipped_at", flat=True)
            .first()
        )
        moves = StockMove.objects.filter(
            kind=MoveKind.SHIPMENT,
            to_location=request.destination_id,
            reference=request.reference or request.number,
            moved_at__lte=shipment.shipped_at,
        ).select_related("item__uom", "lot")
        if earlier is not None:
            moves = moves.filter(moved_at__gt=earlier)
        source = [(move.item, move.quantity, move.lot) for move in moves]
    for item, amount, lot in source:
        found.setdefault(item.pk, DeliveredItem(item=item)).add(amount, lot.code if lot else None)
    return sorted(found.values(), key=lambda delivered: delivered.item.code)


def delivery_note_pdf(shipment: Shipment) -> bytes:
    """The shipment's delivery note: it goes with the goods, and the customer signs it on receipt."""
    shipment = Shipment.objects.select_related("request__partner", "request__warehouse").get(pk=shipment.pk)
    request = shipment.request
    packages = list(shipment.packages.all())
    identity = [
        (_("Delivery note"), shipment.number),
        (_("Date"), day(timezone.localdate(shipment.shipped_at)) if shipment.shipped_at else _("not shipped yet")),
        (_("Order"), request.reference or request.number),
    ]
    partner = request.partner
    party = partner_party(partner, heading=_("Deliver to"), kind=AddressKind.SHIPPING) if partner else None
    terms = [
        (_("Customer"), partner.code if partner else "—"),
        (_("Ships from"), request.warehouse.code),
        (_("Carrier"), shipment.carrier or "—"),
        (_("Tracking number"), shipment.tracking_number or "—"),
        (_("Packages"), str(len(packages))),
    ]
    layout = Layout(
        title=_("DELIVERY NOTE"),
        name=_("Delivery note %(number)s") % {"number": shipment.number},
        company=letterhead_company(),
        identity=identity,
        party=party,
        terms=terms,
        subject=partner.name if partner else request.number,
        barcode=shipment.number,
        footer=" · ".join(filter(None, (shipment.number, request.reference, partner.name if partner else ""))),
    )
    contents = shipment_contents(shipment)
    items = lines_table(
        [
            Column(_("Pos"), 10 * mm),
            Column(_("Item")),
            Column(_("Quantity"), 28 * mm, numeric=True),
            Column(_("Lots / serial numbers"), 62 * mm),
        ],
        [
            [
                str(position),
                f"{delivered.item.code}\n{delivered.item.name}",
                quantity(delivered.quantity, delivered.item.uom.code),
                delivered.lots_text,
            ]
            for position, delivered in enumerate(contents, start=1)
        ],
    )
    boxes = lines_table(
        [Column(_("Package"), 40 * mm), Column(_("Weight kg"), 25 * mm, numeric=True), Column(_("Contents"))],
        [[package.code, format_quantity(package.weight_kg), package.contents] for package in packages],
    )
    receipt = [
        _("Please check the goods on receipt and note any damage or shortage on this note."),
        _("Received in good order: name, date, signature"),
    ]
    return render_pdf(layout, [items, Spacer(1, 4 * mm), heading(_("Packages")), boxes, *notes(_("Receipt"), receipt)])
