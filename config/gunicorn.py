"""gunicorn's hooks for Takt's request metrics (core/metrics.py, docs/operations.md "Metrics"), loaded with
`gunicorn config.wsgi --config python:config.gunicorn` (the image's command).

Each worker process counts its own requests; prometheus_client's multiprocess mode keeps the counts in files
of PROMETHEUS_MULTIPROC_DIR, and a scrape, whichever worker answers it, adds up every worker's. The variable
is set here, in the master before it forks the workers, so Celery and manage.py (same image) stay in plain
memory: when it is not set, each gunicorn gets a directory of its own, removed when it stops; when it is, the
directory is emptied at start, because the counts of a previous run would be added to this one's.
"""

import os
import shutil
import tempfile

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

_given = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
if _given:
    shutil.rmtree(_given, ignore_errors=True)
    os.makedirs(_given)
else:
    os.environ[MULTIPROCESS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="takt-metrics-")

# Imported once the variable is set: prometheus_client picks its storage when first imported.
from prometheus_client import multiprocess  # noqa: E402


def child_exit(server, worker) -> None:
    """A worker that exited keeps its counts in the totals, but no longer has requests in progress."""
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if not _given:
        shutil.rmtree(os.environ[MULTIPROCESS_DIR_VARIABLE], ignore_errors=True)
