"""The client address behind TRUSTED_PROXY_COUNT proxies (core/http.py)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.http import client_ip
from tests.factories import UserFactory, verified


def _request(remote="127.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_no_proxy_trusts_only_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_one_proxy_takes_the_address_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "203.0.113.9" itself; nginx appended the address it saw.
    assert client_ip(_request(forwarded="203.0.113.9, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(forwarded="2001:db8::1")) == "2001:db8::1"


def test_two_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="203.0.113.9, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"


def test_fewer_hops_than_configured_or_garbage_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("127.0.0.1", "198.51.100.7")) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("127.0.0.1", "not-an-address")) == "127.0.0.1"


def test_setting_is_validated():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django, os; django.setup()"],
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TRUSTED_PROXY_COUNT": "-1",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr


@pytest.mark.django_db
def test_rate_limits_count_each_client_behind_the_proxy(client, settings):
    """One office's failed logins do not lock out everyone behind the same proxy."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    verified(UserFactory(email="other@example.jp"))

    def attempt(address, login="nobody@example.jp", password="wrong"):
        return client.post(
            "/accounts/login/",
            {"login": login, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=address,
        )

    for _ in range(3):
        assert "ログイン失敗が連続しています" not in attempt("198.51.100.7").content.decode()
    assert "ログイン失敗が連続しています" in attempt("198.51.100.7").content.decode()
    # Another client, same proxy: not limited.
    assert attempt("198.51.100.8", "other@example.jp", "tsunagu-demo-2022").status_code == 302
