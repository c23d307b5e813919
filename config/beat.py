"""Celery beat's scheduler, leaving a trace of each tick for /healthz/status.

There must be exactly one beat; if it dies, reminders and retries silently stop. Each
tick (at most every 60 s here, the shortest schedule) records the time in the cache,
and the status page reports its age.
"""

from __future__ import annotations

import logging
import time

from celery.beat import PersistentScheduler

from config.health import record_beat_tick

logger = logging.getLogger(__name__)


class RecordingScheduler(PersistentScheduler):
    record_every = 30.0
    _recorded_at = 0.0

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now - self._recorded_at >= self.record_every:
            try:
                record_beat_tick()
                self._recorded_at = now
            except Exception:
                logger.warning("could not record the beat tick", exc_info=True)
        return interval
