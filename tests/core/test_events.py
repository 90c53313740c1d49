import pytest
from django.db import transaction

from core.models import DomainEvent, Partner
from core.services import events
from core.tasks import dispatch_pending_events
from tests.conftest import wait_for


@pytest.fixture
def bus():
    """Each test wires its own handlers: the apps' (webhook fan-out, ...) are put back after it."""
    before = list(events._subscriptions)
    events._subscriptions.clear()
    yield events
    events._subscriptions[:] = before


@pytest.mark.django_db
def test_a_same_transaction_handler_that_fails_rolls_the_publisher_back(bus):
    @bus.subscribe("test.partner_created")
    def refuse(event):
        raise ValueError("the valuation could not be posted")

    with pytest.raises(ValueError), transaction.atomic():
        partner = Partner.objects.create(code="C1", name="Customer", kind="customer")
        bus.event_publish(name="test.partner_created", payload={"code": "C1"}, aggregate=partner)

    assert not Partner.objects.filter(code="C1").exists()
    assert not DomainEvent.objects.filter(name="test.partner_created").exists()


@pytest.mark.django_db
def test_same_transaction_handlers_see_the_event_and_on_commit_handlers_run_after_commit(
    bus, django_capture_on_commit_callbacks
):
    heard = []
    bus.subscribe("test.happened")(lambda event: heard.append(("now", event.payload["n"])))
    bus.subscribe("test.happened", mode="on_commit")(lambda event: heard.append(("after", event.payload["n"])))

    with django_capture_on_commit_callbacks(execute=True):
        event = bus.event_publish(name="test.happened", payload={"n": 1})
        assert heard == [("now", 1)]
    assert heard == [("now", 1), ("after", 1)]
    # Without task handlers there is nothing left to dispatch.
    assert event.dispatched_at is not None


@pytest.mark.django_db
def test_a_wildcard_subscription_hears_every_event(bus):
    heard = []
    bus.subscribe(events.ALL_EVENTS)(lambda event: heard.append(event.name))
    bus.event_publish(name="test.one", payload={})
    bus.event_publish(name="test.two", payload={})
    assert heard == ["test.one", "test.two"]


@pytest.mark.celery
def test_task_handlers_run_on_a_real_worker_from_the_outbox(bus, celery_worker):
    heard = []
    bus.subscribe("test.shipped", mode="task")(lambda event: heard.append(event.payload["order"]))

    with transaction.atomic():
        event = bus.event_publish(name="test.shipped", payload={"order": "SO-2026-00001"})
        assert event.dispatched_at is None

    wait_for(lambda: DomainEvent.objects.get(pk=event.pk).dispatched_at is not None)
    assert heard == ["SO-2026-00001"]
    assert DomainEvent.objects.get(pk=event.pk).attempts == 1


@pytest.mark.django_db
def test_a_failing_task_handler_is_retried_by_the_sweep_until_it_succeeds(bus, monkeypatch):
    outcomes = iter([ConnectionError("partner endpoint down"), None])

    def flaky(event):
        outcome = next(outcomes)
        if outcome:
            raise outcome

    bus.subscribe("test.flaky", mode="task")(flaky)
    monkeypatch.setattr(events, "_enqueue_dispatch", lambda event_id: None)  # the broker was down at commit
    event = bus.event_publish(name="test.flaky", payload={})

    assert events.event_dispatch(event_id=event.pk) is False
    event.refresh_from_db()
    assert event.dispatched_at is None and event.attempts == 1 and "partner endpoint down" in event.last_error

    DomainEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at.replace(year=2020))
    assert dispatch_pending_events() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None and event.attempts == 2 and event.last_error == ""


def test_the_events_command_lists_the_wiring(bus, capsys):
    from django.core.management import call_command

    bus.subscribe("test.listed", mode="on_commit")(test_the_events_command_lists_the_wiring)
    call_command("events")
    out = capsys.readouterr().out
    assert "test.listed" in out and "on_commit" in out and "test_the_events_command_lists_the_wiring" in out


@pytest.mark.django_db
def test_undispatched_events_can_be_listed(client_as, bus, monkeypatch):
    monkeypatch.setattr(events, "_enqueue_dispatch", lambda event_id: None)
    bus.subscribe("test.stuck", mode="task")(lambda event: None)
    stuck = bus.event_publish(name="test.stuck", payload={})
    done = bus.event_publish(name="test.done", payload={})
    html = client_as("admin").get("/core/domain-events/", {"undispatched": "true"}).content.decode()
    assert f"/core/domain-events/{stuck.pk}/" in html and f"/core/domain-events/{done.pk}/" not in html
