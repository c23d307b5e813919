"""Deleting an account: pseudonymization, never silent loss.

The User row stays, so the registrations, attendance records and (non-anonymous) answers
that point at it still count in every statistic, but nothing on it names the person any
more: the name becomes 「退会済みユーザー」, the email and phone are erased, the password
and every personal link stop working, and the account cannot sign in again. The layers
above erase what they hold (uploaded files, mail bodies, names in Zoom reports) by
listening to `account_deleted`, inside the same transaction.

Who may: the person themselves (from their profile) or an administrator on their request.
Both are audited.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import Membership, MembershipRequest, User
from audit import services as audit

# Stored on the row (data, not interface text): what every list shows for the person now.
PSEUDONYM = "退会済みユーザー"
DELETED_DOMAIN = "deleted.invalid"  # RFC 2606: can never receive mail

# user=: the pseudonymized account (already saved). Receivers erase their app's personal data.
account_deleted = Signal()
# user=, by=: an administrator asks, at the person's request, for a copy of their data
# (privacy.export builds it); a receiver returns True if it started one.
data_export_requested = Signal()


def is_deleted(user: User) -> bool:
    return user.deleted_at is not None


def pseudonymize(user: User, *, by: User | None, reason: str) -> bool:
    """Delete the account as described above; False if it was already deleted."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.deleted_at is not None:
            return False
        now = timezone.now()
        memberships = Membership.objects.filter(user=locked).count()
        locked.full_name = PSEUDONYM
        locked.full_name_kana = ""
        locked.phone = ""
        # Unique and unusable: the address is gone, and no mail can reach the row.
        locked.email = f"deleted-{locked.pk}-{secrets.token_hex(4)}@{DELETED_DOMAIN}"
        locked.set_unusable_password()
        locked.is_active = False
        locked.is_staff = False
        locked.is_superuser = False
        locked.receive_reminders = False
        locked.calendar_token = secrets.token_urlsafe(24)
        locked.unsubscribe_key = secrets.token_urlsafe(9)
        locked.deleted_at = now
        locked.save()
        Membership.objects.filter(user=locked).delete()
        MembershipRequest.objects.filter(user=locked).delete()
        _erase_sign_in_records(locked)
        account_deleted.send(sender=User, user=locked)
        audit.record(
            # The person themselves is recorded under the new label, not the old name.
            actor=locked if by is not None and by.pk == locked.pk else by,
            action="account.delete",
            target=locked,
            target_label=f"#{locked.pk}",
            details={
                "reason": reason,
                "by_self": by is not None and by.pk == locked.pk,
                "memberships": memberships,
            },
        )
    user.__dict__.update(locked.__dict__)
    return True


def _erase_sign_in_records(user: User) -> None:
    """allauth keeps the addresses and any second factors in tables of its own."""
    from allauth.account.models import EmailAddress  # allauth's models load after the app registry
    from allauth.mfa.models import Authenticator  # reason: as above

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
