"""Registration and event rules. Each public function is one transaction.

Capacity is guarded by locking the event row (select_for_update) and counting
confirmed registrations from rows, so two requests for the last seat are serialised
by PostgreSQL and the second one lands on the waitlist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Organization, User
from accounts.services import primary_organization_id
from audit import services as audit
from core.dates import format_datetime
from core.errors import UserError
from events import domain, eligibility
from events import hosts as host_rules
from events.models import Event, ParticipatingOrganization, ProgramItem, Registration, TransitionError
from events.permissions import can_change_registration, require_manager

Status = Registration.Status


class RegistrationError(UserError):
    """Refused registration; str(error) is a message for the person, in their language."""


_WINDOW_MESSAGES = {
    "not_yet": lambda e: _("Registration opens on %(date)s.") % {"date": _fmt(e.registration_opens_at)},
    "closed": lambda e: _("Registration for this event has closed."),
    "cancelled": lambda e: _("This event has been cancelled."),
    "finished": lambda e: _("This event has already taken place."),
    "draft": lambda e: _("This event is not open for registration."),
}


def _fmt(value: datetime | None) -> str:
    return format_datetime(value)


def _lock_event(event_id: int) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def confirmed_count(event: Event) -> int:
    return Registration.objects.confirmed().filter(event=event).count()


def seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_count(event), 0)


def _has_seat(event: Event) -> bool:
    return event.capacity is None or confirmed_count(event) < event.capacity


def audit_registration(
    registration: Registration, *, by: User | None, action: str, changes: dict, event: Event | None = None
) -> None:
    """An audit entry about one person's registration, named by the person (the event is
    the entry's event)."""
    audit.record(
        actor=by,
        action=action,
        target=registration,
        target_label=str(registration.user),
        changes=changes,
        event=event or registration.event_id,
        organization=registration.organization_id,
    )


# --- registering -------------------------------------------------------------------------


def register(
    event: Event,
    user: User,
    *,
    registered_by: User | None = None,
    organization: Organization | None = None,
    now: datetime | None = None,
) -> Registration:
    """Register a person: confirmed, waitlisted or (approval mode) requested."""
    # Read before the lock, so the event row is held only for the count-and-insert that
    # decides the seat. A second active registration is refused by the partial unique
    # index (IntegrityError below), so no separate existence check is needed.
    organization_id = organization.pk if organization else primary_organization_id(user)
    try:
        with transaction.atomic():
            locked = _lock_event(event.pk)
            state = locked.registration_window_state(now)
            if state != "open":
                raise RegistrationError(_WINDOW_MESSAGES[state](locked))
            if not eligibility.is_eligible(locked, user):
                raise RegistrationError(eligibility.refusal(locked))
            if locked.requires_approval:
                status = Status.REQUESTED
            elif _has_seat(locked) and eligibility.quota_room(locked, organization_id):
                status = Status.CONFIRMED
            else:
                # Full, or this organization's seats are taken: the waitlist, where each
                # organization keeps its own order (see _promote_waitlisted).
                status = Status.WAITLISTED
            registration = Registration.objects.create(
                event=locked,
                user=user,
                status=status,
                organization_id=organization_id,
                registered_by=registered_by if registered_by and registered_by != user else None,
                confirmed_at=timezone.now() if status == Status.CONFIRMED else None,
            )
            if registration.registered_by_id:
                audit_registration(
                    registration,
                    by=registered_by,
                    action="registration.create_for",
                    changes={"status": [None, status]},
                    event=locked,
                )
            domain.emit(
                {
                    Status.CONFIRMED: domain.REGISTRATION_CONFIRMED,
                    Status.WAITLISTED: domain.REGISTRATION_WAITLISTED,
                    Status.REQUESTED: domain.REGISTRATION_REQUESTED,
                }[status],
                registration=registration,
            )
            return registration
    except IntegrityError:
        # A racing double submit: the partial unique index refused the second row and
        # the whole transaction rolled back.
        raise RegistrationError(_("You are already registered for this event.")) from None


