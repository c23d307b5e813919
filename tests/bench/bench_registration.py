"""Registration burst through gunicorn on PostgreSQL.

1,000 registration POSTs from 32 concurrent clients for a 300-seat event must end
with exactly 300 confirmed and 700 waitlisted, no error. The floor is an
authenticated POST of the same size to a trivial view (the header's language switch,
one UPDATE) on the same gunicorn in the same run.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 32
REQUESTS = 1000
SEATS = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sessions(users) -> list[tuple[str, str]]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    cookies = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies.append((store.session_key, _get_new_csrf_string()))
    return cookies


def _serve(port: int) -> subprocess.Popen:
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        {
            # The same key as this process: the sessions made here are signed with it.
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def _burst(port: int, path_for, cookies) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    jobs = list(enumerate(cookies))

    def client(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i, (session, csrf) in chunk:
            body = b"language=ja&next=/" if "language" in path_for(i) else b""
            headers = {
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}/",
            }
            started = time.perf_counter()
            try:
                conn.request("POST", path_for(i), body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 302 or "/accounts/login" in (response.getheader("Location") or ""):
                    with lock:
                        errors.append(f"{response.status}")
            except Exception as exc:  # pragma: no cover - counted as an error
                with lock:
                    errors.append(repr(exc))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                latencies.append(time.perf_counter() - started)
        conn.close()

    threads = [threading.Thread(target=client, args=(jobs[i::CLIENTS],)) for i in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "throughput": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "errors": errors,
    }


def run() -> list[dict]:
    from django.utils import timezone

    from accounts.models import Organization, User
    from events.models import Event, Registration

    org = Organization.objects.create(name="ベンチ市（申込）", prefecture="埼玉県")
    users = User.objects.bulk_create(
        [
            User(email=f"bench{i}@example.jp", full_name=f"利用者 {i}", full_name_kana="リヨウシャ")
            for i in range(REQUESTS)
        ]
    )
    start = timezone.now() + timedelta(days=10)
    event = Event.objects.create(
        title="ベンチマーク研修",
        status=Event.Status.PUBLISHED,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=SEATS,
        online_url="https://zoom.example.jp/j/1",
    )
    event.hosts.add(org)
    cookies = _sessions(users)
    port = _free_port()
    server = _serve(port)
    try:
        _burst(port, lambda i: "/me/language/", cookies[:64])  # warm up workers and connections
        floor = _burst(port, lambda i: "/me/language/", cookies)
        burst = _burst(port, lambda i: f"/events/{event.pk}/register/", cookies)
    finally:
        server.terminate()
        server.wait(timeout=20)
    confirmed = Registration.objects.filter(event=event, status="confirmed").count()
    waitlisted = Registration.objects.filter(event=event, status="waitlisted").count()
    ok = confirmed == SEATS and waitlisted == REQUESTS - SEATS and not burst["errors"]
    print(
        f"  registration burst: {confirmed} confirmed, {waitlisted} waitlisted, errors={burst['errors'][:5]}"
    )
    ratio = burst["throughput"] / floor["throughput"]
    return [
        {
            "figure": "registration burst throughput (1,000 POSTs, 32 clients, 300 seats)",
            "value": f"{burst['throughput']:.0f}",
            "floor": f"{floor['throughput']:.0f}",
            "unit": "req/s",
            "ratio": f"{ratio:.2f}",
            "target": "≥ 0.5 of floor",
        },
        {
            "figure": "registration burst p50 / p95 latency",
            "value": f"{burst['p50']:.0f} / {burst['p95']:.0f}",
            "floor": f"{floor['p50']:.0f} / {floor['p95']:.0f}",
            "unit": "ms",
            "ratio": "—",
            "target": "",
        },
        {
            "figure": "registration burst outcome",
            "value": f"{confirmed} confirmed, {waitlisted} waitlisted, {len(burst['errors'])} errors",
            "floor": "—",
            "unit": "",
            "ratio": "—",
            "target": "exactly 300 / 700 / 0" + (" ✓" if ok else " ✗"),
        },
    ]
