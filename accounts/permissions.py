"""Every access rule of the platform, in one place.

Views and services ask these questions; none of them inspects memberships itself.
Roles are held per organization and reach down the organization tree: an
organizer of 草加市 also runs the events of 草加市 健康福祉部 福祉政策課.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from accounts.models import Membership, Organization

if TYPE_CHECKING:
    from accounts.models import User

Role = Membership.Role
_CACHE_ATTR = "_tsunagu_role_cache"


def _descendant_ids(root_ids: Iterable[int]) -> set[int]:
    return Organization.objects.descendant_ids(root_ids)


def _roles(user: User) -> dict[str, set[int]]:
    """Organization ids (with descendants) per role, computed once per user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles: dict[str, set[int]] = {role: set() for role in Role.values}
    if user is not None and user.is_authenticated:
        direct: dict[str, set[int]] = {role: set() for role in Role.values}
        for role, org_id in Membership.objects.filter(user=user).values_list("role", "organization_id"):
            direct[role].add(org_id)
        for role, ids in direct.items():
            roles[role] = _descendant_ids(ids) if ids else set()
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget(user: User) -> None:
    """Drop the cached roles after memberships change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_staff(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def is_reviewer(user: User) -> bool:
    """The sponsor: reads everything, changes nothing."""
    return bool(user and user.is_authenticated and _roles(user)[Role.REVIEWER])


def organizer_org_ids(user: User) -> set[int]:
    return set(_roles(user)[Role.ORGANIZER]) if user and user.is_authenticated else set()


def coordinator_org_ids(user: User) -> set[int]:
    return set(_roles(user)[Role.COORDINATOR]) if user and user.is_authenticated else set()


def member_org_ids(user: User) -> set[int]:
    if not (user and user.is_authenticated):
        return set()
    return set().union(*_roles(user).values())


def is_organizer(user: User, organization: Organization | None = None) -> bool:
    ids = organizer_org_ids(user)
    if organization is None:
        return bool(ids) or is_staff(user)
    return is_staff(user) or organization.pk in ids


def is_coordinator(user: User, organization: Organization | None = None) -> bool:
    ids = coordinator_org_ids(user)
    if organization is None:
        return bool(ids)
    return organization.pk in ids


def can_manage_for(user: User, organization_ids: Iterable[int]) -> bool:
    """Organizer (or staff) of at least one of the given host organizations."""
    if is_staff(user):
        return True
    return bool(organizer_org_ids(user) & set(organization_ids))


def can_read_across_organizations(user: User) -> bool:
    return is_staff(user) or is_reviewer(user)


def can_coordinate_people_of(user: User, organization_id: int | None) -> bool:
    if organization_id is None:
        return False
    return is_staff(user) or organization_id in coordinator_org_ids(user)


def can_write_engagement_of(user: User, organization_id: int | None) -> bool:
    """Organizers and coordinators of a municipality, or of one of its departments,
    write its yearly engagement record (reports.Engagement)."""
    if organization_id is None or not (user and user.is_authenticated):
        return False
    if is_staff(user):
        return True
    ids = organizer_org_ids(user) | coordinator_org_ids(user)
    return bool(ids) and bool(ids & _descendant_ids([organization_id]))
