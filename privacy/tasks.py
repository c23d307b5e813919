"""Celery tasks of the privacy app (ids in, JSON only)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="privacy.purge", ignore_result=True)
def purge() -> dict[str, int]:
    """Nightly (beat): remove what is due; a run that finds another running does nothing."""
    from privacy import retention  # reason: models are ready only when a task runs

    try:
        found = retention.purge()
    except retention.PurgeRunning:
        logger.info("privacy.purge skipped: another purge is running")
        return {}
    return {item.key: item.count for item in found}


@shared_task(name="privacy.build_export", ignore_result=True)
def build_export(export_id: str) -> None:
    """Build a person's copy of their data (privacy.export); the page shows the progress."""
    from privacy import export  # reason: export imports this module to enqueue it

    export.build(export_id)


@shared_task(name="privacy.resume_exports", ignore_result=True)
def resume_exports() -> int:
    """Beat: copies whose task was lost (broker down, worker died) are built after all."""
    from privacy import export  # reason: models are ready only when a task runs

    return export.resume_stuck()
