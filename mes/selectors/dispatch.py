"""The dispatch list: what a machine, or a work center, works on next.

First the operations the published schedule places there, in the order it places them; then the
operations ready or under way on the work center that the schedule does not place (released after it
was made, say), flagged as not scheduled. Each entry carries what the operator needs at the machine:
the order, item and quantity still to make, the planned start and end, the order's materials with how
far the warehouse got with them, the work instructions and the drawings attached to the routing.

An operation is also found by the barcode the production traveller prints for it (`<order number>/<seq>`,
erp/documents.py): `operation_by_code` says which operation a scan names, or why it cannot run here.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aps.models import ScheduleOperation
from aps.selectors.scheduling import published_schedule
from core.models import Machine, WorkCenter
from erp.choices import OperationState, ProductionOrderState
from erp.models import ProductionComponent, ProductionOperation, ProductionOrder
from mes.choices import RunState
from mes.models import OperationRun
from plm.models import Attachment, RoutingOperation, RoutingRevision
from wms.models import StockRequestLine

ZERO = Decimal("0")
# Work released to the floor; a firm order is planned but its material is not asked for yet.
OPEN_ORDER_STATES = (ProductionOrderState.RELEASED, ProductionOrderState.IN_PROGRESS)
# Unscheduled operations worth showing: the ones that can start now or have started.
WORKABLE_STATES = (OperationState.READY, OperationState.IN_PROGRESS)
OPERATION_JOINS = ("order__item__uom", "order__material_request", "work_center", "machine")


class PickStatus(models.TextChoices):
    """How far a component's material got: from short in the bins to consumed at the machine."""

    CONSUMED = "consumed", _("Consumed")
    PICKED = "picked", _("Picked")
    RESERVED = "reserved", _("Reserved")
    SHORT = "short", _("Short")


@dataclass(frozen=True)
class ComponentStatus:
    """A component of the order and its material request line: required, issued to production, held
    for it (`reserved`, of which `picked` already waits at the warehouse's output)."""

    component: ProductionComponent
    required: Decimal
    issued: Decimal
    reserved: Decimal
    picked: Decimal

    @property
    def status(self) -> PickStatus:
        if self.issued >= self.required:
            return PickStatus.CONSUMED
        if self.issued + self.picked >= self.required:
            return PickStatus.PICKED
        if self.issued + self.reserved >= self.required:
            return PickStatus.RESERVED
        return PickStatus.SHORT


@dataclass(frozen=True)
class DispatchEntry:
    operation: ProductionOperation
    remaining: Decimal  # the order's quantity less the good units this operation reported
    planned_machine: Machine | None = None
    planned_start: datetime.datetime | None = None
    planned_end: datetime.datetime | None = None
    components: list[ComponentStatus] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def scheduled(self) -> bool:
        return self.planned_start is not None

    @property
    def order(self) -> ProductionOrder:
        return self.operation.order

    @property
    def ready(self) -> bool:
        return self.operation.state == OperationState.READY


def dispatch_list(*, machine: Machine | None = None, work_center: WorkCenter | None = None) -> list[DispatchEntry]:
    """The dispatch list of one machine or of one work center (give exactly one)."""
    if (machine is None) == (work_center is None):
        raise TypeError("dispatch_list() takes a machine or a work center.")
    center_id = machine.work_center_id if machine is not None else work_center.pk
    schedule = published_schedule()
    placements: list[ScheduleOperation] = []
    unplaced = ProductionOperation.objects.filter(
        work_center_id=center_id, state__in=WORKABLE_STATES, order__state__in=OPEN_ORDER_STATES
    )
    if machine is not None:
        # Under way on another machine of the work center: that machine's business.
        unplaced = unplaced.filter(Q(state=OperationState.READY) | Q(machine=machine))
    if schedule is not None:
        placed = ScheduleOperation.objects.filter(
            job__schedule=schedule, operation__isnull=False, machine__isnull=False
        )
        unplaced = unplaced.exclude(pk__in=placed.values("operation_id"))
        here = {"machine": machine} if machine is not None else {"operation__work_center_id": center_id}
        placements = list(
            placed.filter(operation__order__state__in=OPEN_ORDER_STATES, **here)
            .exclude(operation__state=OperationState.DONE)
            .select_related("machine", *(f"operation__{join}" for join in OPERATION_JOINS))
            .order_by("start", "machine__code", "pk")
        )
    others = list(unplaced.select_related(*OPERATION_JOINS).order_by("order__due_date", "order__number", "seq"))
    return _entries([(placement.operation, placement) for placement in placements] + [(op, None) for op in others])


