"""An organizer's announcement to one group of an event's registrants (confirmed,
waitlisted, attended, pre-work missing), previewed and sent once per form nonce.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit import services as audit
from core.errors import UserError
from events.models import Event, Registration
from events.permissions import can_manage_event
from notifications import surveys_bridge
from notifications.mail import render, unsubscribe_url
from notifications.models import Outbox
from notifications.outbox import Spec, write
from notifications.rendering import message_context, program_of

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status


class NotificationError(UserError):
    """Refused request; str(error) is for people."""


class Group:
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ATTENDED = "attended"
    PREWORK_MISSING = "prework_missing"

    LABELS = {
        CONFIRMED: _("Everyone confirmed"),
        WAITLISTED: _("Everyone on the waitlist"),
        ATTENDED: _("Those who attended"),
        PREWORK_MISSING: _("Confirmed, pre-work sheet not yet submitted"),
    }


def announcement_groups(event: Event) -> list[tuple[str, str]]:
    groups = [Group.CONFIRMED, Group.WAITLISTED, Group.ATTENDED]
    if surveys_bridge.prework_forms(event):
        groups.append(Group.PREWORK_MISSING)
    return [(g, Group.LABELS[g]) for g in groups]


def group_registrations(event: Event, group: str) -> QuerySet[Registration]:
    base = Registration.objects.filter(event=event).select_related("user", "event").order_by("id")
    if group == Group.CONFIRMED:
        return base.confirmed()
    if group == Group.WAITLISTED:
        return base.waitlisted().order_by("id")
    if group == Group.ATTENDED:
        return base.confirmed().filter(
            attendance__in=[Registration.Attendance.ATTENDED, Registration.Attendance.LEFT_EARLY],
        )
    if group == Group.PREWORK_MISSING:
        return surveys_bridge.without_submission(base.confirmed(), event, kind="prework")
    raise NotificationError(str(_("Choose who the announcement goes to.")))


@dataclass
class Audience:
    total: int
    opted_out: int

    @property
    def recipients(self) -> int:
        return self.total - self.opted_out


def audience(event: Event, group: str) -> Audience:
    registrations = group_registrations(event, group)
    total = registrations.count()
    opted_out = registrations.filter(user__receive_reminders=False).count()
    return Audience(total=total, opted_out=opted_out)


def render_announcement_preview(event: Event, *, subject: str, body: str, recipient: User):
    return render(
        Kind.ANNOUNCEMENT,
        {
            **message_context(event, include_join=False),
            "recipient": recipient,
            "name": recipient.full_name or recipient.email,
            "announcement_subject": subject,
            "announcement_body": body,
            "unsubscribe_url": unsubscribe_url(recipient),
        },
        language=recipient.preferred_language or "ja",
    )


def announce(*, event: Event, by: User, group: str, subject: str, body: str, nonce: str) -> list[int]:
    """An organizer's announcement to one group. The form's nonce makes a double submit harmless."""
    if not can_manage_event(by, event):
        raise PermissionDenied
    with transaction.atomic():
        program = program_of(event)
        specs = [
            Spec(
                recipient=registration.user,
                kind=Kind.ANNOUNCEMENT,
                dedupe_key=f"{Kind.ANNOUNCEMENT}:{event.pk}:{nonce}:{registration.user_id}",
                event=event,
                context=message_context(
                    event,
                    include_join=registration.status == RegStatus.CONFIRMED,
                    program=program,
                    registration=registration,
                    announcement_subject=subject,
                    announcement_body=body,
                ),
            )
            for registration in group_registrations(event, group).filter(user__receive_reminders=True)
        ]
        ids = write(specs)
        # A repeated nonce (a double submit) writes nothing and is not a second announcement.
        if ids or not specs:
            audit.record(
                actor=by,
                action="announcement.send",
                target=event,
                event=event,
                details={"group": group, "subject": subject, "body": body, "recipients": len(ids)},
            )
        return ids
