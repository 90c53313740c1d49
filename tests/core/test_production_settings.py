"""Production settings (config/settings/production.py): `check --deploy` finds nothing to warn about, and
the default secret key is refused. Each runs manage.py in a process of its own with those settings."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def _manage(*args: str, secret_key: str | None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_ALLOWED_HOSTS": "takt.example.com",
        # Production starts no embedded servers: the test's own (check --deploy connects to neither).
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
    }
    env.pop("DJANGO_SECRET_KEY", None)
    if secret_key is not None:
        env["DJANGO_SECRET_KEY"] = secret_key
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_has_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", secret_key=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_the_default_secret_key():
    result = _manage("check", secret_key=None)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY: production refuses the default secret key." in result.stderr
