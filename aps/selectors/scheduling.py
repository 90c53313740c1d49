"""Reads of schedules: the published one, machine utilization and the KPIs that compare scenarios."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet, Sum

from aps.choices import ScheduleState
from aps.models import Schedule, ScheduleOperation
from core.models import Machine
from core.selectors.calendars import working_hours


@dataclass(frozen=True)
class MachineLoad:
    machine: Machine
    busy_minutes: int  # setup and run
    setup_minutes: int
    available_minutes: int  # working time from the schedule's start to its last end

    @property
    def utilization_pct(self) -> Decimal | None:
        if not self.available_minutes:
            return None
        return (Decimal(self.busy_minutes) * 100 / self.available_minutes).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def published_schedule() -> Schedule | None:
    return Schedule.objects.filter(state=ScheduleState.PUBLISHED).first()


def schedules() -> QuerySet[Schedule]:
    return Schedule.objects.select_related("created_by", "based_on", "task_run")


def machine_loads(schedule: Schedule) -> list[MachineLoad]:
    """Per machine of the schedule's work centers: its planned work against its working time until the
    schedule's last operation ends (a machine without a calendar works around the clock)."""
    operations = ScheduleOperation.objects.filter(job__schedule=schedule, machine__isnull=False)
    last_end = operations.order_by("-end").values_list("end", flat=True).first()
    if last_end is None:
        return []
    rows = {
        row["machine"]: row
        for row in operations.values("machine").annotate(run=Sum("run_minutes"), setup=Sum("applied_setup_minutes"))
    }
    centers = operations.values("work_center").distinct()
    machines = (
        Machine.objects.filter(work_center__in=centers, active=True)
        .select_related("calendar", "work_center__calendar")
        .prefetch_related("calendar__shifts", "work_center__calendar__shifts")
        .order_by("work_center__code", "code")
    )
    loads = []
    for machine in machines:
        row = rows.get(machine.pk, {})
        setup = row.get("setup") or 0
        loads.append(
            MachineLoad(
                machine=machine,
                busy_minutes=(row.get("run") or 0) + setup,
                setup_minutes=setup,
                available_minutes=_available_minutes(machine, schedule.horizon_start, last_end),
            )
        )
    return loads


def _available_minutes(machine: Machine, start: datetime.datetime, end: datetime.datetime) -> int:
    calendar = machine.effective_calendar
    if calendar is None:
        return int((end - start).total_seconds() // 60)
    return round(working_hours(calendar=calendar, start=start, end=end) * 60)
