"""Webhooks: real events, a real HTTP receiver on a local socket, and (once) a real Celery worker."""

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from core.models import DeliveryStatus, DomainEvent, Partner, WebhookDelivery
from core.roles import Role
from core.services import webhooks
from core.services.events import event_dispatch, event_publish
from tests.conftest import wait_for

CONFIRMED = "erp.sales_order.confirmed"
EXPIRING = "srm.certificate.expiring"


class Receiver:
    """An HTTP server on a free local port: records each POST and answers the next queued status (200 after)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def closed_port_url():
    """A local URL nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


def endpoint_make(url: str, events=(CONFIRMED,), **fields):
    return webhooks.webhook_endpoint_create(url=url, events=list(events), **fields)


def publish_and_fan_out(name: str = CONFIRMED, **payload) -> DomainEvent:
    """Publish an event and run its outbox handlers as the worker would."""
    event = event_publish(name=name, payload={"order": "SO-2026-00001", **payload})
    assert event_dispatch(event_id=event.pk)
    return event


def expected_signature(secret: str, request: dict) -> str:
    signed = request["headers"]["X-Takt-Timestamp"].encode() + b"." + request["body"]
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@pytest.mark.celery
def test_a_committed_event_reaches_the_endpoint_signed_through_a_real_worker(receiver, celery_worker):
    endpoint = endpoint_make(receiver.url)
    with transaction.atomic():
        event = event_publish(name=CONFIRMED, payload={"order": "SO-2026-00007", "customer": "C1"})

    wait_for(lambda: WebhookDelivery.objects.filter(event=event, status=DeliveryStatus.DELIVERED).exists())
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.endpoint, delivery.attempts, delivery.last_status_code) == (endpoint, 1, 200)
    assert delivery.delivered_at is not None and delivery.response_ms is not None
    [request] = receiver.requests
    headers = request["headers"]
    assert request["path"] == "/hooks"
    assert headers["X-Takt-Event"] == CONFIRMED
    assert headers["X-Takt-Delivery"] == str(delivery.pk)
    assert headers["X-Takt-Signature"] == expected_signature(endpoint.secret, request)
    assert headers["X-Takt-Signature"] != expected_signature("another secret", request)
    body = json.loads(request["body"])
    assert body["id"] == str(event.pk) and body["event"] == CONFIRMED
    assert body["data"] == {"order": "SO-2026-00007", "customer": "C1"}
    assert body["occurred_at"].startswith(event.occurred_at.isoformat()[:19])


@pytest.mark.django_db
def test_an_endpoint_answering_500_is_retried_on_schedule_and_delivered(receiver):
    receiver.statuses = [500]
    endpoint_make(receiver.url)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        event = publish_and_fan_out()
        delivery = WebhookDelivery.objects.get(event=event)
        failed = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
        assert (failed.status, failed.attempts, failed.last_status_code) == (DeliveryStatus.FAILED, 1, 500)
        assert "500" in failed.last_error
        assert failed.next_attempt_at == timezone.now() + timedelta(minutes=settings.TAKT_WEBHOOK_RETRY_MINUTES[0])
        # Not due yet: nothing is sent.
        assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk) is None
        assert webhooks.due_delivery_ids() == []

        clock.shift(timedelta(minutes=settings.TAKT_WEBHOOK_RETRY_MINUTES[0]))
        assert webhooks.due_delivery_ids() == [delivery.pk]
        delivered = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)

    assert (delivered.status, delivered.attempts, delivered.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
    assert delivered.last_error == "" and delivered.next_attempt_at is None
    assert [r["headers"]["X-Takt-Delivery"] for r in receiver.requests] == [str(delivery.pk)] * 2


@pytest.mark.django_db
def test_an_unreachable_endpoint_backs_off_then_is_given_up(closed_port_url):
    endpoint_make(closed_port_url)
    schedule = settings.TAKT_WEBHOOK_RETRY_MINUTES
    with time_machine.travel(timezone.now(), tick=False) as clock:
        delivery = WebhookDelivery.objects.get(event=publish_and_fan_out())
        for attempt, minutes in enumerate(schedule, start=1):
            assert webhooks.due_delivery_ids() == [delivery.pk]
            delivery = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
            assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
                DeliveryStatus.FAILED,
                attempt,
                None,
            )
            assert "Connection" in delivery.last_error
            assert delivery.next_attempt_at == timezone.now() + timedelta(minutes=minutes)
            clock.shift(timedelta(minutes=minutes))
        delivery = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)

    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.GIVEN_UP,
        len(schedule) + 1,
        None,
    )
    assert webhooks.due_delivery_ids() == []


