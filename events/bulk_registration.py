"""A coordinator registers their own people, and no one else (issue 11, item 2).

Accepted: approved members of the coordinator's organization tree (chosen from the
list), and new people typed as "name, email". For a typed address:

- no account yet: an account without a password, an approved membership granted by
  the coordinator (who vouches), the registration and the "set your password" mail;
- an account that is a member of the tree: registered like a listed member;
- any other account (another municipality's organizer, a pending applicant): nothing
  is granted and nothing about the account is revealed — the person gets an invitation
  to join (accounts/membership.invite), and registration follows only if they accept
  (events/receivers.py). The page answers "invitation sent" exactly as for a new address.

Each person is one transaction (account or invitation + membership + registration +
outbox rows together): a failure half-way leaves that person fully done or untouched,
and the mail is an outbox row written in that transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import domain as accounts_domain
from accounts import membership, permissions
from accounts.models import Membership, Organization, User
from accounts.normalize import normalize_email, normalize_name
from core.errors import UserError
from events import eligibility
from events.models import Event, Registration
from events.services import RegistrationError, register


class BulkError(UserError):
    """The whole request is refused (nothing was done); str() is for the coordinator."""


@dataclass
class BulkResult:
    registered: list[Registration] = field(default_factory=list)  # people of the tree, by name
    # Typed addresses answered "an invitation was sent": new accounts and outside
    # accounts alike, so the page says nothing about who has an account.
    sent: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (person of the tree, reason)


def tree_ids(coordinator: User, organization: Organization) -> set[int]:
    """The organizations whose members this coordinator registers (with descendants)."""
    ids = permissions.coordinator_org_ids(coordinator)
    if permissions.is_staff(coordinator):
        ids |= permissions._descendant_ids([organization.pk])
    return ids


def _membership_in(user: User, ids: set[int]) -> Membership | None:
    return (
        Membership.objects.filter(user=user, organization_id__in=ids)
        .select_related("organization")
        .order_by("created_at", "id")
        .first()
    )


def _register_member(event: Event, user: User, *, coordinator: User, organization: Organization, result):
    try:
        result.registered.append(register(event, user, registered_by=coordinator, organization=organization))
    except RegistrationError as error:
        result.refused.append((str(user), str(error)))


def _new_person(event: Event, *, name: str, email: str, coordinator: User, organization: Organization):
    user = User(email=email, full_name=normalize_name(name))
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    membership.add_member(user=user, organization=organization, by=coordinator)
    accounts_domain.emit(accounts_domain.ACCOUNT_INVITED, user=user, invited_by=coordinator)
    register(event, user, registered_by=coordinator, organization=organization)


def bulk_register(
    event: Event,
    *,
    coordinator: User,
    organization: Organization,
    members: Iterable[User] = (),
    new_people: Iterable[tuple[str, str]] = (),
) -> BulkResult:
    if organization is None or not permissions.can_coordinate_people_of(coordinator, organization.pk):
        raise PermissionDenied
    new_people = list(new_people)
    state = event.registration_window_state()
    if state != "open":
        # Refused before anyone is looked at, so the answer is the same whoever was typed.
        raise BulkError(_("Registration for this event is not open."))
    allowed = eligibility.allowed_org_ids(event)
    if allowed is not None and organization.pk not in allowed:
        # Also before anyone is looked at: the same answer whoever was typed.
        raise BulkError(eligibility.refusal(event))
    ids = tree_ids(coordinator, organization)
    result = BulkResult()
    for user in members:
        found = _membership_in(user, ids)
        if found is None:
            # A forged id: say nothing about whom it belongs to.
            result.refused.append(
                (_("Someone outside your organization"), _("Not a member of your organization."))
            )
            continue
        _register_member(event, user, coordinator=coordinator, organization=found.organization, result=result)
    for name, raw_email in new_people:
        email = normalize_email(raw_email)
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            found = _membership_in(existing, ids)
            if found is not None:
                _register_member(
                    event, existing, coordinator=coordinator, organization=found.organization, result=result
                )
                continue
            with transaction.atomic():
                membership.invite(
                    user=existing,
                    organization=organization,
                    invited_by=coordinator,
                    context={"event": event.pk},
                )
            result.sent.append(email)
            continue
        try:
            with transaction.atomic():
                _new_person(event, name=name, email=email, coordinator=coordinator, organization=organization)
        except RegistrationError as error:
            # Window and capacity were checked above; this is a rare race (the event
            # closed meanwhile). The person was not created.
            result.refused.append((email, str(error)))
            continue
        result.sent.append(email)
    return result


def register_on_acceptance(request) -> Registration | None:
    """An invitation made for an event is accepted: register the person for it.

    Called inside the acceptance's transaction (events/receivers.py); a refusal (the
    event closed meanwhile) leaves the membership granted and registers nothing.
    """
    event_id = (request.context or {}).get("event")
    if not event_id:
        return None
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return None
    try:
        with transaction.atomic():
            return register(
                event, request.user, registered_by=request.invited_by, organization=request.organization
            )
    except RegistrationError:
        return None