def _promote_waitlisted(event: Event) -> list[Registration]:
    """Fill free seats from the waitlist in arrival order (caller holds the event lock)."""
    promoted = []
    while _has_seat(event):
        # The first in arrival order whose organization is still under its quota: an
        # organization at its quota keeps its place in its own queue.
        nxt = next(
            (
                r
                for r in Registration.objects.waitlisted().filter(event=event)
                if eligibility.quota_room(event, r.organization_id)
            ),
            None,
        )
        if nxt is None:
            break
        nxt.move_to(Status.CONFIRMED)
        nxt.save(update_fields=["status", "confirmed_at", "updated_at"])
        domain.emit(domain.REGISTRATION_PROMOTED, registration=nxt)
        promoted.append(nxt)
    return promoted


def cancel_registration(registration: Registration, *, by: User) -> Registration:
    """The registrant, their coordinator or an organizer cancels; a waitlisted person moves up."""
    with transaction.atomic():
        event = _lock_event(registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            return registration
        if not can_change_registration(by, registration):
            raise PermissionDenied
        if event.status in (Event.Status.COMPLETED,) or event.ends_at <= timezone.now():
            raise RegistrationError(_("This event has already taken place."))
        before = registration.status
        registration.move_to(Status.CANCELLED)
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        audit_registration(
            registration,
            by=by,
            action="registration.cancel",
            changes={"status": [before, registration.status]},
            event=event,
        )
        domain.emit(domain.REGISTRATION_CANCELLED, registration=registration)
        _promote_waitlisted(event)
        return registration


_SAVED_FIELDS = {
    Status.CONFIRMED: ["status", "confirmed_at", "updated_at"],
    Status.WAITLISTED: ["status", "updated_at"],
    Status.DECLINED: ["status", "cancelled_at", "updated_at"],
}


def _organizer_move(
    registration: Registration, *, by: User, target: str, signal: str, action: str, when_full: str = ""
) -> Registration:
    """One organizer decision on one registration, under the event lock.

    `when_full`: the message refusing a move to confirmed when no seat is free.
    """
    with transaction.atomic():
        event = _lock_event(registration.event_id)
        require_manager(by, event)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == target:
            return registration
        if target == Status.CONFIRMED and not _has_seat(event):
            raise RegistrationError(when_full)
        if target == Status.CONFIRMED and not eligibility.quota_room(event, registration.organization_id):
            raise RegistrationError(eligibility.quota_refusal(event, registration.organization_id))
        before = registration.status
        registration.move_to(target)
        registration.save(update_fields=_SAVED_FIELDS[target])
        audit_registration(
            registration, by=by, action=action, changes={"status": [before, target]}, event=event
        )
        domain.emit(signal, registration=registration)
        return registration


def approve(registration: Registration, *, by: User) -> Registration:
    return _organizer_move(
        registration,
        by=by,
        target=Status.CONFIRMED,
        signal=domain.REGISTRATION_CONFIRMED,
        action="registration.approve",
        when_full=_("The event is full. Move the request to the waitlist or raise the capacity."),
    )


def waitlist(registration: Registration, *, by: User) -> Registration:
    """An organizer moves a pending request to the waitlist (the event is full)."""
    return _organizer_move(
        registration,
        by=by,
        target=Status.WAITLISTED,
        signal=domain.REGISTRATION_WAITLISTED,
        action="registration.waitlist",
    )


def decline(registration: Registration, *, by: User, reason: str = "") -> Registration:
    """A request or a waitlisted person is declined (a confirmed seat is cancelled instead).

    The reason is required when a person does it from the page (events.views); it is
    stored before the move so the mail, rendered from the registration, carries it.
    """
    reason = (reason or "").strip()
    if reason:
        with transaction.atomic():
            Registration.objects.filter(pk=registration.pk).exclude(status=Status.DECLINED).update(
                decision_reason=reason[:2000]
            )
            return _organizer_move(
                registration,
                by=by,
                target=Status.DECLINED,
                signal=domain.REGISTRATION_DECLINED,
                action="registration.decline",
            )
    return _organizer_move(
        registration,
        by=by,
        target=Status.DECLINED,
        signal=domain.REGISTRATION_DECLINED,
        action="registration.decline",
    )


def promote(registration: Registration, *, by: User) -> Registration:
    """An organizer moves one waitlisted person up, out of turn, if a seat is free."""
    return _organizer_move(
        registration,
        by=by,
        target=Status.CONFIRMED,
        signal=domain.REGISTRATION_PROMOTED,
        action="registration.promote",
        when_full=_("The event is full. Raise the capacity to move someone from the waitlist."),
    )


# --- organizer actions on events -------------------------------------------------------


def create_event(*, by: User, data: dict, hosts: Iterable[Organization], speakers=()) -> Event:
    with transaction.atomic():
        event = Event(**data, created_by=by)
        event.full_clean(exclude=["hosts", "speakers"])
        event.save()
        event.hosts.set(host_rules.merge(current=(), submitted=hosts, by=by))
        if speakers:
            event.speakers.set(speakers)
        if not permissions.can_manage_for(by, [h.pk for h in event.hosts.all()]):
            raise PermissionDenied
        audit.record(actor=by, action="event.create", target=event, event=event)
        return event


def update_event(event: Event, *, by: User, data: dict, hosts=None, speakers=None) -> dict:
    """Save changes; time, place or join URL changes bump the revision and notify registrants."""
    with transaction.atomic():
        locked = _lock_event(event.pk)
        require_manager(by, locked)
        related_before = audit.snapshot(locked, ["hosts", "speakers"])
        changes = {}
        for field, value in data.items():
            old = getattr(locked, field)
            if old != value:
                changes[field] = (old, value)
                setattr(locked, field, value)
        locked.full_clean(exclude=["hosts", "speakers"])
        relevant = {f: v for f, v in changes.items() if f in Event.REVISION_FIELDS}
        if relevant and locked.status != Event.Status.DRAFT:
            locked.revision += 1
        locked.save()
        if hosts is not None:
            # Co-hosts the editor does not run events for stay (the form never offered them).
            locked.hosts.set(host_rules.merge(current=locked.hosts.all(), submitted=hosts, by=by))
        if speakers is not None:
            locked.speakers.set(speakers)
        audited = audit.diff(
            {f: old for f, (old, _new) in changes.items()}, {f: new for f, (_old, new) in changes.items()}
        )
        audited.update(audit.diff(related_before, audit.snapshot(locked, ["hosts", "speakers"])))
        if audited:
            audit.record(actor=by, action="event.edit", target=locked, changes=audited, event=locked)
        if relevant and locked.status == Event.Status.PUBLISHED:
            domain.emit(domain.EVENT_CHANGED, event=locked, changes=relevant)
        event.__dict__.update(locked.__dict__)
        return changes


def publish_event(event: Event, *, by: User) -> Event:
    with transaction.atomic():
        locked = _lock_event(event.pk)
        require_manager(by, locked)
        if locked.status == Event.Status.PUBLISHED:
            return locked
        before = locked.status
        locked.publish()
        locked.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=by,
            action="event.publish",
            target=locked,
            changes={"status": [before, locked.status]},
            event=locked,
        )
        domain.emit(domain.EVENT_PUBLISHED, event=locked)
        return locked


