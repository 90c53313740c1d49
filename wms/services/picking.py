"""Picking in waves along the bin order, short picks with a reason, packing and shipping.

A pick moves reserved stock from its bin to the warehouse's output location and carries the
reservation along, so picked stock stays held for its request until it ships.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services.events import event_publish
from core.services.numbering import next_document_number
from wms import events
from wms.choices import MoveKind, RequestKind
from wms.models import (
    Location,
    Lot,
    Package,
    PickLine,
    PickList,
    PickState,
    Quant,
    Reservation,
    Shipment,
    StockRequest,
    Warehouse,
    Wave,
)
from wms.services.holds import lot_usable_check
from wms.services.moves import qty, stock_move_post
from wms.services.requests import _state, deliver_reservations

ZERO = Decimal(0)


def pick_list_create(*, request: StockRequest, wave: Wave | None = None) -> PickList:
    """A pick list of the request's reserved stock still in its bins, in pick-path order."""
    with transaction.atomic():
        request = StockRequest.objects.select_for_update().select_related("warehouse").get(pk=request.pk)
        if request.warehouse.output_location_id is None:
            message = _("%(warehouse)s has no output location to pick to.") % {"warehouse": request.warehouse.code}
            raise ValidationError(message, code="no_output_location")
        if request.pick_lists.filter(state=PickState.OPEN).exists():
            message = _("%(request)s already has an open pick list.") % {"request": request.number}
            raise ValidationError(message, code="pick_list_open")
        output = request.warehouse.output_location
        reservations = (
            Reservation.objects.filter(line__request=request)
            .exclude(quant__location=output)
            .select_related("quant__location", "quant__lot", "line__item")
        )
        if not reservations:
            message = _("%(request)s has no reserved stock to pick; reserve it first.") % {"request": request.number}
            raise ValidationError(message, code="nothing_reserved")
        pick_list = PickList.objects.create(number=next_document_number(doc_type="PK"), request=request, wave=wave)
        PickLine.objects.bulk_create(
            PickLine(
                pick_list=pick_list,
                request_line=r.line,
                item=r.line.item,
                lot=r.quant.lot,
                from_location=r.quant.location,
                quantity=r.quantity,
            )
            for r in reservations
        )
        return pick_list


def wave_create(*, warehouse: Warehouse, requests: list[StockRequest], user: Any = None) -> Wave:
    """Release several reserved requests together: one pick list each, walked as one path."""
    if not requests:
        raise ValidationError({"requests": ValidationError(_("A wave needs at least one request."), code="required")})
    with transaction.atomic():
        wave = Wave.objects.create(number=next_document_number(doc_type="WV"), warehouse=warehouse, created_by=user)
        for request in sorted(requests, key=lambda r: r.pk):
            if request.warehouse_id != warehouse.pk:
                message = _("%(request)s is for another warehouse.") % {"request": request.number}
                raise ValidationError(message, code="wrong_warehouse")
            pick_list_create(request=request, wave=wave)
        return wave


def _line_for_update(line: PickLine) -> PickLine:
    return (
        PickLine.objects.select_for_update(of=("self",))
        .select_related("pick_list__request__warehouse", "item__uom", "lot", "from_location", "request_line")
        .get(pk=line.pk)
    )


def _move_reservation(line: PickLine, quantity: Decimal, output: Location) -> None:
    """The picked part of the bin's reservation now holds the same stock at the output location."""
    bin_reservation = (
        Reservation.objects.select_for_update()
        .filter(line=line.request_line, quant__location=line.from_location, quant__lot=line.lot)
        .first()
    )
    if bin_reservation.quantity == quantity:
        bin_reservation.delete()
    else:
        Reservation.objects.filter(pk=bin_reservation.pk).update(quantity=F("quantity") - quantity)
    out_quant = Quant.objects.get(item=line.item, location=output, lot=line.lot)
    Quant.objects.filter(pk=out_quant.pk).update(reserved=F("reserved") + quantity)
    held = Reservation.objects.filter(line=line.request_line, quant=out_quant)
    if not held.update(quantity=F("quantity") + quantity):
        Reservation.objects.create(line=line.request_line, quant=out_quant, quantity=quantity)


def _close_if_picked(pick_list: PickList) -> None:
    if all(line.open_qty <= 0 for line in pick_list.lines.all()):
        PickList.objects.filter(pk=pick_list.pk).update(state=PickState.PICKED)


