from __future__ import annotations

from django.db import transaction

from accounts import membership, permissions
from accounts.models import Membership, Organization, User
from accounts.normalize import normalize_kana, normalize_name
from audit import services as audit


@transaction.atomic
def complete_signup_profile(
    *,
    user: User,
    full_name: str,
    full_name_kana: str,
    organization: Organization | None,
    new_organization_name: str = "",
    new_organization_kind: str = "",
    new_organization_prefecture: str = "",
    language: str = "ja",
) -> User:
    """Store what the sign-up page asked beyond email and password.

    Naming an organization asks to join it (accounts/membership.py): nothing is granted
    here, and no organization is created ("not listed" goes to the administrators).
    """
    user.full_name = normalize_name(full_name)
    user.full_name_kana = normalize_kana(full_name_kana)
    if language in dict(User.Language.choices):
        user.preferred_language = language
    user.save()
    if organization is not None:
        membership.request_membership(user=user, organization=organization)
    elif new_organization_name:
        membership.request_unlisted(
            user=user,
            name=new_organization_name,
            kind=new_organization_kind,
            prefecture=new_organization_prefecture,
        )
    return user


def grant_role(*, user: User, organization: Organization, role: str, by: User | None = None) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, organization=organization, role=role)
    permissions.forget(user)
    if created:
        audit_membership(membership, by=by, action="membership.grant", changes={"role": [None, role]})
    return membership


def audit_membership(membership: Membership, *, by: User | None, action: str, changes: dict) -> None:
    audit.record(
        actor=by,
        action=action,
        target=membership,
        target_label=f"{membership.user} — {membership.organization}",
        changes=changes,
        organization=membership.organization_id,
        details={"user_id": membership.user_id},
    )


def primary_organization(user: User) -> Organization | None:
    """The organization a person registers under: their first membership."""
    membership = (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("created_at", "id")
        .first()
    )
    return membership.organization if membership else None


def primary_organization_id(user: User) -> int | None:
    return (
        Membership.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("organization_id", flat=True)
        .first()
    )


def update_profile(*, user: User, data: dict) -> User:
    for field in ("full_name", "full_name_kana", "phone", "preferred_language", "receive_reminders"):
        if field in data:
            setattr(user, field, data[field])
    user.save()
    return user
