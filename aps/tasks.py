import contextlib
import datetime
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from aps.models import Schedule
from aps.selectors.scheduling import schedule_deviations
from aps.services.mrp import MRP_TASK, Progress, mrp_run, mrp_run_start
from aps.services.scheduling import SCHEDULE_TASK, reschedule_propose, schedule_publish, schedule_solve
from core.models import TaskRun
from core.services.progress import task_run_execute


@shared_task(name=MRP_TASK)
def mrp_run_task(run_id: str) -> None:
    """An MRP run on a worker: the run's parameters in, its statistics out, progress as it goes."""

    def work(run: TaskRun, report: Progress) -> dict[str, Any]:
        today = run.params.get("today")
        try:
            result = mrp_run(
                today=datetime.date.fromisoformat(today) if today else None,
                progress=report,
                user=run.created_by,
                task_run=run,
            )
        except ValidationError as exc:
            raise RuntimeError(" ".join(exc.messages)) from exc
        return result.stats

    task_run_execute(run_id=run_id, work=work)


@shared_task(name="aps.tasks.mrp_nightly")
def mrp_nightly() -> None:
    """Celery beat's nightly plan: queued as a run like a planner's, so it shows in the same list."""
    # A planner's run already under way is tonight's plan.
    with contextlib.suppress(ValidationError):
        mrp_run_start()


@shared_task(name=SCHEDULE_TASK)
def schedule_solve_task(run_id: str) -> None:
    """A scheduling run on a worker: the solver's best objective so far shows as its progress."""

    def work(run: TaskRun, report: Progress) -> dict[str, Any]:
        schedule = Schedule.objects.get(pk=run.params["schedule"])
        try:
            schedule = schedule_solve(schedule=schedule, report=report)
            if run.params.get("publish"):
                schedule = schedule_publish(schedule=schedule, user=run.created_by)
        except ValidationError as exc:
            raise RuntimeError(" ".join(exc.messages)) from exc
        return {
            "schedule": schedule.pk,
            "status": schedule.solver_status,
            "state": schedule.state,
            "tardy_orders": schedule.tardy_orders,
            "weighted_tardiness": schedule.weighted_tardiness,
            "makespan_minutes": schedule.makespan_minutes,
            "setup_minutes": schedule.setup_minutes,
        }

    task_run_execute(run_id=run_id, work=work)


@shared_task(name="aps.tasks.schedule_nightly")
def schedule_nightly() -> None:
    """Celery beat's nightly schedule, after MRP: proposed like any other, published if planners said so."""
    reschedule_propose(reason="Nightly schedule")


@shared_task(name="aps.tasks.schedule_watch")
def schedule_watch() -> str:
    """Compare the shop floor with the published schedule; propose a new one when it has drifted."""
    latest = Schedule.objects.filter(is_scenario=False).order_by("-created_at").first()
    deviations = schedule_deviations(now=timezone.now(), since=latest.created_at if latest else None)
    if not deviations:
        return "on plan"
    proposed = reschedule_propose(reason=" ".join(deviations))
    return f"proposed schedule {proposed.pk}" if proposed else "a scheduling run is already under way"
