"""The embedded default starts real servers once, reuses them, and restarts them when they stopped."""

import json
import subprocess

import psycopg2
import pytest
import redis

from config import embedded


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TAKT_VAR_DIR", str(tmp_path))
    yield tmp_path
    embedded.stop()


def test_redis_is_started_once_reused_and_restarted_after_a_stop(var_dir):
    url = embedded.redis_url()
    assert redis.Redis.from_url(url).ping()
    assert embedded.redis_url() == url  # the running server is reused

    redis.Redis.from_url(url).shutdown(nosave=True)
    restarted = embedded.redis_url()
    assert redis.Redis.from_url(restarted).ping()


def test_postgres_is_initialised_with_the_takt_database_and_reused(var_dir):
    url = embedded.postgres_url()
    assert url == embedded.postgres_url()
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('server_version_num')::int")
        database, version = cursor.fetchone()
    assert database == "takt" and version >= 140000
    dump = subprocess.run(
        [embedded.postgres_bin_dir() / "pg_dump", "--schema-only", url], capture_output=True, text=True, check=True
    )
    assert "PostgreSQL database dump" in dump.stdout

    # A process killed while rewriting pgserver's list of the server's users leaves it empty: still starts.
    handles = var_dir / "postgres" / ".handle_pids.json"
    handles.write_text("")
    assert embedded.postgres_url() == url
    assert isinstance(json.loads(handles.read_text()), list)
