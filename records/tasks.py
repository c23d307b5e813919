"""Celery tasks of records: they take ids, re-read the rows and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from records.casebook import build


@shared_task(name="records.build_casebook", ignore_result=True, acks_late=True)
def build_casebook(build_id: str) -> str:
    """Build a queued casebook (a second delivery of the same id finds it claimed and skips)."""
    return build.run_build(build_id)
