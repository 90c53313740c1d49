from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth_token": "10000/minute"}}  # noqa: F405
# Lock-out off: Client.login() authenticates without a request, which django-axes refuses;
# tests/core/test_login_security.py turns it on.
AXES_ENABLED = False
TAKT_API_RATE = None  # no request limit but a token's own `rate` (tests/core/test_tokens.py sets one)
# The demo's last quarter only: demo_load runs once per xdist worker, and the demo tests pin its facts.
TAKT_DEMO_HISTORY_DAYS = 91


def _redis_db(url: str, db: int) -> str:
    """The same Redis server, another database: tests never share a queue with a running demo."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# Each pytest-xdist worker ("gw0", "gw1"...) counts down from TAKT_TEST_REDIS_DB, as each has its own test
# database: one worker's purge or queued task never reaches another's.
_XDIST_WORKER = int(env("PYTEST_XDIST_WORKER", default="gw0").removeprefix("gw"))
TEST_REDIS_URL = _redis_db(REDIS_URL, env.int("TAKT_TEST_REDIS_DB", default=15) - _XDIST_WORKER)  # noqa: F405
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = TEST_REDIS_URL
CACHES = {"default": {**CACHES["default"], "LOCATION": TEST_REDIS_URL}}  # noqa: F405
TAKT_WEBHOOK_ALLOW_HTTP = True  # local receivers (tests, a developer's own server) speak plain http
