"""The reviewer's dashboard for a big fiscal year.

1,000 events, 50,000 registrations and 30,000 questionnaire submissions (each with a
satisfaction answer) in 2019年度; the server time of the dashboard is compared with a
trivial page (the profile page: session, user, one form) rendered by the same Django
stack in the same process and run. Django's test client calls the WSGI handler
directly, so both numbers are server time without the network.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta
from decimal import Decimal

YEAR = 2019
EVENTS = 1000
REGISTRATIONS = 50_000
SUBMISSIONS = 30_000
PEOPLE = 2_000
RUNS = 5


def _populate():
    from django.utils import timezone

    from accounts.models import Membership, Organization, User
    from events.models import Event, EventSeries, Registration

    rng = random.Random(YEAR)
    tz = timezone.get_default_timezone()
    sponsor = Organization.objects.create(
        name="ベンチ法人", prefecture="北海道", kind=Organization.Kind.SOCIAL_WELFARE_CORPORATION
    )
    cities = [Organization.objects.create(name=f"ベンチ市{i}", prefecture="埼玉県") for i in range(20)]
    reviewer = User.objects.create_user("bench-reviewer@example.jp", None, full_name="審査 ベンチ")
    Membership.objects.create(user=reviewer, organization=sponsor, role=Membership.Role.REVIEWER)
    from tests.factories import with_mfa

    with_mfa(reviewer)  # reviewers must use two-factor sign-in (accounts/mfa.py)
    people = User.objects.bulk_create(
        User(email=f"bench-report{i}@example.jp", full_name=f"参加 {i}", full_name_kana=f"サンカ {i}")
        for i in range(PEOPLE)
    )
    series = [EventSeries.objects.create(title=f"ベンチ研修シリーズ{i}") for i in range(50)]
    start = datetime(YEAR, 4, 10, 10, tzinfo=tz)
    events = Event.objects.bulk_create(
        Event(
            title=f"ベンチ研修 {i}",
            series=series[i % 50],
            number=i // 50 + 1,
            status=Event.Status.CANCELLED if i % 25 == 0 else Event.Status.COMPLETED,
            starts_at=start + timedelta(hours=7 * i),
            ends_at=start + timedelta(hours=7 * i + 2),
            count_at_deadline=50 if i % 2 else None,
            checkin_token=f"bench-{YEAR}-{i}",
        )
        for i in range(EVENTS)
    )
    Event.hosts.through.objects.bulk_create(
        Event.hosts.through(event_id=e.pk, organization_id=cities[i % 20].pk) for i, e in enumerate(events)
    )
    per_event = REGISTRATIONS // EVENTS
    states = ["attended"] * 17 + ["left_early", "absent", "absent"]
    regs = []
    for event in events:
        for user in rng.sample(people, per_event):
            regs.append(
                Registration(
                    event=event,
                    user=user,
                    status="confirmed",
                    attendance=rng.choice(states),
                    organization=cities[0],
                )
            )
    Registration.objects.bulk_create(regs, batch_size=5000)
    return reviewer, events, series


def _surveys(events, series):
    from django.utils import timezone

    from surveys.models import Answer, Form, Question, Section, Submission

    rng = random.Random(YEAR + 1)
    questions = {}
    for s in series:
        form = Form.objects.create(
            series=s, kind=Form.Kind.QUESTIONNAIRE, title="研修アンケート", anonymous=True
        )
        section = Section.objects.create(form=form, title="研修について")
        questions[s.pk] = (
            form,
            Question.objects.create(
                form=form, section=section, key="satisfaction", label="満足度", type="scale"
            ),
        )
    now = timezone.now()
    per_event = SUBMISSIONS // EVENTS
    submissions, answers = [], []
    for event in events:
        form, question = questions[event.series_id]
        for _ in range(per_event):
            sub = Submission(form=form, event=event, status="submitted", submitted_at=now)
            submissions.append(sub)
            answers.append(
                Answer(submission=sub, question=question, value_number=Decimal(rng.choice([3, 4, 4, 5, 5])))
            )
    Submission.objects.bulk_create(submissions, batch_size=5000)
    Answer.objects.bulk_create(answers, batch_size=5000)


def _median_ms(client, url, runs) -> float:
    client.get(url)  # warm: templates compiled, connection open
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings) * 1000


def run() -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    started = time.perf_counter()
    reviewer, events, series = _populate()
    _surveys(events, series)
    # A bulk load leaves the planner without statistics until autovacuum passes by; a
    # live database has them, so measure with them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  reports data: {time.perf_counter() - started:.1f} s", flush=True)

    client = Client(SERVER_NAME="localhost")
    client.force_login(reviewer)
    dashboard_url = f"{reverse('reports:dashboard')}?year={YEAR}"
    value = _median_ms(client, dashboard_url, RUNS)
    floor = _median_ms(client, reverse("accounts:profile"), RUNS * 4)
    with CaptureQueriesContext(connection) as ctx:
        client.get(dashboard_url)
    return [
        {
            "figure": f"reports: dashboard, {EVENTS:,} events / {REGISTRATIONS:,} registrations / "
            f"{SUBMISSIONS:,} questionnaires (median server time)",
            "value": f"{value:.0f}",
            "floor": f"{floor:.0f}",
            "ratio": f"{value / floor:.1f}",
            "unit": "ms",
            "target": "same query count as 10 events (tested)",
        },
        {
            "figure": "reports: dashboard SQL queries for that year",
            "value": str(len(ctx.captured_queries)),
            "floor": "—",
            "ratio": "—",
            "unit": "queries",
        },
    ]
