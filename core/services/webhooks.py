"""Webhooks: domain events sent by HTTP POST to the endpoints that subscribe to them (docs/webhooks.md).

The event row is the outbox: `webhook_fan_out` is a task handler of every event (core/apps.py), so a
delivery row is written for each matching endpoint once the event is committed, on a worker. Each
delivery is then attempted by a Celery task; failed ones are retried by the beat sweep on the
TAKT_WEBHOOK_RETRY_MINUTES schedule and given up after its last step.
"""

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta
from functools import cache
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.discovery import app_modules
from core.models import DeliveryStatus, DomainEvent, Partner, WebhookDelivery, WebhookEndpoint

# Payload keys that name a partner by its code: a partner's endpoint hears only of events naming it.
PARTNER_PAYLOAD_KEYS = ("partner", "customer", "supplier")
ERROR_MAX_CHARS = 2000
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


@cache
def known_event_names() -> frozenset[str]:
    """The event names the apps publish: the string constants of each app's `events` module (STYLE.md)."""
    return frozenset(
        value
        for label, module in app_modules("events")
        for attribute, value in vars(module).items()
        if attribute.isupper() and isinstance(value, str) and value.startswith(f"{label}.")
    )


def _check(*, url: str, events: list[str]) -> None:
    errors = {}
    schemes = ("https", "http") if settings.TAKT_WEBHOOK_ALLOW_HTTP else ("https",)
    if url.split(":", 1)[0].lower() not in schemes:
        errors["url"] = ValidationError(_("Webhook endpoints must use https."), code="https_required")
    unknown = sorted(set(events) - known_event_names())
    if not events:
        errors["events"] = ValidationError(_("Subscribe to at least one event."), code="required")
    elif unknown:
        message = _("Unknown event names: %(names)s.") % {"names": ", ".join(unknown)}
        errors["events"] = ValidationError(message, code="unknown_event")
    if errors:
        raise ValidationError(errors)


def webhook_endpoint_create(
    *,
    url: str,
    events: list[str],
    partner: Partner | None = None,
    description: str = "",
    active: bool = True,
    created_by: Any = None,
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (the caller shows it once: it is not shown again)."""
    _check(url=url, events=events)
    endpoint = WebhookEndpoint(
        url=url,
        events=sorted(set(events)),
        partner=partner,
        description=description,
        active=active,
        secret=secrets.token_hex(32),
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change url, events, partner, description or active; the secret stays."""
    for name, value in changes.items():
        setattr(endpoint, name, sorted(set(value)) if name == "events" else value)
    _check(url=endpoint.url, events=endpoint.events)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def _names_partner(payload: dict[str, Any], partner: Partner) -> bool:
    return any(payload.get(key) == partner.code for key in PARTNER_PAYLOAD_KEYS)


def webhook_fan_out(event: DomainEvent) -> None:
    """One delivery per active endpoint subscribed to the event (a task handler of every event:
    idempotent, as the outbox may run it again)."""
    endpoints = WebhookEndpoint.objects.filter(active=True, events__contains=[event.name]).select_related("partner")
    wanted = [e for e in endpoints if e.partner is None or _names_partner(event.payload, e.partner)]
    if not wanted:
        return
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now) for endpoint in wanted],
        ignore_conflicts=True,
    )
    delivery_ids = list(
        WebhookDelivery.objects.filter(event=event, status=DeliveryStatus.PENDING).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: _enqueue(delivery_ids), robust=True)


def _enqueue(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        current_app.send_task("core.tasks.deliver_webhook", args=[delivery_id])


def webhook_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    body = {"id": str(event.pk), "event": event.name, "occurred_at": event.occurred_at, "data": event.payload}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the endpoint's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is an answer like any non-2xx: a POST is never re-sent elsewhere (or as a GET).
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery; its response status (None when there was none) and an error ('' when 2xx)."""
    body = webhook_body(delivery)
    timestamp = str(int(time.time()))
    # The URL was checked to be http(s) when the endpoint was saved (a URLField), so no file: or custom scheme.
    request = urllib.request.Request(  # noqa: S310
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Takt-Webhooks/1",
            "X-Takt-Event": delivery.event.name,
            "X-Takt-Delivery": str(delivery.pk),
            "X-Takt-Timestamp": timestamp,
            "X-Takt-Signature": webhook_signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.TAKT_WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"
    except (OSError, ValueError) as error:  # refused, unreachable, timed out, TLS, a malformed URL
        return None, f"{type(error).__name__}: {error}"
    if 200 <= status < 300:
        return status, ""
    return status, f"HTTP {status}"


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send a due delivery once; None when it is not due, done, or another worker is sending it.

    The row stays locked while the request runs, so a delivery is never sent twice at once."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status__in=DUE_STATUSES, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        if not delivery.endpoint.active:
            status_code, error, elapsed_ms = None, _("The endpoint was deactivated."), None
            retries: list[int] = []
        else:
            started = time.monotonic()
            status_code, error = _post(delivery)
            elapsed_ms = round((time.monotonic() - started) * 1000)
            retries = settings.TAKT_WEBHOOK_RETRY_MINUTES
        delivery.last_status_code = status_code
        delivery.last_error = error[:ERROR_MAX_CHARS]
        delivery.response_ms = elapsed_ms
        if not error:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif delivery.attempts <= len(retries):
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = timezone.now() + timedelta(minutes=retries[delivery.attempts - 1])
        else:
            delivery.status = DeliveryStatus.GIVEN_UP
            delivery.next_attempt_at = None
        delivery.save()
    return delivery


def due_delivery_ids(*, limit: int = 500) -> list[int]:
    """Deliveries whose (re)try is due: failed ones on their schedule, pending ones whose task was lost."""
    return list(
        WebhookDelivery.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_deliveries_send_due() -> int:
    """Enqueue every due delivery (the beat sweep); how many were enqueued."""
    delivery_ids = due_delivery_ids()
    _enqueue(delivery_ids)
    return len(delivery_ids)


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, now, whatever its outcome was: one more attempt, counted with the others.
    A replay that fails is given up at once when the retry schedule is spent."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at"])
        transaction.on_commit(lambda: _enqueue([delivery.pk]), robust=True)
    return delivery


def webhook_endpoint_replay_failed(*, endpoint: WebhookEndpoint) -> int:
    """Replay every failed or given-up delivery of an endpoint; how many."""
    with transaction.atomic():
        delivery_ids = list(
            WebhookDelivery.objects.select_for_update()
            .filter(endpoint=endpoint, status__in=(DeliveryStatus.FAILED, DeliveryStatus.GIVEN_UP))
            .values_list("pk", flat=True)
        )
        WebhookDelivery.objects.filter(pk__in=delivery_ids).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
        )
        transaction.on_commit(lambda: _enqueue(delivery_ids), robust=True)
    return len(delivery_ids)
