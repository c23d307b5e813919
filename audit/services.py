"""Writing the audit trail: `record()` is the one way in.

Call it inside the service's transaction, after the change and before returning, so the
entry commits or rolls back with what it describes. It never raises for a missing
request (Celery, management commands): request id and address are then empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from audit import context
from audit.models import AuditEntry
from audit.triggers import MIN_RETENTION_DAYS

SYSTEM_LABEL = "system"


def _pk(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, Model):
        return value.pk
    return int(value)


def actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return SYSTEM_LABEL
    name = getattr(actor, "full_name", "") or ""
    email = getattr(actor, "email", "") or ""
    return (f"{name} <{email}>" if name else email)[:300]


def record(
    *,
    actor,
    action: str,
    target: Model | None = None,
    changes: Mapping[str, Any] | None = None,
    event: Model | int | None = None,
    organization: Model | int | None = None,
    request=None,
    details: Mapping[str, Any] | None = None,
    target_label: str | None = None,
) -> AuditEntry:
    """Append one entry: `actor` (a user, or None for the system) did `action` (a dotted
    code such as "registration.decline") to `target`. `changes` is {"field": [before,
    after]} (see `diff`); `details` anything else worth keeping (a format, a row count,
    a reason). `event`/`organization` (objects or ids) let the trail be filtered."""
    info = context.info_for(request) if request is not None else context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry(
        actor=actor,
        actor_label=actor_label(actor),
        action=action,
        changes=dict(changes or {}),
        details=dict(details or {}),
        event_id=_pk(event),
        organization_id=_pk(organization),
        request_id=info.request_id if info else "",
        client_ip=info.client_ip if info else None,
    )
    if target is not None:
        entry.target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        entry.target_id = str(target.pk)
        entry.target_label = (target_label if target_label is not None else str(target))[:300]
    elif target_label:
        entry.target_label = target_label[:300]
    entry.save(force_insert=True)
    return entry


def record_many(
    *,
    actor,
    action: str,
    items: Iterable[tuple[Model, Mapping[str, Any]]],
    event: Model | int | None = None,
    organization: Model | int | None = None,
    request=None,
    details: Mapping[str, Any] | None = None,
    label: Callable[[Model], str] = str,
    organization_of: Callable[[Model], int | None] | None = None,
) -> list[AuditEntry]:
    """One entry per (target, changes) pair in one INSERT, for bulk actions (a roster's
    "mark selected", an import) so each person's row still answers "who changed mine"."""
    info = context.info_for(request) if request is not None else context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    who = actor_label(actor)
    entries = []
    for target, changes in items:
        entries.append(
            AuditEntry(
                actor=actor,
                actor_label=who,
                action=action,
                target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
                target_id=str(target.pk),
                target_label=label(target)[:300],
                changes=dict(changes or {}),
                details=dict(details or {}),
                event_id=_pk(event),
                organization_id=organization_of(target) if organization_of else _pk(organization),
                request_id=info.request_id if info else "",
                client_ip=info.client_ip if info else None,
            )
        )
    return AuditEntry.objects.bulk_create(entries)


def snapshot(instance: Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `fields` now, for `diff` after the change. Foreign keys by id."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(instance, name).values_list("pk", flat=True)) if instance.pk else []
        elif field.is_relation:
            values[name] = getattr(instance, field.attname)
        else:
            values[name] = getattr(instance, name)
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{"field": [before, after]} for the fields whose value changed."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    return value


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    days = max(settings.AUDIT_RETENTION_DAYS, MIN_RETENTION_DAYS)
    return (now or timezone.now()) - dt.timedelta(days=days)


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS (never younger than a year: the
    database trigger refuses those whatever the caller says). Returns how many went."""
    cutoff = retention_cutoff(now)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        # The flag is transaction-local; it is switched off again at once so that, when
        # the purge runs inside a larger transaction, nothing after it may delete.
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('tsunagu.audit_purge', 'on', true)")
        try:
            deleted, _by_model = AuditEntry.objects.filter(at__lt=cutoff).delete()
        finally:
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('tsunagu.audit_purge', 'off', true)")
    return deleted
