"""The Redis cache, failing open: a Redis outage must not take the web pages down with it.

What the cache holds here is advisory: allauth's rate-limit counters and the survey
aggregation debounce flag. When Redis cannot be reached, reads miss, writes are dropped
and `add` answers True ("nothing was there"), so allauth's limiter lets the request
through instead of answering 500 (or 429 after waiting a second for a lock it can never
take); a warning is logged. After a failure the cache is skipped for a few seconds (a
circuit breaker), so a Redis that is down — or dropping packets, which costs a connect
timeout per call — costs one attempt per process per interval, not one per cache call.

Sessions are in the database (Django's default), never in this cache.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("tsunagu.cache")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
SKIP_AFTER_FAILURE_SECONDS = 5.0
# Socket timeouts: cache calls take well under a millisecond on a healthy Redis.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        params["OPTIONS"] = {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}
        super().__init__(server, params)
        self._skip_until = 0.0

    def _guard(self, operation: str, fallback, call, *args, **kwargs):
        if time.monotonic() < self._skip_until:
            return fallback
        try:
            return call(*args, **kwargs)
        except UNAVAILABLE as exc:
            self._skip_until = time.monotonic() + SKIP_AFTER_FAILURE_SECONDS
            logger.warning(
                "cache unavailable (%s during %s): rate limits are not enforced and cached "
                "flags are ignored until Redis answers again",
                exc.__class__.__name__,
                operation,
            )
            return fallback

    def is_available(self) -> bool:
        """A real round trip to Redis, for the status page (ignores the circuit breaker)."""
        try:
            return bool(self._cache.get_client(write=False).ping())
        except UNAVAILABLE:
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, super().has_key, key, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", [], super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._guard("clear", None, super().clear)
