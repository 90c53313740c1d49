"""Health checks for load balancers and orchestrators: open to anyone, they tell nothing but status.

`/health/live` says the process serves requests. `/health/ready` says whether it can do its work: the
database must answer (503 otherwise). Redis and the Celery workers are reported too, but a web process
without them still serves pages (background jobs are refused meanwhile, docs/operations.md "Faults"), so
their absence is "degraded", not "not ready"; so is an unhealthy probe an app registered (core/health.py: the
shopfloor's poller).
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from core.health import readiness_probes

WORKER_PING_TIMEOUT_S = 1.0


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    cache.set("health", "ok", timeout=10)
    # The cache swallows Redis's errors (core/cache.py): a value that did not come back is one.
    return "ok" if cache.get("health") == "ok" else "error: no answer"


def _workers() -> str:
    replies = celery_app.control.ping(timeout=WORKER_PING_TIMEOUT_S) or []
    return f"{len(replies)} up" if replies else "none"


def _check(probe: Callable[[], str]) -> str:
    try:
        return probe()
    except Exception as exc:  # a health check reports any failure instead of raising it
        return f"error: {type(exc).__name__}"


def _registered_checks() -> tuple[dict[str, str], bool]:
    """Every registered probe's detail by name, and whether all of them are healthy."""
    checks, healthy = {}, True
    for name, probe in readiness_probes().items():
        try:
            ok, checks[name] = probe()
        except Exception as exc:  # as _check: reported, not raised
            ok, checks[name] = False, f"error: {type(exc).__name__}"
        healthy = healthy and ok
    return checks, healthy


@never_cache
@require_GET
def live(request) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request) -> JsonResponse:
    checks = {"database": _check(_database), "redis": _check(_redis)}
    required_ok = checks["database"] == "ok"
    checks["workers"] = _check(_workers) if checks["redis"] == "ok" else "unknown (no Redis)"
    registered, registered_ok = _registered_checks() if required_ok else ({}, False)
    checks.update(registered)
    if not required_ok:
        status = "not ready"
    elif checks["workers"].endswith(" up") and registered_ok:
        status = "ok"
    else:
        status = "degraded"
    return JsonResponse({"status": status, "checks": checks}, status=200 if required_ok else 503)
