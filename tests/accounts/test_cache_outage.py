"""With Redis (the cache) unreachable, signing in, signing up and resetting a password work.

allauth keeps its rate-limit counters in the cache; config.cache.FailOpenRedisCache lets
requests through with a logged warning instead of answering 500. The cache here points at
a closed port, which is what a stopped Redis looks like to the web process.
"""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from config.cache import FailOpenRedisCache
from tests.factories import UserFactory, verified

CLOSED = "redis://127.0.0.1:1/0"
DOWN = {"default": {"BACKEND": "config.cache.FailOpenRedisCache", "LOCATION": CLOSED}}


@pytest.fixture
def cache_down(celery_eager):
    with override_settings(CACHES=DOWN):
        yield


def test_fail_open_semantics():
    down = FailOpenRedisCache(CLOSED, {})
    started = time.monotonic()
    assert down.get("k", "default") == "default"
    assert down.add("k", 1) is True  # "nothing was there": a lock is granted
    assert down.set("k", 1) is None
    assert down.delete("k") is False
    assert down.get_many(["a", "b"]) == {}
    assert down.is_available() is False
    assert time.monotonic() - started < 2


def test_a_working_cache_still_caches():
    assert cache.add("tsunagu:test:fail-open", 1, 10) is True
    assert cache.add("tsunagu:test:fail-open", 2, 10) is False
    assert cache.get("tsunagu:test:fail-open") == 1
    assert cache.is_available() is True


@pytest.mark.django_db
def test_login_with_the_cache_down(client, cache_down, caplog):
    verified(UserFactory(email="sato@example.jp"))
    with caplog.at_level(logging.WARNING, logger="tsunagu.cache"):
        client.post("/accounts/login/", {"login": "sato@example.jp", "password": "wrong"})  # warm-up
        started = time.monotonic()
        wrong = client.post("/accounts/login/", {"login": "sato@example.jp", "password": "wrong"})
        right = client.post("/accounts/login/", {"login": "sato@example.jp", "password": "tsunagu-demo-2022"})
        elapsed = time.monotonic() - started
    assert wrong.status_code == 200
    assert right.status_code == 302
    assert client.get("/me/profile/").status_code == 200
    assert elapsed < 1  # no waiting for a lock that cannot be taken
    assert any("cache unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_signup_with_the_cache_down(client, cache_down, municipality):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.jp",
            "full_name": "新規 花子",
            "full_name_kana": "シンキ ハナコ",
            "organization": municipality.pk,
            "password1": "kyousei-2022-soka",
            "password2": "kyousei-2022-soka",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.django_db
def test_password_reset_with_the_cache_down(client, cache_down, mailoutbox):
    verified(UserFactory(email="forgot@example.jp"))
    response = client.post("/accounts/password/reset/", {"email": "forgot@example.jp"})
    assert response.status_code == 302
