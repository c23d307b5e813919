"""Mixed traffic against the whole stack: gunicorn + PostgreSQL + Redis + a Celery worker.

32 concurrent users for 60 s (BENCH_MIXED_SECONDS to change it): 70 % browsing, 10 %
registering, 10 % pre-work submissions, 10 % questionnaire answers (from the signed link
in the mail). Afterwards it checks that nothing was lost or duplicated: every accepted
registration and submission is a row, once; every confirmation mail was sent exactly once
(one .eml file per sent outbox row, no dedupe key twice).
"""

from __future__ import annotations

import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from tests.bench.bench_registration import _free_port, _sessions

ROOT = Path(__file__).resolve().parents[2]
USERS = 32
SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", "60"))
POOL = 700  # people per pool (register / pre-work / questionnaire)


def _filled(form) -> dict[str, str]:
    """A complete, valid answer to every question of a form (first choice, 4 points, …)."""
    from surveys.models import Question

    T = Question.Type
    data: dict[str, str] = {"action": "submit"}
    for section in form.sections.all():
        data[f"s{section.pk}-count"] = "1"
    for q in form.questions.prefetch_related("choices"):
        name = f"q{q.pk}-0"
        if q.type in (T.SHORT_TEXT, T.LONG_TEXT):
            data[name] = "多機関で連携し、地域の社会資源につなぐことができた。"
        elif q.type == T.SCALE:
            data[name] = "4"
        elif q.type == T.YES_NO:
            data[name] = "yes"
        elif q.type in (T.SINGLE_CHOICE, T.MULTIPLE_CHOICE):
            first = next((c for c in q.choices.all() if not c.is_other), None)
            if first:
                data[name] = str(first.pk)
        elif q.type in (T.NUMBER, T.INTEGER):
            data[name] = "1"
        elif q.type == T.DATE:
            data[name] = "2026-12-01"
    return data


def _setup():
    from django.utils import timezone

    from accounts.models import Membership, Organization, User
    from events.models import Event, Registration
    from surveys import building, tokens

    org = Organization.objects.create(name="ベンチ市（混合）", prefecture="埼玉県")
    users = User.objects.bulk_create(
        [
            User(email=f"mixed{i}@example.jp", full_name=f"混合 {i}", full_name_kana="コンゴウ")
            for i in range(3 * POOL)
        ]
    )
    Membership.objects.bulk_create([Membership(user=u, organization=org) for u in users])
    now = timezone.now()
    upcoming = Event.objects.create(
        title="混合負荷 研修",
        status=Event.Status.PUBLISHED,
        starts_at=now + timedelta(days=20),
        ends_at=now + timedelta(days=20, hours=2),
        capacity=100000,
        online_url="https://zoom.example.jp/j/1",
    )
    held = Event.objects.create(
        title="混合負荷 終了した研修",
        status=Event.Status.PUBLISHED,
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=1),
        online_url="https://zoom.example.jp/j/2",
    )
    for event in (upcoming, held):
        event.hosts.add(org)
    prework = building.build_from_starter(starter="prework_soka", event=upcoming)
    questionnaire = building.build_from_starter(starter="questionnaire", event=held)
    register_pool, prework_pool, answer_pool = users[:POOL], users[POOL : 2 * POOL], users[2 * POOL :]
    Registration.objects.bulk_create(
        [Registration(event=upcoming, user=u, status="confirmed", organization=org) for u in prework_pool]
        + [Registration(event=held, user=u, status="confirmed", organization=org) for u in answer_pool]
    )
    tokens = [
        tokens.make_token(questionnaire, r) for r in Registration.objects.filter(event=held).order_by("pk")
    ]
    return {
        "upcoming": upcoming,
        "held": held,
        "prework": prework,
        "questionnaire": questionnaire,
        "register": _sessions(register_pool),
        "prework_sessions": _sessions(prework_pool),
        "tokens": tokens,
        "browse": _sessions(users[:USERS]),
        "register_ids": [u.pk for u in register_pool],
    }


def _env(mail_dir: str, redis_url: str) -> dict[str, str]:
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": f"file://{mail_dir}",
            "REDIS_URL": redis_url,
            "RATE_LIMIT_LOGIN_FAILED": "1000/m/ip",
        }
    )
    return env


