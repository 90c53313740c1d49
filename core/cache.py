"""The Django cache on Redis, that lets requests go on while Redis is down (docs/operations.md, "Faults").

What Takt caches can be done without for a while: a read misses, a write is dropped and a warning logged,
so pages and the API keep answering (API rate limits are not counted meanwhile) instead of failing.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


def _tolerant(name: str, answer: Callable[..., Any]):
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            logger.warning("Cache %s skipped, Redis does not answer: %s", name, exc)
            return answer(*args, **kwargs)

    return call


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    get = _tolerant("get", _default)
    get_many = _tolerant("get_many", lambda *args, **kwargs: {})
    has_key = _tolerant("has_key", lambda *args, **kwargs: False)
    add = _tolerant("add", lambda *args, **kwargs: False)
    set = _tolerant("set", lambda *args, **kwargs: None)
    set_many = _tolerant("set_many", lambda data, *args, **kwargs: list(data))
    touch = _tolerant("touch", lambda *args, **kwargs: False)
    delete = _tolerant("delete", lambda *args, **kwargs: False)
    delete_many = _tolerant("delete_many", lambda *args, **kwargs: None)
    clear = _tolerant("clear", lambda *args, **kwargs: False)
