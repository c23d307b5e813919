"""Membership is granted, not claimed.

A `Membership` row is a grant, and it is the only thing the rest of the platform reads
to decide who belongs where (accounts/permissions.py, the organization a registration
is made under, per-organization sheets, coordinator lists, reports, eligibility).
Signing up naming an organization creates a `MembershipRequest`; until it is approved
the person is an individual participant.

Who decides: coordinators and organizers of the organization or of an organization
above it (roles reach down the tree), and the platform administrators (staff), who
alone handle "my organization is not listed". A verified address on one of the
organization's verified mail domains (or of an organization above it) is approved at
once, by the system.

Each public function is one transaction, writes its audit entry and announces what
happened (accounts/domain.py) so the mail is an outbox row in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import domain, mail_domains, permissions
from accounts.models import Membership, MembershipRequest, Organization, OrganizationDomain, User
from accounts.normalize import normalize_name
from audit import services as audit
from core.errors import UserError

Status = MembershipRequest.Status
Source = MembershipRequest.Source


class MembershipError(UserError):
    """Refused membership change; str(error) is a message for the person."""


# --- reading ---------------------------------------------------------------------------------


def _ancestor_ids(organization: Organization) -> list[int]:
    ids, node, seen = [], organization, 0
    while node is not None and seen < 8:
        ids.append(node.pk)
        node, seen = node.parent, seen + 1
    return ids


def is_member(user: User, organization: Organization) -> bool:
    return Membership.objects.filter(user=user, organization=organization).exists()


def manageable_org_ids(user: User) -> set[int] | None:
    """Organizations whose requests this person decides; None: all (staff)."""
    if permissions.is_staff(user):
        return None
    return permissions.coordinator_org_ids(user) | permissions.organizer_org_ids(user)


def can_decide(user: User, request: MembershipRequest) -> bool:
    if not (user and user.is_authenticated):
        return False
    manageable = manageable_org_ids(user)
    if manageable is None:
        return True
    return request.organization_id is not None and request.organization_id in manageable


def pending_for(user: User) -> QuerySet[MembershipRequest]:
    """The requests this person may decide, oldest first."""
    qs = MembershipRequest.objects.filter(status=Status.PENDING).select_related(
        "user", "organization__parent__parent"
    )
    manageable = manageable_org_ids(user)
    if manageable is not None:
        qs = qs.filter(organization_id__in=manageable)
    return qs.order_by("created_at", "id")


def own_requests(user: User) -> QuerySet[MembershipRequest]:
    return (
        MembershipRequest.objects.filter(user=user)
        .exclude(status=Status.APPROVED)
        .select_related("organization__parent__parent", "invited_by")
        .order_by("-created_at", "-id")
    )


def verified_domain_for(organization: Organization, email: str) -> OrganizationDomain | None:
    """The domain of this organization (or one above it) that the address is on."""
    for item in OrganizationDomain.objects.filter(organization_id__in=_ancestor_ids(organization)):
        if mail_domains.covers(item.domain, email):
            return item
    return None


def _verified_emails(user: User) -> list[str]:
    from allauth.account.models import EmailAddress

    return list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))


# --- asking ----------------------------------------------------------------------------------


def _grant(user: User, organization: Organization) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        user=user, organization=organization, role=Membership.Role.MEMBER
    )
    permissions.forget(user)
    return membership


def _approve_locked(request: MembershipRequest, *, by: User | None, reason: str = "", how: str = "") -> None:
    request.status = Status.APPROVED
    request.decided_by = by if by is not None and by.is_authenticated else None
    request.decided_at = timezone.now()
    request.reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "reason", "organization"])
    _grant(request.user, request.organization)
    audit.record(
        actor=request.decided_by,
        action="membership.approve",
        target=request,
        organization=request.organization,
        changes={"status": [Status.PENDING, Status.APPROVED]},
        details={"user": request.user.email, "how": how or "decision", "reason": reason},
    )
    domain.emit(domain.MEMBERSHIP_APPROVED, request=request)


def request_membership(
    *, user: User, organization: Organization, source: str = Source.SIGNUP, note: str = ""
) -> MembershipRequest | None:
    """Ask to belong to `organization`. Approved at once when a verified address of the
    person is on one of its verified domains. None when already a member."""
    with transaction.atomic():
        if is_member(user, organization):
            return None
        existing = (
            MembershipRequest.objects.select_for_update()
            .filter(user=user, organization=organization, status__in=MembershipRequest.OPEN)
            .first()
        )
        if existing is not None:
            request = existing
        else:
            try:
                with transaction.atomic():
                    request = MembershipRequest.objects.create(
                        user=user, organization=organization, source=source, note=note[:300]
                    )
            except IntegrityError:  # a racing double submit: the partial unique index
                request = MembershipRequest.objects.get(
                    user=user, organization=organization, status__in=MembershipRequest.OPEN
                )
        if request.status == Status.PENDING:
            for email in _verified_emails(user):
                found = verified_domain_for(organization, email)
                if found is not None:
                    _approve_locked(request, by=None, how=f"verified domain {found.domain} ({email})")
                    break
        return request


def request_unlisted(
    *, user: User, name: str, kind: str = "", prefecture: str = "", note: str = ""
) -> MembershipRequest:
    """ "My organization is not listed": a request for the platform administrators."""
    name = normalize_name(name)
    if not name:
        raise MembershipError(_("Enter the name of your organization."))
    with transaction.atomic():
        existing = MembershipRequest.objects.filter(
            user=user, organization__isnull=True, status=Status.PENDING
        ).first()
        if existing is not None:
            return existing
        return MembershipRequest.objects.create(
            user=user,
            organization=None,
            requested_name=name[:200],
            requested_kind=kind if kind in Organization.Kind.values else "",
            requested_prefecture=(prefecture or "").strip()[:10],
            note=note[:300],
        )


def approve_verified_addresses(*, user: User, email: str) -> list[MembershipRequest]:
    """A newly confirmed address: approve the person's pending requests it verifies."""
    approved = []
    with transaction.atomic():
        pending = (
            MembershipRequest.objects.select_for_update(of=("self",))
            .filter(user=user, status=Status.PENDING, organization__isnull=False)
            .select_related("organization", "user")
        )
        for request in pending:
            found = verified_domain_for(request.organization, email)
            if found is not None:
                _approve_locked(request, by=None, how=f"verified domain {found.domain} ({email})")
                approved.append(request)
    return approved


