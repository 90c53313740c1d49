from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth_token": "10000/minute"}}  # noqa: F405


def _redis_db(url: str, db: int) -> str:
    """The same Redis server, another database: tests never share a queue with a running demo."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


TEST_REDIS_URL = _redis_db(REDIS_URL, env.int("TAKT_TEST_REDIS_DB", default=15))  # noqa: F405
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = TEST_REDIS_URL
CACHES = {"default": {**CACHES["default"], "LOCATION": TEST_REDIS_URL}}  # noqa: F405
