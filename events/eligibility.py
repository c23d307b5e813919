"""Who may come (issue 11, item 3): eligibility and per-organization quotas.

Eligibility reads approved memberships only (accounts.Membership is the grant; a
pending applicant is an individual). An organization's "tree" is the whole of the
municipality (or corporation) it belongs to: the root and every department under it.

Quotas count confirmed seats per root organization of the organization a registration
was made under; they are checked by events.services under the same event row lock as
the capacity, so racing registrations are decided one after another. People who
registered as individuals (no organization) are not subject to a quota.
"""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Membership, Organization, User
from accounts.normalize import normalize_email
from audit import services as audit
from events.models import Eligibility, Event, EventInvitee, Registration

Status = Registration.Status


def root_of(organization_id: int | None, roots: dict[int, int] | None = None) -> int | None:
    if organization_id is None:
        return None
    roots = roots if roots is not None else Organization.objects.root_ids()
    return roots.get(organization_id, organization_id)


def _trees(organization_ids: Iterable[int]) -> set[int]:
    """Every organization in the trees (root and all below) of the given organizations."""
    roots = Organization.objects.root_ids()
    wanted = {root_of(pk, roots) for pk in organization_ids}
    return {pk for pk, root in roots.items() if root in wanted}


def _subtrees(organization_ids: Iterable[int]) -> set[int]:
    return permissions._descendant_ids(organization_ids)


def _member_org_ids(user: User) -> set[int]:
    return set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))


def allowed_org_ids(event: Event) -> set[int] | None:
    """The organizations whose members may register; None when anyone may."""
    if event.eligibility == Eligibility.OPEN:
        return None
    if event.eligibility == Eligibility.HOST_MEMBERS:
        return _trees(event.hosts.values_list("pk", flat=True))
    if event.eligibility == Eligibility.PARTICIPATING:
        return _subtrees(event.participating_organizations.values_list("organization_id", flat=True))
    return _subtrees(
        event.invitees.filter(organization__isnull=False).values_list("organization_id", flat=True)
    )


def is_eligible(event: Event, user: User) -> bool:
    allowed = allowed_org_ids(event)
    if allowed is None:
        return True
    if _member_org_ids(user) & allowed:
        return True
    if event.eligibility == Eligibility.INVITATION:
        emails = {
            e.lower()
            for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
        }
        invited = {e.lower() for e in event.invitees.exclude(email="").values_list("email", flat=True)}
        return bool(emails & invited)
    return False


def refusal(event: Event) -> str:
    """The message for someone the event is not for."""
    if event.eligibility == Eligibility.HOST_MEMBERS:
        return _("This event is for the staff of %(names)s. Your account is not an approved member.") % {
            "names": _names(event.hosts.all())
        }
    if event.eligibility == Eligibility.PARTICIPATING:
        return _("This event is for the staff of the participating organizations (%(names)s).") % {
            "names": _names(
                po.organization for po in event.participating_organizations.select_related("organization")
            )
        }
    return _("This event is by invitation only, and you are not on its list.")


def _names(organizations) -> str:
    return "、".join(org.display_name for org in organizations)


def describe(event: Event) -> str:
    """Who the event is for, as the event page says it."""
    if event.eligibility == Eligibility.OPEN:
        text = _("Open to everyone.")
    elif event.eligibility == Eligibility.HOST_MEMBERS:
        text = _("For the staff of %(names)s.") % {"names": _names(event.hosts.all())}
    elif event.eligibility == Eligibility.PARTICIPATING:
        text = _("For the staff of the participating organizations: %(names)s.") % {
            "names": _names(
                po.organization for po in event.participating_organizations.select_related("organization")
            )
        }
    else:
        text = _("By invitation only.")
    if event.quota_per_organization:
        text += " " + _("At most %(n)s people per organization.") % {"n": event.quota_per_organization}
    return text


# --- quotas (the caller holds the event row lock) ---------------------------------------------


def quota_room(event: Event, organization_id: int | None, *, roots=None) -> bool:
    """Whether one more confirmed seat for this organization stays within the quota."""
    if not event.quota_per_organization or organization_id is None:
        return True
    roots = roots if roots is not None else Organization.objects.root_ids()
    root = root_of(organization_id, roots)
    taken = sum(
        1
        for org_id in Registration.objects.confirmed()
        .filter(event=event, organization__isnull=False)
        .values_list("organization_id", flat=True)
        if root_of(org_id, roots) == root
    )
    return taken < event.quota_per_organization


def quota_refusal(event: Event, organization_id: int | None) -> str:
    organization = Organization.objects.filter(pk=root_of(organization_id)).first()
    return _("%(organization)s already has its %(n)s seats for this event.") % {
        "organization": organization.display_name if organization else "",
        "n": event.quota_per_organization,
    }


def check_quota_setting(*, capacity: int | None, quota: int | None) -> str:
    """'' or the message refusing a quota larger than the capacity."""
    if quota is not None and capacity is not None and quota > capacity:
        return _("The seats per organization (%(quota)s) cannot exceed the capacity (%(capacity)s).") % {
            "quota": quota,
            "capacity": capacity,
        }
    return ""


def set_invitees(
    event: Event, *, by: User, organizations: Iterable[Organization], emails: Iterable[str]
) -> None:
    """Replace the invitation list of an event this person manages."""
    if not permissions.can_manage_for(by, event.hosts.values_list("pk", flat=True)):
        raise PermissionDenied
    organizations, emails = list(organizations), [normalize_email(e) for e in emails if e]
    current = (
        sorted(event.invitees.filter(organization__isnull=False).values_list("organization_id", flat=True)),
        sorted(event.invitees.exclude(email="").values_list("email", flat=True)),
    )
    if current == (sorted(o.pk for o in organizations), sorted(set(emails))):
        return
    with transaction.atomic():
        _replace_invitees(event, organizations, emails)
        audit.record(
            actor=by,
            action="event.invitees",
            target=event,
            event=event,
            changes={"invitees": [list(current), [sorted(o.pk for o in organizations), sorted(set(emails))]]},
        )


def _replace_invitees(event: Event, organizations: list[Organization], emails: list[str]) -> None:
    event.invitees.all().delete()
    EventInvitee.objects.bulk_create(
        [EventInvitee(event=event, organization=org) for org in organizations]
        + [EventInvitee(event=event, email=e) for e in dict.fromkeys(emails)]
    )
