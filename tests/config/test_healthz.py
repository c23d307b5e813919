"""/healthz for the load balancer (process + database) and /healthz/status for operators."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db.utils import OperationalError
from django.utils import timezone

from config import health
from config.celery import app
from tests.factories import UserFactory

CLOSED_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_BROKER)


@pytest.fixture
def database_down(monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True))
    return client


@pytest.mark.django_db
def test_healthz_is_process_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


@pytest.mark.django_db
def test_a_broker_outage_does_not_make_the_web_node_look_dead(client, broker_down):
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert time.monotonic() - started < 1


@pytest.mark.django_db
def test_healthz_unavailable_when_database_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] is False


@pytest.mark.django_db
def test_status_is_for_staff_or_the_token(client, participant, settings):
    assert client.get("/healthz/status").status_code == 404
    client.force_login(participant)
    assert client.get("/healthz/status").status_code == 404
    client.logout()
    settings.HEALTH_STATUS_TOKEN = "monitor-secret-" + "x" * 20
    assert client.get("/healthz/status", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    health.record_beat_tick()
    response = client.get("/healthz/status", HTTP_AUTHORIZATION=f"Bearer {settings.HEALTH_STATUS_TOKEN}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_status_reports_every_dependency_and_the_outbox(staff_client):
    health.record_beat_tick()
    body = staff_client.get("/healthz/status").json()
    assert body["status"] == "ok", body
    assert body["database"] is True and body["broker"] is True and body["cache"] is True
    assert body["beat"]["age_seconds"] <= 1
    assert body["outbox"] == {"queued": 0, "due": 0, "failed": 0, "oldest_due_age_seconds": None}


@pytest.mark.django_db
def test_status_shows_stuck_mail(staff_client, participant, settings):
    from notifications.models import Outbox

    health.record_beat_tick()
    now = timezone.now()

    def row(key, **fields):
        return Outbox.objects.create(
            recipient=participant,
            kind=Outbox.Kind.REGISTRATION_CONFIRMED,
            subject="s",
            body_text="b",
            dedupe_key=key,
            **fields,
        )

    row("due-long-ago", send_after=now - dt.timedelta(minutes=20))
    row("due-now", send_after=now - dt.timedelta(seconds=5))
    row("later", send_after=now + dt.timedelta(days=1))
    row("failed", status=Outbox.Status.FAILED)
    row(
        "lease-expired",
        status=Outbox.Status.SENDING,
        send_after=now - dt.timedelta(minutes=2),
        lease_until=now - dt.timedelta(seconds=1),
    )
    response = staff_client.get("/healthz/status")
    assert response.status_code == 503
    body = response.json()
    assert body["problems"] == ["outbox"]
    assert body["outbox"]["queued"] == 3
    assert body["outbox"]["due"] == 3
    assert body["outbox"]["failed"] == 1
    assert 20 * 60 <= body["outbox"]["oldest_due_age_seconds"] < 21 * 60

    settings.HEALTH_OUTBOX_MAX_AGE_SECONDS = 3600
    assert staff_client.get("/healthz/status").status_code == 200


@pytest.mark.django_db
def test_status_names_the_broker_and_a_silent_beat(staff_client, broker_down):
    started = time.monotonic()
    response = staff_client.get("/healthz/status")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] is False
    assert body["problems"] == ["broker", "beat"]  # no tick recorded in this test
    assert body["beat"] == {"last_tick": None, "age_seconds": None}


def test_beat_scheduler_records_its_ticks(tmp_path):
    from django.core.cache import cache

    from config.beat import RecordingScheduler

    cache.delete(health.BEAT_TICK_KEY)
    scheduler = RecordingScheduler(app=app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    scheduler.setup_schedule()
    scheduler.tick()
    assert health.beat_status()[0] is True
