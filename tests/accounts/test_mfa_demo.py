"""The demo (make run): organizers and the reviewer sign in with the password and the code
of a known demo secret, printed by `manage.py demo_totp`; participants need no code."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.without_mfa]


def test_load_demo_sets_up_the_demo_secret_and_prints_how_to_sign_in(client, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "manage.py demo_totp" in out.getvalue()
    organizer = User.objects.get(email="organizer@example.jp")
    participant = User.objects.get(email="participant@example.jp")
    assert Authenticator.objects.filter(user=organizer, type="totp").exists()
    assert Authenticator.objects.filter(user__email="reviewer@example.jp", type="totp").exists()
    assert not Authenticator.objects.filter(user=participant).exists()

    code_out = io.StringIO()
    call_command("demo_totp", stdout=code_out)
    code = code_out.getvalue().split()[0]
    response = client.post(reverse("account_login"), {"login": organizer.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("events:manage")).status_code == 200
    # Loading again changes nothing.
    call_command("load_demo", stdout=io.StringIO())
    assert Authenticator.objects.filter(user=organizer, type="totp").count() == 1


def test_the_demo_code_is_not_printed_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp", stdout=io.StringIO())
