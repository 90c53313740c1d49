"""Stock requests (sales shipments, production material requests), their reservations and delivery."""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from core.models import Item
from core.services.events import event_publish
from core.services.numbering import next_document_number
from wms import events
from wms.choices import LocationKind, MoveKind, RemovalStrategy, RequestKind, RequestState
from wms.models import Location, Lot, Quant, Reservation, StockRequest, StockRequestLine, Warehouse
from wms.selectors.stock import removal_strategy_for
from wms.services.holds import lot_usable_check
from wms.services.moves import stock_move_post

ZERO = Decimal(0)
# The order in which quants are taken; stock without an expiry date goes after all that has one.
REMOVAL_ORDER = {
    RemovalStrategy.FIFO: lambda q: (q.in_date, q.pk),
    RemovalStrategy.FEFO: lambda q: ((q.lot and q.lot.expiry_date) or datetime.date.max, q.in_date, q.pk),
    RemovalStrategy.LOCATION: lambda q: (q.location.pick_sequence, q.location.code, q.pk),
}
DESTINATIONS = {RequestKind.SHIPMENT: LocationKind.CUSTOMER, RequestKind.MATERIAL: LocationKind.PRODUCTION}


def stock_request_create(
    *,
    kind: str,
    warehouse: Warehouse,
    destination: Location,
    lines: list[tuple[Item, Decimal, Lot | None]],
    reference: str = "",
    partner: Any = None,
    needed_on: Any = None,
) -> StockRequest:
    """A request for stock; reserve it with `stock_request_reserve`."""
    if destination.kind != DESTINATIONS.get(kind):
        message = _("A %(kind)s delivers to a %(expected)s location, not %(location)s.") % {
            "kind": RequestKind(kind).label.lower(),
            "expected": DESTINATIONS[kind].label.lower(),
            "location": destination.code,
        }
        raise ValidationError({"destination": ValidationError(message, code="wrong_destination")})
    if not lines:
        raise ValidationError({"lines": ValidationError(_("Ask for at least one item."), code="required")})
    with transaction.atomic():
        request = StockRequest(
            number=next_document_number(doc_type="SR"),
            kind=kind,
            warehouse=warehouse,
            destination=destination,
            reference=reference,
            partner=partner,
            needed_on=needed_on,
        )
        request.full_clean()
        request.save()
        for item, quantity, lot in lines:
            line = StockRequestLine(request=request, item=item, quantity=quantity, lot=lot)
            line.full_clean()
            line.save()
        return request


def _candidates(line: StockRequestLine, warehouse: Warehouse) -> list[Quant]:
    """Free quants the line may take (none of a held lot), locked, in the item's removal order."""
    quants = list(
        Quant.objects.select_for_update(of=("self",))
        .filter(
            item=line.item,
            location__warehouse=warehouse,
            location__kind=LocationKind.INTERNAL,
            location__quality_hold=False,
            location__active=True,
            quantity__gt=F("reserved"),
            **({"lot": line.lot} if line.lot_id else {}),
        )
        # Stock on the receiving dock awaits put-away, stock at the output location is picked already.
        .exclude(location__in=[warehouse.receiving_location_id, warehouse.output_location_id])
        .exclude(lot__on_hold=True)  # held by quality: it cannot be reserved
        .select_related("location", "lot")
        .order_by("pk")  # lock in one order everywhere: no deadlocks between reservers
    )
    return sorted(quants, key=REMOVAL_ORDER[removal_strategy_for(line.item)])


def _state(request: StockRequest) -> str:
    """Done when everything is delivered; else how much of what is still due is reserved."""
    lines = list(request.lines.annotate(held=Sum("reservations__quantity")))
    due = [(line.quantity - line.delivered, line.held or ZERO) for line in lines]
    if all(remaining <= 0 for remaining, _held in due):
        return RequestState.DONE
    if all(held >= remaining for remaining, held in due):
        return RequestState.RESERVED
    return RequestState.PARTIAL if any(held for _remaining, held in due) else RequestState.OPEN


def stock_request_reserve(*, request: StockRequest) -> StockRequest:
    """Reserve what is still missing, quant by quant in the item's removal order (FIFO, FEFO or by location)."""
    with transaction.atomic():
        request = StockRequest.objects.select_for_update().get(pk=request.pk)
        _require_active(request)
        for line in request.lines.select_related("item", "lot"):
            held = line.reservations.aggregate(held=Sum("quantity"))["held"] or ZERO
            missing = line.quantity - line.delivered - held
            for quant in _candidates(line, request.warehouse):
                if missing <= 0:
                    break
                take = min(missing, quant.quantity - quant.reserved)
                Quant.objects.filter(pk=quant.pk).update(reserved=F("reserved") + take)
                Reservation.objects.create(line=line, quant=quant, quantity=take)
                missing -= take
        request.state = _state(request)
        request.save(update_fields=["state", "updated_at"])
        return request