def pick_confirm(
    *, line: PickLine, location: Location, quantity: Decimal, lot: Lot | None = None, user: Any = None
) -> PickLine:
    """Confirm a pick as scanned: the right bin, the right lot, no more than is reserved."""
    with transaction.atomic():
        line = _line_for_update(line)
        quantity = Decimal(quantity)
        if location.pk != line.from_location_id:
            message = _("Wrong bin: pick from %(expected)s, you scanned %(scanned)s.") % {
                "expected": line.from_location.code,
                "scanned": location.code,
            }
            raise ValidationError({"location": ValidationError(message, code="wrong_bin")})
        if line.lot_id != (lot.pk if lot else None):
            message = _("Wrong lot: pick %(expected)s, you scanned %(scanned)s.") % {
                "expected": line.lot.code if line.lot else _("no lot"),
                "scanned": lot.code if lot else _("no lot"),
            }
            raise ValidationError({"lot": ValidationError(message, code="wrong_lot")})
        if quantity > line.open_qty:
            message = _("More than reserved: %(open)s left to pick here, %(asked)s scanned.") % {
                "open": qty(line.open_qty),
                "asked": qty(quantity),
            }
            raise ValidationError({"quantity": ValidationError(message, code="more_than_reserved")})
        lot_usable_check(line.lot)
        output = line.pick_list.request.warehouse.output_location
        stock_move_post(
            item=line.item,
            quantity=quantity,
            from_location=line.from_location,
            to_location=output,
            kind=MoveKind.PICK,
            lot=line.lot,
            reserved=quantity,
            user=user,
            reference=line.pick_list.number,
        )
        _move_reservation(line, quantity, output)
        PickLine.objects.filter(pk=line.pk).update(picked_qty=F("picked_qty") + quantity, picked_by=user)
        _close_if_picked(line.pick_list)
        line.refresh_from_db()
        return line


def pick_short(
    *, line: PickLine, found: Decimal, reason: str, location: Location, lot: Lot | None = None, user: Any = None
) -> PickLine:
    """Less in the bin than reserved: pick what was found, record the rest short and release it."""
    if not reason.strip():
        raise ValidationError({"reason": ValidationError(_("Say why the pick is short."), code="required")})
    with transaction.atomic():
        if found:
            line = pick_confirm(line=line, location=location, quantity=found, lot=lot, user=user)
        line = _line_for_update(line)
        short = line.open_qty
        if short <= 0:
            return line
        reservation = (
            Reservation.objects.select_for_update()
            .filter(line=line.request_line, quant__location=line.from_location, quant__lot=line.lot)
            .first()
        )
        Quant.objects.filter(pk=reservation.quant_id).update(reserved=F("reserved") - short)
        if reservation.quantity == short:
            reservation.delete()
        else:
            Reservation.objects.filter(pk=reservation.pk).update(quantity=F("quantity") - short)
        PickLine.objects.filter(pk=line.pk).update(short_qty=short, short_reason=reason, picked_by=user)
        request = line.pick_list.request
        request.state = _state(request)
        request.save(update_fields=["state", "updated_at"])
        _close_if_picked(line.pick_list)
        line.refresh_from_db()
        return line


def shipment_create(
    *, pick_list: PickList, packages: list[dict[str, Any]], carrier: str = "", tracking_number: str = ""
) -> Shipment:
    """Pack a picked list: its packages (code, weight_kg, contents) under one delivery note number."""
    with transaction.atomic():
        pick_list = PickList.objects.select_for_update().select_related("request").get(pk=pick_list.pk)
        if pick_list.state != PickState.PICKED:
            message = _("%(pick_list)s is not picked yet.") % {"pick_list": pick_list.number}
            raise ValidationError(message, code="not_picked")
        if pick_list.request.kind != RequestKind.SHIPMENT:
            raise ValidationError(_("Only sales shipments are packed and shipped."), code="not_a_shipment")
        if not packages:
            raise ValidationError({"packages": ValidationError(_("Pack into at least one package."), code="required")})
        if pick_list.request.shipments.filter(shipped_at__isnull=True).exists():
            message = _("%(request)s is packed already and waiting to ship.") % {"request": pick_list.request.number}
            raise ValidationError(message, code="packed")
        shipment = Shipment.objects.create(
            number=next_document_number(doc_type="DN"),
            request=pick_list.request,
            carrier=carrier,
            tracking_number=tracking_number,
        )
        for fields in packages:
            package = Package(shipment=shipment, **fields)
            package.full_clean()
            package.save()
        return shipment


def shipment_ship(*, shipment: Shipment, user: Any = None, tracking_number: str | None = None) -> Shipment:
    """The truck left: the picked stock goes to the customer and the order hears of it."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().select_related("request__warehouse").get(pk=shipment.pk)
        if shipment.shipped_at:
            message = _("%(shipment)s has shipped already.") % {"shipment": shipment.number}
            raise ValidationError(message, code="shipped")
        request = shipment.request
        output = request.warehouse.output_location
        picked = Reservation.objects.filter(line__request=request, quant__location=output)
        if not picked.exists():
            message = _("Nothing picked for %(request)s is waiting to ship.") % {"request": request.number}
            raise ValidationError(message, code="nothing_picked")
        lines = deliver_reservations(request=request, reservations=picked, kind=MoveKind.SHIPMENT, user=user)
        if tracking_number is not None:
            shipment.tracking_number = tracking_number
        shipment.shipped_at, shipment.shipped_by = timezone.now(), user
        shipment.save(update_fields=["tracking_number", "shipped_at", "shipped_by", "updated_at"])
        PickList.objects.filter(request=request, state=PickState.PICKED).update(state=PickState.SHIPPED)
        event_publish(
            name=events.SHIPMENT_SHIPPED,
            payload={
                "delivery_note": shipment.number,
                "request": request.number,
                "reference": request.reference,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "lines": lines,
            },
            aggregate=shipment,
            actor=user,
        )
        return shipment
