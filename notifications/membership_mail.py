"""Membership mail: approved, declined (with the reason), invited to join, and the
new-account invitation to set a password.

Receivers of accounts/domain.py, run inside the transaction that made the change: the
message is an outbox row committed with it (a broker outage delays it, never loses it,
and a rolled-back bulk registration sends nothing).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts import domain
from notifications.models import Outbox
from notifications.outbox import Spec, write

Kind = Outbox.Kind


def _memberships_url() -> str:
    return settings.SITE_URL + reverse("accounts:memberships")


def _request_spec(request, kind: str) -> Spec:
    return Spec(
        recipient=request.user,
        kind=kind,
        dedupe_key=f"{kind}:{request.pk}:{request.status}",
        context={
            "request": request,
            "organization_name": request.organization_label,
            "reason": request.reason,
            "inviter": request.invited_by,
            "link": _memberships_url(),
        },
    )


def _password_link(user) -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.SITE_URL + path


def on_membership_event(sender, name: str, **payload) -> None:
    request = payload.get("request")
    if name == domain.MEMBERSHIP_APPROVED:
        write([_request_spec(request, Kind.MEMBERSHIP_APPROVED)])
    elif name == domain.MEMBERSHIP_DECLINED:
        write([_request_spec(request, Kind.MEMBERSHIP_DECLINED)])
    elif name == domain.MEMBERSHIP_INVITED:
        write([_request_spec(request, Kind.MEMBERSHIP_INVITATION)])
    elif name == domain.ACCOUNT_INVITED:
        user = payload["user"]
        write(
            [
                Spec(
                    recipient=user,
                    kind=Kind.INVITATION,
                    dedupe_key=f"{Kind.INVITATION}:{user.pk}",
                    context={
                        "user": user,
                        "inviter": payload.get("invited_by"),
                        "link": _password_link(user),
                    },
                )
            ]
        )
