"""Sending outbox rows: claim, send over one SMTP connection per batch, record the outcome.

Claiming is the only guard against sending a message twice, so it is done in the
database: the due rows are selected with FOR UPDATE SKIP LOCKED (two dispatchers
never pick the same row) and flipped to `sending` with a lease in the same
transaction. A worker that dies after claiming leaves the row `sending`; once the lease
has expired the dispatcher treats it as due again. A crash *between* the SMTP server
accepting a message and the row being marked `sent` can still repeat that one message:
the window is kept to a single batch, and nothing is ever lost.
"""

from __future__ import annotations

import logging
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from notifications.mail import build_email
from notifications.models import Outbox
from notifications.rendering import render_deferred

logger = logging.getLogger(__name__)
Status = Outbox.Status


def lease_seconds() -> int:
    return int(getattr(settings, "NOTIFICATIONS_LEASE_SECONDS", 600))


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 8))


def batch_size() -> int:
    return int(getattr(settings, "NOTIFICATIONS_BATCH_SIZE", 200))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, never more than an hour."""
    base = int(getattr(settings, "NOTIFICATIONS_BACKOFF_SECONDS", 60))
    cap = int(getattr(settings, "NOTIFICATIONS_BACKOFF_CAP_SECONDS", 3600))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _due(now: datetime) -> Q:
    return Q(status=Status.QUEUED, send_after__lte=now) | Q(status=Status.SENDING, lease_until__lt=now)


def claim(
    *, ids: list[int] | None = None, limit: int | None = None, now: datetime | None = None
) -> list[int]:
    """Take up to `limit` due rows for this worker; returns their ids (possibly none)."""
    now = now or timezone.now()
    limit = limit or batch_size()
    with transaction.atomic():
        due = Outbox.objects.filter(_due(now))
        if ids is not None:
            due = due.filter(pk__in=ids)
        picked = list(
            due.select_for_update(skip_locked=True)
            .order_by("send_after", "id")
            .values_list("pk", flat=True)[:limit]
        )
        if not picked:
            return []
        # The condition is repeated so the UPDATE stays correct even on a database
        # without row locks (SQLite serialises writers instead).
        Outbox.objects.filter(pk__in=picked).filter(_due(now)).update(
            status=Status.SENDING,
            claimed_at=now,
            lease_until=now + timedelta(seconds=lease_seconds()),
            attempts=F("attempts") + 1,
            # The address is read from the user now, not when the row was written.
            to_email=Subquery(User.objects.filter(pk=OuterRef("recipient_id")).values("email")[:1]),
            updated_at=now,
        )
    return picked


@dataclass
class Result:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)

    def merge(self, other: Result) -> None:
        for name in ("sent", "retrying", "failed", "withdrawn", "released"):
            getattr(self, name).extend(getattr(other, name))


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _permanent(error: BaseException) -> bool:
    """5xx answers about this one message: retrying cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPSenderRefused)
    return False


def record_failure(row_id: int, attempts: int, error: BaseException, *, permanent: bool = False) -> str:
    now = timezone.now()
    give_up = permanent or attempts >= max_attempts()
    status = Status.FAILED if give_up else Status.QUEUED
    Outbox.objects.filter(pk=row_id, status=Status.SENDING).update(
        status=status,
        last_error=_error_text(error),
        send_after=now if give_up else now + backoff(attempts),
        lease_until=None,
        updated_at=now,
    )
    logger.warning("outbox %s attempt %s failed (%s): %s", row_id, attempts, status, error)
    return status


def _withdraw_reason(row: Outbox, now: datetime) -> str:
    """Why a claimed row should not go after all (decided at send time, the latest moment)."""
    if row.is_optional and not row.recipient.receive_reminders:
        return "The recipient turned reminders and announcements off."
    if not row.recipient.is_active:
        return "The recipient's account is deactivated."
    if row.kind == Outbox.Kind.REMINDER and row.event is not None and row.event.starts_at <= now:
        return "The event had already started when the reminder became due."
    return ""


def deliver(ids: list[int]) -> Result:
    """Send the claimed rows over one connection; each row's outcome is recorded on its own."""
    result = Result()
    if not ids:
        return result
    now = timezone.now()
    started = time.monotonic()
    rows = list(
        Outbox.objects.filter(pk__in=ids, status=Status.SENDING)
        .select_related("recipient", "event")
        .order_by("send_after", "id")
    )
    pending: list[Outbox] = []
    for row in rows:
        reason = _withdraw_reason(row, now)
        if reason:
            Outbox.objects.filter(pk=row.pk, status=Status.SENDING).update(
                status=Status.WITHDRAWN, last_error=reason, lease_until=None, updated_at=now
            )
            result.withdrawn.append(row.pk)
        else:
            pending.append(row)
    unrendered = [row for row in pending if row.render_args]
    if unrendered:
        # Written unrendered by the registration's transaction: render them now, in one
        # batch; a template error fails that row only.
        _ready, failed, withdrawn = render_deferred(unrendered)
        result.failed.extend(failed)
        result.withdrawn.extend(withdrawn)
        gone = set(failed) | set(withdrawn)
        pending = [row for row in pending if row.pk not in gone]
    if not pending:
        return result

    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # server down, DNS, TLS: every row waits for the next try
        for row in pending:
            _note(result, row.pk, record_failure(row.pk, row.attempts, error))
        return result

    # Stop well before the lease runs out, so no other worker can reclaim a row this
    # one is still sending.
    deadline = lease_seconds() / 2
    try:
        for index, row in enumerate(pending):
            if time.monotonic() - started > deadline:
                _release(pending[index:], result)
                break
            try:
                message = build_email(row, connection=connection)
                connection.send_messages([message])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                # About this message only: the connection is still good for the rest.
                _note(
                    result, row.pk, record_failure(row.pk, row.attempts, error, permanent=_permanent(error))
                )
                continue
            except Exception as error:
                # The connection broke (server gone, timeout): this and the rest retry later.
                for later in pending[index:]:
                    _note(result, later.pk, record_failure(later.pk, later.attempts, error))
                break
            result.sent.append(row.pk)
    finally:
        _mark_sent(result.sent)
        try:
            connection.close()
        except Exception:  # a half-dead connection may fail to QUIT; nothing to do
            logger.debug("closing the mail connection failed", exc_info=True)
    return result


def _note(result: Result, row_id: int, status: str) -> None:
    (result.failed if status == Status.FAILED else result.retrying).append(row_id)


def _release(rows: list[Outbox], result: Result) -> None:
    now = timezone.now()
    ids = [row.pk for row in rows]
    Outbox.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.QUEUED, lease_until=None, attempts=F("attempts") - 1, updated_at=now
    )
    result.released.extend(ids)


def _mark_sent(ids: list[int]) -> None:
    if not ids:
        return
    now = timezone.now()
    Outbox.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.SENT, sent_at=now, lease_until=None, last_error="", updated_at=now
    )


def send_one(row_id: int) -> Result:
    """The after-commit path: claim this one row if it is still due, and send it."""
    return deliver(claim(ids=[row_id], limit=1))


def dispatch_due(*, max_batches: int | None = None, limit: int | None = None) -> Result:
    """Send everything due (and everything whose lease expired), batch after batch."""
    total = Result()
    batches = 0
    while max_batches is None or batches < max_batches:
        ids = claim(limit=limit)
        if not ids:
            break
        total.merge(deliver(ids))
        batches += 1
    return total
