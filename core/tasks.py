from celery import shared_task

from core.services import dataio, events, idempotency, progress, webhooks


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


@shared_task(name="core.tasks.fail_stale_task_runs")
def fail_stale_task_runs() -> int:
    """Runs still marked running whose worker died (killed, lost, stopped at the hard time limit): failed."""
    return progress.task_run_fail_orphaned()


@shared_task(name="core.tasks.import_data")
def import_data(run_id: str) -> None:
    """A browser upload: import the folder `dataio.import_start` saved, reporting progress per file."""
    progress.task_run_execute(
        run_id=run_id,
        work=lambda run, report: dataio.import_upload(
            folder=run.params["folder"], progress=report, actor=run.created_by
        ),
    )


@shared_task(name="core.tasks.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str | None:
    delivery = webhooks.webhook_delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else None


@shared_task(name="core.tasks.send_due_webhooks")
def send_due_webhooks() -> int:
    """The retry sweep (Celery beat): enqueue the webhook deliveries whose next attempt is due."""
    return webhooks.webhook_deliveries_send_due()


@shared_task(name="core.tasks.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Celery beat: forget the answers of API writes older than TAKT_IDEMPOTENCY_TTL_HOURS."""
    return idempotency.idempotency_records_purge()
