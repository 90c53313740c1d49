"""Fault: PostgreSQL restarts while the web app serves traffic (docs/operations.md, "Faults").

A throwaway PostgreSQL cluster (pgserver's, in a temporary directory, on its own unix socket) gets a
migrated database; gunicorn serves Takt on it; a few client threads send reads and API creates, each create
with an Idempotency-Key and retried with it on failure, as a client should. Midway the cluster restarts
(`pg_ctl restart -m fast`, which drops every connection). Asserted, exit status 1 otherwise:

- only requests in flight during the restart fail (a 5xx or a broken connection);
- every request after it succeeds, with the same web processes (CONN_HEALTH_CHECKS reconnects);
- every create exists exactly once: none lost, none doubled by its retries.

    .venv/bin/python bench/fault_db_restart.py [--seconds 20] [--clients 6]

Takes a few minutes: most of it is migrating the new database. Nothing outside a temporary directory (and
the Redis of REDIS_URL, or the embedded one, for the cache) is touched; the PostgreSQL of DATABASE_URL or the
embedded one is never restarted.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GRACE_SECONDS = 1.0  # after the restart returns, the server may still be finishing its start-up


@dataclass
class Attempt:
    kind: str
    started: float
    ended: float
    ok: bool
    detail: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command: list, **kwargs) -> str:
    return subprocess.run(  # noqa: S603 (our own tools and arguments)
        [str(part) for part in command], check=True, capture_output=True, text=True, **kwargs
    ).stdout


def call(method: str, url: str, token: str, body: dict | None = None, key: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1 server)
        url, method=method, headers=headers, data=json.dumps(body).encode() if body is not None else None
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:200].decode(errors="replace")


class Traffic:
    """Client threads: each loops over a read and a create until told to stop."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.attempts: list[Attempt] = []
        self.created: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def attempt(self, kind: str, method: str, path: str, body=None, key=None) -> bool:
        started = time.monotonic()
        try:
            status, detail = call(method, self.base + path, self.token, body, key)
            ok = status < 500
            if not ok or status >= 400:
                detail = f"{status} {detail}"
        except OSError as exc:  # refused, reset, timed out
            ok, detail = False, type(exc).__name__
        with self.lock:
            self.attempts.append(Attempt(kind, started, time.monotonic(), ok, detail))
        return ok

    def client(self, number: int) -> None:
        for sequence in range(10**6):
            if self.stop.is_set():
                return
            self.attempt("read", "GET", "/api/v1/core/partners/?page_size=5")
            code = f"FAULT-{number}-{sequence}"
            body = {"code": code, "name": f"Fault test {code}", "kind": "customer"}
            key = str(uuid.uuid4())
            # A client retries a failed create with the same key until it gets an answer.
            while not self.attempt("create", "POST", "/api/v1/core/partners/", body, key):
                time.sleep(0.2)
            with self.lock:
                self.created.append(code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()
    import pgserver  # the embedded server's package (a dev extra) makes and runs the throwaway cluster
    from pgserver._commands import pg_ctl

    with tempfile.TemporaryDirectory(prefix="takt-fault-db-") as work:
        server = pgserver.get_server(Path(work) / "postgres", cleanup_mode="stop")
        web = None
        try:
            server.psql("CREATE DATABASE takt;")
            database_url = server.get_uri("takt")
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.dev",
                "DJANGO_DEBUG": "false",
                "DATABASE_URL": database_url,
                "TAKT_LOG_LEVEL": "WARNING",  # not a line per request
            }
            print("Migrating a new database ...", flush=True)
            run([PYTHON, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env)
            token = run([PYTHON, "manage.py", "shell", "-c", ADMIN_WITH_API_KEY], cwd=ROOT, env=env).split()[-1]
            web_port = free_port()
            web = subprocess.Popen(  # noqa: S603
                [
                    *(PYTHON, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{web_port}"),
                    *("--workers", "2", "--threads", "4", "--log-level", "warning"),
                ],
                cwd=ROOT,
                env=env,
            )
            base = f"http://127.0.0.1:{web_port}"
            wait_until_serving(base)

            traffic = Traffic(base, token)
            clients = [threading.Thread(target=traffic.client, args=(n,)) for n in range(args.clients)]
            for thread in clients:
                thread.start()
            time.sleep(args.seconds / 3)
            restart_began = time.monotonic()
            # Fast: every connection is dropped at once, transactions in flight are rolled back.
            pg_ctl(
                ["-w", "-m", "fast", "-l", str(server.log), "restart"], pgdata=server.pgdata, user=server.system_user
            )
            restart_ended = time.monotonic()
            time.sleep(args.seconds * 2 / 3)
            traffic.stop.set()
            for thread in clients:
                thread.join()
            web_alive = web.poll() is None
            return report(traffic, restart_began, restart_ended, database_url, web_alive=web_alive)
        finally:
            if web is not None:
                web.terminate()
                web.wait(timeout=30)
            server.cleanup()


def wait_until_serving(base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/health/live", timeout=2)  # noqa: S310
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


ADMIN_WITH_API_KEY = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_superuser("fault-bench", "fault@example.com", "pw-Takt-2026")
print(Token.objects.create(user=user).key)
"""


def report(traffic: Traffic, began: float, ended: float, database_url: str, *, web_alive: bool) -> int:
    import psycopg2

    failed = [a for a in traffic.attempts if not a.ok]
    in_flight = [a for a in failed if a.started <= ended + GRACE_SECONDS and a.ended >= began]
    late = [a for a in failed if a not in in_flight]
    after = [a for a in traffic.attempts if a.started > ended + GRACE_SECONDS]
    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, count(*) FROM core_partner WHERE code LIKE 'FAULT-%%' GROUP BY code")
        stored = dict(cursor.fetchall())
    connection.close()
    lost = [code for code in traffic.created if code not in stored]
    doubled = {code: n for code, n in stored.items() if n != 1}
    unasked = [code for code in stored if code not in traffic.created]
    print(
        f"{len(traffic.attempts)} requests, restart took {ended - began:.1f} s; "
        f"{len(failed)} failed, all in flight during the restart: {not late}; "
        f"{len(after)} after it, all ok: {all(a.ok for a in after)}; "
        f"{len(traffic.created)} creates: lost {len(lost)}, doubled {len(doubled)}, unasked {len(unasked)}; "
        f"web processes never restarted: {web_alive}"
    )
    for attempt in late[:5]:
        print(f"  failed outside the restart: {attempt}")
    ok = not late and after and all(a.ok for a in after) and not lost and not doubled and not unasked and web_alive
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
