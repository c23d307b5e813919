"""Read queries for the notification pages."""

from __future__ import annotations

import logging

from django.db.models import Count

from events.models import Event, Registration
from notifications.models import Outbox

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status


def status_counts(event: Event) -> dict[str, int]:
    counts = dict.fromkeys(Status.values, 0)
    for row in Outbox.objects.filter(event=event).values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts
