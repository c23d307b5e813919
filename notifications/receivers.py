"""Domain events → outbox rows, inside the transaction that emitted them."""

from __future__ import annotations

import logging

from django.utils import timezone

from core.tasks import enqueue_after_commit
from events import domain
from notifications import ical, registration_mail, reminders, surveys_bridge, tasks
from notifications.models import Outbox
from notifications.outbox import render_at_send, write

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
    elif name == domain.REGISTRATION_TRANSFERRED:
        # The first person's calendar loses the event (CANCEL); the substitute gets the
        # invite (REQUEST), their reminders and, at once, any pre-work sheet open now.
        registration_mail.registration_ended(payload["previous"], Kind.REGISTRATION_CANCELLED)
        on_domain_event(sender, domain.REGISTRATION_CONFIRMED, registration=registration)
        prework_for_substitute(registration)
    elif name == domain.EVENT_CHANGED:
        registration_mail.event_changed(event, payload.get("changes") or {})
    elif name == domain.EVENT_CANCELLED:
        registration_mail.event_cancelled(event)


def prework_for_substitute(registration) -> list[int]:
    """The pre-work announcement for a substitute, without waiting for the next beat run
    (same dedupe keys as surveys_bridge.survey_mails, so that run adds nothing)."""
    event = registration.event
    now = timezone.now()
    ids: list[int] = []
    for form in surveys_bridge.prework_forms(event):
        if form.window_state(event, now) not in ("open", "late"):
            continue
        missing = surveys_bridge.missing_registrations(form, event, [registration])
        specs = surveys_bridge._specs(
            Kind.PREWORK_OPEN, form, event, missing, link=lambda r: ical.event_url(r.event)
        )
        ids += write(specs)
    return ids
