"""The demo company's after-sales service: SLA terms, and a batch of kettles the cases of this week trace to.

- SLA policies on the service desk's hours (Monday to Friday, 09:00-18:00 in Suzhou): the standard terms, the
  urgent ones around the clock, and MediaHome's own (a key account answered within four hours).
- Six weeks ago Ningbo Heating delivered heating-element lot HE-xxxx-NB; the floor brazed it into a lot of
  heating assemblies (KT-HEAT) and assembled, tested (hi-pot, recorded against an inspection plan) and packed
  six KT-200 kettles from them (serials KT200-yymm-0901 to 0906), all through the MES services. Four went to
  MediaHome and two to HomePlus on sales orders that were shipped and invoiced.
- The cases: MediaHome's kettle 0901 trips the breaker (in progress: quality raised a nonconformance on the
  element lot, so the case page suspects it and lists the five other kettles and both customers); HomePlus's
  0905 smells of burnt plastic, urgent and unanswered for two days (breached, flagged by the SLA sweep);
  MediaHome's 0902 leaked at the base, was returned on an RMA received into quality hold (MAIN/QC, the unit
  on hold) and the case resolved; JD reported a serial that is in no record, and is asked for a photo.

The batch is made on past days (time_machine) on machines the live shop floor leaves free; every stock move
is the warehouse's. Loaded once: a second run changes nothing but the SLA policies' terms.
"""

import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.models import Contact, Item, Machine, Partner, Shift, WorkCalendar
from crm.models import CasePriority, ServiceCase, SlaClock, SlaPolicy
from crm.services import cases as services
from erp.choices import ProductionOrderState
from erp.models import Employee, ProductionOrder
from erp.selectors.people import qualified_employees
from erp.services import production
from erp.services.purchasing import purchase_order_create, purchase_order_send
from erp.services.sales import sales_order_confirm, sales_order_create, sales_order_invoice
from mes.choices import CharacteristicKind, InspectionTrigger, RunState
from mes.models import Characteristic, Downtime, InspectionPlan, OperationRun
from mes.services import execution, quality
from wms.choices import LocationKind
from wms.models import Location, Lot, Quant, Warehouse
from wms.services.picking import pick_confirm, pick_list_create, shipment_create, shipment_ship
from wms.services.putaway import stock_task_confirm
from wms.services.receipts import quality_release, receipt_receive

SERVICE_HOURS = ("SERVICE", "Service desk, Monday to Friday 09:00-18:00", "Asia/Shanghai")
# code, name, customer, priority, response hours, resolution hours, clock
POLICIES = [
    ("STANDARD", "Standard service", None, "", "8", "40", SlaClock.BUSINESS),
    ("URGENT", "Urgent: safety or no heat at all", None, CasePriority.URGENT, "2", "24", SlaClock.ALWAYS),
    ("MEDIA-KEY", "MediaHome key account", "C-MEDIA", "", "4", "24", SlaClock.BUSINESS),
]
BATCH = 6
MADE_DAYS_AGO = 40
# Which kettles of the batch (by position) go to whom.
SHIPPED = {"C-MEDIA": [1, 2, 3, 4], "C-HOMEPLUS": [5, 6]}
HIPOT = ("IP-KT200-HIPOT", "KT-200 hi-pot test", "Leakage current", Decimal("0.75"))


def load() -> dict[str, int]:
    calendar = _service_hours()
    for code, name, customer, priority, response, resolution, clock in POLICIES:
        SlaPolicy.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "customer": Partner.objects.get(code=customer) if customer else None,
                "priority": priority,
                "first_response_hours": Decimal(response),
                "resolution_hours": Decimal(resolution),
                "clock": clock,
                "calendar": calendar if clock == SlaClock.BUSINESS else None,
            },
        )
    if not ServiceCase.objects.exists():
        _cases(_batch())
    return {
        "SLA policies": SlaPolicy.objects.count(),
        "service cases": ServiceCase.objects.count(),
        "RMAs": ServiceCase.objects.filter(rmas__isnull=False).count(),
    }


def _service_hours() -> WorkCalendar:
    code, name, zone = SERVICE_HOURS
    calendar, created = WorkCalendar.objects.get_or_create(code=code, defaults={"name": name, "timezone": zone})
    if created:
        for weekday in range(5):
            Shift.objects.create(
                calendar=calendar,
                name="Service desk",
                weekday=weekday,
                start_time=datetime.time(9),
                end_time=datetime.time(18),
            )
    return calendar


