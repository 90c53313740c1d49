"""A throwaway database for a benchmark, on the same PostgreSQL server as the configured one.

The embedded server by default (or DATABASE_URL's). It is created, migrated, handed to the
benchmark with Django set up on it, and dropped at the end, so the dev data is never touched.
"""

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _admin_sql(url: str, statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@contextmanager
def throwaway_database(default_name: str):
    """Set up Django on a fresh, migrated database named TAKT_BENCH_DATABASE or `default_name`."""
    from config import embedded

    server_url = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    name = os.environ.get("TAKT_BENCH_DATABASE", default_name)
    _admin_sql(server_url, f"DROP DATABASE IF EXISTS {name}")
    _admin_sql(server_url, f"CREATE DATABASE {name}")
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"  # as in production: no query log kept in memory
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        yield
        connections.close_all()
    finally:
        _admin_sql(server_url, f"DROP DATABASE IF EXISTS {name}")
