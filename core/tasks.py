"""Queue a Celery task once the transaction that asked for it commits.

A task queued inside a transaction may run before the rows it reads are visible (or
for rows a rollback removes); queued after commit it sees them. A broker outage must
not turn a committed request into an error page, nor hold it for seconds: the work is
already recorded (an outbox row, a submission), and the periodic tasks (dispatch_due,
reconcile_reminders, the aggregation sweep) catch up on whatever was not queued. So a
failed publish is logged and swallowed, and it fails fast:

- no retry: `retry=False` for the message, and `max_retries=0` for the connection, which
  kombu otherwise retries with back-off (~6 s per task with Redis refusing connections —
  a registration queues two tasks, hence the 12 s it used to take);
- a short connect and socket timeout (BROKER_PUBLISH_TIMEOUT, 0.5 s by default), which is
  what a Redis that drops packets costs;
- results ignored: a task whose result is kept makes apply_async subscribe to the result
  backend first, which retries for ~20 s when Redis is down.

The producers come from a pool of their own (per process and broker URL), so a healthy
broker costs what the default pool costs.
"""

from __future__ import annotations

import logging
import os
from functools import partial

from django.conf import settings
from django.db import transaction
from kombu.pools import producers

logger = logging.getLogger(__name__)

_connections: dict[tuple[int, str, float], object] = {}


def _bounded_connection(app):
    timeout = settings.BROKER_PUBLISH_TIMEOUT
    key = (os.getpid(), str(app.conf.broker_url), timeout)
    conn = _connections.get(key)
    if conn is None:
        conn = app.connection_for_write(
            connect_timeout=timeout,
            transport_options={
                "max_retries": 0,
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
            },
        )
        _connections.clear()  # another process (fork) or broker URL: start afresh
        _connections[key] = conn
    return conn


def publish(task, *args, **kwargs) -> bool:
    """Queue now, within BROKER_PUBLISH_TIMEOUT; False (logged) when the broker cannot be reached."""
    app = task.app
    try:
        if app.conf.task_always_eager:
            task.apply_async(args=args, kwargs=kwargs or None)
            return True
        conn = _bounded_connection(app)
        with producers[conn].acquire(block=True, timeout=settings.BROKER_PUBLISH_TIMEOUT) as producer:
            task.apply_async(
                args=args, kwargs=kwargs or None, retry=False, ignore_result=True, producer=producer
            )
    except Exception:
        logger.warning(
            "could not enqueue %s%r; the periodic sweep will catch up", task.name, args, exc_info=True
        )
        return False
    return True


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` after the current transaction commits (now if none)."""
    transaction.on_commit(partial(publish, task, *args, **kwargs), robust=True)
