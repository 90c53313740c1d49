import io
import itertools

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.celery import app as celery_app
from core.roles import Role


@pytest.fixture
def make_user(db):
    """A user holding one role (a group created from the apps' MODEL_ACCESS after migrate)."""

    counter = itertools.count(1)

    def make(role: Role | str | None = None, username: str | None = None, **fields):
        name = username or f"{role or 'no-role'}-{next(counter)}"
        user = get_user_model().objects.create_user(username=name, password="pw-Takt-2026", **fields)
        if role:
            user.groups.add(Group.objects.get(name=str(role)))
        return user

    return make


@pytest.fixture
def client_as(client, make_user):
    """A browser client signed in with the given role."""

    def sign_in(role: Role | str):
        client.force_login(make_user(role))
        return client

    return sign_in


@pytest.fixture
def api_as(make_user):
    """An API client authenticated by token, as a partner system would be."""

    def authenticate(role: Role | str):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_user(role)).key}")
        return api

    return authenticate


def _close_worker_connection(**kwargs):
    # The worker thread opens its own database connection; close it so the test database can be dropped.
    connection.close()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in a thread) consuming from the real Redis broker."""
    celery_app.control.purge()
    task_postrun.connect(_close_worker_connection, weak=False)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker
    task_postrun.disconnect(_close_worker_connection)


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """SmartAppliance Co., loaded once for a test module (demo_load takes a while) and flushed away
    after it. Tests that ask for `db` as well run in transactions on top: what one changes, the next
    does not see."""
    with django_db_blocker.unblock():
        call_command("demo_load", stdout=io.StringIO())
        yield
        # Leave the test database as the other modules expect it: empty but for what migrate makes.
        call_command("flush", interactive=False, verbosity=0)
