"""Reading the trail: one filtered, newest-first queryset for the pages and the exports."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def entries(
    *,
    event_id: int | None = None,
    actor: str = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    organization_id: int | None = None,
    organization_event_ids=None,
) -> QuerySet[AuditEntry]:
    """`actor` matches the name or address the entry was written with; `date_to` is
    inclusive (the whole day, Japan time); `organization_id` also matches the entries of
    the events in `organization_event_ids` (a queryset of ids: the organization's events)."""
    qs = AuditEntry.objects.select_related("target_type").order_by("-at", "-id")
    if event_id is not None:
        qs = qs.filter(event_id=event_id)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if action:
        qs = qs.filter(action__startswith=action) if action.endswith(".") else qs.filter(action=action)
    if date_from is not None:
        qs = qs.filter(at__gte=_start_of(date_from))
    if date_to is not None:
        qs = qs.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    if organization_id is not None:
        match = Q(organization_id=organization_id)
        if organization_event_ids is not None:
            match |= Q(event_id__in=organization_event_ids)
        qs = qs.filter(match)
    return qs
