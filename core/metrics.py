"""Takt's figures for monitoring, served by `GET /metrics` (core/views/metrics.py) in the Prometheus format
(docs/operations.md "Metrics").

Two kinds of figures:

- The web processes' own: requests per route, method and status class, their latency, the requests in
  progress, counted in memory by `RequestMetricsMiddleware`. gunicorn runs several worker processes, each
  counting its own requests: with `PROMETHEUS_MULTIPROC_DIR` set (the image sets it), prometheus_client keeps
  the counts in files of that directory and a scrape adds up every worker's (config/gunicorn.py empties the
  directory when gunicorn starts and drops a dead worker's in-progress gauge). Without it (development,
  tests) the scrape serves the one process's counts.
- Figures read from the database at scrape time, so they cover every worker and host: the collectors that
  apps register with `register_collector` (core: background runs and the event outbox; shopfloor: its
  devices). Each carries the permission that may see it; core knows nothing of the upper apps.
"""

import datetime
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core.choices import TaskRunStatus
from core.models import DomainEvent, TaskRun

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Web and background-run figures: whoever may see the background runs (every staff role).
CORE_PERMISSION = "core.view_taskrun"


@dataclass(frozen=True)
class RegisteredCollector:
    key: str
    collector: Collector
    permission: str  # "<app>.<codename>": who holds it sees these figures


_collectors: dict[str, RegisteredCollector] = {}


def register_collector(key: str, collector: Collector, *, permission: str) -> None:
    """Add a collector of figures read at scrape time; registering a key again replaces its collector."""
    _collectors[key] = RegisteredCollector(key, collector, permission)


def collectors_for(user) -> list[Collector]:
    """The collectors whose figures the user may see, in the order they were registered."""
    return [entry.collector for entry in _collectors.values() if user.has_perm(entry.permission)]


# --- Requests, counted by each web process ------------------------------------------------------------------

_process_registry = CollectorRegistry(auto_describe=True)
# A route is the URL pattern's name, never the path: one series per page, however many records it shows.
REQUESTS = Counter(
    "takt_http_requests",
    "HTTP requests answered, per route (the URL pattern's name), method and status class.",
    ("route", "method", "status"),
    registry=_process_registry,
)
REQUEST_SECONDS = Histogram(
    "takt_http_request_duration_seconds",
    "Time from a request's arrival in Django to its response, per route and method.",
    ("route", "method"),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=_process_registry,
)
REQUESTS_IN_PROGRESS = Gauge(
    "takt_http_requests_in_progress",
    "Requests being answered now (every web process's, added up).",
    multiprocess_mode="livesum",
    registry=_process_registry,
)

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"  # a path no URL pattern matched: a 404 (or a redirect adding the slash)


class RequestCollector(Collector):
    """The request figures of every web process (multiprocess mode) or of this one."""

    def collect(self) -> Iterator[Metric]:
        directory = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
        if directory:
            yield from MultiProcessCollector(None, path=directory).collect()
        else:
            yield from _process_registry.collect()


class RequestMetricsMiddleware:
    """Counts and times every request under its route, method and status class (2xx, 4xx...)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        REQUESTS_IN_PROGRESS.inc()
        try:
            response = self.get_response(request)
        finally:
            REQUESTS_IN_PROGRESS.dec()
        match = request.resolver_match
        route = match.view_name if match is not None else UNMATCHED_ROUTE
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUESTS.labels(route, method, f"{response.status_code // 100}xx").inc()
        REQUEST_SECONDS.labels(route, method).observe(time.perf_counter() - started)
        return response


# --- Background runs and the outbox, read from the database ---------------------------------------------------

TASK_SECONDS_BUCKETS = (1, 5, 15, 60, 300, 900, 3600)


class TaskRunCollector(Collector):
    """Every background run (TaskRun) by task and status, the durations of finished runs, and the domain
    events whose deferred handlers have not run yet: what every worker on every host saved. Two queries."""

    def collect(self) -> Iterator[Metric]:
        labels = ("task", "status")
        runs = CounterMetricFamily("takt_task_runs", "Background runs finished, per task and outcome.", labels=labels)
        unfinished = GaugeMetricFamily(
            "takt_task_runs_unfinished", "Background runs queued (pending) or running, per task.", labels=labels
        )
        durations = HistogramMetricFamily(
            "takt_task_run_duration_seconds",
            "Time from start to finish of finished background runs, per task and outcome.",
            labels=labels,
        )
        for row in _task_run_figures():
            key = [row["task_name"], row["status"]]
            if row["status"] not in (TaskRunStatus.SUCCEEDED, TaskRunStatus.FAILED):
                unfinished.add_metric(key, row["runs"])
                continue
            runs.add_metric(key, row["runs"])
            if row["timed"]:
                buckets = [(str(float(bound)), row[f"le_{bound}"]) for bound in TASK_SECONDS_BUCKETS]
                buckets.append(("+Inf", row["timed"]))
                durations.add_metric(key, buckets, row["seconds"].total_seconds())
        yield from (runs, unfinished, durations)
        yield from _outbox_figures()


def _task_run_figures() -> Iterable[dict]:
    took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    timed = Q(started_at__isnull=False, finished_at__isnull=False)
    buckets = {
        f"le_{bound}": Count("pk", filter=timed & Q(took__lte=datetime.timedelta(seconds=bound)))
        for bound in TASK_SECONDS_BUCKETS
    }
    return (
        TaskRun.objects.order_by()
        .annotate(took=took)
        .values("task_name", "status")
        .annotate(runs=Count("pk"), timed=Count("pk", filter=timed), seconds=Sum("took", filter=timed), **buckets)
        .order_by("task_name", "status")
    )


def _outbox_figures() -> Iterator[Metric]:
    pending = DomainEvent.objects.filter(dispatched_at__isnull=True).aggregate(
        events=Count("pk"), oldest=Min("occurred_at")
    )
    yield GaugeMetricFamily(
        "takt_outbox_pending_events",
        "Domain events whose deferred (task) handlers have not all run yet.",
        value=pending["events"],
    )
    age = (timezone.now() - pending["oldest"]).total_seconds() if pending["oldest"] else 0
    yield GaugeMetricFamily(
        "takt_outbox_oldest_pending_event_age_seconds",
        "Age of the oldest such event (0 when there is none): the outbox's lag.",
        value=age,
    )
