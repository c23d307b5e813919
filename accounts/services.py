from __future__ import annotations

from django.db import transaction

from accounts import permissions
from accounts.models import Membership, Organization, User
from accounts.normalize import normalize_email, normalize_kana, normalize_name
from accounts.signals import member_invited


def find_or_create_organization(
    *,
    name: str,
    kind: str = Organization.Kind.OTHER,
    prefecture: str = "",
    parent: Organization | None = None,
) -> Organization:
    name = normalize_name(name)
    org, _created = Organization.objects.get_or_create(
        name=name, prefecture=prefecture.strip(), parent=parent, defaults={"kind": kind}
    )
    return org


@transaction.atomic
def complete_signup_profile(
    *,
    user: User,
    full_name: str,
    full_name_kana: str,
    organization: Organization | None,
    new_organization_name: str = "",
    new_organization_kind: str = Organization.Kind.OTHER,
    new_organization_prefecture: str = "",
    language: str = "ja",
) -> User:
    """Store what the sign-up page asked beyond email and password."""
    if organization is None:
        organization = find_or_create_organization(
            name=new_organization_name,
            kind=new_organization_kind,
            prefecture=new_organization_prefecture,
        )
    user.full_name = normalize_name(full_name)
    user.full_name_kana = normalize_kana(full_name_kana)
    if language in dict(User.Language.choices):
        user.preferred_language = language
    user.save()
    grant_role(user=user, organization=organization, role=Membership.Role.MEMBER)
    return user


def grant_role(*, user: User, organization: Organization, role: str) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, organization=organization, role=role)
    permissions.forget(user)
    return membership


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


def invite_member(
    *, full_name: str, email: str, organization: Organization, invited_by: User
) -> tuple[User, bool]:
    """A coordinator adds a colleague: an account without a usable password.

    The invitation to set a password is allauth's password-reset mail: `member_invited`
    tells notifications, which sends it after commit so a rolled-back registration sends
    nothing.
    """
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User(email=email, full_name=normalize_name(full_name))
        user.set_unusable_password()
        user.save()
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        member_invited.send(sender=User, user=user, invited_by=invited_by)
    grant_role(user=user, organization=organization, role=Membership.Role.MEMBER)
    return user, created
