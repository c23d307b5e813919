from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from events import services
from events.models import Event


@shared_task(name="events.snapshot_deadline_counts")
def snapshot_deadline_counts() -> int:
    """Keep 参加者数 ※申込時点 once each registration deadline passes (idempotent)."""
    return services.snapshot_deadline_counts()


@shared_task(name="events.complete_finished_events")
def complete_finished_events() -> int:
    """Published events whose end has passed become completed; safe to run twice."""
    done = 0
    for pk in Event.objects.filter(status=Event.Status.PUBLISHED, ends_at__lt=timezone.now()).values_list(
        "pk", flat=True
    ):
        services.complete_event(Event(pk=pk))
        done += 1
    return done