def _start(env: dict, port: int) -> list[subprocess.Popen]:
    bindir = Path(sys.executable).parent
    web = subprocess.Popen(
        [
            str(bindir / "gunicorn"),
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
    worker = subprocess.Popen(
        [
            str(bindir / "celery"),
            "-A",
            "config",
            "worker",
            "--loglevel=WARNING",
            "--concurrency=2",
            "--queues=default,mail,surveys,reports",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return [web, worker]


def run() -> list[dict]:
    import redis
    from django.conf import settings

    from events.models import Registration
    from notifications.models import Outbox
    from surveys.models import Respondent, Submission

    world = _setup()
    mail_dir = tempfile.mkdtemp(prefix="tsunagu-mixed-mail-")
    base = settings.REDIS_URL.rsplit("/", 1)[0] if settings.REDIS_URL else "redis://127.0.0.1:6379"
    redis_url = f"{base}/8"
    redis.Redis.from_url(redis_url).flushdb()
    port = _free_port()
    procs = _start(_env(mail_dir, redis_url), port)
    upcoming, held, prework = world["upcoming"], world["held"], world["prework"]
    fill_path = prework.url_for("fill", upcoming)
    prework_data = _filled(prework)
    answer_data = _filled(world["questionnaire"])
    browse_paths = ["/", "/events/", f"/events/{upcoming.pk}/", f"/events/{held.pk}/", "/events/?past=1"]

    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    done = Counter()
    pools = {
        "register": list(world["register"]),
        "prework": list(world["prework_sessions"]),
        "answer": list(world["tokens"]),
    }
    deadline = time.monotonic() + SECONDS

    def take(kind):
        with lock:
            return pools[kind].pop() if pools[kind] else None

    def client(n: int):
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        session, csrf = world["browse"][n]
        while time.monotonic() < deadline:
            roll = rng.random()
            kind = (
                "browse"
                if roll < 0.7
                else "register"
                if roll < 0.8
                else "prework"
                if roll < 0.9
                else "answer"
            )
            item = take(kind) if kind != "browse" else None
            if kind != "browse" and item is None:
                kind = "browse"
            headers = {"Referer": f"http://127.0.0.1:{port}/"}
            body = None
            if kind == "browse":
                method, path = "GET", rng.choice(browse_paths)
                headers["Cookie"] = f"sessionid={session}; csrftoken={csrf}"
            elif kind in ("register", "prework"):
                sid, token = item
                method = "POST"
                path = f"/events/{upcoming.pk}/register/" if kind == "register" else fill_path
                data = {} if kind == "register" else prework_data
                body = "&".join(f"{k}={v}" for k, v in data.items()).encode()
                headers.update({"Cookie": f"sessionid={sid}; csrftoken={token}", "X-CSRFToken": token})
            else:
                method, path = "POST", f"/forms/answer/{item}/"
                token = "b" * 32
                body = "&".join(f"{k}={v}" for k, v in answer_data.items()).encode()
                headers.update({"Cookie": f"csrftoken={token}", "X-CSRFToken": token})
            if body is not None:
                from urllib.parse import quote_plus

                pairs = [p.split("=", 1) for p in body.decode().split("&") if p]
                body = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status in (200, 302) and "/accounts/login" not in (
                    response.getheader("Location") or ""
                )
                with lock:
                    latencies.append(time.perf_counter() - started)
                    if ok:
                        done[kind] += 1
                    else:
                        errors.append(f"{kind} {response.status} {path}")
            except Exception as exc:  # pragma: no cover - counted
                with lock:
                    errors.append(f"{kind} {exc!r}")
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(USERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    # Let the worker finish the mail the run caused.
    confirmations = Outbox.objects.filter(kind=Outbox.Kind.REGISTRATION_CONFIRMED, event=upcoming)
    for _ in range(240):
        if not confirmations.exclude(status__in=["sent", "failed"]).exists():
            break
        time.sleep(0.5)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()

    registered = Registration.objects.filter(event=upcoming, user_id__in=world["register_ids"]).count()
    submitted = Submission.objects.filter(form=prework, event=upcoming, status="submitted").count()
    answered = Respondent.objects.filter(form=world["questionnaire"]).count()
    sent = confirmations.filter(status="sent").count()
    files = len(list(Path(mail_dir).glob("*.eml")))
    keys = list(confirmations.values_list("dedupe_key", flat=True))
    checks = {
        "registrations": registered == done["register"],
        "pre-work": submitted == done["prework"],
        "questionnaires": answered == done["answer"],
        "mail sent once each": sent == registered and files == sent and len(keys) == len(set(keys)),
    }
    shutil.rmtree(mail_dir, ignore_errors=True)
    latencies.sort()

    def pct(p):
        return latencies[min(int(len(latencies) * p), len(latencies) - 1)] * 1000 if latencies else 0

    print(f"  mixed: {dict(done)}, errors={errors[:5]}, checks={checks}")
    verdict = "✓" if all(checks.values()) and not errors else "✗"
    return [
        {
            "figure": f"mixed traffic, {USERS} users for {SECONDS} s (70/10/10/10): throughput",
            "value": f"{len(latencies) / elapsed:.0f}",
            "unit": "req/s",
            "floor": "—",
            "ratio": "—",
            "target": "",
        },
        {
            "figure": "mixed traffic p50 / p95 / p99",
            "value": f"{pct(0.5):.0f} / {pct(0.95):.0f} / {pct(0.99):.0f}",
            "unit": "ms",
            "floor": "—",
            "ratio": "—",
            "target": "",
        },
        {
            "figure": "mixed traffic errors",
            "value": str(len(errors)),
            "unit": "",
            "floor": "—",
            "ratio": "—",
            "target": "0" + (" ✓" if not errors else " ✗"),
        },
        {
            "figure": "mixed traffic: nothing lost or duplicated",
            "value": f"{done['register']} registrations, {done['prework']} pre-work, {done['answer']} questionnaires, "
            f"{sent} mails ({files} files)",
            "unit": "",
            "floor": "—",
            "ratio": "—",
            "target": ", ".join(f"{k} {'✓' if v else '✗'}" for k, v in checks.items()) + f" {verdict}",
        },
    ]
