"""Celery tasks of the privacy app (ids in, JSON only)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from privacy import export_build, retention
from privacy.models import DataExport

logger = logging.getLogger(__name__)


@shared_task(name="privacy.purge", ignore_result=True)
def purge() -> dict[str, int]:
    """Nightly (beat): remove what is due; a run that finds another running does nothing."""
    try:
        found = retention.purge()
    except retention.PurgeRunning:
        logger.info("privacy.purge skipped: another purge is running")
        return {}
    return {item.key: item.count for item in found}


@shared_task(name="privacy.build_export", ignore_result=True)
def build_export(export_id: str) -> None:
    """Build a person's copy of their data (privacy.export); the page shows the progress."""
    export_build.build(export_id)


@shared_task(name="privacy.resume_exports", ignore_result=True)
def resume_exports() -> int:
    """Beat: a request whose task never reached the broker, or whose worker died while
    building, is built (again). Returns how many were queued."""
    now = timezone.now()
    DataExport.objects.filter(
        status=DataExport.Status.BUILDING, created_at__lt=now - dt.timedelta(hours=1)
    ).update(status=DataExport.Status.PENDING, progress=0)
    stuck = list(
        DataExport.objects.filter(
            status=DataExport.Status.PENDING, created_at__lt=now - dt.timedelta(minutes=2)
        ).values_list("pk", flat=True)
    )
    for pk in stuck:
        build_export.delay(str(pk))
    return len(stuck)
