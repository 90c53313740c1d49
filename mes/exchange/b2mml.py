"""ISA-95 documents in B2MML V0701 (MESA's XML schemas, copied into schemas/b2mml/): building the ones we send
(an operations schedule, material definitions and lots, the equipment hierarchy), checking any document
against the schemas, and reading the operations performance an external MES sends back.

The builders take records already read (mes.exchange.selectors) and only arrange them; every document they
make validates against AllSchemas.xsd (the tests check it).
"""

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from aps.models import Schedule, ScheduleOperation
from core.models import Item, Machine, Site, WorkCenter
from erp.models import ProductionOrder
from wms.models import Lot

NAMESPACE = "http://www.mesa.org/xml/B2MML"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "b2mml" / "AllSchemas.xsd"
# A document bigger than this is not an operations performance of one schedule but a mistake or an attack.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_SCHEMA_ERRORS = 5


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


@functools.cache
def schema() -> etree.XMLSchema:
    """AllSchemas.xsd compiled once per process (about 50 ms): every request reuses it."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_document")


def document_parse(content: bytes) -> etree._Element:
    """The root of a well-formed document that the B2MML schemas accept; refused (invalid_document) with
    the parser's or the schema's line and message otherwise. Entities and network access are off: the
    document comes from another system."""
    if not content.strip():
        raise _invalid(_("The document is empty."))
    if len(content) > MAX_DOCUMENT_BYTES:
        raise _invalid(_("The document is larger than %(mb)s MB.") % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)})
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise _invalid(_("Not well-formed XML: %(error)s") % {"error": error}) from None
    validator = schema()
    if not validator.validate(root):
        problems = [f"line {e.line}: {e.message}" for e in list(validator.error_log)[:MAX_SCHEMA_ERRORS]]
        raise _invalid(_("The document does not match the B2MML schema: %(errors)s") % {"errors": "; ".join(problems)})
    return root


def document_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- Building -------------------------------------------------------------------------------------------------


def _add(parent: etree._Element, name: str, text: object = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _tag(name), attributes)
    if text is not None:
        element.text = _text(text)
    return element


# Characters XML 1.0 cannot carry (control characters, lone surrogates): a name typed with one still exports.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return NOT_XML.sub("\ufffd", str(value))


def _root(name: str) -> etree._Element:
    return etree.Element(_tag(name), nsmap={None: NAMESPACE})


def _quantity(parent: etree._Element, quantity: Decimal, unit: str) -> None:
    element = _add(parent, "Quantity")
    _add(element, "QuantityString", quantity)
    _add(element, "DataType", "decimal")
    _add(element, "UnitOfMeasure", unit)


def segment_id(order: ProductionOrder, seq: int) -> str:
    """A segment requirement's ID: the order's number and the operation's sequence (MO-2026-00012-10)."""
    return f"{order.number}-{seq}"


def _definition_id(order: ProductionOrder) -> str:
    """The operations definition of an order: its item's routing revision (KT-200-A), the item alone when
    the order has no routing."""
    revision = order.routing_revision
    return f"{order.item.code}-{revision.revision}" if revision else order.item.code


@dataclass
class OrderPlan:
    """A production order of a schedule with its scheduled operations in sequence."""

    order: ProductionOrder
    operations: list[ScheduleOperation] = field(default_factory=list)


def operations_schedule_document(schedule: Schedule, plans: Iterable[OrderPlan]) -> etree._Element:
    """The schedule as ISA-95 production requests: one OperationsRequest per production order, one
    SegmentRequirement per operation with its machine, crew and materials. The order's components are
    consumed by its first operation, its item produced by its last."""
    root = _root("OperationsSchedule")
    _add(root, "ID", f"SCHEDULE-{schedule.pk}")
    _add(root, "Description", schedule.name or _("Published schedule"))
    if schedule.published_at:
        _add(root, "PublishedDate", schedule.published_at)
    plans = [plan for plan in plans if plan.operations]
    starts = [op.start for plan in plans for op in plan.operations if op.start]
    ends = [op.end for plan in plans for op in plan.operations if op.end]
    if starts:
        _add(root, "StartTime", min(starts))
        _add(root, "EndTime", max(ends))
    _add(root, "OperationsType", "Production")
    _add(root, "ScheduleState", "Released")
    for plan in plans:
        _operations_request(root, plan)
    return root


def _operations_request(parent: etree._Element, plan: OrderPlan) -> None:
    order = plan.order
    request = _add(parent, "OperationsRequest")
    _add(request, "ID", order.number)
    _add(request, "Description", f"{order.item.code} {order.item.name}")
    _add(request, "StartTime", min(op.start for op in plan.operations))
    _add(request, "EndTime", max(op.end for op in plan.operations))
    _add(request, "OperationsType", "Production")
    _add(request, "RequestState", "Released")
    _add(request, "OperationsDefinitionID", _definition_id(order))
    last = len(plan.operations) - 1
    for index, scheduled in enumerate(plan.operations):
        _segment_requirement(request, order, scheduled, first=index == 0, last=index == last)


