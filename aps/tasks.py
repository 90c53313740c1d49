import contextlib
import datetime
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError

from aps.services.mrp import MRP_TASK, Progress, mrp_run, mrp_run_start
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
