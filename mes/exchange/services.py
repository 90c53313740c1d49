"""Importing what an external MES reports in ISA-95 terms (a B2MML OperationsPerformance) as our own floor
records, through the execution services: a segment response starts its operation on the machine it names
(unless a run is open), its consumed material is issued lot by lot, its produced material is counted good
and, on an order's last operation, received into stock under the lot it names; a completed segment completes
the run. One document is one transaction: anything refused and nothing of it is recorded."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import Item, Machine, Unit
from erp.models import ProductionComponent, ProductionOperation, ProductionOrder
from mes.choices import EventSource, RunState
from mes.exchange.b2mml import (
    MaterialActual,
    SegmentResponse,
    document_parse,
    operations_performance_read,
    segment_id,
)
from mes.models import OperationRun, ProductionEvent
from mes.selectors.quality import is_last_operation
from mes.services import execution
from mes.services.common import refuse
from wms.choices import LocationKind
from wms.models import Location, Lot

PRODUCED = {"Produced", "Material Produced"}
CONSUMED = {"Consumed", "Material Consumed"}
SOURCE = EventSource.API


def operations_performance_import(*, content: bytes, user: Any = None) -> list[ProductionEvent]:
    """Record an OperationsPerformance document (raw XML): refused whole (invalid_document) when it does not
    match the B2MML schema, and whole when any segment names an unknown order, operation, machine, item or
    lot or the execution services refuse what it reports. Returns the production events recorded."""
    segments = operations_performance_read(document_parse(content))
    events: list[ProductionEvent] = []
    with transaction.atomic():
        for segment in segments:
            try:
                events += _segment_import(segment, user)
            except ValidationError as error:
                raise _in_segment(segment.ident, error) from None
    return events


def _in_segment(ident: str, error: ValidationError) -> ValidationError:
    """A refusal with its field prefixed by the segment response it is about: `MO-2026-00012-10.lot`."""
    if hasattr(error, "error_dict"):
        return ValidationError({f"{ident}.{name}": errors for name, errors in error.error_dict.items()})
    return ValidationError({ident: error.error_list})


def _segment_import(segment: SegmentResponse, user: Any) -> list[ProductionEvent]:
    order = ProductionOrder.objects.select_related("item__uom").filter(number=segment.order_number).first()
    if order is None:
        message = _("There is no production order %(number)s.") % {"number": segment.order_number}
        raise refuse("OperationsRequestID", message, "does_not_exist")
    operation = _operation(order, segment.segment)
    run = _run(operation, segment, user)
    events: list[ProductionEvent] = []
    consumed = [material for material in segment.materials if material.use in CONSUMED]
    produced = [material for material in segment.materials if material.use in PRODUCED]
    other = [material for material in segment.materials if material.use not in CONSUMED | PRODUCED]
    if other:
        message = _("MaterialActual %(id)s: only Produced and Consumed material is imported, not %(use)s.")
        raise refuse("MaterialUse", message % {"id": other[0].ident, "use": other[0].use or "-"}, "invalid")
    for material in consumed:
        component = _component(order, material)
        events += execution.material_consume(
            run=run,
            component=component,
            quantity=_quantity(component.item, material),
            lot=_lot(component.item, material),
            location=_location(material),
            at=segment.end,
            user=user,
            source=SOURCE,
        )
    for material in produced:
        events += _produce(order, operation, run, material, segment, user)
    if segment.state == "Completed":
        execution.operation_complete(run=run, at=segment.end, user=user, source=SOURCE)
    return events


def _operation(order: ProductionOrder, segment: str) -> ProductionOperation:
    """The order's operation a segment names: by our segment requirement ID (MO-2026-00012-10) or its seq."""
    for operation in order.operations.all():
        if segment in (segment_id(order, operation.seq), str(operation.seq)):
            return operation
    message = _("%(number)s has no operation %(segment)s.") % {"number": order.number, "segment": segment}
    raise refuse("SegmentRequirementID", message, "does_not_exist")