def _segment_requirement(
    parent: etree._Element, order: ProductionOrder, scheduled: ScheduleOperation, *, first: bool, last: bool
) -> None:
    operation = scheduled.operation
    segment = _add(parent, "SegmentRequirement")
    _add(segment, "ID", segment_id(order, scheduled.seq))
    _add(segment, "Description", scheduled.name or operation.name or str(scheduled.seq))
    _add(segment, "EarliestStartTime", scheduled.start)
    _add(segment, "LatestEndTime", scheduled.end)
    _add(segment, "OperationsType", "Production")
    _add(segment, "ProcessSegmentID", scheduled.work_center.code)
    _add(segment, "OperationsDefinitionID", _definition_id(order))
    _add(segment, "OperationsSegmentID", f"{_definition_id(order)}-{scheduled.seq}")
    if operation.crew_size > 0:
        # Whoever runs it must hold a qualification for the work center (erp.Qualification).
        crew = _add(segment, "PersonnelRequirement")
        _add(crew, "ID", f"{segment_id(order, scheduled.seq)}-CREW")
        _add(crew, "PersonnelClassID", f"QUALIFIED-{scheduled.work_center.code}")
        _add(crew, "PersonnelUse", "Operator")
        _quantity(crew, operation.crew_size, "person")
    if scheduled.machine is not None:
        equipment = _add(segment, "EquipmentRequirement")
        _add(equipment, "ID", f"{segment_id(order, scheduled.seq)}-EQ")
        _add(equipment, "EquipmentClassID", scheduled.work_center.code)
        _add(equipment, "EquipmentID", scheduled.machine.code)
        _add(equipment, "EquipmentLevel", "WorkUnit")
        _add(equipment, "EquipmentUse", "Production")
    if first:
        for component in order.components.all():
            _material_requirement(
                segment, f"{order.number}-C{component.position}", component.item, "Consumed", component.required_qty
            )
    if last:
        _material_requirement(segment, f"{order.number}-P", order.item, "Produced", order.quantity)


def _material_requirement(parent: etree._Element, ident: str, item: Item, use: str, quantity: Decimal) -> None:
    material = _add(parent, "MaterialRequirement")
    _add(material, "ID", ident)
    _add(material, "MaterialDefinitionID", item.code)
    _add(material, "MaterialUse", use)
    _quantity(material, quantity, item.uom.code)


def material_definitions_document(items: Iterable[Item]) -> etree._Element:
    """Items as material definitions: code, name, unit of measure, tracking, make or buy; their category as
    the material class."""
    root = _root("MaterialInformation")
    _add(root, "ID", "MATERIAL-DEFINITIONS")
    _add(root, "PublishedDate", timezone.now())
    for item in items:
        definition = _add(root, "MaterialDefinition")
        _add(definition, "ID", item.code)
        _add(definition, "Description", item.name)
        for ident, text in (
            ("UnitOfMeasure", item.uom.code),
            ("Tracking", item.tracking),
            ("Procurement", item.procurement),
        ):
            prop = _add(definition, "MaterialDefinitionProperty")
            _add(prop, "ID", ident)
            value = _add(prop, "Value")
            _add(value, "ValueString", text)
            _add(value, "DataType", "string")
        if item.category_id:
            _add(definition, "MaterialClassID", item.category.code)
    return root


def material_lots_document(lots: Iterable[Lot]) -> etree._Element:
    """Lots with what is on hand of each (annotated `on_hand` by the selector); a held lot is Restricted."""
    root = _root("MaterialInformation")
    _add(root, "ID", "MATERIAL-LOTS")
    _add(root, "PublishedDate", timezone.now())
    for lot in lots:
        element = _add(root, "MaterialLot")
        _add(element, "ID", lot.code)
        if lot.hold_reason:
            _add(element, "Description", lot.hold_reason)
        if lot.expiry_date:
            _add(element, "EffectiveEndDate", datetime.datetime.combine(lot.expiry_date, datetime.time(), datetime.UTC))
        _add(element, "MaterialDefinitionID", lot.item.code)
        _add(element, "Status", "OnHold" if lot.on_hold else "Available")
        _add(element, "Disposition", "Restricted" if lot.on_hold else "UnRestricted")
        _quantity(element, lot.on_hand, lot.item.uom.code)
    return root


