"""Queue a Celery task once the transaction that asked for it commits.

A task queued inside a transaction may run before the rows it reads are visible (or
for rows a rollback removes); queued after commit it sees them. A broker outage must
not turn a committed request into an error page: the work is already recorded (an
outbox row, a submission), and the periodic tasks (dispatch_due, reconcile_reminders,
the aggregation sweep) catch up on whatever was not queued. So a failed publish is
logged and swallowed. `retry=False`: kombu would otherwise block the request retrying.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def publish(task, *args, **kwargs) -> bool:
    """Queue now; False (logged) when the broker cannot be reached."""
    try:
        task.apply_async(args=args, kwargs=kwargs or None, retry=False)
    except Exception:
        logger.warning(
            "could not enqueue %s%r; the periodic sweep will catch up", task.name, args, exc_info=True
        )
        return False
    return True


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` after the current transaction commits (now if none)."""
    transaction.on_commit(partial(publish, task, *args, **kwargs), robust=True)
