"""Celery tasks: they take ids, re-read the rows and are safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import enqueue_after_commit
from notifications import delivery, reminders
from notifications.surveys_bridge import survey_mails

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_outbox_message", ignore_result=True)
def send_outbox_message(message_id: int) -> str:
    """Send one row after the commit that wrote it; a no-op if another worker has it."""
    result = delivery.send_one(message_id)
    if result.sent:
        return "sent"
    if result.retrying or result.failed:
        return "failed"
    return "skipped"


@shared_task(name="notifications.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    """Every minute: what is due (reminders, retries) or stuck (expired lease)."""
    result = delivery.dispatch_due()
    if result.sent or result.failed or result.retrying:
        logger.info(
            "outbox: %s sent, %s retrying, %s failed, %s withdrawn",
            len(result.sent),
            len(result.retrying),
            len(result.failed),
            len(result.withdrawn),
        )
    return len(result.sent)


@shared_task(name="notifications.schedule_reminders", ignore_result=True)
def schedule_reminders() -> int:
    """The safety net for reminders, and the pre-work and questionnaire mails."""
    return reminders.reconcile_reminders() + survey_mails()


@shared_task(name="notifications.schedule_registration_reminders", ignore_result=True)
def schedule_registration_reminders(registration_id: int) -> int:
    """After a confirmation commits: this person's reminders (idempotent by dedupe key)."""
    return len(reminders.schedule_reminders_for_registration(registration_id))


# Up to this many after-commit sends become one Celery task each; a bigger burst (an
# event cancelled for 300 people) is one dispatcher run instead of 300 tasks.
_SINGLE_TASK_LIMIT = 20


def send_after_commit(sender, ids: list[int], **kwargs) -> None:
    """outbox.rows_due: queue the sending once the rows are committed.

    A broker outage loses nothing: the rows are committed and the per-minute dispatcher
    sends them when it runs."""
    if len(ids) <= _SINGLE_TASK_LIMIT:
        for row_id in ids:
            enqueue_after_commit(send_outbox_message, row_id)
    else:
        enqueue_after_commit(dispatch_due)
