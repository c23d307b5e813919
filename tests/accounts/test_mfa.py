"""Two-factor sign-in: required for organizers, reviewers and staff, optional for others;
set up with an authenticator app, used at every sign-in, recovered with a recovery code or
by an administrator (audited)."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import mfa
from accounts.models import Membership
from audit.models import AuditEntry
from tests.factories import PASSWORD, UserFactory, person, totp_code, verified, with_mfa

pytestmark = pytest.mark.django_db

SETUP = reverse("mfa_activate_totp")


def sign_in(client, user):
    """The real sign-in form (allauth records how the person authenticated)."""
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def confirm_password(client):
    """allauth asks for the password again before any change to two-factor settings."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


@pytest.fixture
def admin_user(db):
    return verified(
        UserFactory(is_staff=True, is_superuser=True, email="admin@example.jp", full_name="管理 者")
    )


@pytest.mark.without_mfa
@pytest.mark.parametrize("persona", ["organizer", "reviewer", "admin_user"])
def test_privileged_people_are_sent_to_set_it_up(client, request, persona):
    user = request.getfixturevalue(persona)
    assert not Authenticator.objects.filter(user=user).exists()
    response = sign_in(client, user)
    assert response.status_code == 302
    for url in (reverse("home"), reverse("events:manage"), reverse("accounts:profile"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == SETUP, url
    # A POST is refused the same way: nothing is done before the setup.
    assert client.post(reverse("accounts:profile"), {"full_name": "x"})["Location"] == SETUP
    # What they need to set it up, or to leave, stays open: the setup page first asks
    # for the password again (allauth's re-authentication), then shows the app's secret.
    response = client.get(SETUP)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200
    confirm_password(client)
    assert client.get(SETUP).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200


@pytest.mark.without_mfa
def test_a_participant_is_not_asked(client, participant):
    sign_in(client, participant)
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    # Optional for them: a link from the profile.
    assert reverse("mfa_index") in page.content.decode()


@pytest.mark.without_mfa
def test_setting_it_up_opens_the_pages_and_the_next_sign_in_asks_for_a_code(
    client, organizer, django_capture_on_commit_callbacks
):
    sign_in(client, organizer)
    confirm_password(client)
    page = client.get(SETUP)
    content = page.content.decode()
    # The page shows the secret (for typing into an app) and a QR code, in Japanese.
    secret = re.search(r'id="authenticator_secret"\s+value="([A-Z2-7]+)"', content).group(1)
    assert 'src="data:image/svg+xml;base64,' in content  # the QR code
    assert 'lang="ja"' in content
    wrong = client.post(SETUP, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert client.get(reverse("events:manage"))["Location"] == SETUP
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETUP, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("events:manage")).status_code == 200
    entry = AuditEntry.objects.get(action="mfa.totp_added")
    assert entry.actor == organizer and entry.target_id == str(organizer.pk)
    # Next time: password, then a code from the app.
    client.logout()
    response = sign_in(client, organizer)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("events:manage")).status_code == 302  # not signed in yet
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("events:manage")).status_code == 200


def test_a_recovery_code_replaces_a_lost_phone(client, organizer):
    codes = RecoveryCodes.activate(organizer).get_unused_codes()
    response = sign_in(client, organizer)
    assert response["Location"] == reverse("mfa_authenticate")
    wrong = client.post(reverse("mfa_authenticate"), {"code": "12345678"})
    assert wrong.status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get(reverse("events:manage")).status_code == 200


def test_someone_who_must_use_it_cannot_switch_it_off(client, organizer):
    sign_in(client, organizer)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    confirm_password(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=organizer, type="totp").exists()


@pytest.mark.without_mfa
def test_a_participant_may_switch_it_off(client, participant, django_capture_on_commit_callbacks):
    with_mfa(participant)
    sign_in(client, participant)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    confirm_password(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=participant, type="totp").exists()
    assert AuditEntry.objects.filter(action="mfa.totp_removed", actor=participant).exists()


def test_an_administrator_resets_a_lost_device_from_the_admin(client, organizer, admin_user):
    RecoveryCodes.activate(organizer)
    assert Authenticator.objects.filter(user=organizer).count() == 2
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [organizer.pk]},
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=organizer).exists()
    entry = AuditEntry.objects.get(action="mfa.reset")
    assert entry.actor == admin_user and entry.target_id == str(organizer.pk)
    assert entry.changes == {"authenticators": [["recovery_codes", "totp"], []]}
    # At the next sign-in the organizer sets up a new one.
    client.logout()
    sign_in(client, organizer)
    assert client.get(reverse("events:manage"))["Location"] == SETUP


def test_only_staff_may_reset(organizer, other_organizer):
    with pytest.raises(PermissionDenied):
        mfa.reset_authenticators(user=other_organizer, by=organizer)
    assert Authenticator.objects.filter(user=other_organizer).exists()
    assert not AuditEntry.objects.exists()


def test_authenticators_cannot_be_deleted_in_the_admin_without_a_trace(client, organizer, admin_user):
    client.force_login(admin_user)
    authenticator = Authenticator.objects.get(user=organizer)
    url = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()


@pytest.mark.without_mfa
def test_a_role_granted_later_applies_at_the_next_sign_in(client, participant, municipality):
    sign_in(client, participant)
    Membership.objects.create(user=participant, organization=municipality, role=Membership.Role.ORGANIZER)
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    sign_in(client, participant)
    assert client.get(reverse("home"))["Location"] == SETUP


@pytest.mark.without_mfa
def test_a_session_from_before_the_requirement_is_checked_too(client, organizer):
    sign_in(client, organizer)
    session = client.session
    del session[mfa.SESSION_KEY]
    session.save()
    assert client.get(reverse("home"))["Location"] == SETUP


def test_the_test_personas_have_a_confirmed_authenticator(client, organizer, reviewer):
    # Every other test signs organizers and reviewers in directly; they reach their pages.
    for user in (organizer, reviewer):
        client.force_login(user)
        assert client.get(reverse("accounts:profile")).status_code == 200
    assert re.fullmatch(r"\d{6}", totp_code())
    _ = person


def test_secrets_are_sealed_at_rest_and_survive_a_key_rotation(client, organizer, settings):
    from tests.factories import TEST_TOTP_SECRET

    stored = Authenticator.objects.get(user=organizer, type="totp").data["secret"]
    assert stored.startswith("fernet:") and TEST_TOTP_SECRET not in stored
    # The old key kept as a fallback: the authenticator still works.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-after-rotation"
    sign_in(client, organizer)
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 302
    assert client.get(reverse("events:manage")).status_code == 200


def test_an_unreadable_secret_accepts_no_code(client, organizer, settings):
    from allauth.mfa.totp.internal.auth import TOTP

    settings.SECRET_KEY = "a-new-key-without-the-old-one"
    authenticator = Authenticator.objects.get(user=organizer, type="totp")
    # Neither the right code nor the code of an empty secret opens the account.
    assert not TOTP(authenticator).validate_code(totp_code())
    assert not TOTP(authenticator).validate_code(totp_code(""))


def test_another_persons_security_key_cannot_be_renamed_or_removed(client, organizer, other_organizer):
    key = Authenticator.objects.create(
        user=other_organizer, type=Authenticator.Type.WEBAUTHN, data={"name": "USBキー", "credential": {}}
    )
    sign_in(client, organizer)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    confirm_password(client)
    for name in ("mfa_edit_webauthn", "mfa_remove_webauthn"):
        url = reverse(name, args=[key.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "奪った"}).status_code == 404
    key.refresh_from_db()
    assert key.data["name"] == "USBキー"
