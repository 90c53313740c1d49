"""Long-running work: a Celery task records its progress in a TaskRun that the UI and API read.

    run = task_run_start(task_name="aps.tasks.mrp_run", title=gettext_noop("MRP run"), params={...}, user=request.user)

and, on the worker:

    @shared_task(name="aps.tasks.mrp_run")
    def mrp_run(run_id):
        task_run_execute(run_id=run_id, work=lambda run, report: services.mrp_run(**run.params, progress=report))
"""

import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from celery import current_app
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import events
from core.choices import TaskRunStatus
from core.models import TaskRun
from core.services.events import event_publish

logger = logging.getLogger(__name__)


class ProgressReporter(Protocol):
    """Reports a job's progress: percent done and a message, as a msgid (marked with gettext_noop) with the
    values of its placeholders, translated when someone reads it (`TaskRun.message_text`)."""

    def __call__(self, percent: int, message: str = "", params: Mapping[str, Any] | None = None, /) -> None: ...


QUEUE_UNAVAILABLE = gettext_noop(
    "The task queue is not reachable right now; nothing was started. Try again in a minute."
)
WORKER_LOST = gettext_noop(
    "The worker running this job stopped before it finished (killed, lost, or over its time limit); "
    "nothing of it was kept. Start it again."
)
# A running job holds a session-level advisory lock of this class, keyed by its run, on its worker's database
# connection: PostgreSQL releases it when the worker's process dies, so a free lock means an orphaned run.
RUN_LOCK_CLASS = 0x54_52  # "TR"


def task_run_start(
    *,
    task_name: str,
    title: str,
    params: dict[str, Any],
    user: Any = None,
    title_params: Mapping[str, Any] | None = None,
) -> TaskRun:
    """Create a run and queue its task once the caller's transaction commits. `title` is a msgid (marked with
    gettext_noop), `title_params` the values of its placeholders: the run's page translates it for its reader.

    Refused (ValidationError, code "queue_unavailable") while the broker does not answer, so nothing is
    left waiting for a worker that will never hear of it; should the broker go away between this check and
    the commit, the run is marked failed with the same message."""
    _queue_check()
    run = TaskRun.objects.create(
        task_name=task_name,
        title=title,
        title_params=dict(title_params or {}),
        params=params,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: _enqueue(run))
    return run


def _queue_check() -> None:
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    except Exception as exc:
        logger.warning("The task queue does not answer: %s", exc)
        raise ValidationError(_(QUEUE_UNAVAILABLE), code="queue_unavailable") from exc


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
                message=gettext_noop("Done") if status == TaskRunStatus.SUCCEEDED else gettext_noop("Failed"),
                message_params={},
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


def _run_lock_try(run_id: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [RUN_LOCK_CLASS, str(run_id)])
        return cursor.fetchone()[0]


def _run_lock_release(run_id: Any) -> None:
    # A connection lost meanwhile (the database restarted) took the lock with it.
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [RUN_LOCK_CLASS, str(run_id)])


def task_run_fail_orphaned() -> int:
    """Fail the runs marked running whose worker is gone (killed, its machine lost, stopped at the hard time
    limit): nobody holds their lock any more. The Celery beat sweep, every minute."""
    failed = 0
    for run_id in TaskRun.objects.filter(status=TaskRunStatus.RUNNING).values_list("pk", flat=True):
        if _run_lock_try(run_id):
            try:
                _finish(run_id, status=TaskRunStatus.FAILED, error=WORKER_LOST)
                failed += 1
            finally:
                _run_lock_release(run_id)
    return failed


def task_run_report(*, run_id: Any, percent: int, message: str = "", params: Mapping[str, Any] | None = None) -> None:
    """Record progress; an atomic UPDATE, outside any business transaction, so readers see it at once.
    `message` is a msgid (marked with gettext_noop), `params` the values of its placeholders."""
    percent = max(0, min(100, int(percent)))
    message = message[:500]
    params = dict(params or {})
    if not connection.in_atomic_block:
        TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.RUNNING).update(
            percent=percent, message=message, message_params=params
        )
        return
    # Called from inside the job's own transaction (an import is one), the UPDATE would stay invisible
    # until the job commits and vanish if it rolls back: write it over a connection of its own.
    sql = (
        f"UPDATE {TaskRun._meta.db_table} SET percent = %s, message = %s, message_params = %s"  # noqa: S608
        " WHERE id = %s AND status = %s"
    )
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            cursor.execute(
                sql, [percent, message, json.dumps(params, cls=DjangoJSONEncoder), str(run_id), TaskRunStatus.RUNNING]
            )
    finally:
        side.close()


def task_run_execute(*, run_id: Any, work: Callable[[TaskRun, ProgressReporter], Any]) -> None:
    """Run `work(run, report)` for a queued run, recording its outcome.

    Runs are executed at most once. The run's lock is held while it runs, so a message delivered again
    (acks_late: the worker died, or Redis's visibility timeout passed) while its run is still going on
    elsewhere does nothing, and one whose run's worker died marks the run failed rather than running it a
    second time. `work` must do its writes in one transaction, so a failure leaves the previous result intact.
    """
    if not _run_lock_try(run_id):
        return  # running on another worker right now
    try:
        claimed = TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.PENDING).update(
            status=TaskRunStatus.RUNNING, started_at=timezone.now(), message=gettext_noop("Started")
        )
        if not claimed:
            if TaskRun.objects.filter(pk=run_id, status=TaskRunStatus.RUNNING).exists():
                _finish(run_id, status=TaskRunStatus.FAILED, error=WORKER_LOST)
            return
        run = TaskRun.objects.get(pk=run_id)

        def report(percent: int, message: str = "", params: Mapping[str, Any] | None = None, /) -> None:
            task_run_report(run_id=run_id, percent=percent, message=message, params=params)

        try:
            result = work(run, report)
        except Exception as exc:
            logger.exception("Task run %s failed", run_id)
            _finish(run_id, status=TaskRunStatus.FAILED, error=str(exc) or exc.__class__.__name__)
            return
        _finish(run_id, status=TaskRunStatus.SUCCEEDED, result=result)
    finally:
        _run_lock_release(run_id)
