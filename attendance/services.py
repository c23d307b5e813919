"""Attendance (出欠): the roster, marks, QR check-in and the online attendance code.

The Zoom participant report is read by attendance/zoom.py (a pure parser) and recorded
by attendance/zoom_import.py (matching and the import).

Each public function is one transaction. Attendance is only ever recorded on
confirmed registrations: a waitlisted or cancelled person did not have a seat.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendance import code_attempts
from attendance.errors import AttendanceError
from audit import services as audit
from core.dates import format_datetime
from events.models import Event, Registration
from events.permissions import require_manager
from events.services import audit_registration

Attendance = Registration.Attendance
Status = Registration.Status

# 開場の30分前から終了の30分後まで: people arrive early at a venue and the code is
# sometimes announced at the very end of a Zoom session.
CHECKIN_MARGIN = timedelta(minutes=30)


# --- roster ------------------------------------------------------------------------------


def roster(event: Event):
    """Confirmed registrants in 50音順 (kana), the order of a Japanese reception list."""
    return (
        Registration.objects.confirmed()
        .filter(event=event)
        .select_related("user", "organization", "organization__parent", "organization__parent__parent")
        .order_by("user__full_name_kana", "user__full_name", "id")
    )


@dataclass
class Counts:
    confirmed: int
    attended: int
    left_early: int
    absent: int
    unknown: int

    @property
    def present(self) -> int:
        return self.attended + self.left_early


def counts(event: Event) -> Counts:
    data = (
        Registration.objects.confirmed()
        .filter(event=event)
        .aggregate(
            confirmed=Count("id"),
            attended=Count("id", filter=Q(attendance=Attendance.ATTENDED)),
            left_early=Count("id", filter=Q(attendance=Attendance.LEFT_EARLY)),
            absent=Count("id", filter=Q(attendance=Attendance.ABSENT)),
            unknown=Count("id", filter=Q(attendance=Attendance.UNKNOWN)),
        )
    )
    return Counts(**data)


def _valid_state(attendance: str) -> str:
    if attendance not in Attendance.values:
        raise AttendanceError(_("Choose attended, absent or left early."))
    return attendance


def mark(registration: Registration, *, by: User, attendance: str) -> Registration:
    """One click on the roster: set one person's attendance."""
    attendance = _valid_state(attendance)
    with transaction.atomic():
        locked = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
        require_manager(by, locked.event)
        if locked.status != Status.CONFIRMED:
            raise AttendanceError(_("Only confirmed registrations have attendance."))
        if locked.attendance != attendance:
            before = locked.attendance
            locked.attendance = attendance
            locked.save(update_fields=["attendance", "updated_at"])
            audit_registration(
                locked, by=by, action="attendance.mark", changes={"attendance": [before, attendance]}
            )
        registration.__dict__.update(locked.__dict__)
        return locked


def bulk_mark(event: Event, *, by: User, registration_ids: Iterable[int], attendance: str) -> int:
    """Mark every selected confirmed registration of this event; returns how many rows changed."""
    attendance = _valid_state(attendance)
    ids = {int(pk) for pk in registration_ids}
    if not ids:
        raise AttendanceError(_("Select at least one person."))
    require_manager(by, event)
    with transaction.atomic():
        # Ids of another event are silently out of scope: the filter on event is the guard.
        changing = list(
            Registration.objects.select_for_update(of=("self",))
            .confirmed()
            .filter(event=event, pk__in=ids)
            .exclude(attendance=attendance)
            .select_related("user")
        )
        updated = Registration.objects.filter(pk__in=[r.pk for r in changing]).update(
            attendance=attendance, updated_at=timezone.now()
        )
        audit.record_many(
            actor=by,
            action="attendance.mark",
            items=[(r, {"attendance": [r.attendance, attendance]}) for r in changing],
            event=event,
            label=lambda r: str(r.user),
            organization_of=lambda r: r.organization_id,
        )
        return updated


# --- self check-in ----------------------------------------------------------------------


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    opens = (event.doors_open_at or event.starts_at) - CHECKIN_MARGIN
    return opens, event.ends_at + CHECKIN_MARGIN


