"""The client's address, behind the documented reverse proxy.

gunicorn listens on loopback behind nginx, so REMOTE_ADDR is always the proxy. Each proxy
appends the address it received the request from to X-Forwarded-For; with
TRUSTED_PROXY_COUNT proxies in front of gunicorn, the client is the entry that many places
from the right (the entries further left were written by the client and prove nothing).
Rate limits (allauth) and the audit trail read the address here, so one municipal office
behind NAT is one client, and the whole site is not one.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _clean(request.META.get("REMOTE_ADDR", "") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        # Fewer hops than configured: the request did not come through every proxy (or
        # TRUSTED_PROXY_COUNT is wrong). Trust nothing the client could have written.
        logger.warning(
            "X-Forwarded-For has %d entries, TRUSTED_PROXY_COUNT is %d; using the peer address",
            len(forwarded),
            count,
        )
        return remote
    return _clean(forwarded[-count]) or remote