def withdraw(request: MembershipRequest, *, by: User) -> MembershipRequest:
    with transaction.atomic():
        locked = MembershipRequest.objects.select_for_update().get(pk=request.pk)
        if locked.user_id != by.pk:
            raise PermissionDenied
        if locked.status == Status.PENDING:
            locked.status = Status.WITHDRAWN
            locked.decided_at = timezone.now()
            locked.save(update_fields=["status", "decided_at"])
        return locked


# --- deciding --------------------------------------------------------------------------------


def _locked_pending(request: MembershipRequest, by: User) -> MembershipRequest:
    locked = (
        MembershipRequest.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .get(pk=request.pk)
    )
    if not can_decide(by, locked):
        raise PermissionDenied
    return locked


def approve(
    request: MembershipRequest, *, by: User, organization: Organization | None = None
) -> MembershipRequest:
    """Approve; for "not listed", an administrator names the organization (`organization`)."""
    with transaction.atomic():
        locked = _locked_pending(request, by)
        if locked.status == Status.APPROVED:
            return locked
        if locked.status != Status.PENDING:
            raise MembershipError(_("This request has already been decided."))
        if locked.organization_id is None:
            if organization is None:
                raise MembershipError(_("Choose the organization this person belongs to."))
            if not permissions.is_staff(by):
                raise PermissionDenied
            if is_member(locked.user, organization):
                raise MembershipError(_("This person is already a member of that organization."))
            locked.organization = organization
        _approve_locked(locked, by=by)
        return locked


