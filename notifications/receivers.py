"""Domain events → outbox rows, inside the transaction that emitted them."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

from events import domain
from notifications import services
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
            transaction.on_commit(partial(_reminders_later, registration.pk), robust=True)
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


def _reminders_later(registration_id: int) -> None:
    from notifications import tasks

    try:
        tasks.schedule_registration_reminders.apply_async(args=[registration_id], retry=False)
    except Exception:
        # Broker down: reconcile_reminders (beat) writes them on its next run.
        logger.warning("could not enqueue reminders for registration %s", registration_id, exc_info=True)
