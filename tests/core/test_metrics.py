"""GET /metrics (core/metrics.py): requests counted per route, background runs and the outbox read from the
database, each family for who may view its data; and gunicorn's workers added up in multiprocess mode."""

import datetime
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token

from core.choices import TaskRunStatus
from core.metrics import RequestCollector
from core.models import DomainEvent
from core.roles import Role
from core.services.progress import task_run_execute, task_run_start

pytestmark = pytest.mark.django_db

PROJECT = Path(settings.BASE_DIR)


def figures(text: str) -> dict[tuple, float]:
    """{(sample name, (label, value), ...): value} of an exposition."""
    return {
        (sample.name, *sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def scrape(client, make_user):
    token = Token.objects.create(user=make_user(Role.PLANNER)).key

    def read() -> dict[tuple, float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 200
        return figures(response.content.decode())

    return read


def requests_of(scraped: dict, route: str, status: str, method: str = "GET") -> float:
    return scraped.get(("takt_http_requests_total", ("method", method), ("route", route), ("status", status)), 0)


def test_a_request_counts_under_its_route_not_its_path(client, scrape, make_user):
    before = scrape()
    client.get("/health/live")
    client.get("/health/live")
    client.get("/no-such-page/4711")
    after = scrape()
    assert requests_of(after, "health_live", "2xx") - requests_of(before, "health_live", "2xx") == 2
    assert requests_of(after, "<unmatched>", "4xx") - requests_of(before, "<unmatched>", "4xx") == 1
    # The first scrape itself was counted by the second, under the route's name.
    assert requests_of(after, "metrics", "2xx") >= 1
    latency = ("takt_http_request_duration_seconds_count", ("method", "GET"), ("route", "health_live"))
    assert after[latency] - before.get(latency, 0) == 2
    assert not any("4711" in str(key) for key in after)
    assert after["takt_http_requests_in_progress",] == 1  # the scrape being answered


def test_a_finished_background_run_and_the_outbox_lag_show_up(scrape):
    started = datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(started, tick=False) as clock:
        done = task_run_start(task_name="test.sum", title="Sum", params={})

        def work(run, report):
            clock.shift(12)  # the run takes 12 s
            return {"sum": 3}

        task_run_execute(run_id=done.pk, work=work)
        task_run_start(task_name="test.sum", title="Queued", params={})
        clock.shift(30)
        scraped = scrape()
    done.refresh_from_db()
    assert done.status == TaskRunStatus.SUCCEEDED
    task = (("status", "succeeded"), ("task", "test.sum"))
    assert scraped["takt_task_runs_total", *task] == 1
    assert scraped["takt_task_runs_unfinished", ("status", "pending"), ("task", "test.sum")] == 1
    assert scraped["takt_task_run_duration_seconds_sum", *task] == 12
    assert scraped["takt_task_run_duration_seconds_bucket", ("le", "5.0"), *task] == 0
    assert scraped["takt_task_run_duration_seconds_bucket", ("le", "15.0"), *task] == 1
    assert scraped["takt_task_run_duration_seconds_count", *task] == 1
    # The run's "finished" event waits in the outbox for its webhook fan-out (no worker runs here): 30 s.
    assert scraped["takt_outbox_pending_events",] == DomainEvent.objects.filter(dispatched_at=None).count() == 1
    assert scraped["takt_outbox_oldest_pending_event_age_seconds",] == 30


def test_a_login_sees_only_the_figures_of_the_data_it_may_view(client, make_user):
    monitor = make_user(None)
    monitor.user_permissions.add(Permission.objects.get(codename="view_taskrun"))
    token = Token.objects.create(user=monitor).key
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Token {token}")
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"takt_http_requests", "takt_task_runs", "takt_outbox_pending_events"} <= names
    assert not any(name.startswith("takt_shopfloor") for name in names)

    nobody = Token.objects.create(user=make_user(None)).key
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {nobody}").status_code == 403


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(False)
def test_gunicorns_workers_add_up_in_the_multiprocess_directory(tmp_path, monkeypatch):
    """gunicorn with the image's config (config/gunicorn.py), its worker replaced after 10 requests: a scrape
    (RequestCollector) adds up every worker process's counts, the replaced one's too, and drops its gauge.
    (--preload: the replacement forks from the loaded master instead of booting Django again.)"""
    directory = tmp_path / "metrics"
    port = _free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "python:config.gunicorn"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--max-requests", "10", "--preload"]
    server = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=60).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        for _ in range(14):  # the 10th request's worker exits; the next waits for its successor
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=60).close()
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
        registry = CollectorRegistry()
        registry.register(RequestCollector())
        counted = {
            (sample.name, sample.labels.get("route")): sample.value
            for family in registry.collect()
            for sample in family.samples
        }
        assert counted["takt_http_requests_total", "health_live"] == 15
        assert counted["takt_http_requests_in_progress", None] == 0
        counting = {path.stem.rsplit("_", 1)[1] for path in directory.glob("counter_*.db")}
        gauged = {path.stem.rsplit("_", 1)[1] for path in directory.glob("gauge_livesum_*.db")} - {str(server.pid)}
        assert len(counting) == 2  # two worker processes counted ...
        assert len(gauged) == 1 and gauged < counting  # ... and the replaced one's gauge is gone
    finally:
        server.terminate()
        server.wait(timeout=30)
