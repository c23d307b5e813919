"""Fixtures for the browser checks: one Chromium per test session, one fresh context per test."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from tests.e2e import browser as tools


@pytest.fixture(scope="session")
def chromium():
    problems = tools.missing_tools()
    if problems:
        pytest.fail(
            "The browser checks need " + ", ".join(problems) + ". Install them with `make browser-deps`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django then refuses
    # ORM calls from the test body ("async context"). Nothing here is async, so lift the guard
    # for the browser tests only and put it back afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=tools.CHROMIUM, args=tools.CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def eager_celery():
    """Run Celery tasks inline, in the live server's thread, so mail lands in mail.outbox."""
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def site(live_server, chromium, eager_celery, settings):
    """A browser context on the live server (PostgreSQL), Japanese, Tokyo time."""
    settings.SITE_URL = live_server.url
    context = chromium.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    # axe-core goes in before the page's own scripts, as an init script: the site's CSP
    # (script-src 'self') refuses a script tag added afterwards, as it should.
    context.add_init_script(path=str(tools.AXE_JS))
    site = Site(live_server.url, context)
    yield site
    context.close()
    assert not site.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(site.csp_violations)


class Site:
    def __init__(self, url: str, context) -> None:
        self.url = url
        self.context = context
        self.csp_violations: list[str] = []

    def page(self):
        page = self.context.new_page()
        # Whatever the CSP blocks (an inline script, a style attribute) shows in the console.
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and self.csp_violations.append(f"{page.url}: {message.text}")
            ),
        )
        return page

    def login(self, user):
        """Sign in without the form (the journeys that test the form use it)."""
        client = Client()
        client.force_login(user)
        self.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": self.url,
                }
            ]
        )

    def logout(self):
        self.context.clear_cookies()


def screenshot(page, name: str) -> Path:
    path = tools.screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def mail_links(address: str, pattern: str) -> list[str]:
    """Paths matching `pattern` in the plain-text bodies of the mail sent to `address`."""
    found = []
    for message in mail.outbox:
        if address not in message.to:
            continue
        bodies = [message.body] + [
            content for content, mime in getattr(message, "alternatives", []) if "text" in mime
        ]
        for body in bodies:
            found += [m.group(1) for m in re.finditer(r"https?://[^/\s]+(" + pattern + r")", body)]
    return found
