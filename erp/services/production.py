"""Production orders: planned > firm > released > in progress > completed > closed, or cancelled.

Firming copies the BOM and routing revisions effective on the start date onto the order, so later
engineering changes never alter it. Releasing freezes its standard costs, asks WMS for the material
(reserved at once) and tells MES and APS. MES then reports time, good and scrap on the operations (the
time is absorbed into WIP at the frozen rates), material is issued to it through WMS (WIP takes the
consumed stock's value) and its output received at the order's standard unit cost. Closing turns what
its WIP still holds into variances (erp.selectors.production explains them).

Every service locks the order row first, then its components or operations, then WMS rows: one fixed
order, so concurrent reports and issues on one order queue up instead of deadlocking.

Issuing from the material request: WMS's `deliver_reservations` moves whole reservations, but MES issues
what it consumes, usually part of one. So an issue posts its own consumption moves (through
`stock_move_post`, taking the reserved part out of the quant's reservation), shrinks the reservations
it drew on and counts the quantity delivered on the request line, as `deliver_reservations` does for a
whole one; asking WMS to reserve again then sets the request's state (and tops up what is still due).
What an issue asks beyond the reservations comes from the free stock of the location it names.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import Procurement
from core.formatting import format_quantity as qty
from core.models import Item, Machine, Unit, WorkCenter
from core.services.events import event_publish
from core.services.numbering import next_document_number
from erp import events
from erp.choices import AccountRole, JournalSource, OperationState, VarianceKind
from erp.choices import ProductionOrderState as State
from erp.models import (
    CostCenter,
    JournalLine,
    ProductionComponent,
    ProductionOperation,
    ProductionOrder,
    ProductionVariance,
    SalesOrderLine,
    ValuationLayer,
    WorkCenterRate,
)
from erp.selectors.production import order_standard_unit_cost, order_variances, standard_quantity
from erp.services.journal import Posting, account_for, journal_entry_post, to_cents
from erp.services.sales import sales_order_mark_in_production
from plm.models import BomLine, RoutingOperation
from plm.selectors.revisions import effective_bom, effective_routing
from wms.choices import LocationKind, MoveKind, RequestKind, RequestState
from wms.locations import virtual_location
from wms.models import Location, Lot, Reservation, StockMove, StockRequest, StockRequestLine, Warehouse
from wms.services.holds import lot_usable_check
from wms.services.moves import stock_move_post
from wms.services.putaway import putaway_plan
from wms.services.requests import (
    stock_request_cancel,
    stock_request_create,
    stock_request_reserve,
    stock_request_unreserve,
)

ZERO = Decimal(0)
MINUTE_STEP = Decimal("0.01")
HOUR = Decimal(60)
ORDER_NUMBERS = "MO"
CLOSED_REQUEST_STATES = (RequestState.DONE, RequestState.CANCELLED)
# What a variance of each kind is posted to.
VARIANCE_ROLES = {
    VarianceKind.MATERIAL_PRICE: AccountRole.MATERIAL_PRICE_VARIANCE,
    VarianceKind.MATERIAL_USAGE: AccountRole.MATERIAL_USAGE_VARIANCE,
    VarianceKind.LABOR_EFFICIENCY: AccountRole.LABOR_EFFICIENCY_VARIANCE,
    VarianceKind.MACHINE_EFFICIENCY: AccountRole.MACHINE_EFFICIENCY_VARIANCE,
    VarianceKind.SCRAP: AccountRole.SCRAP_VARIANCE,
}


# --- Helpers ------------------------------------------------------------------------------------------------------


def _outcome_payload(order: ProductionOrder, **more: Any) -> dict[str, Any]:
    """An event's payload about what an order made: the order, its item and its good and scrapped units."""
    return {
        "order_id": str(order.pk),
        "number": order.number,
        "item": order.item.code,
        "completed_qty": str(order.completed_qty),
        "scrapped_qty": str(order.scrapped_qty),
        **more,
    }


def _lock(order: ProductionOrder) -> ProductionOrder:
    return (
        ProductionOrder.objects.select_for_update(of=("self",))
        .select_related("item__uom", "item__category", "warehouse", "material_request", "sales_order_line__order")
        .get(pk=order.pk)
    )


def _state_names(states: tuple[str, ...]) -> str:
    return _(" or ").join(str(State(state).label).lower() for state in states)


def _require_state(order: ProductionOrder, states: tuple[str, ...], action: str) -> None:
    if order.state not in states:
        message = _("%(number)s is %(state)s; only a %(needed)s order can be %(action)s.") % {
            "number": order.number,
            "state": order.get_state_display().lower(),
            "needed": _state_names(states),
            "action": action,
        }
        raise ValidationError(message, code="wrong_state")


def _unit_step(unit: Unit) -> Decimal:
    return Decimal(1).scaleb(-unit.decimals)


