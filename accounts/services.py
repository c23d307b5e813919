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


def invite_member(
    *, full_name: str, email: str, organization: Organization, invited_by: User
) -> tuple[User, bool]:
    """A coordinator adds a colleague: an account without a usable password.

    The invitation to set a password is allauth's password-reset mail, sent after
    commit so a rolled-back registration sends nothing.
    """
    from accounts.normalize import normalize_email

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
        transaction.on_commit(lambda: send_invitation(user_id=user.pk, invited_by_id=invited_by.pk))
    grant_role(user=user, organization=organization, role=Membership.Role.MEMBER, by=invited_by)
    return user, created


def send_invitation(*, user_id: int, invited_by_id: int) -> None:
    from accounts.tasks import send_invitation as task

    task.delay(user_id, invited_by_id)
