"""Domain events: what happened that someone must hear about.

Services emit them inside the transaction that made the change, so a receiver (the
notifications app writes outbox rows) commits or rolls back together with it. The
events app knows nothing of mail.
"""

from __future__ import annotations

from django.dispatch import Signal

REGISTRATION_CONFIRMED = "registration_confirmed"
REGISTRATION_REQUESTED = "registration_requested"
REGISTRATION_WAITLISTED = "registration_waitlisted"
REGISTRATION_PROMOTED = "registration_promoted"
REGISTRATION_CANCELLED = "registration_cancelled"
REGISTRATION_DECLINED = "registration_declined"
# A seat passed to a colleague: registration=the substitute's, previous=the cancelled one.
REGISTRATION_TRANSFERRED = "registration_transferred"
EVENT_CHANGED = "event_changed"
EVENT_CANCELLED = "event_cancelled"
EVENT_PUBLISHED = "event_published"

# Receivers get: name, and registration=… or event=… (and changes={field: (old, new)}).
domain_event = Signal()


def emit(name: str, **payload) -> None:
    domain_event.send(sender=name, name=name, **payload)
