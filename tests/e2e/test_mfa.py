"""Two-factor sign-in in the browser: an organizer without an authenticator is sent to set
one up at sign-in, reads the secret off the page (as an authenticator app would from the QR
code), confirms a code, and from then on signs in with a password and a code."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD, totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.without_mfa]


def submit(page):
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def test_organizer_sets_up_an_authenticator_app_then_signs_in_with_a_code(site, organizer):
    page = site.page()
    page.goto(reverse("account_login"))
    page.fill("#id_login", organizer.email)
    page.fill("#id_password", PASSWORD)
    submit(page)

    # Straight to the setup: first the password again (allauth's re-authentication) …
    page.goto(reverse("events:manage"))
    assert reverse("account_reauthenticate") in page.url, page.url
    assert "2段階認証が必須" in page.inner_text("main")
    page.fill("#id_password", PASSWORD)
    submit(page)
    # … then the QR code, the secret and the code field, in Japanese.
    assert page.url.split("?")[0].endswith(reverse("mfa_activate_totp")), page.url
    assert page.locator("main h1").inner_text().strip() == "認証アプリを有効化する"
    secret = page.input_value("#authenticator_secret")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    screenshot(page, "mfa-1-activate")
    # A wrong code is refused beside the field; nothing else opens.
    page.fill("#id_code", "000000" if totp_code(secret) != "000000" else "111111")
    submit(page)
    assert page.url.split("?")[0].endswith(reverse("mfa_activate_totp"))
    page.goto(reverse("events:manage"))
    assert not page.url.endswith(reverse("events:manage"))
    page.goto(reverse("mfa_activate_totp"))
    secret = page.input_value("#authenticator_secret")
    page.fill("#id_code", totp_code(secret))
    submit(page)
    # Recovery codes are shown once set up: the way back in without the phone.
    assert reverse("mfa_view_recovery_codes") in page.url, page.url
    assert len(re.findall(r"\b\d{8}\b", page.input_value("#recovery_codes"))) == 10
    screenshot(page, "mfa-2-recovery-codes")
    page.goto(reverse("events:manage"))
    assert page.url.endswith(reverse("events:manage")), page.url

    # Next sign-in: password, then a code from the app (the next period's code, which the
    # one-period tolerance accepts, so it cannot collide with the code just used).
    site.logout()
    page.goto(reverse("account_login"))
    page.fill("#id_login", organizer.email)
    page.fill("#id_password", PASSWORD)
    submit(page)
    assert page.url.split("?")[0].endswith(reverse("mfa_authenticate")), page.url
    page.goto(reverse("events:manage"))
    assert not page.url.endswith(reverse("events:manage")), page.url  # not signed in without the code
    page.goto(reverse("mfa_authenticate"))
    page.fill("#id_code", totp_code(secret, at=time.time() + 30))
    submit(page)
    page.goto(reverse("events:manage"))
    assert page.url.endswith(reverse("events:manage")), page.url
    screenshot(page, "mfa-3-signed-in")


def test_organizer_registers_a_security_key_then_signs_in_with_it(site, organizer, settings):
    """WebAuthn in Debian's Chromium, with Chromium's virtual authenticator (DevTools
    protocol) standing in for a USB key."""
    # The live server speaks http on localhost; production is https.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    page = site.page()
    cdp = site.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    page.goto(reverse("account_login"))
    page.fill("#id_login", organizer.email)
    page.fill("#id_password", PASSWORD)
    submit(page)
    # Sent to set up two-factor sign-in; the two-factor page offers a security key.
    page.goto(reverse("events:manage"))
    assert not page.url.endswith(reverse("events:manage"))
    page.goto(reverse("mfa_index"))
    page.locator(f"main a[href='{reverse('mfa_add_webauthn')}']").first.click()
    page.wait_for_load_state()
    if reverse("account_reauthenticate") in page.url:
        page.fill("#id_password", PASSWORD)
        submit(page)
    assert page.url.split("?")[0].endswith(reverse("mfa_add_webauthn")), page.url
    page.fill("#id_name", "USBキー")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(f"**{reverse('mfa_view_recovery_codes')}")
    assert "セキュリティーキーを登録しました" in page.inner_text("main")
    page.goto(reverse("events:manage"))
    assert page.url.endswith(reverse("events:manage")), page.url

    site.logout()
    page.goto(reverse("account_login"))
    page.fill("#id_login", organizer.email)
    page.fill("#id_password", PASSWORD)
    submit(page)
    assert page.url.split("?")[0].endswith(reverse("mfa_authenticate")), page.url
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_load_state()
    page.wait_for_function(f"!location.pathname.startsWith('{reverse('mfa_authenticate')}')")
    page.goto(reverse("events:manage"))
    assert page.url.endswith(reverse("events:manage")), page.url
    screenshot(page, "mfa-4-security-key")