def _run(operation: ProductionOperation, segment: SegmentResponse, user: Any) -> OperationRun:
    """The operation's open run, or a run started on the machine the segment names."""
    run = OperationRun.objects.filter(operation=operation).exclude(state=RunState.DONE).select_related("machine")
    run = run.first()
    if run is not None:
        if segment.machine_code and segment.machine_code != run.machine.code:
            message = _("Operation %(seq)s of %(number)s runs on %(machine)s, not on %(named)s.") % {
                **execution.run_names(run),
                "named": segment.machine_code,
            }
            raise refuse("EquipmentID", message, "other_machine")
        return run
    if not segment.machine_code:
        message = _("Operation %(seq)s of %(number)s is not running: name the machine (EquipmentActual).") % {
            "seq": operation.seq,
            "number": operation.order.number,
        }
        raise refuse("EquipmentID", message, "required")
    machine = Machine.objects.filter(code=segment.machine_code).first()
    if machine is None:
        raise refuse(
            "EquipmentID", _("There is no machine %(code)s.") % {"code": segment.machine_code}, "does_not_exist"
        )
    return execution.operation_start(operation=operation, machine=machine, at=segment.start, user=user, source=SOURCE)


def _item(material: MaterialActual) -> Item:
    item = Item.objects.select_related("uom").filter(code=material.item_code).first()
    if item is None:
        message = _("MaterialActual %(id)s: there is no item %(item)s.") % {
            "id": material.ident,
            "item": material.item_code or "-",
        }
        raise refuse("MaterialDefinitionID", message, "does_not_exist")
    return item


def _quantity(item: Item, material: MaterialActual) -> Decimal:
    """The quantity in the item's unit, converted from the unit the document gives."""
    if not material.unit or material.unit == item.uom.code:
        return material.quantity
    unit = Unit.objects.filter(code=material.unit).first()
    if unit is None:
        message = _("MaterialActual %(id)s: there is no unit %(unit)s.") % {"id": material.ident, "unit": material.unit}
        raise refuse("UnitOfMeasure", message, "does_not_exist")
    return material.quantity * unit.ratio_to(item.uom)


def _component(order: ProductionOrder, material: MaterialActual) -> ProductionComponent:
    item = _item(material)
    component = order.components.select_related("item__uom").filter(item=item).order_by("position").first()
    if component is None:
        message = _("%(item)s is not a component of %(number)s.") % {"item": item.code, "number": order.number}
        raise refuse("MaterialDefinitionID", message, "not_a_component")
    return component


def _lot_code(material: MaterialActual) -> str | None:
    """The one lot a quantity names, if any: which lot took how much of two is not said."""
    if len(material.lot_codes) > 1:
        message = _("MaterialActual %(id)s names several lots for one quantity; give one MaterialActual per lot.")
        raise refuse("MaterialLotID", message % {"id": material.ident}, "several_lots")
    return material.lot_codes[0] if material.lot_codes else None


def _lot(item: Item, material: MaterialActual) -> Lot | None:
    code = _lot_code(material)
    if code is None:
        return None
    lot = Lot.objects.select_related("item").filter(item=item, code=code).first()
    if lot is None:
        message = _("%(item)s has no lot %(lot)s.") % {"item": item.code, "lot": code}
        raise refuse("MaterialLotID", message, "does_not_exist")
    return lot


def _location(material: MaterialActual) -> Location | None:
    """The storage bin a material came from or went to (StorageLocation), by its code."""
    if not material.location_code:
        return None
    location = Location.objects.filter(code=material.location_code, kind=LocationKind.INTERNAL).first()
    if location is None:
        message = _("MaterialActual %(id)s: there is no storage location %(code)s.") % {
            "id": material.ident,
            "code": material.location_code,
        }
        raise refuse("StorageLocation", message, "does_not_exist")
    return location


def _produce(
    order: ProductionOrder,
    operation: ProductionOperation,
    run: OperationRun,
    material: MaterialActual,
    segment: SegmentResponse,
    user: Any,
) -> list[ProductionEvent]:
    """Produced units are counted good; on the last operation they are received into stock as well."""
    item = _item(material)
    if item.pk != order.item_id:
        message = _("MaterialActual %(id)s: %(number)s makes %(made)s, not %(item)s.") % {
            "id": material.ident,
            "number": order.number,
            "made": order.item.code,
            "item": item.code,
        }
        raise refuse("MaterialDefinitionID", message, "other_item")
    lot_code = _lot_code(material)
    quantity = _quantity(item, material)
    events = [
        execution.operation_count(run=run, good_qty=quantity, at=segment.end, user=user, source=SOURCE),
    ]
    if is_last_operation(operation):
        events += execution.lot_produce(
            run=run,
            quantity=quantity,
            lot_code=lot_code,
            location=_location(material),
            at=segment.end,
            user=user,
            source=SOURCE,
        )
    return events
