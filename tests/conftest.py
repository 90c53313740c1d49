import contextlib
import io
import itertools
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from psycopg2 import sql
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.celery import app as celery_app
from core.roles import Role


def wait_for(condition, timeout: float = 20.0) -> None:
    """Until `condition()` is true (what a real worker does in its own thread), or fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.05)


def user_with_role(role: Role | str | None, username: str, **fields):
    """A user holding one role (a group created from the apps' MODEL_ACCESS after migrate)."""
    user = get_user_model().objects.create_user(username=username, password="pw-Takt-2026", **fields)
    if role:
        user.groups.add(Group.objects.get(name=str(role)))
    return user


# The longest test files, started first: pytest-xdist hands whole files to its workers in collection order,
# and one of these begun last would keep one worker busy minutes after the other has finished.
LONGEST_FIRST = (
    "tests/core/test_role_matrix.py",
    "tests/core/test_role_matrix_floor.py",
    "tests/core/test_role_matrix_office.py",
    "tests/core/test_openapi_fuzz.py",
    "tests/aps/test_worker_killed.py",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


@pytest.fixture
def make_user(db):
    """user_with_role, named after the role unless a username is given."""

    counter = itertools.count(1)

    def make(role: Role | str | None = None, username: str | None = None, **fields):
        return user_with_role(role, username or f"{role or 'no-role'}-{next(counter)}", **fields)

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


DEMO_SNAPSHOT = "demo_snapshot"


def _demo_tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _demo_snapshot_take() -> None:
    """Copy every table of the freshly loaded demo into a schema of its own, which flush leaves alone."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(DEMO_SNAPSHOT)))
        for table in _demo_tables():
            cursor.execute(
                sql.SQL("CREATE TABLE {} AS TABLE {}").format(
                    sql.Identifier(DEMO_SNAPSHOT, table), sql.Identifier("public", table)
                )
            )


def _demo_snapshot_restore() -> None:
    """Put the demo back as demo_load left it: every table emptied and refilled from the snapshot in one
    transaction (foreign keys are checked at commit), then each sequence set past its table's ids."""
    tables = _demo_tables()
    models = [model for model in apps.get_models(include_auto_created=True) if model._meta.db_table in tables]
    with transaction.atomic(), connection.cursor() as cursor:
        names = [sql.Identifier("public", table) for table in tables]
        cursor.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(names)))
        for table in tables:
            cursor.execute(
                sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                    sql.Identifier("public", table), sql.Identifier(DEMO_SNAPSHOT, table)
                )
            )
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    # The content types are the snapshot's again, whose ids a flush since may have given to others.
    ContentType.objects.clear_cache()


def _demo_snapshot_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [DEMO_SNAPSHOT])
        return cursor.fetchone() is not None


@pytest.fixture(scope="session")
def demo_snapshot_stale_dropped(django_db_setup, django_db_blocker):
    """--reuse-db keeps the test database, and a snapshot in it, from an earlier session that may have run
    other migrations or another demo; each session takes its own."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(DEMO_SNAPSHOT)))


@contextlib.contextmanager
def records_for_module(django_db_blocker):
    """For a module-scoped fixture whose records take seconds to make: what it makes inside is committed
    once for the test module, its tests (asking for `db` as well) run in transactions on top, and the
    database is flushed after the module. Give each test a copy.deepcopy of the Python objects, so that
    what one test sets on them stays in that test."""
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def demo_loaded(demo_snapshot_stale_dropped, django_db_blocker):
    """SmartAppliance Co. for a test module, flushed away after it. demo_load takes minutes, so it runs
    once per test session; later modules get a copy of its tables. Tests that ask for `db` as well run in
    transactions on top: what one changes, the next does not see."""
    with records_for_module(django_db_blocker):
        if _demo_snapshot_exists():
            _demo_snapshot_restore()
        else:
            call_command("demo_load", stdout=io.StringIO())
            _demo_snapshot_take()
        yield
