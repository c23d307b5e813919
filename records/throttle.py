"""A counter in the cache (Redis in production and tests), for the public
verification page: a number or a holder's name must not be found by trying.

The client address is the one allauth's adapter reports (it knows the deployment's
trusted proxies), so the login limits and these count the same person the same way.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def client_ip(request) -> str:
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:  # no address at all: one shared bucket, which only makes it stricter
        return "unknown"


def allow(request, action: str, *, limit: int, window: int, key: str = "") -> bool:
    """Count one attempt; False once `limit` attempts were made within `window` seconds of
    the first one (the window starts at the first attempt, so it cannot be reset by
    waiting for the clock to pass a minute boundary)."""
    source = key or client_ip(request)
    digest = hashlib.sha256(f"{action}:{source}".encode()).hexdigest()[:32]
    cache_key = f"records:throttle:{action}:{digest}"
    # add() sets the expiry once; incr() keeps it.
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count <= limit
