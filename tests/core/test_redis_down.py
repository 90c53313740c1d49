"""Redis down (docs/operations.md, "Faults"): pages and the API still answer, background jobs are refused with
a clear message and leave nothing half-made, and domain events wait in the outbox until Redis is back."""

from datetime import timedelta

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from core.models import DomainEvent, TaskRun
from core.roles import Role
from core.services import progress
from core.services.events import event_publish
from core.tasks import dispatch_pending_events

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def broker_connections_drop() -> None:
    """Celery keeps its connections to the broker in pools, made for the broker URL of their time: the app
    picks its pools again (kombu keeps one per URL, so the real broker's comes back as it was)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class RedisDown:
    def __init__(self, settings, monkeypatch):
        self.monkeypatch = monkeypatch
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED}}
        settings.TAKT_API_RATE = "600/minute"  # the API's rate limit counts in the cache
        monkeypatch.setattr(celery_app.conf, "broker_url", CLOSED)
        broker_connections_drop()

    def end(self) -> None:
        """The broker is back (the cache stays down for the rest of the test)."""
        self.monkeypatch.undo()
        broker_connections_drop()


@pytest.fixture
def redis_down(settings, monkeypatch):
    """Both the cache and the Celery broker point at a port nothing listens on."""
    down = RedisDown(settings, monkeypatch)
    yield down
    down.end()


@pytest.mark.django_db
def test_pages_and_the_api_answer_without_redis(redis_down, client_as, api_as):
    client = client_as(Role.PLANNER)
    for url in ("/", reverse("aps:mrp_home"), reverse("core:taskrun_list")):
        assert client.get(url).status_code == 200, url
    assert api_as(Role.PLANNER).get("/api/v1/aps/runs/").status_code == 200


@pytest.mark.django_db
def test_a_job_started_without_redis_is_refused_clearly_and_leaves_nothing(redis_down, client_as, api_as):
    page = client_as(Role.PLANNER).post(reverse("aps:mrp_run"), follow=True)
    assert page.status_code == 200
    assert progress.QUEUE_UNAVAILABLE in page.content.decode()

    answer = api_as(Role.PLANNER).post("/api/v1/aps/runs/start/", {}, format="json")
    assert answer.status_code == 400
    assert progress.QUEUE_UNAVAILABLE in answer.content.decode()
    assert not TaskRun.objects.exists()


@pytest.mark.django_db
def test_events_published_without_redis_are_dispatched_once_it_is_back(redis_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the dispatch cannot be queued: logged, not raised
        event = event_publish(name="test.redis_down", payload={"n": 1})
    event.refresh_from_db()
    assert event.dispatched_at is None

    redis_down.end()  # the broker is back: a minute on, the outbox sweep (Celery beat) dispatches it, once
    DomainEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at - timedelta(minutes=2))
    assert dispatch_pending_events() == 1
    assert dispatch_pending_events() == 0
    assert DomainEvent.objects.get(pk=event.pk).dispatched_at is not None
