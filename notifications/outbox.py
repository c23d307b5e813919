"""Writing outbox rows: every message first exists as a row with a unique dedupe key.

Everything here runs inside the caller's transaction (the receivers are called by the
events services while they hold the event lock) and asks Celery to send only after
commit (`rows_due`, heard by notifications.tasks). A row is rendered at once, or, for
registration mail and reminders in production (NOTIFICATIONS_RENDER_AT_SEND), stored
unrendered with its arguments and rendered by the sender (notifications.rendering). A
template error marks that one row `failed` with the error, so one broken message never
blocks the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import User
from events.models import Event, Registration
from events.permissions import can_manage_event
from notifications.mail import render, unsubscribe_url
from notifications.models import Outbox

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status


@dataclass
class Spec:
    """One message to write: who, what, and how to render it."""

    recipient: User
    kind: str
    dedupe_key: str
    context: dict = field(default_factory=dict)
    event: Event | None = None
    ics: Callable[[], str] | None = None
    ics_method: str = ""
    send_after: datetime | None = None
    # Set: store the row unrendered with these arguments; the sender renders it.
    deferred: dict | None = None


def render_row(spec: Spec, now: datetime) -> dict:
    language = spec.recipient.preferred_language or "ja"
    context = {
        "recipient": spec.recipient,
        "name": spec.recipient.full_name or spec.recipient.email,
        "event": spec.event,
        **spec.context,
    }
    if spec.kind in Outbox.OPTIONAL_KINDS and "unsubscribe_url" not in spec.context:
        context["unsubscribe_url"] = unsubscribe_url(spec.recipient)
    row = {
        "recipient_id": spec.recipient.pk,
        "to_email": "",
        "event_id": spec.event.pk if spec.event else None,
        "kind": spec.kind,
        "language": language,
        "dedupe_key": spec.dedupe_key,
        "status": Status.QUEUED,
        "attempts": 0,
        "last_error": "",
        "send_after": spec.send_after or now,
        "created_at": now,
        "updated_at": now,
        "ics": "",
        "ics_method": "",
        "render_args": {},
    }
    if spec.deferred and render_at_send():
        row.update(subject=str(Kind(spec.kind).label), body_text="", body_html="", render_args=spec.deferred)
        return row
    try:
        rendered = render(spec.kind, context, language=language)
        if spec.ics is not None:
            row["ics"] = spec.ics()
            row["ics_method"] = spec.ics_method
    except Exception as error:
        # Keep the row, visibly failed with its error, so an organizer sees it and can
        # resend once the template is fixed; the rest of the batch goes out.
        logger.exception("rendering %s for user %s failed", spec.kind, spec.recipient.pk)
        row.update(
            subject=str(Kind(spec.kind).label),
            body_text="",
            body_html="",
            status=Status.FAILED,
            last_error=f"Template error: {type(error).__name__}: {error}"[:2000],
        )
        return row
    row.update(subject=rendered.subject[:300], body_text=rendered.text, body_html=rendered.html)
    return row


_COLUMNS = (
    "recipient_id",
    "to_email",
    "event_id",
    "kind",
    "language",
    "subject",
    "body_text",
    "body_html",
    "ics",
    "ics_method",
    "render_args",
    "dedupe_key",
    "status",
    "attempts",
    "last_error",
    "send_after",
    "created_at",
    "updated_at",
)


_DATETIMES = {"send_after", "created_at", "updated_at"}


# Re-rendered reminders replace unsent rows only: a row being sent or already sent is
# history and stays as it is.
_REPLACE = (
    "language",
    "subject",
    "body_text",
    "body_html",
    "ics",
    "ics_method",
    "render_args",
    "status",
    "send_after",
)


def _insert(rows: Sequence[dict], *, replace_unsent: bool = False) -> list[int]:
    """INSERT … ON CONFLICT (dedupe_key): the database decides what is a duplicate."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    table = quote(Outbox._meta.db_table)
    ids: list[int] = []
    chunk = 100
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        params: list = []
        for row in part:
            for column in _COLUMNS:
                value = row[column]
                if column in _DATETIMES:
                    value = connection.ops.adapt_datetimefield_value(value)
                elif column == "render_args":
                    value = connection.ops.adapt_json_value(value, DjangoJSONEncoder)
                params.append(value)
        placeholder = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        # Only identifiers from the model and %s placeholders are formatted in; every
        # value travels as a parameter.
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(c) for c in _COLUMNS)}) "  # noqa: S608
            f"VALUES {', '.join([placeholder] * len(part))} ON CONFLICT ({quote('dedupe_key')}) "
        )
        if replace_unsent:
            sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _REPLACE)
            sql += (
                f"DO UPDATE SET {sets}, {quote('attempts')} = 0, {quote('last_error')} = excluded.{quote('last_error')}, "
                f"{quote('lease_until')} = NULL, {quote('updated_at')} = excluded.{quote('updated_at')} "
                f"WHERE {table}.{quote('status')} IN ('queued', 'withdrawn', 'failed') "
            )
        else:
            sql += "DO NOTHING "
        sql += f"RETURNING {quote('id')}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids.extend(r[0] for r in cursor.fetchall())
    return ids


def write(
    specs: Iterable[Spec], *, replace_unsent: bool = False, now: datetime | None = None, kick: bool = True
) -> list[int]:
    """Render and store messages; schedule the due ones to be sent after commit (unless kick=False)."""
    now = now or timezone.now()
    rows = [render_row(spec, now) for spec in specs]
    ids = _insert(rows, replace_unsent=replace_unsent)
    if kick and ids and any(row["send_after"] <= now and row["status"] == Status.QUEUED for row in rows):
        send_after_commit(ids)
    return ids


def render_at_send() -> bool:
    return bool(getattr(settings, "NOTIFICATIONS_RENDER_AT_SEND", True))


# "These rows are due: send them after commit." notifications.tasks listens (connected in
# NotificationsConfig.ready); tasks imports the modules that write rows, so this one
# announces rather than importing it.
rows_due = Signal()


def send_after_commit(ids: list[int]) -> None:
    rows_due.send(sender=Outbox, ids=list(ids))


def withdraw(queryset: QuerySet[Outbox], reason: str) -> int:
    return queryset.filter(status=Status.QUEUED).update(
        status=Status.WITHDRAWN, last_error=reason, updated_at=timezone.now()
    )


def resend(message: Outbox, *, by: User) -> Outbox:
    if message.event is None or not can_manage_event(by, message.event):
        raise PermissionDenied
    with transaction.atomic():
        updated = Outbox.objects.filter(pk=message.pk, status=Status.FAILED).update(
            status=Status.QUEUED,
            attempts=0,
            send_after=timezone.now(),
            lease_until=None,
            updated_at=timezone.now(),
        )
        if updated:
            send_after_commit([message.pk])
    message.refresh_from_db()
    return message