def _release(reservations) -> None:
    for reservation in reservations.select_for_update():
        Quant.objects.filter(pk=reservation.quant_id).update(reserved=F("reserved") - reservation.quantity)
        reservation.delete()


def _require_active(request: StockRequest) -> None:
    if request.state in (RequestState.DONE, RequestState.CANCELLED):
        message = _("%(request)s is %(state)s.") % {"request": request.number, "state": request.get_state_display()}
        raise ValidationError(message, code="request_closed")


def stock_request_unreserve(*, request: StockRequest) -> StockRequest:
    """Give back what is still held in bins; picked stock waiting to ship stays held."""
    with transaction.atomic():
        request = StockRequest.objects.select_for_update().select_related("warehouse").get(pk=request.pk)
        _require_active(request)
        held = Reservation.objects.filter(line__request=request)
        if request.warehouse.output_location_id:
            held = held.exclude(quant__location=request.warehouse.output_location_id)
        _release(held.order_by("quant_id"))
        request.state = _state(request)
        request.save(update_fields=["state", "updated_at"])
        return request


def stock_request_cancel(*, request: StockRequest) -> StockRequest:
    """Cancel what has not been delivered; refused once stock was picked for it (put it back first)."""
    with transaction.atomic():
        request = StockRequest.objects.select_for_update().get(pk=request.pk)
        _require_active(request)
        if request.lines.filter(delivered__gt=0).exists():
            message = _("%(request)s is partly delivered; what was delivered cannot be cancelled.") % {
                "request": request.number
            }
            raise ValidationError(message, code="partly_delivered")
        request = stock_request_unreserve(request=request)
        if Reservation.objects.filter(line__request=request).exists():
            message = _("%(request)s has picked stock waiting to ship; put it back before cancelling.") % {
                "request": request.number
            }
            raise ValidationError(message, code="picked")
        request.state = RequestState.CANCELLED
        request.save(update_fields=["state", "updated_at"])
        return request


def deliver_reservations(
    *, request: StockRequest, reservations, kind: str, user: Any = None
) -> list[dict[str, str | None]]:
    """Move reserved stock to the request's destination and count it delivered on its lines; returns
    what went, as the shipment event lists it ({item, lot, quantity})."""
    delivered = []
    for reservation in reservations.select_related("quant__location", "quant__lot", "line__item__uom").order_by(
        "quant_id"
    ):
        quant, line = reservation.quant, reservation.line
        lot_usable_check(quant.lot)
        stock_move_post(
            item=line.item,
            quantity=reservation.quantity,
            from_location=quant.location,
            to_location=request.destination,
            kind=kind,
            lot=quant.lot,
            reference=request.reference or request.number,
            user=user,
            reserved=reservation.quantity,
        )
        StockRequestLine.objects.filter(pk=line.pk).update(delivered=F("delivered") + reservation.quantity)
        delivered.append(
            {
                "item": line.item.code,
                "lot": quant.lot.code if quant.lot else None,
                "quantity": str(reservation.quantity),
            }
        )
        reservation.delete()
    request.state = _state(request)
    request.save(update_fields=["state", "updated_at"])
    return delivered


def stock_request_deliver(*, request: StockRequest, user: Any = None) -> StockRequest:
    """Move all reserved stock straight to the destination (issue to production, or ship without picking).

    Delivers what is reserved; a line reserved short is delivered short and the rest stays due.
    """
    with transaction.atomic():
        request = StockRequest.objects.select_for_update().get(pk=request.pk)
        if request.state not in (RequestState.RESERVED, RequestState.PARTIAL):
            message = _("%(request)s has nothing reserved to deliver.") % {"request": request.number}
            raise ValidationError(message, code="nothing_reserved")
        shipping = request.kind == RequestKind.SHIPMENT
        delivered = deliver_reservations(
            request=request,
            reservations=Reservation.objects.filter(line__request=request),
            kind=MoveKind.SHIPMENT if shipping else MoveKind.CONSUMPTION,
            user=user,
        )
        if shipping:
            # Shipped without picking or a delivery note: the order's side learns of it all the same.
            event_publish(
                name=events.SHIPMENT_SHIPPED,
                payload={
                    "delivery_note": "",
                    "request": request.number,
                    "reference": request.reference,
                    "carrier": "",
                    "tracking_number": "",
                    "lines": delivered,
                },
                aggregate=request,
                actor=user,
            )
        return request
