"""SmartAppliance Co.'s shop floor: reason codes, and a live morning on the published schedule: operators
signed on, the first operations of several machines running with their counts (the toasters ERP's history
started, the molding and SMT campaign APS's demo released this morning), one machine that broke down a few
minutes ago. With `manage.py plc_simulator` and `manage.py shopfloor_run` running, the running machines'
PLCs count on and MES's good counts grow by themselves.

After every app's demo has loaded (`finish`, which demo_load calls last), the floor's history
(mes.demo.history): what MES kept of every operation ERP's history finished, around what the live morning
and the other apps' demos recorded on the floor (CRM's recalled batch), so the OEE trend, its losses and the
event list reach back over the history's days."""

import datetime
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from aps.models import ScheduleOperation
from aps.selectors.scheduling import published_schedule
from core.models import Machine
from erp.choices import OperationState
from erp.models import ProductionOperation
from erp.selectors.people import qualified_employees
from mes.choices import DowntimeCategory, DowntimeKind
from mes.demo.history import history_make
from mes.models import Downtime, DowntimeReason, OperationRun, OperatorAssignment, ProductionEvent, ScrapReason
from mes.services.execution import downtime_start, operation_count, operation_start, operator_sign_on

# code, name, category, kind, counts against availability (ISO 22400: breaks and planned maintenance are
# outside the planned busy time; a changeover is inside it)
DOWNTIME_REASONS = [
    ("CHG", "Changeover", DowntimeCategory.PLANNED, DowntimeKind.CHANGEOVER, True),
    ("PM", "Planned maintenance", DowntimeCategory.PLANNED, DowntimeKind.MAINTENANCE, False),
    ("BRK", "Break", DowntimeCategory.PLANNED, DowntimeKind.BREAK, False),
    ("BD", "Breakdown", DowntimeCategory.UNPLANNED, DowntimeKind.BREAKDOWN, True),
    ("NOMAT", "No material", DowntimeCategory.UNPLANNED, DowntimeKind.NO_MATERIAL, True),
    ("NOOP", "No operator", DowntimeCategory.UNPLANNED, DowntimeKind.NO_OPERATOR, True),
    ("QH", "Quality hold", DowntimeCategory.UNPLANNED, DowntimeKind.QUALITY_HOLD, True),
    ("ADJ", "Process adjustment", DowntimeCategory.UNPLANNED, DowntimeKind.OTHER, True),
    # A machine with no order to work on is not planned for production: outside the planned busy time.
    ("NOORD", "Not scheduled, no orders", DowntimeCategory.PLANNED, DowntimeKind.OTHER, False),
]
SCRAP_REASONS = [
    ("SHORT", "Short shot (molding)"),
    ("FLASH", "Flash on part edge"),
    ("BRIDGE", "Solder bridge"),
    ("DENT", "Dented body"),
    ("SCRATCH", "Scratched surface"),
    ("LEAK", "Leak at test"),
    ("ELEC", "Failed electrical safety test"),
]
LIVE_MACHINES = 4  # machines running when the demo opens
RUNNING_FOR = datetime.timedelta(minutes=75)
BROKEN_FOR = datetime.timedelta(minutes=12)


def load() -> dict[str, int]:
    for code, name, category, kind, counts in DOWNTIME_REASONS:
        DowntimeReason.objects.update_or_create(
            code=code,
            defaults={"name": name, "category": category, "kind": kind, "counts_against_availability": counts},
        )
    for code, name in SCRAP_REASONS:
        ScrapReason.objects.update_or_create(code=code, defaults={"name": name})
    if not ProductionEvent.objects.exists():  # loading again keeps the floor as it is
        _live_morning()
    return {
        "downtime reasons": DowntimeReason.objects.count(),
        "scrap reasons": ScrapReason.objects.count(),
        "running operations": OperationRun.objects.filter(state="running").count(),
    }


def finish() -> dict[str, int]:
    """The floor's history of ERP's operations, once: loading again keeps it as it is (the machines'
    not-scheduled time says it is there)."""
    if Downtime.objects.filter(reason__code="NOORD").exists():
        return {}
    zone = timezone.get_current_timezone()
    today = datetime.datetime.combine(timezone.localdate(), datetime.time(), tzinfo=zone)
    start = today - datetime.timedelta(days=settings.TAKT_DEMO_HISTORY_DAYS)
    return history_make(start=start, until=today, now=timezone.now())


def _first_operations() -> list[tuple[Machine, ProductionOperation]]:
    """The first planned operation of each machine that is in progress (ERP's history reported on it, MES
    takes it over) or begins an order released this morning; one of those the schedule put behind another
    on the same machine starts on a free machine of its work center (which of two equal machines the solver
    picks varies from run to run). In the orders' order. Other released orders stay released, for the
    planners' screens to show."""
    schedule = published_schedule()
    if schedule is None:
        return []
    first: dict[int, tuple[Machine, ProductionOperation]] = {}
    queued: list[ScheduleOperation] = []
    planned = (
        ScheduleOperation.objects.filter(job__schedule=schedule, machine__isnull=False)
        .filter(
            Q(operation__state=OperationState.IN_PROGRESS)
            | Q(operation__state=OperationState.READY, operation__order__released_at__date=timezone.localdate())
        )
        .select_related("operation__order", "machine")
        .order_by("start")
    )
    for op in planned:
        if op.machine_id in first:
            queued.append(op)
        else:
            first[op.machine_id] = (op.machine, op.operation)
    for op in queued:
        spare = (
            Machine.objects.filter(work_center_id=op.work_center_id, active=True)
            .exclude(pk__in=first)
            .order_by("code")
            .first()
        )
        if spare is not None:
            first[spare.pk] = (spare, op.operation)
    return sorted(first.values(), key=lambda started: started[1].order_id)[:LIVE_MACHINES]


def _live_morning() -> None:
    now = timezone.now()
    started = now - RUNNING_FOR
    operator = get_user_model().objects.filter(username="operator").first()
    operations = _first_operations()
    for index, (machine, operation) in enumerate(operations):
        crew = qualified_employees(machine=machine, on=timezone.localdate(started)).filter(department__code="PROD")
        busy = OperatorAssignment.objects.filter(until__isnull=True).values("employee")
        employee = crew.exclude(pk__in=busy).order_by("number").first()
        if employee is not None:
            operator_sign_on(employee=employee, machine=machine, at=started, user=operator)
        run = operation_start(operation=operation, machine=machine, at=started, employee=employee, user=operator)
        # Output so far at 90 % of the routing's pace, reported every quarter hour.
        per_unit = operation.run_minutes_per_unit or Decimal(1)
        for quarter in range(1, int(RUNNING_FOR / datetime.timedelta(minutes=15)) + 1):
            good = (Decimal(15) / per_unit * Decimal("0.9")).to_integral_value(rounding=ROUND_DOWN)
            remaining = operation.order.quantity - operation.good_qty - run.good_qty
            good = min(good, remaining - 1)
            if good <= 0:
                break
            operation_count(
                run=run,
                good_qty=good,
                at=started + quarter * datetime.timedelta(minutes=15),
                employee=employee,
                user=operator,
            )
            run.refresh_from_db()
        if len(operations) > 1 and index == len(operations) - 1:
            downtime_start(
                machine=machine,
                reason=DowntimeReason.objects.get(code="BD"),
                at=now - BROKEN_FOR,
                employee=employee,
                user=operator,
                note="Hydraulic pressure alarm",
            )