def dispatch_entry(*, operation: ProductionOperation) -> DispatchEntry:
    """One operation as the dispatch list shows it, placed where the published schedule places it."""
    operation = ProductionOperation.objects.select_related(*OPERATION_JOINS).get(pk=operation.pk)
    schedule = published_schedule()
    placement = (
        ScheduleOperation.objects.filter(job__schedule=schedule, operation=operation, machine__isnull=False)
        .select_related("machine")
        .first()
        if schedule is not None
        else None
    )
    return _entries([(operation, placement)])[0]


def _entries(placed: list[tuple[ProductionOperation, ScheduleOperation | None]]) -> list[DispatchEntry]:
    operations = [operation for operation, _placement in placed]
    models.prefetch_related_objects(
        operations,
        Prefetch("order__components", queryset=ProductionComponent.objects.select_related("item__uom")),
        Prefetch("order__material_request__lines", queryset=_request_lines()),
        Prefetch("runs", queryset=OperationRun.objects.exclude(state=RunState.DONE), to_attr="open_runs"),
    )
    attachments = operation_attachments(operations)

    def entry(operation: ProductionOperation, placement: ScheduleOperation | None = None) -> DispatchEntry:
        return DispatchEntry(
            operation=operation,
            remaining=_remaining(operation),
            planned_machine=placement.machine if placement else None,
            planned_start=placement.start if placement else None,
            planned_end=placement.end if placement else None,
            components=_components(operation),
            attachments=attachments.get(operation.pk, []),
        )

    return [entry(operation, placement) for operation, placement in placed]


def _scanned_parts(code: str) -> tuple[str, int]:
    """The order number and sequence an operation's barcode holds ("MO-2026-00012/20", erp/documents.py)."""
    number, slash, seq = code.strip().rpartition("/")
    if not slash or not number or not seq.isdigit():
        message = gettext("%(code)s is not an operation's barcode: it reads order/operation, like MO-2026-00012/20.")
        raise ValidationError(message % {"code": code}, code="malformed")
    return number, int(seq)


def operation_by_code(*, code: str, machine: Machine) -> ProductionOperation:
    """The operation a traveller's barcode names, when it can run on `machine`: its order released, the
    operation on the machine's work center, not done, ready (the one before it finished) or open on this
    machine. Otherwise a ValidationError saying why (its code: malformed, unknown_order, not_released,
    unknown_operation, other_work_center, done, open_elsewhere, not_ready)."""
    number, seq = _scanned_parts(code)
    order = ProductionOrder.objects.filter(number__iexact=number).first()
    if order is None:
        message = gettext("Unknown production order: %(number)s.")
        raise ValidationError(message % {"number": number}, code="unknown_order")
    names = {"seq": seq, "number": order.number, "machine": machine.code}
    if order.state not in OPEN_ORDER_STATES:
        message = gettext("Production order %(number)s is %(state)s: it is not on the floor.")
        raise ValidationError(message % {**names, "state": order.get_state_display().lower()}, code="not_released")
    operation = order.operations.select_related("work_center").filter(seq=seq).first()
    if operation is None:
        message = gettext("Production order %(number)s has no operation %(seq)s.")
        raise ValidationError(message % names, code="unknown_operation")
    if operation.work_center_id != machine.work_center_id:
        message = gettext("Operation %(seq)s of %(number)s is for work center %(work_center)s, not for %(machine)s.")
        raise ValidationError(message % {**names, "work_center": operation.work_center.code}, code="other_work_center")
    if operation.state == OperationState.DONE:
        raise ValidationError(gettext("Operation %(seq)s of %(number)s is done already.") % names, code="done")
    elsewhere = (
        OperationRun.objects.filter(operation=operation)
        .exclude(state=RunState.DONE)
        .exclude(machine=machine)
        .select_related("machine")
        .first()
    )
    if elsewhere is not None:
        message = gettext("Operation %(seq)s of %(number)s is open on %(machine)s.")
        raise ValidationError(message % {**names, "machine": elsewhere.machine.code}, code="open_elsewhere")
    if operation.state == OperationState.PENDING:
        message = gettext("Operation %(seq)s of %(number)s is not ready: the operation before it is not finished.")
        raise ValidationError(message % names, code="not_ready")
    return operation


