"""Health of the platform, in two views.

``/healthz`` — liveness and readiness of this web process, for the load balancer: the
process answers and its database answers. Nothing else: a Redis outage delays mail (the
outbox keeps it) and opens the rate limits (config/cache.py), so it must not make every
web node look dead and be taken out of rotation.

``/healthz/status`` — the operator's view: database, broker, cache, the outbox backlog
(queued, due, age of the oldest due row, failed) and the last tick of Celery beat. 503
when something needs a person: the database or broker is down, due mail is older than
HEALTH_OUTBOX_MAX_AGE_SECONDS, or beat has not ticked for HEALTH_BEAT_MAX_AGE_SECONDS.
Staff who are signed in may read it, or a monitor sending
``Authorization: Bearer $HEALTH_STATUS_TOKEN``.

Apps above this layer add their figures with ``register_status_check`` (notifications
adds the outbox backlog in its AppConfig.ready), so this module imports none of them.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app

logger = logging.getLogger(__name__)

BEAT_TICK_KEY = "tsunagu:beat:last-tick"

# name → function returning (healthy, figures)
_STATUS_CHECKS: dict[str, Callable[[], tuple[bool, dict]]] = {}


def register_status_check(name: str, check: Callable[[], tuple[bool, dict]]) -> None:
    _STATUS_CHECKS[name] = check


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_ok() -> bool:
    timeout = settings.BROKER_PUBLISH_TIMEOUT
    try:
        with app.connection_for_write(
            connect_timeout=timeout,
            transport_options={
                "max_retries": 0,
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
            },
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
        return True
    except Exception:
        return False


def cache_ok() -> bool:
    probe = getattr(cache, "is_available", None)
    if probe is not None:
        return probe()
    try:
        cache.set("tsunagu:health:probe", 1, 10)
        return cache.get("tsunagu:health:probe") == 1
    except Exception:
        return False


def record_beat_tick() -> None:
    cache.set(BEAT_TICK_KEY, time.time(), None)


def beat_status() -> tuple[bool, dict]:
    last = cache.get(BEAT_TICK_KEY)
    if last is None:
        return False, {"last_tick": None, "age_seconds": None}
    age = max(0.0, time.time() - float(last))
    return age <= settings.HEALTH_BEAT_MAX_AGE_SECONDS, {
        "last_tick": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(float(last))),
        "age_seconds": round(age),
    }


@never_cache
@require_GET
def healthz(request):
    """Liveness/readiness: this process and its database."""
    healthy = database_ok()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": healthy}, status=200 if healthy else 503
    )


def _may_read_status(request) -> bool:
    token = settings.HEALTH_STATUS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


@never_cache
@require_GET
def status(request):
    """The operator's view: every dependency and the mail backlog."""
    if not _may_read_status(request):
        raise Http404
    body: dict[str, object] = {}
    problems: list[str] = []
    db = database_ok()
    body["database"] = db
    if not db:
        problems.append("database")
    body["broker"] = broker_ok()
    if not body["broker"]:
        problems.append("broker")
    body["cache"] = cache_ok()  # reported, not a failure: the cache fails open
    beat_ok, body["beat"] = beat_status()
    if not beat_ok:
        problems.append("beat")
    if db:
        for name, check in _STATUS_CHECKS.items():
            try:
                ok, figures = check()
            except Exception:
                logger.exception("status check %s failed", name)
                ok, figures = False, {"error": True}
            body[name] = figures
            if not ok:
                problems.append(name)
    return JsonResponse(
        {"status": "degraded" if problems else "ok", "problems": problems, **body},
        status=503 if problems else 200,
        json_dumps_params={"ensure_ascii": False},
    )
