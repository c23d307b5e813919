"""The production smoke test: the site as the README's production section builds and runs it.

DEBUG off, the manifest static storage, SECURE_SSL_REDIRECT and secure cookies on, gunicorn
and a Celery worker on PostgreSQL and Redis; requests arrive as from the TLS proxy
(X-Forwarded-Proto: https). A missing static file, template or translation catalogue, or a
settings mistake, fails here rather than in someone's browser.
"""

from __future__ import annotations

import email
import json
import re
import time
from email import policy
from urllib.parse import urljoin

import pytest

from tests.production.conftest import Browser

# django_db: the session sets up the test database, whose name the site database borrows.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _json_lines(log: str) -> list[dict]:
    lines = []
    for raw in log.splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def _assets(html: str) -> list[str]:
    return sorted(set(ASSET.findall(html)))


def _check_assets(browser: Browser, html: str) -> list[str]:
    assets = _assets(html)
    for path in assets:
        response = browser.get(path)
        assert response.status_code == 200, path
        # Hashed by the manifest storage, so cacheable for as long as the file exists.
        assert re.search(r"\.[0-9a-f]{12}\.", path), path
        assert "immutable" in response.headers.get("Cache-Control", ""), path
    return assets


def test_home_event_page_and_their_static_files(production_site):
    browser = Browser(production_site.url)
    home = browser.get("/")
    assert home.status_code == 200, production_site.log("web")
    html = home.text
    assert '<html lang="ja">' in html
    assert "これからの研修" in html  # the compiled Japanese catalogue is in use
    assert home.headers["Strict-Transport-Security"].startswith("max-age=")
    assets = _check_assets(browser, html)
    stylesheet = next(a for a in assets if a.startswith("/static/css/tsunagu."))
    css = browser.get(stylesheet)
    assert css.headers["Content-Type"].startswith("text/css")
    assert ".site-header" in css.text

    event_path = re.search(r'href="(/events/\d+/)"', html).group(1)
    event = browser.get(event_path)
    assert event.status_code == 200
    assert "参加対象" in event.text
    _check_assets(browser, event.text)

    listing = browser.get("/events/")
    assert listing.status_code == 200
    _check_assets(browser, listing.text)


def test_plain_http_is_sent_to_https(production_site):
    browser = Browser(production_site.url, headers={})
    response = browser.get("/events/")
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")


def test_signup_and_the_verification_mail_sent_by_the_worker(production_site):
    browser = Browser(production_site.url)
    page = browser.get("/accounts/signup/")
    assert page.status_code == 200
    assert "csrftoken" in browser.cookies
    before = set(production_site.mails())
    address = f"smoke-{time.time_ns()}@example.jp"
    response = browser.post(
        "/accounts/signup/",
        {
            "email": address,
            "full_name": "本番 確認",
            "full_name_kana": "ホンバン カクニン",
            "new_organization_name": "煙試験市 福祉課",
            "new_organization_kind": "municipality",
            "new_organization_prefecture": "埼玉県",
            "password1": "kyousei-2022-smoke",
            "password2": "kyousei-2022-smoke",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    follow = browser.get(urljoin("/", response.headers["Location"]))
    assert follow.status_code == 200

    # (The worker also sends what load_demo queued: pick this person's mail.)
    deadline = time.monotonic() + 30
    message = None
    while time.monotonic() < deadline and message is None:
        for path in production_site.mails():
            if path in before:
                continue
            candidate = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if candidate["To"] == address:
                message = candidate
        time.sleep(0.2)
    assert message is not None, (
        "the worker sent no verification mail:\n" + production_site.log("worker")[-3000:]
    )
    body = message.get_body(preferencelist=("plain",)).get_content()
    # The web and the worker log JSON, one object per line, and the worker's lines for
    # the mail task carry the id of the request that queued it.
    request_id = response.headers["X-Request-ID"]
    web_lines = _json_lines(production_site.log("web"))
    (signup_line,) = [line for line in web_lines if line.get("request_id") == request_id and "status" in line]
    assert signup_line["path"] == "/accounts/signup/" and signup_line["status"] == 302
    assert signup_line["level"] == "INFO" and signup_line["logger"] == "tsunagu.request"
    assert signup_line["duration_ms"] > 0
    task_lines = [
        line for line in _json_lines(production_site.log("worker")) if line.get("request_id") == request_id
    ]
    assert any(line.get("task") == "accounts.send_account_mail" for line in task_lines), task_lines
    # The link is https: the app believed the proxy's X-Forwarded-Proto.
    host = production_site.url.removeprefix("http://")
    assert f"https://{host}/accounts/confirm-email/" in body


def test_healthz(production_site):
    response = Browser(production_site.url).get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_404_and_500_are_the_sites_pages(production_site):
    browser = Browser(production_site.url)
    missing = browser.get("/no-such-page/")
    assert missing.status_code == 404
    assert "ページが見つかりません" in missing.text
    _check_assets(browser, missing.text)

    failing = browser.get("/__test__/raise")
    assert failing.status_code == 500
    assert "システムでエラーが発生しました" in failing.text
    assert 'href="/"' in failing.text
    _check_assets(browser, failing.text)
    assert "SmokeTestFailure" not in failing.text  # no traceback for the public
    assert "SmokeTestFailure" in production_site.log("web")  # but one in the log

    favicon = browser.get("/favicon.ico")
    assert favicon.status_code == 302
    assert browser.get(favicon.headers["Location"]).headers["Content-Type"] in {
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
