"""Benchmark: aggregate 50,000 submissions × 12 questions (`make bench`).

The floor is one hand-written SQL GROUP BY over the same answer rows, run in the
same process on the same data; the target is the aggregation within 2× of it.
Also reported: the results page's query count at 100 and at 50,000 submissions
(must be equal). Everything is created in one transaction that is rolled back.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

SUBMISSIONS = 50_000
SMALL = 100
RUNS = 3


class _Rollback(Exception):
    pass


def _best(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _build():
    from accounts.models import Membership, Organization, User
    from events.models import Event
    from surveys.models import Choice, Form, Question, Section

    org = Organization.objects.create(
        name="ベンチ市", prefecture="埼玉県", kind=Organization.Kind.MUNICIPALITY
    )
    organizer = User.objects.create_user("bench-organizer@example.jp", "x", full_name="ベンチ 太郎")
    Membership.objects.create(user=organizer, organization=org, role=Membership.Role.ORGANIZER)
    from tests.factories import with_mfa

    with_mfa(organizer)  # organizers must use two-factor sign-in (accounts/mfa.py)
    now = timezone.now()
    events = []
    for i in range(2):
        event = Event.objects.create(
            title=f"ベンチ研修{i}",
            starts_at=now - timedelta(days=3 + i),
            ends_at=now - timedelta(days=3 + i, hours=-2),
        )
        event.hosts.set([org])
        events.append(event)
    form = Form.objects.create(event=events[0], kind="questionnaire", title="ベンチ", starter="bench")
    section = Section.objects.create(form=form, title="本体")
    types = (
        ["scale"] * 4 + ["single_choice"] * 3 + ["multiple_choice"] * 2 + ["yes_no", "long_text", "integer"]
    )
    questions = []
    for i, qtype in enumerate(types):
        q = Question.objects.create(
            form=form, section=section, key=f"q{i}", label=f"質問{i}", type=qtype, order=i, breakdown=(i == 4)
        )
        if q.is_choice:
            Choice.objects.bulk_create([Choice(question=q, label=f"選択肢{n}", order=n) for n in range(6)])
        questions.append(q)
    return organizer, events, form, questions


def _fill(form, event, questions, count: int) -> None:
    """Rows straight in SQL: 50,000 submissions through the ORM would time the loader."""
    from surveys.models import Choice

    choices = {q.pk: list(Choice.objects.filter(question=q).values_list("pk", flat=True)) for q in questions}
    group = next(q for q in questions if q.breakdown)
    with connection.cursor() as c:
        c.execute(
            """
            INSERT INTO surveys_submission (id, form_id, event_id, status, group_choice_id)
            SELECT gen_random_uuid(), %s, %s, 'submitted', (%s::bigint[])[1 + (g %% 6)]
            FROM generate_series(1, %s) AS g
            """,
            [form.pk, event.pk, choices[group.pk], count],
        )
        subs = "SELECT id, row_number() OVER () AS n FROM surveys_submission WHERE form_id = %s AND event_id = %s"
        for q in questions:
            params = [form.pk, event.pk]
            if q.type == "scale":
                value = f"1 + ((s.n * 7 + {q.pk}) %% 5)"
                sql = f"SELECT s.id, {q.pk}, 0, NULL::bigint, ({value})::text, ({value})::numeric, NULL::boolean FROM ({subs}) s"
            elif q.type == "single_choice":
                pick = "(%s::bigint[])[1 + ((s.n + " + str(q.pk) + ") %% 6)]"
                sql = f"SELECT s.id, {q.pk}, 0, {pick}, '', NULL::numeric, NULL::boolean FROM ({subs}) s"
                params = [choices[q.pk], *params]
            elif q.type == "multiple_choice":
                pick = "(%s::bigint[])[1 + ((s.n + k) %% 6)]"
                sql = (
                    f"SELECT s.id, {q.pk}, 0, {pick}, '', NULL::numeric, NULL::boolean FROM ({subs}) s "
                    "CROSS JOIN generate_series(0, 1) AS k"
                )
                params = [choices[q.pk], *params]
            elif q.type == "yes_no":
                sql = f"SELECT s.id, {q.pk}, 0, NULL::bigint, 'yes', NULL::numeric, (s.n %% 4 <> 0) FROM ({subs}) s"
            elif q.type == "integer":
                sql = f"SELECT s.id, {q.pk}, 0, NULL::bigint, (s.n %% 100)::text, (s.n %% 100)::numeric, NULL::boolean FROM ({subs}) s"
            else:
                sql = f"SELECT s.id, {q.pk}, 0, NULL::bigint, '研修の感想 ' || s.n, NULL::numeric, NULL::boolean FROM ({subs}) s"
            c.execute(
                "INSERT INTO surveys_answer (submission_id, question_id, repeat, choice_id, value_text, "
                "value_number, value_bool, file, file_name, file_type) "
                f"SELECT x.*, '', '', '' FROM ({sql}) AS x",
                params,
            )
        c.execute("ANALYZE surveys_submission")
        c.execute("ANALYZE surveys_answer")


FLOOR_SQL = """
SELECT a.question_id, a.choice_id, a.value_number, a.value_bool, count(*)
FROM surveys_answer a JOIN surveys_submission s ON s.id = a.submission_id
WHERE s.form_id = %s AND s.event_id = %s AND s.status = 'submitted'
GROUP BY 1, 2, 3, 4
"""


def _page_queries(client: Client, url: str) -> int:
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def run() -> list[dict]:
    from surveys.aggregation import aggregate_now, compute

    rows: list[dict] = []
    try:
        with transaction.atomic():
            organizer, (big, small), form, questions = _build()
            # The form belongs to `big`; a second form on `small` gives the 100-row page.
            from surveys.models import Form, Question

            small_form = Form.objects.create(
                event=small, kind="questionnaire", title="ベンチ小", starter="bench"
            )
            small_section = small_form.sections.create(title="本体")
            small_questions = []
            for q in questions:
                copy = Question.objects.create(
                    form=small_form,
                    section=small_section,
                    key=q.key,
                    label=q.label,
                    type=q.type,
                    order=q.order,
                    breakdown=q.breakdown,
                )
                for choice in q.choices.all():
                    copy.choices.create(label=choice.label, order=choice.order)
                small_questions.append(copy)
            _fill(form, big, questions, SUBMISSIONS)
            _fill(small_form, small, small_questions, SMALL)
            with connection.cursor() as c:
                answer_rows = c.execute(
                    "SELECT count(*) FROM surveys_answer a JOIN surveys_submission s ON s.id = a.submission_id "
                    "WHERE s.form_id = %s",
                    [form.pk],
                ).fetchone()[0]

            def floor():
                with connection.cursor() as c:
                    c.execute(FLOOR_SQL, [form.pk, big.pk])
                    c.fetchall()

            floor()  # warm the cache for both
            compute(form, big.pk)
            t_floor = _best(floor)
            t_agg = _best(lambda: compute(form, big.pk))
            summary = aggregate_now(form, big)
            assert summary.responses == SUBMISSIONS, summary.responses
            rows.append(
                {
                    "figure": f"surveys: aggregate {SUBMISSIONS:,} submissions × 12 questions ({answer_rows:,} answers)",
                    "value": round(t_agg, 4),
                    "floor": round(t_floor, 4),
                    "ratio": round(t_agg / t_floor, 2) if t_floor else None,
                    "unit": "s",
                }
            )
            aggregate_now(small_form, small)
            client = Client(HTTP_HOST="localhost")
            client.force_login(organizer)
            q_small = _page_queries(client, reverse("surveys:results", args=[small_form.pk, small.pk]))
            q_big = _page_queries(client, reverse("surveys:results", args=[form.pk, big.pk]))
            t_page = _best(lambda: client.get(reverse("surveys:results", args=[form.pk, big.pk])))
            t_page_small = _best(
                lambda: client.get(reverse("surveys:results", args=[small_form.pk, small.pk]))
            )
            rows.append(
                {
                    "figure": f"surveys: results page queries at {SUBMISSIONS:,} vs {SMALL} submissions",
                    "value": q_big,
                    "floor": q_small,
                    "ratio": round(q_big / q_small, 2),
                    "unit": "queries",
                }
            )
            rows.append(
                {
                    "figure": f"surveys: results page time at {SUBMISSIONS:,} vs {SMALL} submissions",
                    "value": round(t_page, 4),
                    "floor": round(t_page_small, 4),
                    "ratio": round(t_page / t_page_small, 2) if t_page_small else None,
                    "unit": "s",
                }
            )
            raise _Rollback
    except _Rollback:
        pass
    return rows


if __name__ == "__main__":  # pragma: no cover - manual run: python -m tests.bench.bench_surveys
    import django

    django.setup()
    for row in run():
        print(row)
