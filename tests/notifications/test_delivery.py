"""Delivery through a real SMTP server on loopback, and the faults the outbox must survive."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone
from icalendar import Calendar

from accounts.models import User
from events import services as event_services
from notifications import delivery
from notifications.models import Outbox
from tests.notifications.factories import event_with_program

Kind = Outbox.Kind
Status = Outbox.Status
ROOT = Path(__file__).resolve().parents[2]


def calendar_parts(message):
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


@pytest.mark.django_db
@pytest.mark.render_at_send
def test_invite_reaches_a_real_smtp_server_with_the_method_parameter_intact(
    smtp_server, participant, municipality
):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    result = delivery.dispatch_due()
    assert len(result.sent) == 1
    (raw,) = smtp_server.recorder.raw
    (message,) = smtp_server.recorder.messages
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    inline = alternative.get_payload()[2]
    # The parameter calendars look for survives the trip through SMTP.
    assert inline.get_param("method") == "REQUEST"
    assert inline.get_content_charset() == "utf-8"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    assert b"method=REQUEST" in raw or b'method="REQUEST"' in raw
    invite = Calendar.from_ical(inline.get_content())
    (vevent,) = invite.walk("VEVENT")
    assert str(invite["METHOD"]) == "REQUEST"
    assert vevent.decoded("dtstart") == event.starts_at
    assert str(vevent["attendee"]) == f"mailto:{participant.email}"
    row = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED)
    assert row.status == Status.SENT and row.to_email == participant.email and row.sent_at


@pytest.mark.django_db
def test_smtp_down_retries_then_delivers_once(smtp_server, participant, municipality):
    event = event_with_program([municipality])
    smtp_server.stop()
    event_services.register(event, participant)
    row = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED)

    first = delivery.dispatch_due()
    row.refresh_from_db()
    assert first.retrying == [row.pk] and not first.sent
    assert row.status == Status.QUEUED and row.attempts == 1
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    assert row.send_after > timezone.now()  # backoff, not a hot loop

    # Still down at the next try: the backoff doubles.
    with time_machine.travel(row.send_after + dt.timedelta(seconds=1), tick=False):
        delivery.dispatch_due()
    row.refresh_from_db()
    assert row.attempts == 2 and row.status == Status.QUEUED
    assert row.send_after - row.updated_at == delivery.backoff(2)

    smtp_server.start()
    with time_machine.travel(row.send_after + dt.timedelta(seconds=1), tick=False):
        assert delivery.dispatch_due().sent == [row.pk]
        assert delivery.dispatch_due().sent == []  # nothing left, nothing twice
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 3
    assert len(smtp_server.recorder.to(participant.email)) == 1


@pytest.mark.django_db
def test_attempts_are_capped_then_failed_and_resend_works(
    smtp_server, settings, participant, organizer, municipality
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    event = event_with_program([municipality])
    smtp_server.stop()
    event_services.register(event, participant)
    row = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED)
    delivery.dispatch_due()
    row.refresh_from_db()
    with time_machine.travel(row.send_after + dt.timedelta(seconds=1), tick=False):
        delivery.dispatch_due()
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 2
    assert delivery.dispatch_due().sent == []  # failed rows are not picked up again by themselves

    from notifications import outbox

    smtp_server.start()
    outbox.resend(row, by=organizer)
    assert delivery.dispatch_due().sent == [row.pk]
    assert len(smtp_server.recorder.raw) == 1


@pytest.mark.django_db
def test_mail_goes_to_the_address_the_person_has_now(smtp_server, participant, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    participant.email = "new-address@example.jp"
    participant.save()
    delivery.dispatch_due()
    assert smtp_server.recorder.envelopes[0][1] == ["new-address@example.jp"]
    (message,) = smtp_server.recorder.messages
    invite = Calendar.from_ical(calendar_parts(message)[0].get_content())
    (vevent,) = invite.walk("VEVENT")
    assert str(vevent["attendee"]) == "mailto:new-address@example.jp"
    assert Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED).to_email == "new-address@example.jp"


@pytest.mark.django_db
def test_recipient_refused_fails_that_message_only(
    smtp_server, participant, outsider, organizer, municipality
):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    event_services.register(event, outsider)

    async def refuse_outsider(server, session, envelope, address, rcpt_options):
        if address == outsider.email:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.recorder.handle_RCPT = refuse_outsider
    result = delivery.dispatch_due()
    assert len(result.sent) == 1 and len(result.failed) == 1
    failed = Outbox.objects.get(pk=result.failed[0])
    assert failed.recipient == outsider and failed.status == Status.FAILED  # 5xx: no point retrying
    assert "550" in failed.last_error
    assert [to for _from, to in smtp_server.recorder.envelopes] == [[participant.email]]


@pytest.mark.django_db
def test_time_changed_twice_calendar_ends_at_the_latest(smtp_server, participant, organizer, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    length = event.ends_at - event.starts_at
    first = event.starts_at + dt.timedelta(hours=1)
    second = event.starts_at + dt.timedelta(hours=3)
    event_services.update_event(event, by=organizer, data={"starts_at": first, "ends_at": first + length})
    event_services.update_event(event, by=organizer, data={"starts_at": second, "ends_at": second + length})
    delivery.dispatch_due()
    invites = []
    for message in smtp_server.recorder.to(participant.email):
        for part in calendar_parts(message)[:1]:
            (vevent,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
            invites.append(vevent)
    assert len(invites) == 3  # the invite and two updates, all with one UID
    assert len({str(v["uid"]) for v in invites}) == 1

    def apply(order):
        # What a calendar does (RFC 5546): keep the entry with the highest SEQUENCE.
        kept = None
        for vevent in order:
            if kept is None or int(vevent["sequence"]) >= int(kept["sequence"]):
                kept = vevent
        return kept

    for order in (invites, list(reversed(invites))):  # whatever order the mails arrive in
        final = apply(order)
        assert final.decoded("dtstart") == second
        assert final.decoded("dtend") == second + length
    # Pending reminders moved with the event.
    reminder = Outbox.objects.get(kind=Kind.REMINDER, recipient=participant, dedupe_key__endswith=":1d")
    assert reminder.send_after == second - dt.timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_after_claiming_is_redispatched_after_the_lease(smtp_server, participant, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    row = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED)
    # A real worker process claims the row and is killed before it sends anything.
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/" + connection.settings_dict["NAME"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    code = (
        "import os, signal, django; django.setup()\n"
        "from notifications import delivery\n"
        f"assert delivery.claim(ids=[{row.pk}]) == [{row.pk}]\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the shared PostgreSQL test database")
    process = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    row.refresh_from_db()
    assert row.status == Status.SENDING and row.attempts == 1

    # While the lease runs, nobody else touches it (the task redelivered by Redis either).
    assert delivery.dispatch_due().sent == []
    assert delivery.send_one(row.pk).sent == []
    with time_machine.travel(row.lease_until + dt.timedelta(seconds=1), tick=False):
        assert delivery.dispatch_due().sent == [row.pk]
    assert len(smtp_server.recorder.raw) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_row(smtp_server, municipality):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    event = event_with_program([municipality])
    now = timezone.now()
    # bulk_create: no password hashing, which would dominate the test's time.
    users = User.objects.bulk_create(
        User(email=f"w{i}@example.jp", full_name=f"受講 {i}") for i in range(120)
    )
    Outbox.objects.bulk_create(
        Outbox(
            recipient=user,
            event=event,
            kind=Kind.ANNOUNCEMENT,
            subject=f"お知らせ {i}",
            body_text="本文",
            dedupe_key=f"test:{i}",
            send_after=now,
        )
        for i, user in enumerate(users)
    )
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            barrier.wait()
            while True:
                ids = delivery.claim(limit=7)
                if not ids:
                    break
                claimed[name].extend(ids)
                delivery.deliver(ids)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    a, b = set(claimed["a"]), set(claimed["b"])
    assert not (a & b)
    assert len(claimed["a"]) + len(claimed["b"]) == 120
    assert a and b  # both really worked
    assert Outbox.objects.filter(status=Status.SENT).count() == 120
    recipients = [to[0] for _from, to in smtp_server.recorder.envelopes]
    assert len(recipients) == 120 and len(set(recipients)) == 120