def decline(request: MembershipRequest, *, by: User, reason: str) -> MembershipRequest:
    """Decline with a reason the person reads in the mail."""
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError(_("Give a reason; it is sent to the person."))
    with transaction.atomic():
        locked = _locked_pending(request, by)
        if locked.status == Status.DECLINED:
            return locked
        if locked.status != Status.PENDING:
            raise MembershipError(_("This request has already been decided."))
        locked.status = Status.DECLINED
        locked.reason = reason[:2000]
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit.record(
            actor=by,
            action="membership.decline",
            target=locked,
            organization=locked.organization_id,
            changes={"status": [Status.PENDING, Status.DECLINED]},
            details={"user": locked.user.email, "reason": locked.reason},
        )
        domain.emit(domain.MEMBERSHIP_DECLINED, request=locked)
        return locked


def create_organization_for(
    request: MembershipRequest,
    *,
    by: User,
    name: str,
    kind: str,
    prefecture: str,
    parent: Organization | None,
) -> MembershipRequest:
    """An administrator creates the organization a "not listed" request named, and approves."""
    if not permissions.is_staff(by):
        raise PermissionDenied
    name = normalize_name(name)
    if not name:
        raise MembershipError(_("Enter the name of the organization."))
    if kind not in Organization.Kind.values:
        raise MembershipError(_("Choose the kind of the organization."))
    with transaction.atomic():
        clash = Organization.objects.filter(name=name, parent=parent)
        if parent is None:
            clash = clash.filter(prefecture=prefecture.strip())
        if clash.exists():
            raise MembershipError(
                _("An organization with this name already exists there; choose it instead.")
            )
        organization = Organization.objects.create(
            name=name, kind=kind, prefecture=prefecture.strip(), parent=parent
        )
        audit.record(
            actor=by,
            action="organization.create",
            target=organization,
            organization=organization,
            details={"for_request": request.pk, "parent": parent.pk if parent else None},
        )
        return approve(request, by=by, organization=organization)


# --- invitations (a coordinator's bulk registration; accounts/…, events/…) --------------------


def invite(
    *, user: User, organization: Organization, invited_by: User, context: dict | None = None
) -> MembershipRequest:
    """Invite an existing account to join: nothing is granted until they accept.

    The caller (a coordinator's bulk registration) must not tell the coordinator
    anything about the account; this returns the invitation for the caller's
    bookkeeping only.
    """
    if not can_decide(invited_by, MembershipRequest(organization=organization)):
        raise PermissionDenied
    with transaction.atomic():
        existing = (
            MembershipRequest.objects.select_for_update()
            .filter(user=user, organization=organization, status__in=MembershipRequest.OPEN)
            .first()
        )
        if existing is not None and existing.status == Status.INVITED:
            return existing
        if existing is not None:
            # They asked already; the coordinator's invitation answers it once they accept.
            existing.status = Status.INVITED
            existing.invited_by = invited_by
            existing.context = dict(context or {})
            existing.save(update_fields=["status", "invited_by", "context"])
            request = existing
        else:
            request = MembershipRequest.objects.create(
                user=user,
                organization=organization,
                status=Status.INVITED,
                source=Source.INVITATION,
                invited_by=invited_by,
                context=dict(context or {}),
            )
        audit.record(
            actor=invited_by,
            action="membership.invite",
            target=request,
            organization=organization,
            details={"user": user.email, **(context or {})},
        )
        domain.emit(domain.MEMBERSHIP_INVITED, request=request)
        return request


