"""Two-factor sign-in (allauth.mfa): required for organizers, reviewers and administrators.

Who must use it: anyone with an organizer or reviewer role anywhere, and staff. They
read or change other people's personal data (rosters, sheets, exports), so a stolen
password alone must not be enough. Everyone else may turn it on from their profile.

How it is enforced: when a person signs in (the `user_logged_in` signal) we note in the
session whether they still have to set up an authenticator app; `RequireMFAMiddleware`
then sends them to the setup page from every other page until they have (sign-out, the
two-factor pages, re-authentication, the language switch and static files excepted).
Keeping the answer in the session costs the pages no query once it is set up; while the
answer is "required" it is asked again on each request, and it is recomputed when an
authenticator is added or removed. A role granted during a session takes effect at the
next sign-in, as the issue asks. Sessions that predate this code have no note: the
middleware computes it on their next request.

Recovery: the person's recovery codes (the sign-in page accepts one in place of a code),
or an administrator resets their authenticators (`reset_authenticators`, an admin
action on users), which is audited; they then set up a new one at their next sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Membership, User
from audit import services as audit

logger = logging.getLogger(__name__)

SESSION_KEY = "tsunagu_mfa_setup_required"
# Types that are a second factor on their own (an authenticator app, a security key or
# passkey); recovery codes are the fallback only.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
REQUIRED_ROLES = (Membership.Role.ORGANIZER, Membership.Role.REVIEWER)


def requires_mfa(user: User) -> bool:
    if not (user and user.is_authenticated):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(permissions.organizer_org_ids(user)) or permissions.is_reviewer(user)


def has_second_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


def setup_required(user: User) -> bool:
    return requires_mfa(user) and not has_second_factor(user)


def note_in_session(request, user: User) -> bool:
    required = setup_required(user)
    request.session[SESSION_KEY] = required
    return required


# --- signals (connected in AccountsConfig.ready) -------------------------------------------


def on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        note_in_session(request, user)


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    audit.record(actor=user, action=f"mfa.{authenticator.type}_added", target=user, request=request)
    if request is not None and hasattr(request, "session"):
        note_in_session(request, user)


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    audit.record(actor=user, action=f"mfa.{authenticator.type}_removed", target=user, request=request)
    if request is not None and hasattr(request, "session"):
        note_in_session(request, user)


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    audit.record(actor=user, action=f"mfa.{authenticator.type}_regenerated", target=user, request=request)


# --- the requirement ---------------------------------------------------------------------


class RequireMFAMiddleware:
    """Sends a person who must use two-factor sign-in to set it up, from every page but
    the few they need to do so (or to leave)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_prefixes: tuple[str, ...] | None = None

    def open_prefixes(self) -> tuple[str, ...]:
        if self._open_prefixes is None:
            self._open_prefixes = (
                reverse("mfa_index"),  # every page of allauth.mfa: setup, codes, sign-in step
                reverse("account_logout"),
                reverse("account_reauthenticate"),
                reverse("accounts:switch_language"),
                reverse("set_language"),
                reverse("healthz"),
                settings.STATIC_URL,
                "/favicon.ico",
            )
        return self._open_prefixes

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            required = request.session.get(SESSION_KEY)
            if required is None or required:
                # Asked again while it is required (one query, and only for the few who
                # are being sent to set it up): allauth announces a new authenticator
                # after commit, and the session must not lag behind it.
                required = note_in_session(request, user)
            if required and not request.path_info.startswith(self.open_prefixes()):
                messages.warning(
                    request,
                    _(
                        "Your role requires two-factor sign-in. Set up an authenticator app (or a "
                        "security key, from the two-factor page) to continue; you will use it each "
                        "time you sign in."
                    ),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)


_SEALED = "fernet:"


def _fernet() -> MultiFernet:
    """Keys derived from SECRET_KEY (and SECRET_KEY_FALLBACKS, so a rotation keeps the
    authenticators working while the old key is listed there)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"tsunagu.mfa:{key}".encode()).digest()))
            for key in keys
        ]
    )


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return str(settings.TSUNAGU_BRAND)

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        # The name a security key shows ("Tsunagu"), not the host and port of the request.
        entity = super().get_public_key_credential_rp_entity()
        entity["name"] = str(settings.TSUNAGU_BRAND)
        return entity

    def encrypt(self, text: str) -> str:
        # Authenticator-app secrets and recovery-code seeds are sealed at rest: a copy of
        # the database (a backup, a dump) does not give anyone the second factor.
        return _SEALED + _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_SEALED):
            return encrypted_text  # stored before sealing was introduced
        try:
            return _fernet().decrypt(encrypted_text[len(_SEALED) :].encode()).decode()
        except InvalidToken:
            # SECRET_KEY changed without keeping the old one in SECRET_KEY_FALLBACKS: the
            # factor cannot be read; an administrator resets it (accounts admin, audited).
            # A random secret (never an empty one, whose codes anyone could compute): no
            # code matches it.
            logger.error("An MFA secret could not be unsealed: SECRET_KEY changed without a fallback.")
            return base64.b32encode(secrets.token_bytes(20)).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Someone who must use two-factor sign-in cannot switch off their last factor;
        # an administrator resets it instead (audited).
        if authenticator.type not in SECOND_FACTORS or not requires_mfa(authenticator.user):
            return True
        others = Authenticator.objects.filter(user=authenticator.user, type__in=SECOND_FACTORS).exclude(
            pk=authenticator.pk
        )
        return others.exists()


# --- recovery by an administrator ------------------------------------------------------------


def reset_authenticators(*, user: User, by: User, reason: str = "") -> int:
    """An administrator removes every authenticator of a person who lost their device.
    They set up a new one at their next sign-in (if their role requires it)."""
    if not permissions.is_staff(by):
        raise PermissionDenied
    with transaction.atomic():
        found = list(
            Authenticator.objects.select_for_update().filter(user=user).values_list("type", flat=True)
        )
        if not found:
            return 0
        Authenticator.objects.filter(user=user).delete()
        audit.record(
            actor=by,
            action="mfa.reset",
            target=user,
            changes={"authenticators": [sorted(found), []]},
            details={"reason": reason} if reason else None,
        )
    return len(found)