def _round_up(quantity: Decimal, unit: Unit) -> Decimal:
    """A quantity the ledger can move: discrete units ('ea') in whole units, others to their decimals."""
    return quantity.quantize(_unit_step(unit), rounding=ROUND_CEILING)


def _quantity_error(item: Item, quantity: Any, *, allow_zero: bool = False) -> ValidationError | None:
    try:
        quantity = Decimal(quantity)
        quantity.quantize(_unit_step(item.uom))  # refuses NaN, infinity and absurd sizes too
    except (ArithmeticError, TypeError, ValueError):
        return ValidationError(_("Give a number."), code="invalid")
    if quantity < 0 or (quantity == 0 and not allow_zero):
        message = _("The quantity cannot be negative.") if allow_zero else _("The quantity must be more than zero.")
        return ValidationError(message, code="min_value")
    return item.precision_error(quantity)


def _wip_booked(moves: list[StockMove]) -> Decimal:
    """What ERP's valuation of the moves (same transaction) booked to WIP, debit-positive: a consumption's
    value, an output's value at the order's standard unit cost. Read from its entries rather than the
    layers' values, because standard-cost stock enters inventory at the item's standard while WIP is
    credited at the order's (the difference is a revaluation)."""
    total = ZERO
    for move in moves:
        entries = ValuationLayer.objects.filter(move=move).values("journal_entry")
        wip = account_for(AccountRole.WORK_IN_PROGRESS, item=move.item)
        sums = JournalLine.objects.filter(entry__in=entries, account=wip).aggregate(
            debit=Sum("debit", default=ZERO), credit=Sum("credit", default=ZERO)
        )
        total += sums["debit"] - sums["credit"]
    return total