@pytest.mark.django_db
def test_replay_sends_a_delivery_again_as_one_more_attempt(receiver, api_as):
    endpoint = endpoint_make(receiver.url)
    delivery = WebhookDelivery.objects.get(event=publish_and_fan_out())
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).status == DeliveryStatus.DELIVERED

    answer = api_as(Role.ADMIN).post(f"/api/v1/core/webhook-deliveries/{delivery.pk}/replay/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == DeliveryStatus.PENDING
    replayed = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
    assert (replayed.status, replayed.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert len(receiver.requests) == 2

    # Every failed or given-up delivery of an endpoint at once.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.GIVEN_UP)
    answer = api_as(Role.ADMIN).post(f"/api/v1/core/webhooks/{endpoint.pk}/replay-failed/")
    assert answer.json() == {"replayed": 1}
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).attempts == 3
    assert len(receiver.requests) == 3


@pytest.mark.django_db
def test_a_partners_endpoint_receives_only_events_that_name_that_partner(receiver):
    first = Partner.objects.create(code="C1", name="First customer", kind="customer")
    second = Partner.objects.create(code="S2", name="A supplier", kind="supplier")
    internal = endpoint_make(receiver.url, events=[CONFIRMED, EXPIRING])
    of_first = endpoint_make(receiver.url, events=[CONFIRMED, EXPIRING], partner=first)
    of_second = endpoint_make(receiver.url, events=[CONFIRMED, EXPIRING], partner=second)

    for_first = publish_and_fan_out(customer="C1")
    for_second = publish_and_fan_out(name=EXPIRING, supplier="S2")
    for_nobody = publish_and_fan_out(name=EXPIRING)

    def receivers(event):
        return set(WebhookDelivery.objects.filter(event=event).values_list("endpoint", flat=True))

    assert receivers(for_first) == {internal.pk, of_first.pk}
    assert receivers(for_second) == {internal.pk, of_second.pk}
    assert receivers(for_nobody) == {internal.pk}


@pytest.mark.django_db
def test_inactive_and_unsubscribed_endpoints_receive_nothing(receiver):
    endpoint_make(receiver.url, active=False)
    endpoint_make(receiver.url, events=[EXPIRING])
    assert not WebhookDelivery.objects.filter(event=publish_and_fan_out()).exists()

    # Deactivated after the event: its pending delivery is given up without a request.
    later = endpoint_make(receiver.url)
    delivery = WebhookDelivery.objects.get(event=publish_and_fan_out())
    later.active = False
    later.save()
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).status == DeliveryStatus.GIVEN_UP
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_fanned_out_event_run_again_by_the_outbox_makes_no_second_delivery(receiver):
    endpoint_make(receiver.url)
    event = publish_and_fan_out()
    webhooks.webhook_fan_out(event)
    assert WebhookDelivery.objects.filter(event=event).count() == 1


@pytest.mark.django_db
def test_the_api_creates_an_endpoint_showing_its_secret_once(api_as, receiver):
    api = api_as(Role.ADMIN)
    answer = api.post("/api/v1/core/webhooks/", {"url": receiver.url, "events": [CONFIRMED]}, format="json")
    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert len(created["secret"]) == 64 and created["events"] == [CONFIRMED] and created["created_by"]
    shown = api.get(f"/api/v1/core/webhooks/{created['id']}/").json()
    assert "secret" not in shown and shown["url"] == receiver.url

    changed = api.patch(f"/api/v1/core/webhooks/{created['id']}/", {"active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert CONFIRMED in api.get("/api/v1/core/webhooks/events/").json()["events"]
    assert api_as(Role.SALES).get("/api/v1/core/webhooks/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"url": "not a url", "events": [CONFIRMED]}, "url", "invalid"),
        ({"url": "ftp://example.com/hooks", "events": [CONFIRMED]}, "url", "https_required"),
        ({"url": "https://example.com/hooks", "events": ["erp.nothing.happened"]}, "events", "unknown_event"),
        ({"url": "https://example.com/hooks", "events": []}, "events", "empty"),
    ],
)
def test_bad_endpoints_are_refused_with_field_and_code(api_as, body, field, code):
    answer = api_as(Role.ADMIN).post("/api/v1/core/webhooks/", body, format="json")
    assert answer.status_code == 400
    assert {"field": field, "code": code} in [{k: e[k] for k in ("field", "code")} for e in answer.json()["errors"]]


@pytest.mark.django_db
@override_settings(TAKT_WEBHOOK_ALLOW_HTTP=False)
def test_production_endpoints_must_use_https(api_as):
    answer = api_as(Role.ADMIN).post(
        "/api/v1/core/webhooks/", {"url": "http://example.com/hooks", "events": [CONFIRMED]}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "url" and answer.json()["errors"][0]["code"] == "https_required"
    created = api_as(Role.ADMIN).post(
        "/api/v1/core/webhooks/", {"url": "https://example.com/hooks", "events": [CONFIRMED]}, format="json"
    )
    assert created.status_code == 201


def test_the_known_event_names_are_those_the_apps_publish():
    names = webhooks.known_event_names()
    assert {CONFIRMED, EXPIRING, "mes.nonconformance.raised", "crm.service_case.sla_breached"} <= names
    assert "wms.shipment.shipped" in names and "core.task_run.finished" in names
    assert {
        "crm.quote.accepted",
        "aps.planned_order.firmed",
        "aps.schedule.published",
        "mes.operation.started",
        "mes.operation.completed",
        "mes.inspection.recorded",
        "erp.production_order.closed",
    } <= names
