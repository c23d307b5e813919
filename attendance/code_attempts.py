"""How many wrong attendance codes a person may type for one event.

The code is six digits announced during an online session; without a limit it can be
found by trying (the issue measured 60 guesses in 1.2 s). The count lives on the
person's registration row, read and written while that row is locked, so:

- parallel guesses from several tabs are counted one after another (no lost updates);
- it does not depend on the cache: a Redis outage neither lifts the limit nor blocks
  honest people (the check fails closed because it is the database, which the check-in
  itself needs anyway).

A fixed window starts at the first wrong code: after MAX_FAILURES wrong codes within
WINDOW, every code (the right one too) is refused until the window ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from events.models import Registration


def max_failures() -> int:
    return int(getattr(settings, "ATTENDANCE_CODE_MAX_FAILURES", 5))


def window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "ATTENDANCE_CODE_WINDOW_MINUTES", 10)))


def _window_is_current(registration: Registration, now: datetime) -> bool:
    since = registration.code_failures_since
    return since is not None and now < since + window()


def blocked_until(registration: Registration, now: datetime) -> datetime | None:
    """When the person may try again, or None if they may try now (caller holds the row lock)."""
    if _window_is_current(registration, now) and registration.code_failures >= max_failures():
        return registration.code_failures_since + window()
    return None


def record_failure(registration: Registration, now: datetime) -> None:
    """Count one wrong code (caller holds the row lock and commits the change)."""
    if _window_is_current(registration, now):
        registration.code_failures += 1
    else:
        registration.code_failures, registration.code_failures_since = 1, now
    registration.save(update_fields=["code_failures", "code_failures_since", "updated_at"])


def clear(registration: Registration) -> list[str]:
    """The right code: forget earlier mistakes. Returns the fields to save."""
    if registration.code_failures or registration.code_failures_since:
        registration.code_failures, registration.code_failures_since = 0, None
        return ["code_failures", "code_failures_since"]
    return []
