"""Substitutes (代理出席): a confirmed seat passes to a colleague (issue 11, item 4).

The registrant, their coordinator or an organizer of the event hands the seat to a
colleague of the same organization tree (the municipality and its departments) before
the event. One transaction under the event row lock (the lock every capacity decision
takes): the first registration is cancelled and the colleague's confirmed one created
together, and no waitlisted person is promoted in between, so the seat is never free.
The organization the seat was registered under stays, so an organization's pre-work
sheet already submitted stays with the organization. Notifications (a CANCEL invite to
the first person, a REQUEST invite and the pre-work sheet to the substitute) are
outbox rows written by the receivers of REGISTRATION_TRANSFERRED.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, User
from accounts.normalize import normalize_email
from events import domain, eligibility
from events.models import Event, Registration
from events.permissions import can_change_registration
from events.services import RegistrationError, audit_registration

Status = Registration.Status


def _tree_member(user: User | None, root_id: int) -> bool:
    if user is None:
        return False
    roots = Organization.objects.root_ids()
    org_ids = Membership.objects.filter(user=user).values_list("organization_id", flat=True)
    return any(eligibility.root_of(pk, roots) == root_id for pk in org_ids)


def find_colleague(registration: Registration, email: str) -> User | None:
    """The colleague with this address, or None (also when the address belongs to someone
    outside the organization: the answer must not tell the two apart)."""
    user = User.objects.filter(email__iexact=normalize_email(email), is_active=True).first()
    root = eligibility.root_of(registration.organization_id)
    if root is None or not _tree_member(user, root):
        return None
    return user


def transfer(
    registration: Registration, *, to: User | None, by: User, now: datetime | None = None
) -> Registration:
    """Give the seat to `to`; returns the substitute's registration."""
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        locked = Registration.objects.select_for_update().select_related("user").get(pk=registration.pk)
        locked.event = event
        if not can_change_registration(by, locked):
            raise PermissionDenied
        if locked.status != Status.CONFIRMED:
            raise RegistrationError(_("Only a confirmed seat can be passed to a colleague."))
        if event.status != Event.Status.PUBLISHED or event.starts_at <= now:
            raise RegistrationError(_("A seat can be passed on only before the event starts."))
        root = eligibility.root_of(locked.organization_id)
        if root is None:
            raise RegistrationError(
                _(
                    "This seat was registered by an individual, not for an organization; it cannot be passed on."
                )
            )
        if to is None or not _tree_member(to, root):
            raise RegistrationError(_("No colleague of your organization has this address."))
        if to.pk == locked.user_id:
            raise RegistrationError(_("Choose a colleague other than the person registered."))
        if Registration.objects.filter(event=event, user=to, status__in=Registration.ACTIVE).exists():
            raise RegistrationError(
                _("%(name)s is already registered for this event.") % {"name": to.full_name}
            )
        if not eligibility.is_eligible(event, to):
            raise RegistrationError(eligibility.refusal(event))
        locked.move_to(Status.CANCELLED)
        locked.note = (_("Passed to %(name)s") % {"name": to.full_name})[:300]
        locked.save(update_fields=["status", "cancelled_at", "note", "updated_at"])
        try:
            with transaction.atomic():
                substitute = Registration.objects.create(
                    event=event,
                    user=to,
                    status=Status.CONFIRMED,
                    organization_id=locked.organization_id,
                    registered_by=by if by.pk != to.pk else None,
                    confirmed_at=now,
                    note=(_("Substitute for %(name)s") % {"name": locked.user.full_name})[:300],
                )
        except IntegrityError:
            raise RegistrationError(
                _("%(name)s is already registered for this event.") % {"name": to.full_name}
            ) from None
        audit_registration(
            locked,
            by=by,
            action="registration.transfer",
            changes={"status": [Status.CONFIRMED, Status.CANCELLED], "user": [locked.user_id, to.pk]},
            event=event,
        )
        domain.emit(domain.REGISTRATION_TRANSFERRED, registration=substitute, previous=locked)
        return substitute


def can_transfer(user: User, registration: Registration) -> bool:
    """Whether to offer the page (the service checks again when it is used)."""
    return (
        user.is_authenticated
        and registration.status == Status.CONFIRMED
        and registration.organization_id is not None
        and can_change_registration(user, registration)
    )