@contextmanager
def _fields_renamed(**names: str) -> Iterator[None]:
    """The ledger names its move's fields (from_location, to_location, lot); these services take others."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError({names.get(name, name): errors for name, errors in error.error_dict.items()}) from error


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


# --- Planned orders -----------------------------------------------------------------------------------------------


def _order_errors(
    *,
    item: Item,
    quantity: Any,
    start_date: datetime.date,
    due_date: datetime.date,
    sales_order_line: SalesOrderLine | None,
) -> dict[str, ValidationError]:
    errors = {}
    if item.procurement != Procurement.MAKE:
        message = _("%(item)s is bought, not made; a production order makes an item whose procurement is make.") % {
            "item": item.code
        }
        errors["item"] = ValidationError(message, code="not_made")
    quantity_error = _quantity_error(item, quantity)
    if quantity_error:
        errors["quantity"] = quantity_error
    if start_date > due_date:
        message = _("The start (%(start)s) is after the due date (%(due)s).") % {
            "start": start_date.isoformat(),
            "due": due_date.isoformat(),
        }
        errors["start_date"] = ValidationError(message, code="after_due_date")
    if sales_order_line is not None and sales_order_line.item_id != item.pk:
        message = _("%(line)s is for %(other)s, not %(item)s.") % {
            "line": f"{sales_order_line.order.number}/{sales_order_line.position}",
            "other": sales_order_line.item.code,
            "item": item.code,
        }
        errors["sales_order_line"] = ValidationError(message, code="other_item")
    return errors


def production_order_create(
    *,
    item: Item,
    quantity: Decimal,
    due_date: datetime.date,
    warehouse: Warehouse,
    start_date: datetime.date | None = None,
    sales_order_line: SalesOrderLine | None = None,
    user: Any = None,
    number: str | None = None,
) -> ProductionOrder:
    """A planned order to make `quantity` of an item by the due date; it starts the item's lead time
    before, unless a start date is given. `number` keeps an imported order's own number."""
    if start_date is None:
        start_date = due_date - datetime.timedelta(days=item.lead_time_days)
    errors = _order_errors(
        item=item, quantity=quantity, start_date=start_date, due_date=due_date, sales_order_line=sales_order_line
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = ProductionOrder(
            number=number or next_document_number(doc_type=ORDER_NUMBERS),
            item=item,
            quantity=Decimal(quantity),
            start_date=start_date,
            due_date=due_date,
            warehouse=warehouse,
            sales_order_line=sales_order_line,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        order.full_clean()
        order.save()
        return order


ORDER_FIELDS = {"quantity", "start_date", "due_date", "warehouse", "sales_order_line"}


def production_order_update(*, order: ProductionOrder, **changes: Any) -> ProductionOrder:
    """Change a planned order's quantity, dates, warehouse or sales order line; firm orders are fixed."""
    unknown = set(changes) - ORDER_FIELDS
    if unknown:
        raise ValueError(f"Not a changeable production order field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (State.PLANNED,), _("changed"))
        for name, value in changes.items():
            setattr(order, name, value)
        errors = _order_errors(
            item=order.item,
            quantity=order.quantity,
            start_date=order.start_date,
            due_date=order.due_date,
            sales_order_line=order.sales_order_line,
        )
        if errors:
            raise ValidationError(errors)
        order.quantity = Decimal(order.quantity)
        order.full_clean()
        order.save()
        return order


# --- Firm: the order's own copy of the BOM and routing ------------------------------------------------------------


def _rates(work_centers: set[int]) -> dict[int, WorkCenterRate]:
    return {rate.work_center_id: rate for rate in WorkCenterRate.objects.filter(work_center__in=work_centers)}


def _frozen_rates(work_center: WorkCenter, rate: WorkCenterRate | None) -> dict[str, Decimal]:
    """The rates an operation on the work center keeps for its life (its fields of that name)."""
    machine_rate = rate.machine_rate_per_hour if rate is not None else ZERO
    return {
        "labor_rate_per_hour": rate.labor_rate_per_hour if rate is not None else ZERO,
        # No machine rate of ERP's own: the work center's cost per hour is its machine overhead.
        "machine_rate_per_hour": machine_rate or work_center.cost_per_hour,
        "crew_size": rate.crew_size if rate is not None else Decimal(1),
    }


def production_order_firm(*, order: ProductionOrder, user: Any = None) -> ProductionOrder:
    """Copy the BOM and routing revisions effective on the start date onto the order: from now on the order
    keeps them, whatever engineering releases later. Refused when either has no released revision then."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (State.PLANNED,), _("firmed"))
        bom = effective_bom(item=order.item, on=order.start_date)
        routing = effective_routing(item=order.item, on=order.start_date)
        errors = {}
        what = {"item": order.item.code, "day": order.start_date.isoformat()}
        if bom is None:
            message = _("%(item)s has no released BOM effective on %(day)s, the order's start; release one first.")
            errors["bom_revision"] = ValidationError(message % what, code="no_effective_bom")
        if routing is None:
            message = _("%(item)s has no released routing effective on %(day)s, the order's start; release one first.")
            errors["routing_revision"] = ValidationError(message % what, code="no_effective_routing")
        if errors:
            raise ValidationError(errors)
        lines = BomLine.objects.filter(bom=bom).select_related("component__uom", "uom").order_by("position")
        components = []
        for line in lines:
            component_unit = line.component.uom
            # Stock moves count in the component's own unit: the BOM line's unit converts into it.
            qty_per = (line.qty_per * line.uom.ratio_to(component_unit)).quantize(Decimal("0.000001"))
            component = ProductionComponent(
                order=order, position=line.position, item=line.component, qty_per=qty_per, scrap_pct=line.scrap_pct
            )
            component.required_qty = _round_up(standard_quantity(component, order.quantity), component_unit)
            components.append(component)
        steps = list(RoutingOperation.objects.filter(routing=routing).select_related("work_center").order_by("seq"))
        rates = _rates({step.work_center_id for step in steps})
        operations = [
            ProductionOperation(
                order=order,
                seq=step.seq,
                name=step.name,
                work_center=step.work_center,
                setup_minutes=step.setup_minutes,
                run_minutes_per_unit=step.run_minutes_per_unit,
                queue_minutes=step.queue_minutes,
                move_minutes=step.move_minutes,
                instructions=step.instructions,
                **_frozen_rates(step.work_center, rates.get(step.work_center_id)),
            )
            for step in steps
        ]
        for record in (*components, *operations):
            record.full_clean(exclude=["order"])
        ProductionComponent.objects.bulk_create(components)
        ProductionOperation.objects.bulk_create(operations)
        order.bom_revision, order.routing_revision = bom, routing
        order.state = State.FIRM
        order.save(update_fields=["bom_revision", "routing_revision", "state", "updated_at"])
        return order


# --- Release ------------------------------------------------------------------------------------------------------


def _released_payload(order: ProductionOrder, operations: list[ProductionOperation]) -> dict[str, Any]:
    sales_line = order.sales_order_line
    return {
        "order_id": str(order.pk),
        "number": order.number,
        "item": order.item.code,
        "quantity": str(order.quantity),
        "unit": order.item.uom.code,
        "start_date": _iso(order.start_date),
        "due_date": _iso(order.due_date),
        "warehouse": order.warehouse.code,
        "sales_order": sales_line.order.number if sales_line else None,
        "bom_revision": order.bom_revision.revision if order.bom_revision else None,
        "routing_revision": order.routing_revision.revision if order.routing_revision else None,
        "operations": [
            {
                "id": str(operation.pk),
                "seq": operation.seq,
                "name": operation.name,
                "work_center": operation.work_center.code,
                "state": operation.state,
                "setup_minutes": str(operation.setup_minutes),
                "run_minutes_per_unit": str(operation.run_minutes_per_unit),
                "queue_minutes": str(operation.queue_minutes),
                "move_minutes": str(operation.move_minutes),
                "crew_size": str(operation.crew_size),
            }
            for operation in operations
        ],
    }


def production_order_release(*, order: ProductionOrder, user: Any = None) -> ProductionOrder:
    """Release a firm order to the floor: freeze its standard costs, ask WMS for its material and reserve it,
    make its first operation ready and tell MES and APS; a sales order it makes for goes into production."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (State.FIRM,), _("released"))
        components = list(order.components.select_related("item__uom").order_by("position"))
        operations = list(order.operations.select_related("work_center").order_by("seq"))
        for component in components:
            component.standard_unit_cost = component.item.standard_cost
        ProductionComponent.objects.bulk_update(components, ["standard_unit_cost"])
        order.standard_unit_cost = order_standard_unit_cost(
            quantity=order.quantity, components=components, operations=operations
        )
        if components:
            request = stock_request_create(
                kind=RequestKind.MATERIAL,
                warehouse=order.warehouse,
                destination=virtual_location(LocationKind.PRODUCTION),
                lines=[(component.item, component.required_qty, None) for component in components],
                reference=order.number,
                needed_on=order.start_date,
            )
            order.material_request = stock_request_reserve(request=request)
        if operations:
            operations[0].state = OperationState.READY
            operations[0].save(update_fields=["state", "updated_at"])
        order.state = State.RELEASED
        order.released_at = timezone.now()
        order.save(update_fields=["standard_unit_cost", "material_request", "state", "released_at", "updated_at"])
        if order.sales_order_line is not None:
            sales_order_mark_in_production(order=order.sales_order_line.order)
        event_publish(
            name=events.PRODUCTION_ORDER_RELEASED,
            payload=_released_payload(order, operations),
            aggregate=order,
            actor=user,
        )
        return order


# --- Operations: what MES reports ---------------------------------------------------------------------------------

WORKING_STATES = (State.RELEASED, State.IN_PROGRESS)
OPEN_OPERATION_STATES = (OperationState.READY, OperationState.IN_PROGRESS)


def _lock_operation(operation: ProductionOperation) -> tuple[ProductionOrder, ProductionOperation]:
    order = _lock(ProductionOrder(pk=operation.order_id))
    operation = (
        ProductionOperation.objects.select_for_update(of=("self",)).select_related("work_center").get(pk=operation.pk)
    )
    return order, operation


def _require_open_operation(operation: ProductionOperation, order: ProductionOrder, action: str) -> None:
    if operation.state not in OPEN_OPERATION_STATES:
        if operation.state == OperationState.PENDING:
            message = _("Operation %(seq)s of %(number)s is not ready: the operation before it is not finished.")
            code = "operation_not_ready"
        else:
            message = _("Operation %(seq)s of %(number)s is done; nothing more can be %(action)s on it.")
            code = "operation_done"
        raise ValidationError(message % {"seq": operation.seq, "number": order.number, "action": action}, code=code)


def _minutes(value: Any, name: str, errors: dict[str, ValidationError]) -> Decimal:
    try:
        minutes = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        errors[name] = ValidationError(_("Give a number of minutes."), code="invalid")
        return ZERO
    if minutes < 0:
        errors[name] = ValidationError(_("Minutes cannot be negative."), code="min_value")
    # The minutes are stored to the hundredth; what is booked is worked out from what is stored.
    return minutes.quantize(MINUTE_STEP, rounding=ROUND_HALF_UP)


def production_operation_report(
    *,
    operation: ProductionOperation,
    good_qty: Decimal = ZERO,
    scrap_qty: Decimal = ZERO,
    machine_minutes: Decimal = ZERO,
    labor_minutes: Decimal | None = None,
    user: Any = None,
    correction: bool = False,
) -> ProductionOperation:
    """Add what MES reports on an operation: good and scrapped units, machine minutes and labor minutes
    (the machine minutes times the crew when not given). The time is absorbed at the operation's frozen
    rates: WIP is debited, labor and machine absorbed are credited. Scrap adds to the order's scrapped units.

    `correction`: MES puts its own counts right. The units may then be negative (the operation's totals
    may not), and an operation already done may be corrected while its order is open.
    """
    with transaction.atomic():
        order, operation = _lock_operation(operation)
        _require_state(order, WORKING_STATES, _("reported on"))
        if not (correction and operation.state == OperationState.DONE):
            _require_open_operation(operation, order, _("reported"))
        errors: dict[str, ValidationError] = {}
        for name, value in (("good_qty", good_qty), ("scrap_qty", scrap_qty)):
            error = _quantity_error(order.item, abs(Decimal(value)) if correction else value, allow_zero=True)
            if error:
                errors[name] = error
        if correction and not errors:
            for name, total in (
                ("good_qty", operation.good_qty + Decimal(good_qty)),
                ("scrap_qty", operation.scrap_qty + Decimal(scrap_qty)),
            ):
                if total < 0:
                    message = _("The correction would leave operation %(seq)s with fewer than 0 units.")
                    errors[name] = ValidationError(message % {"seq": operation.seq}, code="min_value")
        machine = _minutes(machine_minutes, "machine_minutes", errors)
        labor = (
            (machine * operation.crew_size).quantize(MINUTE_STEP, rounding=ROUND_HALF_UP)
            if labor_minutes is None
            else _minutes(labor_minutes, "labor_minutes", errors)
        )
        if errors:
            raise ValidationError(errors)
        good, scrap = Decimal(good_qty), Decimal(scrap_qty)
        if not (good or scrap or machine or labor):
            raise ValidationError(_("Report good or scrapped units, or minutes worked."), code="empty_report")
        labor_cost = to_cents(labor / HOUR * operation.labor_rate_per_hour)
        machine_cost = to_cents(machine / HOUR * operation.machine_rate_per_hour)
        wip = account_for(AccountRole.WORK_IN_PROGRESS, item=order.item)
        cost_center = CostCenter.objects.filter(work_center=operation.work_center_id).first()
        what = {"number": order.number, "seq": operation.seq, "work_center": operation.work_center.code}
        journal_entry_post(
            date=timezone.localdate(),
            memo=_("%(number)s op %(seq)s %(work_center)s: time absorbed") % what,
            source=JournalSource.PRODUCTION,
            reference=order.number,
            postings=[
                Posting(wip, labor_cost, _("Labor, %(minutes)s min") % {"minutes": labor}, item=order.item),
                Posting(wip, machine_cost, _("Machine, %(minutes)s min") % {"minutes": machine}, item=order.item),
                Posting(
                    account_for(AccountRole.LABOR_ABSORBED, item=order.item),
                    -labor_cost,
                    order.number,
                    item=order.item,
                    cost_center=cost_center,
                ),
                Posting(
                    account_for(AccountRole.MACHINE_ABSORBED, item=order.item),
                    -machine_cost,
                    order.number,
                    item=order.item,
                    cost_center=cost_center,
                ),
            ],
            user=user,
        )
        operation.good_qty += good
        operation.scrap_qty += scrap
        operation.actual_machine_minutes += machine
        operation.actual_labor_minutes += labor
        operation.absorbed_labor += labor_cost
        operation.absorbed_machine += machine_cost
        if operation.state != OperationState.DONE:
            operation.state = OperationState.IN_PROGRESS
        operation.started_at = operation.started_at or timezone.now()
        operation.save()
        order.scrapped_qty += scrap
        order.state = State.IN_PROGRESS
        order.save(update_fields=["scrapped_qty", "state", "updated_at"])
        return operation


def production_operation_start(
    *, operation: ProductionOperation, machine: Machine, at: datetime.datetime | None = None, user: Any = None
) -> ProductionOperation:
    """MES started the operation on a machine of its work center: it and its order are in progress, and
    scheduling knows where it runs. Starting again (after a pause, on another machine) moves it there."""
    with transaction.atomic():
        order, operation = _lock_operation(operation)
        _require_state(order, WORKING_STATES, _("started"))
        _require_open_operation(operation, order, _("started"))
        if machine.work_center_id != operation.work_center_id:
            message = _("%(machine)s is not a machine of %(work_center)s, where operation %(seq)s runs.") % {
                "machine": machine.code,
                "work_center": operation.work_center.code,
                "seq": operation.seq,
            }
            raise ValidationError({"machine": ValidationError(message, code="other_work_center")})
        operation.state = OperationState.IN_PROGRESS
        operation.machine = machine
        operation.started_at = operation.started_at or at or timezone.now()
        operation.save(update_fields=["state", "machine", "started_at", "updated_at"])
        if order.state != State.IN_PROGRESS:
            order.state = State.IN_PROGRESS
            order.save(update_fields=["state", "updated_at"])
        return operation


def production_operation_finish(
    *, operation: ProductionOperation, at: datetime.datetime | None = None, user: Any = None
) -> ProductionOperation:
    """The operation is done: the next one becomes ready for MES to start."""
    with transaction.atomic():
        order, operation = _lock_operation(operation)
        _require_state(order, WORKING_STATES, _("worked on"))
        _require_open_operation(operation, order, _("finished"))
        now = at or timezone.now()
        operation.state = OperationState.DONE
        operation.started_at = operation.started_at or now
        operation.finished_at = now
        operation.save(update_fields=["state", "started_at", "finished_at", "updated_at"])
        following = (
            order.operations.select_for_update()
            .filter(seq__gt=operation.seq, state=OperationState.PENDING)
            .order_by("seq")
            .first()
        )
        if following is not None:
            following.state = OperationState.READY
            following.save(update_fields=["state", "updated_at"])
        return operation


def production_operation_add(
    *,
    order: ProductionOrder,
    seq: int,
    work_center: WorkCenter,
    name: str,
    instructions: str = "",
    user: Any = None,
) -> ProductionOperation:
    """An operation the routing did not plan (a rework) added as number `seq` to an order being worked on,
    ready for MES to start at once. It carries no standard time: its hours are absorbed at the work
    center's rates and end up as efficiency variance, the cost of doing the work twice."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, WORKING_STATES, _("given an operation"))
        name = name.strip()
        if not name:
            raise ValidationError({"name": ValidationError(_("Name the operation."), code="required")})
        if order.operations.filter(seq=seq).exists():
            message = _("%(number)s has an operation %(seq)s already.") % {"number": order.number, "seq": seq}
            raise ValidationError({"seq": ValidationError(message, code="seq_taken")})
        operation = ProductionOperation(
            order=order,
            seq=seq,
            name=name,
            work_center=work_center,
            instructions=instructions,
            state=OperationState.READY,
            **_frozen_rates(work_center, _rates({work_center.pk}).get(work_center.pk)),
        )
        operation.full_clean()
        operation.save()
        return operation


# --- Material -----------------------------------------------------------------------------------------------------

ISSUE_STATES = (State.RELEASED, State.IN_PROGRESS, State.COMPLETED)


def _take_reservations(
    order: ProductionOrder, reservations: QuerySet, quantity: Decimal, production: Location, user: Any
) -> tuple[list[StockMove], Decimal]:
    """Consume reserved stock, reservation by reservation; returns the moves and what is still to issue."""
    moves = []
    for reservation in reservations.select_related("quant__location", "quant__lot", "line__item__uom").order_by(
        "quant_id", "pk"
    ):
        if quantity <= 0:
            break
        lot_usable_check(reservation.quant.lot)
        take = min(quantity, reservation.quantity)
        moves.append(
            stock_move_post(
                item=reservation.line.item,
                quantity=take,
                from_location=reservation.quant.location,
                to_location=production,
                kind=MoveKind.CONSUMPTION,
                lot=reservation.quant.lot,
                reference=order.number,
                user=user,
                reserved=take,
            )
        )
        if take == reservation.quantity:
            reservation.delete()
        else:
            Reservation.objects.filter(pk=reservation.pk).update(quantity=F("quantity") - take)
        StockRequestLine.objects.filter(pk=reservation.line_id).update(delivered=F("delivered") + take)
        quantity -= take
    return moves, quantity


def _issue(
    order: ProductionOrder,
    item: Item,
    quantity: Decimal,
    lot: Lot | None,
    location: Location | None,
    user: Any,
    *,
    reserved_anywhere: bool,
    settle_request: bool = True,
) -> list[StockMove]:
    """Consumption moves of `quantity`: reserved stock first (only the named location's, unless
    `reserved_anywhere`), the rest from the free stock of `location`. `settle_request=False` leaves
    the material request's state to the caller (a backflush settles it once, after every component).
    A lot on quality hold is refused."""
    lot_usable_check(lot)
    production = virtual_location(LocationKind.PRODUCTION)
    request = order.material_request
    if request is not None:
        request = StockRequest.objects.select_for_update().get(pk=request.pk)
    moves: list[StockMove] = []
    remaining = quantity
    active = request is not None and request.state not in CLOSED_REQUEST_STATES
    if active:
        reservations = Reservation.objects.filter(line__request=request, line__item=item)
        if location is not None and not reserved_anywhere:
            reservations = reservations.filter(quant__location=location)
        if lot is not None:
            reservations = reservations.filter(quant__lot=lot)
        moves, remaining = _take_reservations(
            order, reservations.select_for_update(of=("self",)), remaining, production, user
        )
    if remaining > 0:
        if location is None:
            message = _(
                "Only %(reserved)s %(unit)s of %(item)s is reserved for %(number)s; name the location to issue "
                "the other %(rest)s from."
            ) % {
                "reserved": qty(quantity - remaining),
                "unit": item.uom.code,
                "item": item.code,
                "number": order.number,
                "rest": qty(remaining),
            }
            raise ValidationError({"location": ValidationError(message, code="not_reserved")})
        moves.append(
            stock_move_post(
                item=item,
                quantity=remaining,
                from_location=location,
                to_location=production,
                kind=MoveKind.CONSUMPTION,
                lot=lot,
                reference=order.number,
                user=user,
            )
        )
        if active:
            line = request.lines.filter(item=item).order_by("pk").first()
            if line is not None:
                StockRequestLine.objects.filter(pk=line.pk).update(delivered=F("delivered") + remaining)
    if active and settle_request:
        # Sets the request's state from what is delivered and held (and reserves what is still due).
        stock_request_reserve(request=request)
    return moves


def _issue_component(
    order: ProductionOrder,
    component: ProductionComponent,
    quantity: Any,
    lot: Lot | None,
    location: Location | None,
    user: Any,
    *,
    reserved_anywhere: bool = False,
    settle_request: bool = True,
) -> ProductionComponent:
    """Issue to a locked order: the component's issued quantity and value grow by the moves'."""
    component = (
        ProductionComponent.objects.select_for_update(of=("self",))
        .select_related("item__uom")
        .filter(pk=component.pk, order=order)
        .first()
    )
    if component is None:
        message = _("That component is not on %(number)s.") % {"number": order.number}
        raise ValidationError({"component": ValidationError(message, code="not_on_order")})
    error = _quantity_error(component.item, quantity)
    if error:
        raise ValidationError({"quantity": error})
    quantity = Decimal(quantity)
    with _fields_renamed(from_location="location"):
        moves = _issue(
            order,
            component.item,
            quantity,
            lot,
            location,
            user,
            reserved_anywhere=reserved_anywhere,
            settle_request=settle_request,
        )
    component.issued_qty += quantity
    component.issued_value += _wip_booked(moves)
    component.save(update_fields=["issued_qty", "issued_value", "updated_at"])
    if order.state == State.RELEASED:
        order.state = State.IN_PROGRESS
        order.save(update_fields=["state", "updated_at"])
    return component


def production_material_issue(
    *,
    order: ProductionOrder,
    component: ProductionComponent,
    quantity: Decimal,
    lot: Lot | None = None,
    location: Location | None = None,
    user: Any = None,
) -> ProductionComponent:
    """Issue a quantity of a component to the order, as consumption moves from stock to production: out of
    the material request's reservations first (those in the named location and of the named lot, when
    given: the stock the operator took), the rest from the free stock of the named location. The
    component's issued quantity and value (what WIP was debited) grow by the moves'."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, ISSUE_STATES, _("issued to"))
        return _issue_component(order, component, quantity, lot, location, user)


def production_backflush(
    *, order: ProductionOrder, quantity: Decimal, location: Location | None = None, user: Any = None
) -> list[ProductionComponent]:
    """Issue every component for `quantity` units of the parent by the standard, SQ(quantity) = quantity x
    qty_per x (1 + scrap %), rounded up to what the component's unit can count. Each draws on its
    reservations wherever they are; what they do not cover comes from `location`. All or nothing."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, ISSUE_STATES, _("issued to"))
        error = _quantity_error(order.item, quantity)
        if error:
            raise ValidationError({"quantity": error})
        issued = []
        for component in order.components.select_related("item__uom").order_by("position"):
            needed = _round_up(standard_quantity(component, Decimal(quantity)), component.item.uom)
            if needed > 0:
                issued.append(
                    _issue_component(
                        order, component, needed, None, location, user, reserved_anywhere=True, settle_request=False
                    )
                )
        # Once for all components: re-reserving after each would redo every line of the request each time.
        if issued and order.material_request_id is not None:
            request = StockRequest.objects.select_for_update().get(pk=order.material_request_id)
            if request.state not in CLOSED_REQUEST_STATES:
                stock_request_reserve(request=request)
        return issued


# --- Output -------------------------------------------------------------------------------------------------------


def _output_lot(item: Item, lot_code: str | None) -> Lot | None:
    if not lot_code:
        return None
    lot = Lot.objects.filter(item=item, code=lot_code).first()
    if lot is None:
        lot = Lot(item=item, code=lot_code)
        lot.full_clean()
        lot.save()
    return lot


def production_output_receive(
    *,
    order: ProductionOrder,
    quantity: Decimal,
    lot_code: str | None = None,
    location: Location | None = None,
    user: Any = None,
) -> StockMove:
    """Receive good units into stock at the order's standard unit cost (valuation debits inventory and
    credits WIP): into the named location, or onto the warehouse's receiving dock with put-away tasks."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, WORKING_STATES, _("received from"))
        error = _quantity_error(order.item, quantity)
        if error:
            raise ValidationError({"quantity": error})
        warehouse = order.warehouse
        target = location or warehouse.receiving_location
        if target is None:
            message = _("%(warehouse)s has no receiving location; name where the output goes.") % {
                "warehouse": warehouse.code
            }
            raise ValidationError({"location": ValidationError(message, code="required")})
        if target.warehouse_id != warehouse.pk:
            message = _("%(location)s is not a location of %(warehouse)s, the order's warehouse.") % {
                "location": target.code,
                "warehouse": warehouse.code,
            }
            raise ValidationError({"location": ValidationError(message, code="other_warehouse")})
        quantity = Decimal(quantity)
        with _fields_renamed(to_location="location", lot="lot_code", code="lot_code"):
            lot = _output_lot(order.item, lot_code)
            move = stock_move_post(
                item=order.item,
                quantity=quantity,
                from_location=virtual_location(LocationKind.PRODUCTION),
                to_location=target,
                kind=MoveKind.PRODUCTION,
                lot=lot,
                unit_cost=order.standard_unit_cost,
                reference=order.number,
                user=user,
            )
        if location is None:
            putaway_plan(item=order.item, quantity=quantity, from_location=target, warehouse=warehouse, lot=lot)
        order.completed_qty += quantity
        order.received_value -= _wip_booked([move])
        order.state = State.IN_PROGRESS
        order.save(update_fields=["completed_qty", "received_value", "state", "updated_at"])
        return move


# --- Complete, close, cancel --------------------------------------------------------------------------------------


def production_order_complete(*, order: ProductionOrder, user: Any = None) -> ProductionOrder:
    """Nothing more will be made: operations still open are done, material still reserved is released."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, WORKING_STATES, _("completed"))
        if not (order.completed_qty or order.scrapped_qty):
            message = _("%(number)s has received and scrapped nothing; receive its output, or cancel it.") % {
                "number": order.number
            }
            raise ValidationError(message, code="nothing_made")
        now = timezone.now()
        order.operations.exclude(state=OperationState.DONE).update(
            state=OperationState.DONE, finished_at=now, updated_at=now
        )
        request = order.material_request
        if request is not None and request.state not in CLOSED_REQUEST_STATES:
            order.material_request = stock_request_unreserve(request=request)
        order.state = State.COMPLETED
        order.completed_at = now
        order.save(update_fields=["state", "completed_at", "updated_at"])
        sales_line = order.sales_order_line
        event_publish(
            name=events.PRODUCTION_ORDER_COMPLETED,
            payload=_outcome_payload(
                order,
                quantity=str(order.quantity),
                completed_at=now.isoformat(),
                sales_order=sales_line.order.number if sales_line else None,
            ),
            aggregate=order,
            actor=user,
        )
        return order


def production_order_close(
    *, order: ProductionOrder, date: datetime.date | None = None, user: Any = None
) -> ProductionOrder:
    """Close a completed order: store its variances and post one entry that clears its WIP into the
    variance accounts. The variances add up to the WIP balance to the cent (rounding in material usage)."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, (State.COMPLETED,), _("closed"))
        today = timezone.localdate()
        date = date or today
        if date > today:
            message = _("Variances cannot be posted in the future.")
            raise ValidationError({"date": ValidationError(message, code="future")})
        variances = order_variances(order=order)
        postings = [
            Posting(
                account_for(VARIANCE_ROLES[kind], item=order.item),
                amount,
                str(VarianceKind(kind).label),
                item=order.item,
            )
            for kind, amount in variances.amounts.items()
        ]
        postings.append(
            Posting(
                account_for(AccountRole.WORK_IN_PROGRESS, item=order.item),
                -variances.wip_balance,
                _("WIP of %(number)s cleared") % {"number": order.number},
                item=order.item,
            )
        )
        entry = journal_entry_post(
            date=date,
            memo=_("%(number)s %(item)s: production variances") % {"number": order.number, "item": order.item.code},
            source=JournalSource.PRODUCTION,
            reference=order.number,
            postings=postings,
            user=user,
        )
        ProductionVariance.objects.bulk_create(
            ProductionVariance(order=order, kind=kind, amount=amount, date=date, journal_entry=entry)
            for kind, amount in variances.amounts.items()
        )
        order.state = State.CLOSED
        order.closed_at = timezone.now()
        order.save(update_fields=["state", "closed_at", "updated_at"])
        event_publish(
            name=events.PRODUCTION_ORDER_CLOSED,
            payload=_outcome_payload(
                order,
                variances={kind: str(amount) for kind, amount in variances.amounts.items()},
                wip_cleared=str(variances.wip_balance),
                journal_entry=entry.number,
                date=date.isoformat(),
                closed_at=order.closed_at.isoformat(),
            ),
            aggregate=order,
            actor=user,
        )
        return order


CANCELLABLE = (State.PLANNED, State.FIRM, State.RELEASED)


def production_order_cancel(*, order: ProductionOrder, user: Any = None) -> ProductionOrder:
    """Cancel an order nothing was issued to, reported on or received from; its material request is cancelled
    and its reservations released."""
    with transaction.atomic():
        order = _lock(order)
        _require_state(order, CANCELLABLE, _("cancelled"))
        issued = order.components.filter(issued_qty__gt=0).exists()
        reported = order.operations.exclude(state__in=(OperationState.PENDING, OperationState.READY)).exists()
        if issued or reported or order.completed_qty:
            message = _("%(number)s has material issued or work reported; complete and close it instead.") % {
                "number": order.number
            }
            raise ValidationError(message, code="started")
        request = order.material_request
        if request is not None and request.state not in CLOSED_REQUEST_STATES:
            order.material_request = stock_request_cancel(request=request)
        previous = order.state
        order.state = State.CANCELLED
        order.save(update_fields=["state", "updated_at"])
        event_publish(
            name=events.PRODUCTION_ORDER_CANCELLED,
            payload={
                "order_id": str(order.pk),
                "number": order.number,
                "item": order.item.code,
                "quantity": str(order.quantity),
                "previous_state": previous,
            },
            aggregate=order,
            actor=user,
        )
        return order
