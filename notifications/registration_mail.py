"""What a registrant is told when their registration or the event changes: confirmed,
waitlisted, promoted, cancelled, declined; the event changed or cancelled (with the
calendar update). Called by notifications.receivers inside the emitting transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from events.models import Event, Registration
from notifications.models import Outbox
from notifications.outbox import Spec, withdraw, write
from notifications.reminders import schedule_reminders
from notifications.rendering import invite, message_context, program_of, registration_spec

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status


def registration_message(registration: Registration, kind: str) -> list[int]:
    return write([registration_spec(registration, kind)])


def registration_ended(registration: Registration, kind: str) -> list[int]:
    """Cancelled or declined: the notice goes, pending reminders and announcements do not."""
    withdraw(
        Outbox.objects.filter(
            event_id=registration.event_id, recipient_id=registration.user_id, kind__in=Outbox.OPTIONAL_KINDS
        ),
        "The registration was cancelled.",
    )
    return registration_message(registration, kind)


def _active_registrations(event: Event) -> QuerySet[Registration]:
    return Registration.objects.active().filter(event=event).select_related("user", "event").order_by("id")


_CHANGE_LABELS = {
    "starts_at": _("Start"),
    "ends_at": _("End"),
    "doors_open_at": _("Doors open"),
    "attendance_mode": _("Attendance mode"),
    "venue_name": _("Venue"),
    "venue_address": _("Venue address"),
    "online_url": _("Join URL"),
    "online_meeting_id": _("Meeting ID"),
    "online_passcode": _("Passcode"),
}


# Only confirmed registrants see these (as everywhere else the join URL appears).
_JOIN_FIELDS = {"online_url", "online_meeting_id", "online_passcode"}


def _describe_changes(changes: dict) -> list[dict]:
    described = []
    for name in Event.REVISION_FIELDS:
        if name not in changes:
            continue
        old, new = changes[name]
        if name == "attendance_mode":
            old = Event.Mode(old).label if old else ""
            new = Event.Mode(new).label if new else ""
        described.append(
            {
                "field": name,
                "label": _CHANGE_LABELS[name],
                "old": old,
                "new": new,
                "is_datetime": isinstance(old, datetime) or isinstance(new, datetime),
                "private": name in _JOIN_FIELDS,
            }
        )
    return described


def event_changed(event: Event, changes: dict) -> list[int]:
    """An updated invite (same UID, higher SEQUENCE) and a note saying what changed."""
    program = program_of(event)
    described = _describe_changes(changes)
    specs = []
    confirmed = []
    for registration in _active_registrations(event):
        is_confirmed = registration.status == RegStatus.CONFIRMED
        visible = [c for c in described if is_confirmed or not c["private"]]
        if not visible:
            continue  # only the join URL changed, and this person has none yet
        spec = Spec(
            recipient=registration.user,
            kind=Kind.EVENT_CHANGED,
            # The revision makes the key: the same change saved twice is one message,
            # every real change is a new one.
            dedupe_key=f"{Kind.EVENT_CHANGED}:{event.pk}:{registration.user_id}:r{event.revision}",
            event=event,
            context=message_context(
                event, include_join=is_confirmed, program=program, registration=registration, changes=visible
            ),
        )
        if is_confirmed:
            spec.ics = invite(event, registration.user, "REQUEST", include_join=True, program=program)
            spec.ics_method = "REQUEST"
            confirmed.append(registration)
        specs.append(spec)
    ids = write(specs)
    schedule_reminders(event, confirmed, program=program)
    return ids


def event_cancelled(event: Event) -> list[int]:
    withdraw(
        Outbox.objects.filter(event=event, kind__in=[*Outbox.OPTIONAL_KINDS, Kind.EVENT_CHANGED]),
        "The event was cancelled.",
    )
    program = program_of(event)
    specs = []
    for registration in _active_registrations(event):
        spec = Spec(
            recipient=registration.user,
            kind=Kind.EVENT_CANCELLED,
            dedupe_key=f"{Kind.EVENT_CANCELLED}:{event.pk}:{registration.user_id}",
            event=event,
            context=message_context(event, include_join=False, program=program, registration=registration),
        )
        if registration.status == RegStatus.CONFIRMED:
            spec.ics = invite(event, registration.user, "CANCEL", include_join=False, program=program)
            spec.ics_method = "CANCEL"
        specs.append(spec)
    return write(specs)
