"""The domain-event bus: lower apps publish, upper apps subscribe (SPEC "Layers").

A handler runs in one of three modes:
- `same_transaction`: inside the publisher's transaction; its failure rolls the whole write back.
  For what must agree with the publisher (a stock move and its valuation).
- `on_commit`: after the publisher's transaction commits; a failure is logged, the write stands.
- `task`: on a Celery worker, from the outbox (the event row). Retried by the periodic sweep up to
  MAX_DISPATCH_ATTEMPTS times, so these handlers must be idempotent; the event is marked dispatched
  once all task handlers succeeded. One that keeps failing stays undispatched with its last error
  (Domain events list, filter "undispatched") for an administrator to look at.
"""

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from celery import current_app
from django.db import models, transaction
from django.utils import timezone

from core.models import DomainEvent

logger = logging.getLogger(__name__)

HandlerMode = Literal["same_transaction", "on_commit", "task"]
ALL_EVENTS = "*"
MAX_DISPATCH_ATTEMPTS = 10


@dataclass(frozen=True)
class Subscription:
    event_name: str
    handler: Callable[[DomainEvent], None]
    mode: HandlerMode

    @property
    def label(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_subscriptions: list[Subscription] = []


def subscribe(event_name: str, *, mode: HandlerMode = "same_transaction"):
    """Register a handler, usually from an upper app's AppConfig.ready(); `*` hears every event."""

    def register(handler: Callable[[DomainEvent], None]) -> Callable[[DomainEvent], None]:
        subscription = Subscription(event_name, handler, mode)
        if subscription not in _subscriptions:
            _subscriptions.append(subscription)
        return handler

    return register


def subscriptions() -> list[Subscription]:
    return list(_subscriptions)


def subscriptions_for(event_name: str, mode: HandlerMode | None = None) -> list[Subscription]:
    return [s for s in _subscriptions if s.event_name in (event_name, ALL_EVENTS) and (mode is None or s.mode == mode)]


def event_publish(
    *,
    name: str,
    payload: dict[str, Any],
    aggregate: models.Model | None = None,
    actor: Any = None,
) -> DomainEvent:
    """Record an event and run its handlers; call it inside the transaction of the change it reports."""
    has_task_handlers = bool(subscriptions_for(name, "task"))
    with transaction.atomic():
        event = DomainEvent.objects.create(
            name=name,
            payload=payload,
            aggregate_type=aggregate._meta.label_lower if aggregate is not None else "",
            aggregate_id=str(aggregate.pk) if aggregate is not None else "",
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            dispatched_at=None if has_task_handlers else timezone.now(),
        )
        for subscription in subscriptions_for(name, "same_transaction"):
            subscription.handler(event)
        for subscription in subscriptions_for(name, "on_commit"):
            transaction.on_commit(lambda h=subscription.handler: h(event), robust=True)
        if has_task_handlers:
            transaction.on_commit(lambda: _enqueue_dispatch(event.pk), robust=True)
    return event


def _enqueue_dispatch(event_id: int) -> None:
    try:
        current_app.send_task("core.tasks.dispatch_event", args=[event_id])
    except Exception:  # the broker is down: the periodic sweep dispatches it later
        logger.warning("Could not enqueue dispatch of event %s; the sweep will retry", event_id, exc_info=True)


def event_dispatch(*, event_id: int) -> bool:
    """Run the task handlers of one event; True when it is (now or already) dispatched."""
    with transaction.atomic():
        event = (
            DomainEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is None:  # dispatched already, or another worker holds it
            return True
        event.attempts += 1
        try:
            with transaction.atomic():
                for subscription in subscriptions_for(event.name, "task"):
                    subscription.handler(event)
        except Exception:
            event.last_error = traceback.format_exc(limit=5)
            event.save(update_fields=["attempts", "last_error"])
            logger.exception("Handler failed for %s", event)
            return False
        event.dispatched_at = timezone.now()
        event.last_error = ""
        event.save(update_fields=["attempts", "last_error", "dispatched_at"])
        return True


def pending_event_ids(*, older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> list[int]:
    """Events whose task handlers have not run: enqueueing failed, or a handler failed and is retried."""
    cutoff = timezone.now() - older_than
    return list(
        DomainEvent.objects.filter(
            dispatched_at__isnull=True, occurred_at__lt=cutoff, attempts__lt=MAX_DISPATCH_ATTEMPTS
        )
        .order_by("occurred_at")
        .values_list("pk", flat=True)[:limit]
    )
