"""Domain events → outbox rows, inside the transaction that emitted them."""

from __future__ import annotations

import logging

from core.tasks import enqueue_after_commit
from events import domain
from notifications import services, tasks
from notifications.models import Outbox

Kind = Outbox.Kind
logger = logging.getLogger(__name__)


def on_domain_event(sender, name: str, **payload) -> None:
    registration = payload.get("registration")
    event = payload.get("event")
    if name in (domain.REGISTRATION_CONFIRMED, domain.REGISTRATION_PROMOTED):
        kind = (
            Kind.REGISTRATION_CONFIRMED
            if name == domain.REGISTRATION_CONFIRMED
            else Kind.REGISTRATION_PROMOTED
        )
        services.registration_message(registration, kind)
        if services.render_at_send():
            # Reminders are not transactional mail: a worker writes them after commit, away
            # from the request and the event's row lock; the quarter-hourly
            # reconcile_reminders writes any that a broker outage left out.
            enqueue_after_commit(tasks.schedule_registration_reminders, registration.pk)
        else:
            services.schedule_reminders(registration.event, [registration])
    elif name == domain.REGISTRATION_REQUESTED:
        services.registration_message(registration, Kind.REGISTRATION_REQUESTED)
    elif name == domain.REGISTRATION_WAITLISTED:
        services.registration_message(registration, Kind.REGISTRATION_WAITLISTED)
    elif name == domain.REGISTRATION_CANCELLED:
        services.registration_ended(registration, Kind.REGISTRATION_CANCELLED)
    elif name == domain.REGISTRATION_DECLINED:
        services.registration_ended(registration, Kind.REGISTRATION_DECLINED)
    elif name == domain.EVENT_CHANGED:
        services.event_changed(event, payload.get("changes") or {})
    elif name == domain.EVENT_CANCELLED:
        services.event_cancelled(event)
