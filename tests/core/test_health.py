"""/health/live and /health/ready: what a load balancer asks, answered without signing in."""

import pytest
from django.db import connection
from django.test.utils import override_settings

pytestmark = pytest.mark.django_db


def test_live_answers_while_the_process_serves(client):
    response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_checks_the_database_and_redis_and_reports_the_workers(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "ok"
    # No worker runs in this test: the web still serves, so it is degraded, not unready.
    assert body["checks"]["workers"] == "none" and body["status"] == "degraded"


def test_ready_counts_a_running_worker(client, celery_worker):
    body = client.get("/health/ready").json()
    assert body["checks"]["workers"] == "1 up" and body["status"] == "ok"


@override_settings(
    CACHES={"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
)
def test_ready_is_degraded_when_redis_does_not_answer(client):
    # Pages are still served without Redis (docs/operations.md, "Faults"): the replica stays in rotation.
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["redis"].startswith("error:")


def test_ready_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection")

    monkeypatch.setattr("core.views.health._database", refuse)
    response = client.get("/health/ready")
    assert response.status_code == 503 and response.json()["checks"]["database"] == "error: OperationalError"


def test_health_refuses_writes(client):
    assert client.post("/health/ready").status_code == 405
