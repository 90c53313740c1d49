"""What each log record carries besides its message: the id of the web request or the Celery task it was
written in, so one request's or one job's lines can be found among everyone's (docs/operations.md, "Logs")."""

import logging
from contextvars import ContextVar

from celery import current_task

# Set by core.middleware.RequestIdMiddleware for the duration of a request.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_context_id() -> str | None:
    """The id of the request or task running now. django-auditlog files it as each change's correlation id
    (AUDITLOG_CID_GETTER), so an audited change leads to the request log line of the API call that made
    it: who, with which token, from where, answered how."""
    task = current_task
    return request_id_var.get() or (task.request.id if task else None)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `task_id` (None outside a request or a task) to every record, and for text logs
    `context`: whichever of them there is, else "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        task = current_task
        record.task_id = task.request.id if task else None
        record.context = record.request_id or record.task_id or "-"
        return True
