"""Benchmark: 10,000 reminders rendered and delivered to a local SMTP sink.

The floor is a raw smtplib loop sending the same pre-rendered messages over one
connection to the same sink in the same run; the outbox path (claim a batch with
SKIP LOCKED, build the MIME message, send over one connection per batch, mark sent)
should reach at least half of it. Memory must stay flat: rows are streamed in batches,
so the peak RSS growth while delivering does not depend on the number of messages.

Run with `make bench` (tests/bench/run.py) or directly:
    python -m tests.bench.bench_notifications
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import resource
import smtplib
import socket
import sys
import time

COUNT = int(os.environ.get("BENCH_NOTIFICATIONS_COUNT", "10000"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sink(port: int, counter, ready) -> None:
    """A separate process, so the sink does not compete with the sender for the GIL."""
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> None:
    """Reset the kernel's high-water mark (Linux ≥ 4.0), so each phase has its own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def _rss_mb() -> float:
    current = _status_mb("VmRSS")
    if current is not None:
        return current
    # ru_maxrss is in KiB on Linux: the peak resident set of this process so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _wait_for(counter, target: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while counter.value < target and time.monotonic() < deadline:
        time.sleep(0.01)


def run() -> list[dict]:
    _setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    # Never touch the configured database: work in a throw-away test database.
    created = None
    if not connection.settings_dict["NAME"].startswith("test_"):
        # A name of its own, so a test run on the same database server cannot collide.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = (
            f"test_{connection.settings_dict['NAME']}_bench_notifications"
        )
        created = setup_databases(verbosity=0, interactive=False)
    ctx = multiprocessing.get_context("spawn")
    counter = ctx.Value("i", 0)
    ready = ctx.Event()
    port = _free_port()
    sink = ctx.Process(target=_sink, args=(port, counter, ready), daemon=True)
    sink.start()
    ready.wait(30)
    saved = {
        name: getattr(settings, name, None)
        for name in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL")
    }
    settings.EMAIL_BACKEND = "core.mail.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    # As in production: with DEBUG on, Django keeps every SQL statement (here, inserts
    # carrying rendered bodies) in memory, which would be measured as our growth.
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        return _measure(counter, port)
    finally:
        settings.DEBUG = debug
        for name, value in saved.items():
            setattr(settings, name, value)
        sink.terminate()
        sink.join(5)
        if created is not None:
            teardown_databases(created, verbosity=0)


def _measure(counter, port: int) -> list[dict]:
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import Organization, User
    from events.models import Event, ProgramItem, Registration
    from notifications import delivery, reminders
    from notifications.mail import build_email
    from notifications.models import Outbox

    now = timezone.now()
    host = Organization.objects.create(name="ベンチ市（通知）", prefecture="埼玉県", kind="municipality")
    starts = (now + dt.timedelta(days=3)).replace(microsecond=0)
    event = Event.objects.create(
        title="地域共生社会の実現に向けた人材育成研修",
        status=Event.Status.PUBLISHED,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        doors_open_at=starts - dt.timedelta(minutes=15),
        online_url="https://zoom.example.jp/j/123456789",
        online_meeting_id="123 456 789",
        online_passcode="bench",
    )
    event.hosts.set([host])
    for i, title in enumerate(["開催挨拶", "講義", "グループワーク", "質疑応答"]):
        ProgramItem.objects.create(
            event=event, starts_at=dt.time(15 + i // 2, 30 * (i % 2)), title=title, order=i
        )
    users = User.objects.bulk_create(
        (
            User(
                email=f"bench-mail{i}@example.jp",
                full_name=f"受講者 {i}",
                preferred_language="ja" if i % 5 else "en",
            )
            for i in range(COUNT)
        ),
        batch_size=1000,
    )
    Registration.objects.bulk_create(
        (
            Registration(event=event, user=u, status="confirmed", confirmed_at=now - dt.timedelta(days=1))
            for u in users
        ),
        batch_size=1000,
    )
    del users
    rows: list[dict] = []

    # 1. Render: the 1-day reminder for every registrant (the 7-day one is past).
    gc.collect()
    rss0 = _rss_mb()
    _reset_peak()
    t0 = time.perf_counter()
    created = reminders.reconcile_reminders(now=now)
    render_seconds = time.perf_counter() - t0
    assert created == COUNT, created
    rows.append(
        {
            "figure": f"reminders rendered and written ({COUNT:,})",
            "value": round(COUNT / render_seconds, 1),
            "floor": None,
            "ratio": None,
            "unit": "messages/s",
        }
    )
    rss_render = _peak_mb()

    # 2. The floor: the same messages pre-rendered, raw smtplib over one connection.
    Outbox.objects.filter(kind=Outbox.Kind.REMINDER).update(send_after=now - dt.timedelta(seconds=1))
    payloads = []
    for row in (
        Outbox.objects.filter(kind=Outbox.Kind.REMINDER)
        .select_related("recipient", "event")
        .iterator(chunk_size=1000)
    ):
        payloads.append((row.recipient.email, build_email(row).message().as_bytes(linesep="\r\n")))
    sender = settings.DEFAULT_FROM_EMAIL
    t0 = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for to, payload in payloads:
            smtp.sendmail(sender, [to], payload)
    floor_seconds = time.perf_counter() - t0
    _wait_for(counter, COUNT)
    assert counter.value == COUNT, counter.value
    floor_rate = COUNT / floor_seconds
    del payloads

    # 3. The outbox: claim in batches, one connection per batch, mark sent.
    gc.collect()
    rss_before = _rss_mb()
    _reset_peak()
    t0 = time.perf_counter()
    result = delivery.dispatch_due()
    outbox_seconds = time.perf_counter() - t0
    _wait_for(counter, 2 * COUNT)
    assert len(result.sent) == COUNT and counter.value == 2 * COUNT, (len(result.sent), counter.value)
    assert Outbox.objects.filter(status=Outbox.Status.SENT).count() == COUNT
    rate = COUNT / outbox_seconds
    rows.append(
        {
            "figure": f"reminders delivered through the outbox ({COUNT:,}, batches of {delivery.batch_size()})",
            "value": round(rate, 1),
            "floor": round(floor_rate, 1),
            "ratio": round(rate / floor_rate, 3),
            "unit": "messages/s",
            "target": "ratio ≥ 0.5",
        }
    )
    end_to_end = COUNT / (render_seconds + outbox_seconds)
    rows.append(
        {
            "figure": "rendered + delivered, end to end",
            "value": round(end_to_end, 1),
            "floor": round(floor_rate, 1),
            "ratio": round(end_to_end / floor_rate, 3),
            "unit": "messages/s",
        }
    )
    rows.append(
        {
            "figure": "peak RSS growth while rendering",
            "value": round(rss_render - rss0, 1),
            "floor": None,
            "ratio": None,
            "unit": "MB",
            "target": "flat (does not grow with the count)",
        }
    )
    rows.append(
        {
            "figure": "peak RSS growth while delivering",
            "value": round(_peak_mb() - rss_before, 1),
            "floor": None,
            "ratio": None,
            "unit": "MB",
            "target": "flat (does not grow with the count)",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
    sys.exit(0)