def checkin_path(event: Event) -> str:
    return reverse("attendance:checkin", args=[event.pk, event.checkin_token])


def checkin_url(event: Event) -> str:
    """What the QR code encodes: SITE_URL, never the request's Host header."""
    return settings.SITE_URL + checkin_path(event)


def checkin_qr_svg(event: Event) -> str:
    import segno

    qr = segno.make(checkin_url(event), error="m")
    # Inline SVG: no image file, no external service; the title names it for screen readers.
    return qr.svg_inline(scale=8, border=2, title=_("Check-in QR code for %(event)s") % {"event": event})


def _window_refusal(event: Event, now: datetime) -> str:
    if event.status not in (Event.Status.PUBLISHED, Event.Status.COMPLETED):
        return _("This event is not taking place.")
    opens, closes = checkin_window(event)
    if now < opens:
        return _("Check-in opens 30 minutes before the doors open (%(time)s).") % {
            "time": _fmt(opens + CHECKIN_MARGIN)
        }
    if now > closes:
        return _("Check-in for this event has closed.")
    return ""


def _confirmed_locked(event: Event, user: User) -> Registration:
    registration = Registration.objects.select_for_update().confirmed().filter(event=event, user=user).first()
    if registration is None:
        raise AttendanceError(_("You have no confirmed registration for this event."))
    return registration


def _record_attended(registration: Registration, now: datetime, also: Iterable[str] = ()) -> Registration:
    before = registration.attendance
    changed = list(also)
    if registration.attendance != Attendance.ATTENDED:
        registration.attendance = Attendance.ATTENDED
        changed.append("attendance")
    if registration.checked_in_at is None:
        registration.checked_in_at = now
        changed.append("checked_in_at")
    if changed:
        registration.save(update_fields=[*changed, "updated_at"])
    if before != registration.attendance:
        audit_registration(
            registration,
            by=registration.user,
            action="attendance.check_in",
            changes={"attendance": [before, registration.attendance]},
        )
    return registration


def _self_mark(event: Event, *, user: User, now: datetime | None) -> Registration:
    now = now or timezone.now()
    refusal = _window_refusal(event, now)
    if refusal:
        raise AttendanceError(refusal)
    with transaction.atomic():
        return _record_attended(_confirmed_locked(event, user), now)


def check_in(event: Event, *, user: User, token: str, now: datetime | None = None) -> Registration:
    """The venue's QR code, scanned by a logged-in registrant."""
    if not secrets.compare_digest(str(token).encode(), event.checkin_token.encode()):
        raise AttendanceError(_("This check-in code belongs to another event."))
    return _self_mark(event, user=user, now=now)


def enter_code(event: Event, *, user: User, code: str, now: datetime | None = None) -> Registration:
    """The code announced during an online session, typed on the event page.

    The order of the checks is the defence against guessing: only a confirmed registrant
    gets past the first; the check-in window comes before the code, so outside it a right
    and a wrong code get the same answer; then the per-person limit (attendance/code_attempts);
    only then is the code compared, and every wrong code gets the same message.
    """
    now = now or timezone.now()
    typed = unicodedata.normalize("NFKC", code or "").replace(" ", "").replace("-", "")
    with transaction.atomic():
        registration = _confirmed_locked(event, user)
        refusal = _window_refusal(event, now)
        if refusal:
            raise AttendanceError(refusal)
        until = code_attempts.blocked_until(registration, now)
        if until is not None:
            raise AttendanceError(
                _("Too many wrong codes. You can try again from %(time)s.") % {"time": _fmt(until)}
            )
        if not typed:
            raise AttendanceError(_("Enter the attendance code announced during the session."))
        # Bytes: compare_digest refuses str with non-ASCII characters (a code typed in kana).
        if secrets.compare_digest(typed.encode(), event.attendance_code.encode()):
            return _record_attended(registration, now, also=code_attempts.clear(registration))
        # Counted in this transaction, which commits: the refusal is raised after it.
        code_attempts.record_failure(registration, now)
    raise AttendanceError(
        _("That is not the attendance code for this event. Check the code announced in this session.")
    )


def _fmt(value: datetime) -> str:
    return format_datetime(value)
