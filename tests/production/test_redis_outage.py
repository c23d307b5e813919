"""Redis stops under a running production site, then comes back.

gunicorn and a Celery worker reach Redis (broker and cache) through a relay the test can
cut. While it is cut: pages, /healthz, sign-in, sign-up and registration answer normally
(registration within a second), /healthz/status names the broker; the registration's mail
waits in the outbox. When Redis is back, the dispatch beat runs every minute (sent here by
hand, `celery call`, as beat would) sends it exactly once.
"""

from __future__ import annotations

import email
import re
import subprocess
import time
from email import policy
from urllib.parse import urlsplit

import psycopg
import pytest

from tests.outage import Relay
from tests.production.conftest import BIN, ROOT, Browser

# django_db: the session sets up the test database, whose name the site database borrows.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

DEMO_PASSWORD = "tsunagu-demo-2022"
TOKEN = "status-token-for-the-outage-test-0123456789"


def _mails_with_subject(site, address: str, subject: str) -> list:
    found = []
    for path in site.mails():
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(message["To"]) and str(message["Subject"]) == subject:
            found.append(path)
    return found


def _rows(site, address: str, event_id: int) -> list[tuple[str, str, str]]:
    """The outbox rows for this person and event: (kind, status, subject)."""
    with psycopg.connect(site.env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute(
            "SELECT o.kind, o.status, o.subject FROM notifications_outbox o "
            "JOIN accounts_user u ON u.id = o.recipient_id "
            "WHERE u.email = %s AND o.event_id = %s AND o.kind LIKE 'registration_%%' ORDER BY o.id",
            [address, event_id],
        ).fetchall()


@pytest.fixture
def outage_site(production_build):
    site = production_build
    redis = urlsplit(site.env["REDIS_URL"])
    relay = Relay(redis.hostname, redis.port or 6379)
    relay.start()
    env = {
        **site.env,
        "REDIS_URL": relay.url(path=redis.path),
        "HEALTH_STATUS_TOKEN": TOKEN,
        "DJANGO_SETTINGS_MODULE": "tests.production.settings",
    }
    url = site.start_web("web-outage", env=env)
    site.start_worker("worker-outage", env=env)
    try:
        yield site, relay, url, env
    finally:
        site.stop("web-outage")
        site.stop("worker-outage")
        relay.stop()


def _login(browser: Browser, address: str) -> None:
    assert browser.get("/accounts/login/").status_code == 200
    response = browser.post("/accounts/login/", {"login": address, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.text[:1500]


def _open_event_for(browser: Browser) -> str:
    """An upcoming event whose page offers this person a registration button."""
    listing = browser.get("/events/").text
    for path in dict.fromkeys(re.findall(r'href="(/events/\d+/)"', listing)):
        page = browser.get(path).text
        match = re.search(r'action="(/events/\d+/register/)"', page)
        if match:
            return match.group(1)
    raise AssertionError("no upcoming demo event offers registration")


def test_the_site_rides_out_a_redis_outage(outage_site):
    site, relay, url, env = outage_site
    address = "participant-tomakomai@example.jp"
    browser = Browser(url)
    assert browser.get("/").status_code == 200
    status = browser.get("/healthz/status", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status.json()["broker"] is True, status.text

    relay.stop()  # Redis is gone for this site

    for path in ("/", "/events/", "/accounts/signup/"):
        assert browser.get(path).status_code == 200, path
    assert browser.get("/healthz").status_code == 200  # the load balancer keeps this node
    status = browser.get("/healthz/status", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status.status_code == 503
    assert status.json()["broker"] is False and status.json()["cache"] is False

    # Sign-in (allauth's rate limits fail open) and registration.
    address = "participant@example.jp"
    user = Browser(url)
    _login(user, address)
    register = _open_event_for(user)
    event_id = int(re.search(r"/events/(\d+)/", register).group(1))
    started = time.monotonic()
    response = user.post(register, {})
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.text[:1500]
    assert elapsed < 1.0, f"registration took {elapsed:.2f} s with Redis down"
    (row,) = _rows(site, address, event_id)
    assert row[1] == "queued"

    # A new person can sign up (the verification mail is sent from the web process).
    newcomer = Browser(url)
    newcomer.get("/accounts/signup/")
    signup = newcomer.post(
        "/accounts/signup/",
        {
            "email": f"outage-{time.time_ns()}@example.jp",
            "full_name": "停止 中",
            "full_name_kana": "テイシ チュウ",
            "new_organization_name": "停止試験町",
            "new_organization_kind": "municipality",
            "new_organization_prefecture": "北海道",
            "password1": "kyousei-2022-outage",
            "password2": "kyousei-2022-outage",
        },
    )
    assert signup.status_code == 302, signup.text[:1500]

    assert _rows(site, address, event_id)[0][1] == "queued"  # still waiting for the broker

    relay.start()  # Redis is back
    # What beat does every minute:
    subprocess.run(
        [str(BIN / "celery"), "-A", "config", "call", "notifications.dispatch_due"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _rows(site, address, event_id)[0][1] != "sent":
        time.sleep(0.5)
    (sent,) = _rows(site, address, event_id)
    assert sent[1] == "sent", site.log("worker-outage")[-3000:]
    # The subject is rendered when sending (NOTIFICATIONS_RENDER_AT_SEND): read it now.
    assert len(_mails_with_subject(site, address, sent[2])) == 1  # once
    status = browser.get("/healthz/status", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status.json()["broker"] is True
