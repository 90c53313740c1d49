"""Long-running work: a Celery task records its progress in a TaskRun that the UI and API read.

    run = task_run_start(task_name="aps.tasks.mrp_run", title="MRP", params={...}, user=request.user)

and, on the worker:

    @shared_task(name="aps.tasks.mrp_run")
    def mrp_run(run_id):
        task_run_execute(run_id=run_id, work=lambda run, report: services.mrp_run(**run.params, progress=report))
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import current_app
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import events
from core.choices import TaskRunStatus
from core.models import TaskRun
from core.services.events import event_publish

logger = logging.getLogger(__name__)

ProgressReporter = Callable[[int, str], None]

QUEUE_UNAVAILABLE = "The task queue is not reachable right now; nothing was started. Try again in a minute."
WORKER_LOST = "The worker running this job stopped before it finished; nothing of it was kept. Start it again."
TIMED_OUT = "The job did not finish within its time limit and was stopped; nothing of it was kept."


def task_run_start(*, task_name: str, title: str, params: dict[str, Any], user: Any = None) -> TaskRun:
    """Create a run and queue its task once the caller's transaction commits."""
    run = TaskRun.objects.create(
        task_name=task_name,
        title=title,
        params=params,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: _enqueue(run))
    return run


def _enqueue(run: TaskRun) -> None:
    try:
        current_app.send_task(run.task_name, kwargs={"run_id": str(run.pk)}, retry=False)
    except Exception:
        logger.warning("Could not enqueue %s", run, exc_info=True)
        _finish(run.pk, status=TaskRunStatus.FAILED, error=QUEUE_UNAVAILABLE)


def _finish(run_id: Any, *, status: str, result: Any = None, error: str = "") -> None:
    with transaction.atomic():
        updated = (
            TaskRun.objects.filter(pk=run_id)
            .exclude(status__in=[TaskRunStatus.SUCCEEDED, TaskRunStatus.FAILED])
            .update(
                status=status,
                result=result,
                error=error,
                percent=100 if status == TaskRunStatus.SUCCEEDED else F("percent"),
                message=_("Done") if status == TaskRunStatus.SUCCEEDED else _("Failed"),
                finished_at=timezone.now(),
            )
        )
        if updated:
            run = TaskRun.objects.get(pk=run_id)
            event_publish(
                name=events.TASK_RUN_FINISHED,
                payload={"run_id": str(run.pk), "task_name": run.task_name, "status": status},
                aggregate=run,
                actor=run.created_by,
            )


def task_run_fail_stale(*, older_than: timedelta) -> int:
    """Fail runs still marked running long after any worker could still be on them (killed at the hard limit)."""
    stale = TaskRun.objects.filter(status=TaskRunStatus.RUNNING, started_at__lt=timezone.now() - older_than)
    run_ids = list(stale.values_list("pk", flat=True))
    for run_id in run_ids:
        _finish(run_id, status=TaskRunStatus.FAILED, error=TIMED_OUT)
    return len(run_ids)


def task_run_report(*, run_id: Any, percent: int, message: str = "") -> None:
    """Record progress; an atomic UPDATE, outside any business transaction, so readers see it at once."""
    percent = max(0, min(100, int(percent)))
    message = message[:500]
    if not connection.in_atomic_block:
        TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.RUNNING).update(percent=percent, message=message)
        return
    # Called from inside the job's own transaction (an import is one), the UPDATE would stay invisible
    # until the job commits and vanish if it rolls back: write it over a connection of its own.
    sql = f"UPDATE {TaskRun._meta.db_table} SET percent = %s, message = %s WHERE id = %s AND status = %s"  # noqa: S608
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            cursor.execute(sql, [percent, message, str(run_id), TaskRunStatus.RUNNING])
    finally:
        side.close()


def task_run_execute(*, run_id: Any, work: Callable[[TaskRun, ProgressReporter], Any]) -> None:
    """Run `work(run, report)` for a queued run, recording its outcome.

    Runs are executed at most once: a redelivered message (acks_late after a worker died) finds the
    run already marked running and marks it failed instead of running it twice over a half-result.
    `work` must do its writes in one transaction, so a failure leaves the previous result intact.
    """
    claimed = TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.PENDING).update(
        status=TaskRunStatus.RUNNING, started_at=timezone.now(), message=_("Started")
    )
    if not claimed:
        if TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.RUNNING).exists():
            _finish(run_id, status=TaskRunStatus.FAILED, error=WORKER_LOST)
        return
    run = TaskRun.objects.get(pk=run_id)

    def report(percent: int, message: str = "") -> None:
        task_run_report(run_id=run_id, percent=percent, message=message)

    try:
        result = work(run, report)
    except Exception as exc:
        logger.exception("Task run %s failed", run_id)
        _finish(run_id, status=TaskRunStatus.FAILED, error=str(exc) or exc.__class__.__name__)
        return
    _finish(run_id, status=TaskRunStatus.SUCCEEDED, result=result)