def equipment_document(
    sites: Iterable[Site], loose_work_centers: Iterable[WorkCenter], machines: dict[int, list[Machine]]
) -> etree._Element:
    """The equipment hierarchy: sites, their areas, the work centers in them and their machines (work units).
    Work centers placed in no area yet stand at the top. `machines` are by work center id."""
    root = _root("EquipmentInformation")
    _add(root, "ID", "EQUIPMENT")
    _add(root, "PublishedDate", timezone.now())
    for site in sites:
        site_element = _equipment(root, site.code, site.name, "Site")
        for area in site.areas.all():
            area_element = _equipment(site_element, area.code, area.name, "Area", child=True)
            for center in area.work_centers.all():
                _work_center(area_element, center, machines, child=True)
    for center in loose_work_centers:
        _work_center(root, center, machines, child=False)
    return root


def _equipment(parent: etree._Element, code: str, name: str, level: str, *, child: bool = False) -> etree._Element:
    element = _add(parent, "EquipmentChild" if child else "Equipment")
    _add(element, "ID", code)
    _add(element, "Description", name)
    _add(element, "EquipmentLevel", level)
    return element


def _work_center(
    parent: etree._Element, center: WorkCenter, machines: dict[int, list[Machine]], *, child: bool
) -> None:
    element = _equipment(parent, center.code, center.name, "WorkCenter", child=child)
    for machine in machines.get(center.pk, []):
        unit = _equipment(element, machine.code, machine.name, "WorkUnit", child=True)
        _add(unit, "EquipmentClassID", center.code)


# --- Reading an operations performance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialActual:
    ident: str
    use: str
    item_code: str
    lot_codes: tuple[str, ...]
    quantity: Decimal
    unit: str
    location_code: str


@dataclass(frozen=True)
class SegmentResponse:
    ident: str
    order_number: str
    segment: str
    machine_code: str
    start: datetime.datetime | None
    end: datetime.datetime | None
    state: str
    materials: tuple[MaterialActual, ...]


def _text_of(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _child_text(element: etree._Element, name: str) -> str:
    return _text_of(element.find(_tag(name)))


def _moment(element: etree._Element, name: str) -> datetime.datetime | None:
    text = _child_text(element, name)
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(_("%(name)s %(text)s is not a time.") % {"name": name, "text": text}) from None
    if timezone.is_naive(moment):
        raise _invalid(_("%(name)s %(text)s has no time zone.") % {"name": name, "text": text})
    return moment


def _material_actual(element: etree._Element) -> MaterialActual:
    ident = _child_text(element, "ID")
    quantity = element.find(_tag("Quantity"))
    if quantity is None:
        raise _invalid(_("MaterialActual %(id)s has no Quantity.") % {"id": ident})
    text = _child_text(quantity, "QuantityString")
    try:
        amount = Decimal(text)
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite():
        raise _invalid(_("MaterialActual %(id)s: %(text)s is not a quantity.") % {"id": ident, "text": text})
    return MaterialActual(
        ident=ident,
        use=_child_text(element, "MaterialUse"),
        item_code=_child_text(element, "MaterialDefinitionID"),
        lot_codes=tuple(
            (e.text or "").strip() for e in element.findall(_tag("MaterialLotID")) if (e.text or "").strip()
        ),
        quantity=amount,
        unit=_child_text(quantity, "UnitOfMeasure"),
        location_code=_text_of(element.find(f"{_tag('StorageLocation')}/{_tag('Location')}")),
    )


def operations_performance_read(root: etree._Element) -> list[SegmentResponse]:
    """The segment responses of a validated OperationsPerformance, each with the order it is for (its own
    OperationsRequestID, else its OperationsResponse's, else that response's ID) and the segment (its
    SegmentRequirementID, else its own ID)."""
    if root.tag != _tag("OperationsPerformance"):
        name = etree.QName(root).localname
        raise _invalid(_("Expected an OperationsPerformance, not a %(name)s.") % {"name": name})
    segments = []
    for response in root.iterfind(_tag("OperationsResponse")):
        response_order = _child_text(response, "OperationsRequestID") or _child_text(response, "ID")
        for segment in response.iterfind(_tag("SegmentResponse")):
            ident = _child_text(segment, "ID")
            segments.append(
                SegmentResponse(
                    ident=ident,
                    order_number=_child_text(segment, "OperationsRequestID") or response_order,
                    segment=_child_text(segment, "SegmentRequirementID") or ident,
                    machine_code=_text_of(segment.find(f"{_tag('EquipmentActual')}/{_tag('EquipmentID')}")),
                    start=_moment(segment, "ActualStartTime"),
                    end=_moment(segment, "ActualEndTime"),
                    state=_child_text(segment, "SegmentState"),
                    materials=tuple(_material_actual(m) for m in segment.iterfind(_tag("MaterialActual"))),
                )
            )
    return segments
