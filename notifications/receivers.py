"""Domain events → outbox rows, inside the transaction that emitted them."""

from __future__ import annotations

import logging

from core.tasks import enqueue_after_commit
from events import domain
from notifications import registration_mail, reminders, tasks
from notifications.models import Outbox
from notifications.outbox import render_at_send

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
        registration_mail.registration_message(registration, kind)
        if render_at_send():
            # Reminders are not transactional mail: a worker writes them after commit, away
            # from the request and the event's row lock; the quarter-hourly
            # reconcile_reminders writes any that a broker outage left out.
            enqueue_after_commit(tasks.schedule_registration_reminders, registration.pk)
        else:
            reminders.schedule_reminders(registration.event, [registration])
    elif name == domain.REGISTRATION_REQUESTED:
        registration_mail.registration_message(registration, Kind.REGISTRATION_REQUESTED)
    elif name == domain.REGISTRATION_WAITLISTED:
        registration_mail.registration_message(registration, Kind.REGISTRATION_WAITLISTED)
    elif name == domain.REGISTRATION_CANCELLED:
        registration_mail.registration_ended(registration, Kind.REGISTRATION_CANCELLED)
    elif name == domain.REGISTRATION_DECLINED:
        registration_mail.registration_ended(registration, Kind.REGISTRATION_DECLINED)
    elif name == domain.EVENT_CHANGED:
        registration_mail.event_changed(event, payload.get("changes") or {})
    elif name == domain.EVENT_CANCELLED:
        registration_mail.event_cancelled(event)
