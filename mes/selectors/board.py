"""The supervisor board: every active machine's state now, what it works on, how far that is against the
published schedule, and its OEE since midnight; in a fixed number of queries whatever the number of
machines (one more per work calendar)."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from aps.choices import ScheduleState
from aps.models import ScheduleOperation
from core.models import Area, Machine, WorkCenter
from erp.models import ProductionOperation
from mes.choices import MachineState, RunState
from mes.models import DowntimeReason, MachineStatus, OperationRun
from mes.selectors.oee import OeeFigures, oee_report

ZERO = Decimal(0)


@dataclass(frozen=True)
class MachineTile:
    machine: Machine
    state: str  # a MachineState
    since: datetime.datetime | None
    reason: DowntimeReason | None  # why it is down, in setup or held
    operation: ProductionOperation | None  # what it works on (paused included), with its order and item
    run_state: str | None  # a RunState of that operation here
    good_qty: Decimal | None  # counted on the operation so far, on every machine
    scrap_qty: Decimal | None
    planned_end: datetime.datetime | None  # the published schedule's end of the operation
    expected_end: datetime.datetime | None  # now + what is left to make at the ideal cycle time
    oee_today: OeeFigures

    @property
    def state_label(self) -> str:
        return MachineState(self.state).label

    @property
    def order_qty(self) -> Decimal | None:
        return self.operation.order.quantity if self.operation else None

    @property
    def progress_pct(self) -> int | None:
        if self.operation is None or not self.order_qty:
            return None
        return min(100, int(self.good_qty * 100 / self.order_qty))

    @property
    def late_minutes(self) -> int | None:
        """Minutes the operation is expected to end after its planned end (negative: ahead); None unplanned."""
        if self.planned_end is None or self.expected_end is None:
            return None
        return round((self.expected_end - self.planned_end).total_seconds() / 60)

    @property
    def behind(self) -> bool:
        return self.late_minutes is not None and self.late_minutes > 0


@dataclass(frozen=True)
class BoardGroup:
    area: Area | None
    work_center: WorkCenter
    tiles: list[MachineTile]


def machine_board(*, now: datetime.datetime | None = None) -> list[BoardGroup]:
    """Every active machine, by area and work center, as a tile."""
    now = now or timezone.now()
    machines = list(
        Machine.objects.filter(active=True)
        .select_related("work_center__area", "status__reason", "status__operation__order__item")
        .order_by("work_center__area__code", "work_center__code", "code")
    )
    runs = {
        run.machine_id: run
        for run in OperationRun.objects.filter(machine__in=machines)
        .exclude(state=RunState.DONE)
        .only("machine_id", "operation_id", "state", "good_qty", "scrap_qty", "booked_good", "booked_scrap")
    }
    operation_ids = [status.operation_id for m in machines if (status := _status(m)) and status.operation_id]
    planned_ends = dict(
        ScheduleOperation.objects.filter(
            job__schedule__state=ScheduleState.PUBLISHED, operation__in=operation_ids
        ).values_list("operation_id", "end")
    )
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = oee_report(start=midnight, end=now, machines=Machine.objects.filter(active=True), now=now)
    oee_by_machine = {row.machine.pk: row.figures for row in today.rows}

    groups: list[BoardGroup] = []
    for machine in machines:
        tile = _tile(machine, runs.get(machine.pk), planned_ends, oee_by_machine[machine.pk], now)
        if groups and groups[-1].work_center.pk == machine.work_center_id:
            groups[-1].tiles.append(tile)
        else:
            groups.append(BoardGroup(area=machine.work_center.area, work_center=machine.work_center, tiles=[tile]))
    return groups


def _status(machine: Machine) -> MachineStatus | None:
    """The machine's status row, or None for a machine nothing was reported on yet."""
    try:
        return machine.status
    except Machine.status.RelatedObjectDoesNotExist:
        return None


def _tile(
    machine: Machine,
    run: OperationRun | None,
    planned_ends: dict[int, datetime.datetime],
    oee_today: OeeFigures,
    now: datetime.datetime,
) -> MachineTile:
    status = _status(machine)
    operation = status.operation if status else None
    good = scrap = expected_end = None
    if operation is not None:
        # ERP holds what was booked; the run here what was counted since.
        good, scrap = operation.good_qty, operation.scrap_qty
        if run is not None and run.operation_id == operation.pk:
            good += run.good_qty - run.booked_good
            scrap += run.scrap_qty - run.booked_scrap
        left = max(operation.order.quantity - good, ZERO)
        minutes = (left * operation.run_minutes_per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        expected_end = now + datetime.timedelta(minutes=int(minutes))
    return MachineTile(
        machine=machine,
        state=status.state if status else MachineState.IDLE,
        since=status.since if status else None,
        reason=status.reason if status else None,
        operation=operation,
        run_state=run.state if run is not None and operation is not None else None,
        good_qty=good,
        scrap_qty=scrap,
        planned_end=planned_ends.get(operation.pk) if operation else None,
        expected_end=expected_end,
        oee_today=oee_today,
    )
