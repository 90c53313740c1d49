"""What each log record carries besides its message: the id of the web request or the Celery task it was
written in, so one request's or one job's lines can be found among everyone's (docs/operations.md, "Logs")."""

import logging
from contextvars import ContextVar

from celery import current_task

# Set by core.middleware.RequestIdMiddleware for the duration of a request.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `task_id` (None outside a request or a task) to every record, and for text logs
    `context`: whichever of them there is, else "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        task = current_task
        record.task_id = task.request.id if task else None
        record.context = record.request_id or record.task_id or "-"
        return True
