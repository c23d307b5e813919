"""Two-factor sign-in for the demo (`make run`): a known authenticator secret.

The demo's accounts already have a known password; the organizers and the reviewer, who
must use two-factor sign-in, also get an authenticator app set up with this known secret
so a developer can sign in as them at once: add the secret to any authenticator app, or
run `manage.py demo_totp` for the current code. Only the demo loader (DEBUG on, or
--force) calls this; production accounts set up their own authenticator at first sign-in.
"""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from accounts import mfa
from accounts.models import User

DEMO_TOTP_SECRET = "TSUNAGUDEMOSECRETFORMFATWOFACTOR"


def give_demo_authenticators(users: list[User]) -> list[User]:
    given = []
    for user in users:
        if mfa.requires_mfa(user) and not mfa.has_second_factor(user):
            TOTP.activate(user, DEMO_TOTP_SECRET)
            given.append(user)
    return given


def current_code(now: float | None = None) -> str:
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(now or time.time()) // 30))


__all__ = ["DEMO_TOTP_SECRET", "current_code", "give_demo_authenticators"]