ROLES = ("sales", "quality", "warehouse", "operator", "planner", "finance", "buyer")


def _users() -> dict[str, Any]:
    """The demo's logins by name: each step is done by whoever does it in the plant."""
    return {user.username: user for user in get_user_model().objects.filter(username__in=ROLES)}


def _day(days_ago: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of a past day on the plant's clock (Suzhou); today's, at the latest a quarter of an hour ago."""
    now = timezone.localtime(timezone=ZoneInfo(SERVICE_HOURS[2]))
    moment = (now - datetime.timedelta(days=days_ago)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return min(moment, now - datetime.timedelta(minutes=15))


# --- The batch: bought, made on the floor, shipped -------------------------------------------------------------


def _free_machine(work_center: str) -> Machine | None:
    """A machine of the work center with nothing open on it (the live floor keeps some busy)."""
    busy = OperationRun.objects.exclude(state=RunState.DONE).values("machine")
    down = Downtime.objects.filter(end__isnull=True).values("machine")
    return (
        Machine.objects.filter(work_center__code=work_center, active=True)
        .exclude(pk__in=busy)
        .exclude(pk__in=down)
        .order_by("code")
        .first()
    )


def _operator(machine: Machine, on: datetime.date) -> Employee | None:
    return qualified_employees(machine=machine, on=on).filter(department__code="PROD").order_by("number").first()


class Floor:
    """Runs the batch's orders on the free machines, as the operators on the tablets would."""

    def __init__(self, machines: dict[str, Machine], users: dict[str, Any]):
        self.machines, self.users = machines, users

    def run(self, operation, start: datetime.datetime, minutes: int, *, consume=(), produce=None, inspect=None):
        """Start, consume the lots scanned, count the good units, record the inspection, produce, complete."""
        machine = self.machines[operation.work_center.code]
        employee = _operator(machine, start.date())
        operator, warehouse = self.users["operator"], self.users["warehouse"]
        run = execution.operation_start(
            operation=operation, machine=machine, at=start, employee=employee, user=operator
        )
        moment = start + datetime.timedelta(minutes=5)
        for lot, quantity in consume:
            # The scanned lot's bin: what its reservations for the order do not cover comes from there.
            where = Quant.objects.filter(lot=lot, quantity__gt=0, location__kind=LocationKind.INTERNAL).first()
            execution.material_consume(
                run=run,
                component=operation.order.components.get(item=lot.item),
                quantity=quantity,
                lot=lot,
                location=where.location if where else None,
                at=moment,
                employee=employee,
                user=warehouse,
            )
        finished = start + datetime.timedelta(minutes=minutes)
        execution.operation_count(
            run=run,
            good_qty=operation.order.quantity,
            at=finished - datetime.timedelta(minutes=10),
            employee=employee,
            user=operator,
        )
        if inspect is not None:
            inspect(operation, machine, employee, finished - datetime.timedelta(minutes=8))
        made = []
        if produce is not None:
            location, codes = produce
            for code, quantity in codes:
                made += execution.lot_produce(
                    run=run,
                    quantity=quantity,
                    lot_code=code,
                    location=location,
                    at=finished - datetime.timedelta(minutes=5),
                    employee=employee,
                    user=warehouse,
                )
        execution.operation_complete(run=run, at=finished, employee=employee, user=operator)
        return [event.lot for event in made]


def _released(item: Item, warehouse: Warehouse, users) -> ProductionOrder:
    planner = users.get("planner")
    order = production.production_order_create(
        item=item, quantity=Decimal(BATCH), due_date=timezone.localdate(), warehouse=warehouse, user=planner
    )
    return production.production_order_release(
        order=production.production_order_firm(order=order, user=planner), user=planner
    )


def _completed(order: ProductionOrder, users) -> None:
    order.refresh_from_db()
    if order.state != ProductionOrderState.COMPLETED:
        production.production_order_complete(order=order, user=users.get("planner"))


def _hipot_plan(kettle: Item) -> InspectionPlan:
    code, name, characteristic, limit = HIPOT
    plan, created = InspectionPlan.objects.get_or_create(
        code=code, defaults={"name": name, "item": kettle, "trigger": InspectionTrigger.OPERATION, "operation_seq": 20}
    )
    if created:
        Characteristic.objects.create(
            plan=plan, position=1, name=characteristic, kind=CharacteristicKind.VARIABLE, upper_limit=limit
        )
    return plan


def _batch() -> list[Lot]:
    """The six kettles, made and shipped; none when the live floor leaves no assembly, test or packing
    machine free (the cases are then opened on units without a genealogy)."""
    machines = {code: _free_machine(code) for code in ("ASSY", "TEST", "PACK")}
    if None in machines.values():
        return []
    users = _users()
    warehouse = Warehouse.objects.get(code="MAIN")
    items = {item.code: item for item in Item.objects.filter(code__in=["HE-2000", "KT-HEAT", "KT-200"])}
    floor = Floor(machines, users)
    made_on = _day(MADE_DAYS_AGO, 8)
    stamp = f"{made_on:%y%m}"

    with time_machine.travel(_day(MADE_DAYS_AGO + 1, 9), tick=False):
        order = purchase_order_send(
            order=purchase_order_create(
                supplier=Partner.objects.get(code="S-HEAT"),
                warehouse=warehouse,
                lines=[
                    {"item": items["HE-2000"], "quantity": Decimal(BATCH), "unit_price": items["HE-2000"].standard_cost}
                ],
                buyer=users.get("buyer"),
            ),
            user=users.get("buyer"),
        )
        element_code = f"HE-{stamp}-NB"
        tasks = receipt_receive(
            line=order.receipt.lines.get(), quantity=Decimal(BATCH), lot_code=element_code, user=users["warehouse"]
        )
        elements = Lot.objects.get(item=items["HE-2000"], code=element_code)
        Lot.objects.filter(pk=elements.pk).update(supplier_lot="NB-HE-8125")
        if not tasks:  # held for inspection on arrival: released as passed
            tasks = quality_release(
                item=items["HE-2000"],
                warehouse=warehouse,
                quantity=Decimal(BATCH),
                lot=elements,
                user=users["warehouse"],
            )
        for task in tasks:
            target = task.to_location or _bin("C-01")
            stock_task_confirm(task=task, location=target, user=users["warehouse"], other_bin=task.to_location is None)

    with time_machine.travel(_day(MADE_DAYS_AGO, 14), tick=False):
        heat_order = _released(items["KT-HEAT"], warehouse, users)
        (heat_lot,) = floor.run(
            heat_order.operations.get(),
            made_on,
            45,
            consume=[(elements, Decimal(BATCH))],
            produce=(_bin("B-06"), [(f"KH-{stamp}-NB", Decimal(BATCH))]),
        )
        _completed(heat_order, users)

        kettle_order = _released(items["KT-200"], warehouse, users)
        assembly, test, packing = kettle_order.operations.order_by("seq")
        floor.run(assembly, made_on + datetime.timedelta(hours=1), 40, consume=[(heat_lot, Decimal(BATCH))])
        plan = _hipot_plan(items["KT-200"])

        def hipot(operation, machine, employee, at):
            quality.inspection_record(
                plan=plan,
                measurements={plan.characteristics.get(): Decimal("0.31")},
                operation=operation,
                machine=machine,
                inspector=employee,
                unit_number=1,
                at=at,
                user=users.get("operator"),
            )

        floor.run(test, made_on + datetime.timedelta(hours=2), 30, inspect=hipot)
        serials = floor.run(
            packing,
            made_on + datetime.timedelta(hours=3),
            20,
            produce=(_bin("A-04"), [(f"KT200-{stamp}-{900 + n:04d}", Decimal(1)) for n in range(1, BATCH + 1)]),
        )
        _completed(kettle_order, users)

    with time_machine.travel(_day(MADE_DAYS_AGO - 1, 9), tick=False):
        for customer, positions in SHIPPED.items():
            _ship(Partner.objects.get(code=customer), items["KT-200"], warehouse, len(positions), users)
    return serials


def _bin(code: str) -> Location:
    return Location.objects.get(code=f"MAIN/STOCK/{code}")


def _ship(customer: Partner, kettle: Item, warehouse: Warehouse, quantity: int, users) -> None:
    """A sales order for kettles from stock: the batch's are the oldest, so they are picked; shipped, invoiced."""
    order = sales_order_confirm(
        order=sales_order_create(
            customer=customer,
            warehouse=warehouse,
            requested_date=timezone.localdate() + datetime.timedelta(days=2),
            lines=[{"item": kettle, "quantity": Decimal(quantity)}],
            salesperson=users.get("sales"),
        ),
        user=users.get("sales"),
    )
    pick_list = pick_list_create(request=order.stock_request)
    for line in pick_list.lines.select_related("from_location", "lot"):
        pick_confirm(
            line=line, location=line.from_location, quantity=line.quantity, lot=line.lot, user=users["warehouse"]
        )
    shipment = shipment_create(pick_list=pick_list, packages=[{"code": "CTN-1"}], carrier="SF Express")
    shipment_ship(shipment=shipment, user=users["warehouse"], tracking_number=f"SF{shipment.number[-5:]}")
    sales_order_invoice(order=order, user=users.get("finance"))


# --- The cases -------------------------------------------------------------------------------------------------


def _contact(code: str) -> Contact | None:
    return Contact.objects.filter(partner__code=code, active=True).order_by("-is_primary", "name").first()


def _opened(days_ago: int, hour: int, **fields) -> ServiceCase:
    with time_machine.travel(_day(days_ago, hour), tick=False):
        return services.case_open(**fields)


def _at(days_ago: int, hour: int, minute: int, step, **fields):
    with time_machine.travel(_day(days_ago, hour, minute), tick=False):
        return step(**fields)


def _cases(serials: list[Lot]) -> None:
    users = _users()
    sales, quality_user = users.get("sales"), users.get("quality")
    media, homeplus, jd = (Partner.objects.get(code=code) for code in ("C-MEDIA", "C-HOMEPLUS", "C-JD"))
    unit = dict(enumerate(serials, start=1))

    breaker = _opened(
        1,
        10,
        account=media,
        contact=_contact("C-MEDIA"),
        lot=unit.get(1),
        serial="" if unit else "KT200-0901",
        subject="Kettle trips the breaker when it comes to the boil",
        description="A store customer's kettle trips the kitchen's residual-current breaker after about a minute.",
        priority=CasePriority.HIGH,
        owner=sales,
        user=sales,
    )
    _at(
        1,
        11,
        0,
        services.case_respond,
        case=breaker,
        user=sales,
        text="Asked the store to keep the unit; quality looks at the batch.",
    )
    if unit:
        elements = _element_lot(unit[1])
        if elements is not None:
            _at(
                1,
                14,
                0,
                quality.nonconformance_raise,
                description=f"Insulation breakdown on kettles of the batch ({breaker.number}): elements suspect.",
                lot=elements,
                user=quality_user,
            )

    _opened(
        2,
        9,
        account=homeplus,
        contact=_contact("C-HOMEPLUS"),
        lot=unit.get(5),
        serial="" if unit else "KT200-0905",
        subject="Smell of burnt plastic from the base",
        priority=CasePriority.URGENT,
        user=sales,
    )

    leak = _opened(
        12,
        10,
        account=media,
        contact=_contact("C-MEDIA"),
        lot=unit.get(2),
        serial="" if unit else "KT200-0902",
        subject="Water leaks from the base",
        priority=CasePriority.NORMAL,
        owner=sales,
        user=sales,
    )
    _at(12, 11, 0, services.case_respond, case=leak, user=sales, text="We take the kettle back and send a replacement.")
    if unit:
        rma = _at(
            12,
            11,
            30,
            services.rma_authorize,
            case=leak,
            warehouse=Warehouse.objects.get(code="MAIN"),
            lines=[{"item": unit[2].item, "lot": unit[2], "quantity": Decimal(1), "reason": "Leaks at the base"}],
            user=sales,
        )
        _at(
            12,
            11,
            35,
            services.case_wait_customer,
            case=leak,
            user=sales,
            text=f"Waiting for the kettle ({rma.number}).",
        )
        _at(8, 10, 0, services.rma_receive, rma=rma, user=users.get("warehouse"))
        _at(8, 10, 5, services.case_resume, case=leak, user=sales, text="The kettle is back, in quality hold.")
    _at(
        7,
        15,
        0,
        services.case_resolve,
        case=leak,
        user=sales,
        resolution="Replacement kettle sent; the returned unit waits in quality hold for analysis.",
    )

    photo = _opened(
        0,
        8,
        account=jd,
        contact=_contact("C-JD"),
        serial="KT200-2610-99",
        subject="Lid does not close",
        priority=CasePriority.LOW,
        user=sales,
    )
    services.case_wait_customer(
        case=photo, user=sales, text="Please send a photo of the rating plate: the serial number is in no record."
    )
    services.sla_breaches_flag()


def _element_lot(serial: Lot) -> Lot | None:
    """The heating-element lot the kettle was made from (two links down: kettle < heating assembly < element)."""
    return (
        Lot.objects.filter(item__code="HE-2000", used_in__produced_lot__used_in__produced_lot=serial).distinct().first()
    )