def _request_lines():
    """Material request lines with what is held for them, and how much of that is picked to the output."""
    output = Q(reservations__quant__location=F("request__warehouse__output_location"))
    return StockRequestLine.objects.annotate(
        reserved=Coalesce(Sum("reservations__quantity"), ZERO),
        picked=Coalesce(Sum("reservations__quantity", filter=output), ZERO),
    ).order_by("pk")


def _remaining(operation: ProductionOperation) -> Decimal:
    """Good units still to make: reported to ERP so far, and counted on an open run but not booked yet."""
    unbooked = sum((run.good_qty - run.booked_good for run in operation.open_runs), ZERO)
    return max(operation.order.quantity - operation.good_qty - unbooked, ZERO)


def _components(operation: ProductionOperation) -> list[ComponentStatus]:
    order = operation.order
    lines: dict[int, list[StockRequestLine]] = defaultdict(list)
    if order.material_request is not None:
        for line in order.material_request.lines.all():
            lines[line.item_id].append(line)
    statuses = []
    for component in order.components.all():
        mine = lines.get(component.item_id, [])
        statuses.append(
            ComponentStatus(
                component=component,
                required=sum((line.quantity for line in mine), ZERO) if mine else component.required_qty,
                issued=sum((line.delivered for line in mine), ZERO) if mine else component.issued_qty,
                reserved=sum((line.reserved for line in mine), ZERO),
                picked=sum((line.picked for line in mine), ZERO),
            )
        )
    return statuses


def operation_attachments(operations: Sequence[ProductionOperation]) -> dict[int, list[Attachment]]:
    """Per operation: the files attached to its order's routing revision and to that revision's operation
    of the same sequence (the one it was copied from)."""
    revision_of = {op.pk: op.order.routing_revision_id for op in operations if op.order.routing_revision_id}
    if not revision_of:
        return {}
    revisions = set(revision_of.values())
    routing_operations = {
        (routing_id, seq): pk
        for pk, routing_id, seq in RoutingOperation.objects.filter(routing_id__in=revisions).values_list(
            "pk", "routing_id", "seq"
        )
    }
    revision_type = ContentType.objects.get_for_model(RoutingRevision)
    operation_type = ContentType.objects.get_for_model(RoutingOperation)
    found: dict[tuple[int, int], list[Attachment]] = defaultdict(list)
    for attachment in Attachment.objects.filter(
        Q(content_type=revision_type, object_id__in=revisions)
        | Q(content_type=operation_type, object_id__in=set(routing_operations.values()))
    ).order_by("name", "pk"):
        found[(attachment.content_type_id, attachment.object_id)].append(attachment)
    attached: dict[int, list[Attachment]] = {}
    for operation in operations:
        revision_id = revision_of.get(operation.pk)
        if revision_id is None:
            continue
        routing_operation = routing_operations.get((revision_id, operation.seq))
        attached[operation.pk] = found[(revision_type.pk, revision_id)] + found[(operation_type.pk, routing_operation)]
    return attached
