"""The outbox backlog for /healthz/status (registered in NotificationsConfig.ready)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from notifications.models import Outbox

Status = Outbox.Status


def outbox_backlog() -> tuple[bool, dict]:
    """Queued, due and failed rows; healthy unless due mail has waited too long.

    One query. "Due" includes rows whose sender's lease expired (a worker died), which
    the per-minute dispatcher picks up again.
    """
    now = timezone.now()
    due = Q(status=Status.QUEUED, send_after__lte=now) | Q(status=Status.SENDING, lease_until__lt=now)
    figures = Outbox.objects.aggregate(
        queued=Count("pk", filter=Q(status=Status.QUEUED)),
        due=Count("pk", filter=due),
        oldest_due=Min("send_after", filter=due),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
    )
    oldest = figures.pop("oldest_due")
    age = round((now - oldest).total_seconds()) if oldest else None
    figures["oldest_due_age_seconds"] = age
    healthy = age is None or age <= settings.HEALTH_OUTBOX_MAX_AGE_SECONDS
    return healthy, figures
