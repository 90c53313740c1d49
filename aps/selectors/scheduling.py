"""Reads of schedules: the published one, machine utilization and the KPIs that compare scenarios."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aps.choices import MachineWindowKind, ScheduleState
from aps.models import MachineWindow, Schedule, ScheduleOperation
from core.models import Machine, WorkCalendar
from core.selectors.calendars import working_hours
from erp.choices import OperationState


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
    available: dict[int | None, int] = {}  # per calendar: machines mostly share their work center's
    for machine in machines:
        row = rows.get(machine.pk, {})
        setup = row.get("setup") or 0
        calendar = machine.effective_calendar
        key = calendar.pk if calendar is not None else None
        if key not in available:
            available[key] = _available_minutes(calendar, schedule.horizon_start, last_end)
        loads.append(
            MachineLoad(
                machine=machine,
                busy_minutes=(row.get("run") or 0) + setup,
                setup_minutes=setup,
                available_minutes=available[key],
            )
        )
    return loads


def _available_minutes(calendar: WorkCalendar | None, start: datetime.datetime, end: datetime.datetime) -> int:
    if calendar is None:
        return int((end - start).total_seconds() // 60)
    return round(working_hours(calendar=calendar, start=start, end=end) * 60)


# An operation this late against the published plan asks for a new schedule.
LATE_AFTER = datetime.timedelta(minutes=30)


def schedule_deviations(*, now: datetime.datetime, since: datetime.datetime | None = None) -> list[str]:
    """What the shop floor reports that the published schedule did not plan, as sentences: operations
    that should have started or finished by now (by more than LATE_AFTER), machines taken down over
    planned work, and scrap reported on scheduled operations. Only what arose after `since`."""
    schedule = published_schedule()
    if schedule is None:
        return []
    since = max(since or schedule.published_at or schedule.created_at, schedule.published_at or schedule.created_at)
    planned = ScheduleOperation.objects.filter(job__schedule=schedule, operation__isnull=False).select_related(
        "job", "machine"
    )
    found = []
    not_started = (OperationState.PENDING, OperationState.READY)
    for op in planned.filter(
        operation__state__in=not_started, start__lt=now - LATE_AFTER, start__gte=since - LATE_AFTER
    ):
        found.append(_("%(op)s has not started (planned %(at)s).") % {"op": _op(op), "at": _time(op.start)})
    for op in planned.filter(
        operation__state=OperationState.IN_PROGRESS, end__lt=now - LATE_AFTER, end__gte=since - LATE_AFTER
    ):
        found.append(_("%(op)s is not finished (planned %(at)s).") % {"op": _op(op), "at": _time(op.end)})
    downs = MachineWindow.objects.filter(
        schedule__isnull=True, kind=MachineWindowKind.DOWN, created_at__gt=since
    ).select_related("machine")
    for window in downs:
        hit = planned.filter(machine=window.machine, start__lt=window.end, end__gt=window.start).count()
        if hit:
            found.append(
                _("%(machine)s is down from %(start)s to %(end)s over %(count)s planned operations.")
                % {"machine": window.machine.code, "start": _time(window.start), "end": _time(window.end), "count": hit}
            )
    for op in planned.filter(operation__scrap_qty__gt=0, operation__updated_at__gt=since):
        found.append(_("%(op)s reported scrap: the order needs more work.") % {"op": _op(op)})
    return found


def _op(op: ScheduleOperation) -> str:
    return f"{op.job.reference} op {op.seq}" + (f" on {op.machine.code}" if op.machine else "")


def _time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
