from celery import shared_task

from core.services import events


@shared_task(name="core.tasks.dispatch_event")
def dispatch_event(event_id: int) -> bool:
    return events.event_dispatch(event_id=event_id)


@shared_task(name="core.tasks.dispatch_pending_events")
def dispatch_pending_events() -> int:
    """The outbox sweep (Celery beat): dispatch events whose handlers have not run yet."""
    event_ids = events.pending_event_ids()
    for event_id in event_ids:
        events.event_dispatch(event_id=event_id)
    return len(event_ids)
