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
