from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
TAKT_WEBHOOK_ALLOW_HTTP = True  # local receivers (tests, a developer's own server) speak plain http