def cancel_event(event: Event, *, by: User, reason: str) -> Event:
    with transaction.atomic():
        locked = _lock_event(event.pk)
        require_manager(by, locked)
        if locked.status == Event.Status.CANCELLED:
            return locked
        before = locked.status
        locked.cancel(reason)
        locked.revision += 1
        locked.save(update_fields=["status", "cancel_reason", "cancelled_at", "revision", "updated_at"])
        audit.record(
            actor=by,
            action="event.cancel",
            target=locked,
            changes={"status": [before, locked.status], "cancel_reason": ["", reason]},
            event=locked,
        )
        domain.emit(domain.EVENT_CANCELLED, event=locked)
        return locked


def complete_event(event: Event, *, by: User | None = None) -> Event:
    with transaction.atomic():
        locked = _lock_event(event.pk)
        if by is not None:
            require_manager(by, locked)
        if locked.status != Event.Status.COMPLETED:
            locked.complete()
            locked.save(update_fields=["status", "updated_at"])
        return locked


def next_session_number(series_id: int) -> int:
    """N of the next 第N回 in a series."""
    last = (
        Event.objects.filter(series_id=series_id).order_by("-number").values_list("number", flat=True).first()
    )
    return (last or 0) + 1


def copy_as_next_session(event: Event, *, by: User, starts_at: datetime, ends_at: datetime) -> Event:
    """第N+1回: same settings and program, new dates, a draft to edit."""
    with transaction.atomic():
        require_manager(by, event)
        shift = starts_at - event.starts_at
        number = next_session_number(event.series_id) if event.series_id else None
        copy = Event.objects.create(
            series=event.series,
            number=number,
            title=event.title,
            kind=event.kind,
            attendance_mode=event.attendance_mode,
            description=event.description,
            audience=event.audience,
            starts_at=starts_at,
            ends_at=ends_at,
            doors_open_at=event.doors_open_at + shift if event.doors_open_at else None,
            venue_name=event.venue_name,
            venue_address=event.venue_address,
            online_url=event.online_url,
            online_meeting_id=event.online_meeting_id,
            online_passcode=event.online_passcode,
            capacity=event.capacity,
            requires_approval=event.requires_approval,
            eligibility=event.eligibility,
            quota_per_organization=event.quota_per_organization,
            registration_opens_at=event.registration_opens_at + shift
            if event.registration_opens_at
            else None,
            registration_closes_at=event.registration_closes_at + shift
            if event.registration_closes_at
            else None,
            created_by=by,
        )
        copy.hosts.set(event.hosts.all())
        copy.speakers.set(event.speakers.all())
        for item in event.program_items.prefetch_related("speakers"):
            new = ProgramItem.objects.create(
                event=copy,
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                title=item.title,
                details=item.details,
                order=item.order,
            )
            new.speakers.set(item.speakers.all())
        for invitee in event.invitees.all():
            invitee.pk, invitee.event = None, copy
            invitee.save()
        for po in event.participating_organizations.all():
            ParticipatingOrganization.objects.create(
                event=copy, organization=po.organization, departments=po.departments, order=po.order
            )
        audit.record(
            actor=by, action="event.copy", target=copy, event=copy, details={"copied_from": event.pk}
        )
        return copy


def snapshot_deadline_counts(*, now: datetime | None = None) -> int:
    """Keep 参加者数 ※申込時点 for every event whose registration has closed."""
    now = now or timezone.now()
    done = 0
    due = Event.objects.filter(count_at_deadline__isnull=True).exclude(status=Event.Status.DRAFT)
    for event_id in due.filter(registration_closes_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            event = _lock_event(event_id)
            if event.count_at_deadline is None:
                event.count_at_deadline = (
                    confirmed_count(event) + event.registrations.filter(status=Status.REQUESTED).count()
                )
                event.save(update_fields=["count_at_deadline"])
                done += 1
    return done


def registration_count_as_of_deadline(event: Event) -> int:
    if event.count_at_deadline is not None:
        return event.count_at_deadline
    return Registration.objects.filter(event=event, status__in=[Status.CONFIRMED, Status.REQUESTED]).count()


__all__ = [
    "RegistrationError",
    "TransitionError",
    "approve",
    "cancel_event",
    "cancel_registration",
    "copy_as_next_session",
    "create_event",
    "decline",
    "promote",
    "publish_event",
    "register",
    "snapshot_deadline_counts",
    "update_event",
]
