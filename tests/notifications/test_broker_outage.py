"""A registration while the broker is unreachable: answered at once, mailed once it is back.

The broker is pointed at a closed port (what a stopped Redis looks like). The request must
not wait for kombu's retries (it used to take 12 s: two tasks × ~6 s); the outbox row is
committed with the registration, and the dispatcher (beat, every minute) sends it once the
broker answers again.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import pytest

from config.celery import app
from notifications import delivery
from notifications.models import Outbox
from tests.factories import EventFactory, person
from tests.outage import Relay

CLOSED_BROKER = "redis://127.0.0.1:1/0"
QUEUES = ("default", "mail", "surveys", "reports")


@pytest.fixture
def broker_relay(monkeypatch):
    """The broker reached through a relay the test can cut, like stopping Redis."""
    real = urlsplit(app.conf.broker_url)
    relay = Relay(real.hostname, real.port)
    relay.start()
    monkeypatch.setattr(app.conf, "broker_url", relay.url(path=real.path))
    yield relay
    relay.stop()
    # Nothing consumes what the warm-up published: leave the test broker's queues empty.
    with app.connection_for_write(real.geturl()) as conn:
        for queue in QUEUES:
            conn.default_channel.queue_purge(queue)


@pytest.mark.django_db
def test_registration_with_the_broker_down_is_fast_and_mailed_once_it_returns(
    client, participant, municipality, broker_relay, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    event = EventFactory(hosts=[municipality], capacity=10)
    warm = person(role="member", organization=municipality, email="warm@example.jp")

    # A first registration while the broker is up (the process has live broker
    # connections, as a web worker does), then Redis stops.
    client.force_login(warm)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/events/{event.pk}/register/")
    broker_relay.stop()

    # Every registration during the outage answers at once (the first one finds its pooled
    # connection broken; the next ones must not sit in kombu's reconnect loop either).
    later = person(role="member", organization=municipality, email="later@example.jp")
    for who in (participant, later):
        client.force_login(who)
        with (
            caplog.at_level(logging.WARNING, logger="core.tasks"),
            django_capture_on_commit_callbacks(execute=True) as callbacks,
        ):
            started = time.monotonic()
            response = client.post(f"/events/{event.pk}/register/")
            elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert callbacks, "the registration queued its mail after commit"
        assert elapsed < 1.0, f"registration took {elapsed:.2f} s with the broker down"
    assert any("could not enqueue" in r.getMessage() for r in caplog.records)

    row = Outbox.objects.get(recipient=participant, kind=Outbox.Kind.REGISTRATION_CONFIRMED)
    assert row.status == Outbox.Status.QUEUED
    assert not [m for m in mailoutbox if participant.email in m.to]

    # The broker is back: beat's per-minute dispatch sends it, once.
    broker_relay.start()
    delivery.dispatch_due()
    delivery.dispatch_due()
    row.refresh_from_db()
    assert row.status == Outbox.Status.SENT
    assert len([m for m in mailoutbox if participant.email in m.to]) == 1


@pytest.mark.django_db
def test_publish_recovers_when_the_broker_returns(monkeypatch):
    from core.tasks import publish
    from notifications import tasks

    monkeypatch.setattr(app.conf, "broker_url", CLOSED_BROKER)
    started = time.monotonic()
    assert publish(tasks.dispatch_due) is False
    assert time.monotonic() - started < 1.0
    monkeypatch.undo()
    assert publish(tasks.dispatch_due) is True
