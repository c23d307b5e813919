"""What the iCalendar feeds list: a person's confirmed sessions, and a series' or an
organization's public events (the last year and what is coming).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from events.models import Event, Registration
from notifications.models import Outbox

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status


def personal_feed_registrations(user: User) -> QuerySet[Registration]:
    since = timezone.now() - timedelta(days=365)
    return (
        Registration.objects.confirmed()
        .filter(user=user, event__ends_at__gte=since)
        .exclude(event__status=Event.Status.DRAFT)
        .select_related("event")
        .prefetch_related("event__program_items")
        .order_by("event__starts_at")
    )


def public_events(*, series_id: int | None = None, organization_id: int | None = None) -> QuerySet[Event]:
    since = timezone.now() - timedelta(days=365)
    events = Event.objects.visible_to_public().filter(ends_at__gte=since)
    if series_id is not None:
        events = events.filter(series_id=series_id)
    if organization_id is not None:
        events = events.filter(Q(hosts__id=organization_id)).distinct()
    return events.select_related("series").prefetch_related("program_items").order_by("starts_at")
