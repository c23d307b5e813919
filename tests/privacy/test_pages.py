"""The privacy notice, generated from the settings, and the administrators' retention page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_privacy_notice_follows_the_settings_and_is_linked_everywhere(client, settings):
    settings.RETENTION_PREWORK_FISCAL_YEARS = 7
    settings.RETENTION_MAIL_BODY_DAYS = 200
    settings.PRIVACY_CONTACT_EMAIL = "kojin@city.example.jp"
    url = reverse("privacy:policy")
    body = client.get(url).content.decode()
    for heading in ("利用目的", "保存期間", "第三者提供", "問い合わせ先"):
        assert heading in body
    assert "7" in body and "200" in body and "kojin@city.example.jp" in body
    # Every page's footer, and the sign-up page, link to it.
    assert url in client.get(reverse("home")).content.decode()
    assert url in client.get(reverse("events:list")).content.decode()
    signup = client.get(reverse("account_signup")).content.decode()
    assert signup.count(url) >= 2 and 'id="privacy-notice"' in signup


def test_retention_page_is_for_administrators(client, organizer, reviewer):
    url = reverse("privacy:retention")
    assert client.get(url).status_code == 302  # sign in first
    for person in (organizer, reviewer):
        client.force_login(person)
        assert client.get(url).status_code == 403
    client.force_login(UserFactory(is_staff=True))
    body = client.get(url).content.decode()
    for setting in (
        "RETENTION_PREWORK_FISCAL_YEARS",
        "RETENTION_ZOOM_UNMATCHED_DAYS",
        "AUDIT_RETENTION_DAYS",
    ):
        assert setting in body
