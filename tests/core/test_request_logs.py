"""Logs (docs/operations.md, "Logs"): each request has an id, on its response and on every log line written
while it runs; production writes those lines as JSON; a Celery task's lines carry the task's id."""

import io
import json
import logging
import logging.config

import pytest
from auditlog.models import LogEntry
from celery import shared_task
from django.conf import settings
from rest_framework.test import APIClient

from core.logs import ContextFilter
from core.models import Item
from core.roles import Role
from core.services.tokens import api_token_create


@pytest.fixture
def json_lines():
    """The root logger also writes, as production does, to a buffer: one JSON object a line."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    production = dict(settings.LOGGING["formatters"]["json"])  # a copy: configuring takes keys out of it
    handler.setFormatter(logging.config.DictConfigurator({}).configure_formatter(production))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.django_db
def test_a_request_logs_a_json_line_with_its_request_id(client, json_lines):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c21-0001"  # the proxy's id is kept
    (line,) = [line for line in json_lines() if line["logger"] == "takt.request"]
    assert line["request_id"] == "lb-7f3a9c21-0001" and line["task_id"] is None
    assert (line["level"], line["method"], line["path"], line["status"]) == ("INFO", "GET", "/health/live", 200)
    assert line["message"] == "GET /health/live 200" and "time" in line


@pytest.mark.django_db
def test_an_api_write_is_audited_under_its_request_id_and_logged_with_its_token(make_user, json_lines):
    user = make_user(Role.ENGINEER)
    token, key = api_token_create(user=user, name="PLM bridge", scopes=["core:write"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    created = api.post(
        "/api/v1/core/items/",
        {"code": "KT-200", "name": "Kettle", "uom": "ea"},
        format="json",
        HTTP_X_REQUEST_ID="bridge-run-42",
    )
    assert created.status_code == 201
    change = LogEntry.objects.get_for_object(Item.objects.get(code="KT-200")).get()
    assert (change.actor, change.cid) == (user, "bridge-run-42")
    (line,) = [line for line in json_lines() if line["logger"] == "takt.request"]
    assert (line["request_id"], line["user_id"], line["token"]) == ("bridge-run-42", user.pk, token.prefix)
    assert (line["method"], line["status"]) == ("POST", 201)


@pytest.mark.django_db
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client):
    first, second = client.get("/health/live"), client.get("/health/live", HTTP_X_REQUEST_ID="bad id\r\nX: y")
    assert len(first["X-Request-ID"]) == 32 and len(second["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


@shared_task(name="tests.log_something")
def log_something() -> None:
    logging.getLogger("takt.tests").info("working")


def test_a_task_logs_with_its_task_id(json_lines):
    result = log_something.apply()
    (line,) = [line for line in json_lines() if line["logger"] == "takt.tests"]
    assert line["task_id"] == result.id and line["request_id"] is None
