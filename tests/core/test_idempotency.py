"""Idempotency-Key on API writes: a retry gets the first answer and changes nothing more, over the real
database (and, for the concurrent retry, two threads with connections of their own)."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from core.api.views import VIEWSETS
from core.models import IdempotencyRecord, Item
from core.roles import Role
from core.tasks import purge_idempotency_records

ITEMS = "/api/v1/core/items/"


def kettle(**changes) -> dict:
    return {"code": "KT-200", "name": "Kettle", "uom": "ea", **changes}


def error_code(response) -> str:
    return response.json()["errors"][0]["code"]


@pytest.mark.django_db
def test_a_retried_post_creates_one_record_and_answers_as_the_first_time(api_as):
    api = api_as(Role.ENGINEER)
    first = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="order-7f3a")
    retry = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="order-7f3a")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Item.objects.filter(code="KT-200").count() == 1
    # Without a key, the same POST is a new request (here refused: the code is taken).
    assert api.post(ITEMS, kettle(), format="json").status_code == 400


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_a_422(api_as):
    api = api_as(Role.ENGINEER)
    created = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201

    other_body = api.post(ITEMS, kettle(name="Another kettle"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other_body.status_code == 422 and error_code(other_body) == "idempotency_key_reused"
    assert other_body.json()["errors"][0]["field"] is None
    other_path = api.patch(
        f"{ITEMS}{created.json()['id']}/", {"name": "Renamed"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other_path.status_code == 422 and error_code(other_path) == "idempotency_key_reused"
    assert Item.objects.get(code="KT-200").name == "Kettle"


@pytest.mark.django_db
def test_keys_belong_to_a_user(api_as):
    first, second = api_as(Role.ENGINEER), api_as(Role.ENGINEER)
    assert first.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    theirs = second.post(ITEMS, kettle(code="TS-400"), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert theirs.status_code == 201 and theirs.json()["code"] == "TS-400"
    assert Item.objects.filter(code__in=["KT-200", "TS-400"]).count() == 2
    assert IdempotencyRecord.objects.filter(key="shared").count() == 2


@pytest.mark.django_db
def test_a_client_error_is_kept_and_replayed(api_as):
    api = api_as(Role.ENGINEER)
    refused = api.post(ITEMS, kettle(uom="furlong"), format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert refused.status_code == 400
    # The unit appears meanwhile: the retry still gets the first answer, and creates nothing.
    again = api.post(ITEMS, kettle(uom="furlong"), format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert (again.status_code, again.json()) == (400, refused.json())
    assert not Item.objects.filter(code="KT-200").exists()


@pytest.mark.django_db
def test_an_answer_postgresql_cannot_keep_is_answered_afresh_on_retry(api_as):
    # The refusal names the unknown field sent, NUL included, and jsonb holds no NUL: a 400 both times, not a 500.
    api = api_as(Role.PLANNER)
    for _attempt in range(2):
        refused = api.post("/api/v1/aps/runs/start/", {"x\u0000": 1}, format="json", HTTP_IDEMPOTENCY_KEY="nul-1")
        assert refused.status_code == 400 and not refused.has_header("Idempotent-Replayed")
    assert not IdempotencyRecord.objects.filter(key="nul-1").exists()
    # Text that only reads "\u0000" is no NUL: kept and replayed, so the retry creates nothing.
    engineer = api_as(Role.ENGINEER)
    for _attempt in range(2):
        made = engineer.post(ITEMS, kettle(name="Kettle \\u0000"), format="json", HTTP_IDEMPOTENCY_KEY="nul-2")
    assert made.status_code == 201 and made["Idempotent-Replayed"] == "true"
    assert Item.objects.filter(code="KT-200").count() == 1


@pytest.mark.django_db
def test_a_server_error_is_not_kept_and_its_writes_are_undone_so_a_retry_runs_again(api_as, monkeypatch):
    viewset = VIEWSETS["items"]
    original = viewset.perform_create
    failures = []

    def create_then_fail_once(self, serializer):
        original(self, serializer)
        if not failures:
            failures.append(serializer.instance.pk)
            raise RuntimeError("the answer could not be made")

    monkeypatch.setattr(viewset, "perform_create", create_then_fail_once)
    api = api_as(Role.ENGINEER)
    api.raise_request_exception = False

    failed = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="flaky")
    assert failed.status_code == 500 and failures
    assert not Item.objects.filter(code="KT-200").exists()
    assert not IdempotencyRecord.objects.filter(key="flaky").exists()

    retried = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="flaky")
    assert retried.status_code == 201
    assert Item.objects.filter(code="KT-200").count() == 1
    assert IdempotencyRecord.objects.get(key="flaky").status == 201


@pytest.mark.django_db
def test_a_key_is_1_to_255_characters(api_as):
    api = api_as(Role.ENGINEER)
    response = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Item.objects.exists()


@pytest.mark.django_db
def test_an_unauthenticated_write_is_refused_as_before_and_nothing_is_kept():
    from rest_framework.test import APIClient

    response = APIClient().post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="anon")
    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_an_expired_key_runs_again(api_as, settings):
    settings.TAKT_IDEMPOTENCY_TTL_HOURS = 24
    api = api_as(Role.ENGINEER)
    first = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(hours=25))

    again = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert first.status_code == 201 and again.status_code == 400  # run again: the code is taken now
    assert error_code(again) == "unique"


def test_the_beat_task_purges_expired_records(celery_worker, make_user, settings):
    settings.TAKT_IDEMPOTENCY_TTL_HOURS = 24
    user = make_user(Role.ENGINEER)
    now = timezone.now()
    for key, age_hours in [("fresh", 1), ("nearly", 23), ("expired", 25), ("long-gone", 100)]:
        record = IdempotencyRecord.objects.create(
            user=user, key=key, method="POST", path=ITEMS, fingerprint="0" * 64, status=201, response_body={}
        )
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=now - datetime.timedelta(hours=age_hours))

    assert purge_idempotency_records.delay().get(timeout=30) == 2
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"fresh", "nearly"}


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_retry_is_a_409_and_never_runs_twice(api_as, monkeypatch):
    """The first request is held inside its write until the retry, from another thread and connection,
    has been answered."""
    viewset = VIEWSETS["items"]
    original = viewset.perform_create
    writing, retried = threading.Event(), threading.Event()

    def create_and_hold(self, serializer):
        original(self, serializer)
        writing.set()
        assert retried.wait(timeout=60), "the retry never came"

    monkeypatch.setattr(viewset, "perform_create", create_and_hold)
    api = api_as(Role.ENGINEER)
    credentials = api._credentials

    def post():
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(**credentials)
        try:
            return client.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="slow")
        finally:
            connection.close()

    def retry_while_the_first_is_writing():
        assert writing.wait(timeout=60), "the first request never started writing"
        try:
            return post()
        finally:
            retried.set()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first_future = pool.submit(post)
        retry_future = pool.submit(retry_while_the_first_is_writing)
        first, retry = first_future.result(), retry_future.result()

    assert first.status_code == 201
    assert retry.status_code == 409 and error_code(retry) == "idempotency_key_in_progress"
    assert Item.objects.filter(code="KT-200").count() == 1
    # Once the first has finished, the retry gets its answer.
    replay = api.post(ITEMS, kettle(), format="json", HTTP_IDEMPOTENCY_KEY="slow")
    assert (replay.status_code, replay.json()) == (201, first.json())