def accept_invitation(request: MembershipRequest, *, by: User) -> MembershipRequest:
    with transaction.atomic():
        locked = (
            MembershipRequest.objects.select_for_update(of=("self",))
            .select_related("user", "organization", "invited_by")
            .get(pk=request.pk)
        )
        if locked.user_id != by.pk:
            raise PermissionDenied
        if locked.status == Status.APPROVED:
            return locked
        if locked.status != Status.INVITED:
            raise MembershipError(_("This invitation is no longer open."))
        locked.status = Status.APPROVED
        locked.decided_by = locked.invited_by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        _grant(locked.user, locked.organization)
        audit.record(
            actor=by,
            action="membership.accept_invitation",
            target=locked,
            organization=locked.organization,
            changes={"status": [Status.INVITED, Status.APPROVED]},
            details={"invited_by": locked.invited_by.email if locked.invited_by else ""},
        )
        domain.emit(domain.MEMBERSHIP_APPROVED, request=locked)
        return locked


def decline_invitation(request: MembershipRequest, *, by: User) -> MembershipRequest:
    with transaction.atomic():
        locked = MembershipRequest.objects.select_for_update().get(pk=request.pk)
        if locked.user_id != by.pk:
            raise PermissionDenied
        if locked.status == Status.INVITED:
            locked.status = Status.WITHDRAWN
            locked.decided_at = timezone.now()
            locked.save(update_fields=["status", "decided_at"])
            audit.record(
                actor=by,
                action="membership.refuse_invitation",
                target=locked,
                organization=locked.organization_id,
            )
        return locked


def add_member(*, user: User, organization: Organization, by: User) -> Membership:
    """A coordinator creates an account for a new colleague: granted by the one who vouches."""
    if not can_decide(by, MembershipRequest(organization=organization)):
        raise PermissionDenied
    with transaction.atomic():
        MembershipRequest.objects.create(
            user=user,
            organization=organization,
            status=Status.APPROVED,
            source=Source.COORDINATOR,
            invited_by=by,
            decided_by=by,
            decided_at=timezone.now(),
        )
        membership = _grant(user, organization)
        audit.record(
            actor=by,
            action="membership.grant",
            target=membership,
            organization=organization,
            details={"user": user.email, "role": Membership.Role.MEMBER},
        )
        return membership


# --- verified domains ---------------------------------------------------------------------------


def can_manage_domains(user: User, organization: Organization) -> bool:
    return can_decide(user, MembershipRequest(organization=organization))


def add_domain(*, organization: Organization, domain_name: str, by: User) -> OrganizationDomain:
    if not can_manage_domains(by, organization):
        raise PermissionDenied
    try:
        cleaned = mail_domains.clean(domain_name)
    except mail_domains.DomainError as error:
        raise MembershipError(str(error)) from None
    with transaction.atomic():
        if OrganizationDomain.objects.filter(domain__iexact=cleaned).exists():
            raise MembershipError(
                _("%(domain)s is already verified for an organization.") % {"domain": cleaned}
            )
        try:
            with transaction.atomic():
                item = OrganizationDomain.objects.create(
                    organization=organization, domain=cleaned, created_by=by
                )
        except IntegrityError:
            raise MembershipError(
                _("%(domain)s is already verified for an organization.") % {"domain": cleaned}
            ) from None
        audit.record(
            actor=by,
            action="organization.domain_add",
            target=item,
            organization=organization,
            details={"domain": cleaned},
        )
        return item


def remove_domain(item: OrganizationDomain, *, by: User) -> None:
    if not can_manage_domains(by, item.organization):
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            actor=by,
            action="organization.domain_remove",
            target=item,
            organization=item.organization_id,
            details={"domain": item.domain},
        )
        item.delete()


def open_requests_count(user: User) -> int:
    return pending_for(user).count() if manageable_org_ids(user) != set() else 0


__all__ = [
    "MembershipError",
    "accept_invitation",
    "add_domain",
    "add_member",
    "approve",
    "can_decide",
    "create_organization_for",
    "decline",
    "invite",
    "pending_for",
    "remove_domain",
    "request_membership",
    "request_unlisted",
]
