"""Aggregation runs in Celery: after a submission (debounced) and on demand (named
forms only; anonymous forms release their responses on the schedule in surveys.anonymity).

A burst of 40 participants answering in the last five minutes of a session must
not queue 40 recomputations. The first submission sets a cache flag and enqueues
one task with a countdown; later ones see the flag and do nothing. The task clears
the flag before it reads, so a submission committed after that point enqueues a
new run and is never missed.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from events.models import Event
from surveys.aggregation import aggregate_now
from surveys.models import Form

logger = logging.getLogger(__name__)


def _pending_key(form_id: int, event_id: int) -> str:
    return f"surveys:aggregate-pending:{form_id}:{event_id}"


def schedule_aggregation(form_id: int, event_id: int) -> None:
    """Call after commit. Enqueues at most one run per debounce window."""
    debounce = settings.SURVEYS_AGGREGATE_DEBOUNCE_SECONDS
    key = _pending_key(form_id, event_id)
    # The flag outlives the countdown, and expires so a lost task cannot block forever.
    if debounce and not cache.add(key, 1, timeout=debounce * 6 + 60):
        return
    try:
        aggregate.apply_async(args=[form_id, event_id], countdown=debounce)
    except Exception:
        # The broker is down: the answers are saved; the organizer can refresh the
        # results on demand, and the next submission tries again.
        cache.delete(key)
        logger.exception("Could not enqueue survey aggregation for form %s event %s", form_id, event_id)


@shared_task(name="surveys.aggregate", ignore_result=True)
def aggregate(form_id: int, event_id: int) -> int | None:
    cache.delete(_pending_key(form_id, event_id))
    form = Form.objects.filter(pk=form_id).first()
    if form is None or not Event.objects.filter(pk=event_id).exists():
        return None
    if form.anonymous:
        from surveys.anonymity import release_due  # models are ready only when a task runs

        # Releases the waiting responses only when k of them are due together.
        release_due(form, event_id)
        summary = form.summaries.filter(event_id=event_id).first()
        return summary.responses if summary else 0
    return aggregate_now(form, event_id).responses


@shared_task(name="surveys.release_anonymous", ignore_result=True)
def release_anonymous() -> int:
    """Beat: anonymous questionnaires whose responses are due to show (closed, or k more)."""
    from surveys.anonymity import release_all_due  # models are ready only when a task runs

    return release_all_due()
