"""The Gantt chart of a schedule, as the data static/js/gantt.js draws: machines grouped by work center,
each with its operations, its non-working time and downtime and its busy share per day; and the jobs
the operations belong to.

Times are whole minutes from the schedule's start (its "now", `origin`), as the scheduling problem has
them, so the chart needs no time-zone arithmetic; `days` gives the plant's local midnights and labels,
`timezone` lets the page show a dragged bar's new time in plant time.

The machines' working time is the scheduling problem's own (aps.services.scheduling.schedule_build):
calendars, extra shifts and downtime exactly as the solver and the move check see them. Reading the
schedule is a fixed number of queries whatever its size, plus one per machine calendar (its exceptions).
"""

import datetime
from collections import defaultdict
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone

from aps.choices import FixedReason, MachineWindowKind
from aps.models import MachineWindow, Schedule, ScheduleOperation
from aps.scheduling import problem as plain
from aps.scheduling.greedy import span
from aps.services.scheduling import schedule_build
from core.formatting import format_quantity
from core.models import Machine

MINUTE = datetime.timedelta(minutes=1)
FREE = "free"  # the fixed reason of an operation the solver may move
MIN_DAYS = datetime.timedelta(days=7)


def _local_text(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _complement(windows: tuple[plain.Window, ...], start: int, end: int) -> list[list[int]]:
    """The minutes of [start, end) outside the (sorted, disjoint) windows."""
    gaps, at = [], start
    for a, b in windows:
        if b <= at:
            continue
        if a >= end:
            break
        if a > at:
            gaps.append([at, a])
        at = max(at, b)
    if at < end:
        gaps.append([at, end])
    return gaps


def _working(windows: tuple[plain.Window, ...] | None, start: int, end: int) -> int:
    return plain.working_minutes(windows, start, end) if end > start else 0


def gantt_data(*, schedule: Schedule) -> dict[str, Any]:
    """Everything the Gantt page draws, JSON-ready."""
    origin = schedule.horizon_start
    warnings: list[str] = []
    try:
        built = schedule_build(schedule)
    except ValidationError as exc:  # a work center lost its last machine: show the plan without calendars
        warnings += exc.messages
        built = None
    if built is not None:
        operations = list(built.operations.values())
        problem_machines, horizon = built.problem.machines, built.problem.horizon
    else:
        operations = list(
            ScheduleOperation.objects.filter(job__schedule=schedule).select_related("job__item", "work_center")
        )
        problem_machines, horizon = {}, schedule.horizon_days * 24 * 60

    def minute(moment: datetime.datetime) -> int:
        return (moment - origin) // MINUTE

    placed = [op for op in operations if op.machine_id is not None and op.start is not None and op.end is not None]
    last_end = max((op.end for op in placed), default=origin)
    first_day = timezone.localtime(origin).date()
    # Through the day the last operation ends, and a week at least: room to drag work later.
    last_day = max(timezone.localtime(last_end).date() + datetime.timedelta(days=1), first_day + MIN_DAYS)
    day_starts = [
        _local_midnight(first_day + datetime.timedelta(days=k)) for k in range((last_day - first_day).days + 1)
    ]
    range_start, range_end = minute(day_starts[0]), minute(day_starts[-1])
    days = [
        {
            "date": a.date().isoformat(),
            "label": formats.date_format(a.date(), "D j M"),
            "start": minute(a),
            "end": minute(b),
        }
        for a, b in pairwise(day_starts)
    ]

    centers = {op.work_center_id: op.work_center for op in operations}
    machines = list(
        Machine.objects.filter(
            Q(work_center__in=centers.keys(), active=True) | Q(pk__in={op.machine_id for op in placed})
        )
        .select_related("work_center")
        .order_by("work_center__code", "code")
    )
    down_of: dict[int, list[dict]] = defaultdict(list)
    for window in MachineWindow.objects.filter(
        Q(schedule__isnull=True) | Q(schedule=schedule),
        kind=MachineWindowKind.DOWN,
        machine__in=machines,
        start__lt=day_starts[-1],
        end__gt=day_starts[0],
    ).order_by("start"):
        down_of[window.machine_id].append(
            {
                "start": max(range_start, minute(window.start)),
                "end": min(range_end, minute(window.end)),
                "reason": window.reason,
                "scenario": window.schedule_id is not None,
                "text": f"{_local_text(window.start)} to {_local_text(window.end)}",
            }
        )

    ops_of: dict[int, list[ScheduleOperation]] = defaultdict(list)
    for op in placed:
        ops_of[op.machine_id].append(op)
    frozen_until = minute(schedule.frozen_until)
    operation_rows, machine_rows = [], defaultdict(list)
    for machine in machines:
        known = problem_machines.get(machine.pk)
        windows = known.windows if known is not None else None
        spans = [(minute(op.start), minute(op.end), op) for op in ops_of[machine.pk]]
        for start, end, op in spans:
            operation_rows.append(_operation(op, machine, start, end, known, horizon, frozen_until))
        machine_rows[machine.work_center_id].append(
            {
                "id": machine.pk,
                "code": machine.code,
                "name": machine.name,
                "active": machine.active,
                "off": _complement(windows, 0, min(range_end, horizon)) if windows is not None else [],
                "down": down_of[machine.pk],
                "load": [_day_load(windows, spans, day, horizon) for day in days],
            }
        )
    work_centers = sorted({machine.work_center for machine in machines}, key=lambda wc: wc.code)
    jobs = {op.job_id: op.job for op in operations}
    return {
        "schedule": {
            "id": schedule.pk,
            "name": schedule.name,
            "state": schedule.state,
            "state_label": schedule.get_state_display(),
            "is_scenario": schedule.is_scenario,
            "url": schedule.get_absolute_url(),
        },
        "origin": origin.isoformat(),
        "origin_text": _local_text(origin),
        "timezone": timezone.get_current_timezone_name(),
        "start": range_start,
        "end": range_end,
        "frozen_until": frozen_until,
        "frozen_until_text": _local_text(schedule.frozen_until),
        "horizon": horizon,
        "days": days,
        "work_centers": [
            {"id": wc.pk, "code": wc.code, "name": wc.name, "machines": machine_rows[wc.pk]} for wc in work_centers
        ],
        "jobs": [_job(job, minute) for job in sorted(jobs.values(), key=lambda job: (job.due, job.pk))],
        "operations": operation_rows,
        "unplaced": len(operations) - len(placed),
        "warnings": warnings,
    }


def _operation(
    op: ScheduleOperation,
    machine: Machine,
    start: int,
    end: int,
    known: plain.Machine | None,
    horizon: int,
    frozen_until: int,
) -> dict[str, Any]:
    setup = op.applied_setup_minutes or 0
    setup_end = start + setup
    if setup and known is not None:
        # The setup in working time: it may run over a break, like the rest of the operation.
        found = span(known, start, setup, max(horizon, end))
        if found is not None and found[0] == start:
            setup_end = found[1]
    return {
        "id": op.pk,
        "job": op.job_id,
        "seq": op.seq,
        "name": op.name,
        "machine": machine.pk,
        "work_center": op.work_center_id,
        "start": start,
        "end": end,
        "setup_end": min(setup_end, end),
        "setup": setup,
        "run": op.run_minutes,
        "fixed": op.fixed or FREE,
        "fixed_label": op.get_fixed_display() if op.fixed else "",
        "movable": op.fixed != FixedReason.STARTED and start >= frozen_until,
        "start_text": _local_text(op.start),
        "end_text": _local_text(op.end),
        "move_url": reverse("aps:scheduleoperation_move", args=[op.pk]),
    }


def _job(job, minute) -> dict[str, Any]:
    return {
        "id": job.pk,
        "reference": job.reference,
        "source": job.get_source_display(),
        "item": job.item.code,
        "item_name": job.item.name,
        "quantity": format_quantity(job.quantity),
        "due": minute(job.due),
        "due_text": _local_text(job.due),
        "late": job.tardiness_minutes or 0,
        "url": reverse("erp:productionorder_detail", args=[job.production_order_id])
        if job.production_order_id
        else None,
    }


def _day_load(
    windows: tuple[plain.Window, ...] | None, spans: list[tuple[int, int, Any]], day: dict, horizon: int
) -> dict[str, Any]:
    """A machine's working minutes of a day and how many of them its operations take."""
    a, b = max(0, day["start"]), min(horizon, day["end"])
    available = _working(windows, a, b)
    busy = sum(_working(windows, max(a, start), min(b, end)) for start, end, _op in spans if start < b and end > a)
    return {
        "date": day["date"],
        "busy": busy,
        "available": available,
        "pct": round(100 * busy / available) if available else None,
    }
