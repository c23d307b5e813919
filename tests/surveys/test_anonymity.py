"""Anonymous questionnaires against a curious organizer (surveys.anonymity).

The attack from the issue: submit, read every page, submit again, read again, and
compare. Nothing an organizer (or the sponsor) can open may change because of one
person's answer; the stored rows carry no user, no time finer than the day and no
sequence that follows the order of arrival.
"""

from __future__ import annotations

import csv as csvlib
import datetime as dt
import io
import re

import pytest
from django.db import IntegrityError, models
from django.urls import reverse
from django.utils import timezone

from core.dates import fiscal_year
from surveys import answering, building, errors, tasks
from surveys.anonymity import MIN_K, shown_groups
from surveys.models import Answer, Form, Question, Respondent, Submission, Summary
from tests.factories import UserFactory

from .factories import confirmed, make_form, name, past_event, post, questionnaire_answers, questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(municipality):
    return past_event(hosts=[municipality])


def answer(form, event, *, satisfaction: int, comment: str, registration=None):
    registration = registration or confirmed(event, UserFactory())
    who = answering.respondent_from_registration(form, registration)
    data = questionnaire_answers(questions(form), satisfaction=satisfaction)
    data[name(questions(form)["useful_comment"])] = comment
    outcome = answering.save_answers(form, event=event, who=who, data=post(data), action="submit")
    assert outcome.submitted, outcome.errors
    return registration


def pages(form, event) -> list[str]:
    """Every page and export an organizer can open about this questionnaire."""
    year = fiscal_year(event.starts_at)
    return [
        reverse("surveys:results", args=[form.pk, event.pk]),
        reverse("surveys:results", args=[form.pk, event.pk]) + "?q=感想",
        reverse("surveys:status", args=[form.pk, event.pk]),
        reverse("surveys:export_csv", args=[form.pk, event.pk]),
        reverse("surveys:export_xlsx", args=[form.pk, event.pk]),
        reverse("surveys:compare", args=[form.pk]),
        reverse("surveys:builder", args=[form.pk]),
        reverse("surveys:event_forms", args=[event.pk]),
        reverse("events:manage_event", args=[event.pk]),
        reverse("reports:dashboard") + f"?year={year}",
        reverse("reports:event", args=[event.pk]),
        reverse("reports:export", args=[year]),
    ]


def says_who_answered(url: str, form) -> bool:
    """The status page (a count, then names) and the builder ("answers have been received")
    say that someone answered, which is not what they answered."""
    return "/status/" in url or url == reverse("surveys:builder", args=[form.pk])


def read_everything(client, form, event) -> dict[str, str]:
    seen = {}
    for url in pages(form, event):
        response = client.get(url)
        assert response.status_code in (200, 409), (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if url.endswith(".xlsx"):
            body = _xlsx_text(body) if response.status_code == 200 else body.decode()
        else:
            body = body.decode("utf-8-sig")
        # Counts of who has answered may change (they are not answers); tokens always do.
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
        seen[url] = re.sub(r"\d+(\.\d+)?", "#", body)
    return seen


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        "|".join(str(c.value) for c in row) for sheet in book.worksheets for row in sheet.iter_rows()
    )


def test_attack_replay_after_close_finds_nothing(client, event, organizer, reviewer):
    """Default: k = 5, results only once the questionnaire has closed."""
    form = make_form("questionnaire", event)
    assert form.min_responses == 5 and form.results_release == Form.Release.AFTER_CLOSE
    first_person, second_person = confirmed(event, UserFactory()), confirmed(event, UserFactory())
    client.force_login(organizer)
    before = read_everything(client, form, event)
    answer(form, event, satisfaction=1, comment="一人目だけの感想", registration=first_person)
    tasks.aggregate(form.pk, event.pk)  # what a worker does after each submission
    tasks.release_anonymous()  # and beat, every ten minutes
    first = read_everything(client, form, event)
    answer(form, event, satisfaction=5, comment="二人目だけの感想", registration=second_person)
    tasks.aggregate(form.pk, event.pk)
    tasks.release_anonymous()
    # "Recalculate now" is refused for anonymous forms, and would change nothing anyway.
    assert client.post(reverse("surveys:refresh", args=[form.pk, event.pk])).status_code == 403
    second = read_everything(client, form, event)
    for url in before:
        assert first[url] == second[url], url
        if not says_who_answered(url, form):
            assert before[url] == first[url], url
    for body in second.values():
        assert "一人目だけの感想" not in body and "二人目だけの感想" not in body
    # The sponsor sees no more.
    client.force_login(reviewer)
    for url in (
        reverse("surveys:results", args=[form.pk, event.pk]),
        reverse("reports:event", args=[event.pk]),
    ):
        body = client.get(url).content.decode()
        assert "一人目だけの感想" not in body
    assert Summary.objects.filter(form=form, responses__gt=0).count() == 0


def test_after_close_everything_shows_at_once_then_only_in_steps_of_k(client, event, organizer):
    form = make_form("questionnaire", event, min_responses=3, allow_late=True)
    late = [confirmed(event, UserFactory()) for _i in range(3)]
    for i in range(4):
        answer(form, event, satisfaction=2, comment=f"感想{i}")
    tasks.release_anonymous()
    assert not Summary.objects.filter(form=form).exists()  # still open
    Form.objects.filter(pk=form.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    form.refresh_from_db()
    tasks.release_anonymous()
    summary = Summary.objects.get(form=form, event=event)
    assert summary.responses == 4 and summary.data["breakdown_frozen"]
    # Late answers (allowed) wait until k of them can be released together.
    client.force_login(organizer)
    url = reverse("surveys:results", args=[form.pk, event.pk])
    shown = read_everything(client, form, event)[url]
    for i in range(2):
        answer(form, event, satisfaction=5, comment=f"遅れた感想{i}", registration=late.pop())
        tasks.release_anonymous()
        assert read_everything(client, form, event)[url] == shown
    answer(form, event, satisfaction=5, comment="遅れた感想2", registration=late.pop())
    tasks.release_anonymous()
    response = client.get(url)
    assert response.context["responses"] == 7
    assert "遅れた感想0" in response.content.decode()
    # The breakdown stays as frozen at the close (4 responses), never differenced.
    assert Summary.objects.get(form=form, event=event).data["group_sizes"] == summary.data["group_sizes"]


def test_attack_replay_in_steps_of_k(client, event, organizer):
    form = make_form("questionnaire", event, min_responses=3, results_release=Form.Release.STEPS)
    people = [confirmed(event, UserFactory()) for _i in range(6)]
    client.force_login(organizer)
    url = reverse("surveys:results", args=[form.pk, event.pk])
    empty = read_everything(client, form, event)
    for i in range(2):
        answer(form, event, satisfaction=1, comment=f"初めの感想{i}", registration=people.pop())
        tasks.aggregate(form.pk, event.pk)
        now = read_everything(client, form, event)
        for page in empty:
            if not says_who_answered(page, form):
                assert now[page] == empty[page], page
    answer(form, event, satisfaction=1, comment="初めの感想2", registration=people.pop())
    tasks.aggregate(form.pk, event.pk)
    released = read_everything(client, form, event)
    assert client.get(url).context["responses"] == 3
    # The fourth and fifth person (who both give 5) change nothing a reader can see…
    for i in range(2):
        answer(form, event, satisfaction=5, comment=f"次の感想{i}", registration=people.pop())
        tasks.aggregate(form.pk, event.pk)
        tasks.release_anonymous()
        now = read_everything(client, form, event)
        for page in released:
            if not says_who_answered(page, form):
                assert now[page] == released[page], page
    # …until the sixth makes a batch of k = 3.
    answer(form, event, satisfaction=5, comment="次の感想2", registration=people.pop())
    tasks.aggregate(form.pk, event.pk)
    response = client.get(url)
    assert response.context["responses"] == 6
    satisfaction = next(r for r in response.context["results"] if r.question.key == "satisfaction")
    assert satisfaction.mean == 3.0
    assert not satisfaction.groups  # no breakdowns while releasing in steps


def test_no_stored_row_links_an_anonymous_answer_to_a_person_or_a_moment(event):
    form = make_form("questionnaire", event, min_responses=3, results_release=Form.Release.STEPS)
    people = [answer(form, event, satisfaction=1 + i % 5, comment=f"感想{i}").user for i in range(8)]
    tasks.release_anonymous()
    submissions = list(Submission.objects.filter(form=form))
    answers = list(Answer.objects.filter(submission__form=form))
    assert len(submissions) == 8 and answers
    user_model = type(people[0])
    for row in [*submissions, *answers]:
        for f in row._meta.concrete_fields:
            value = getattr(row, f.attname)
            if isinstance(f, models.ForeignKey) and f.related_model is user_model:
                assert value is None, f"{type(row).__name__}.{f.name} names a person"
            if isinstance(f, models.DateTimeField):
                assert value is None, f"{type(row).__name__}.{f.name} holds a time"
    # Keys: random UUIDs for responses, random 64-bit numbers for answers (not the sequence).
    assert all(isinstance(s.pk, type(submissions[0].pk)) and s.pk.version == 4 for s in submissions)
    assert all(a.pk >= 2**48 for a in answers)
    # Not one of them came from the table's sequence, whose next value is far below.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('surveys_answer', 'id'))")
        assert cursor.fetchone()[0] < 2**48
    # Who answered: a row per person with no time and no way to the answers.
    respondent_fields = {f.name for f in Respondent._meta.concrete_fields}
    assert respondent_fields == {"id", "form", "event", "user"}
    assert Respondent.objects.filter(form=form).count() == 8


def test_written_answers_and_exports_share_one_random_order_without_ids_or_times(client, event, organizer):
    form = make_form("questionnaire", event, min_responses=3, results_release=Form.Release.STEPS)
    comments = [f"感想その{i}" for i in range(9)]
    for i, comment in enumerate(comments):
        answer(form, event, satisfaction=1 + i % 5, comment=comment)
    tasks.release_anonymous()
    client.force_login(organizer)
    response = client.get(reverse("surveys:results", args=[form.pk, event.pk]))
    listed = [text for question, text in response.context["text_rows"] if question.key == "useful_comment"]
    assert sorted(listed) == sorted(comments) and listed != comments
    again = client.get(reverse("surveys:results", args=[form.pk, event.pk])).context["text_rows"]
    assert [t for q, t in again if q.key == "useful_comment"] == listed  # fixed, not reshuffled
    response = client.get(reverse("surveys:export_csv", args=[form.pk, event.pk]))
    csv = response.content.decode("utf-8-sig")
    header, *rows = list(csvlib.reader(io.StringIO(csv)))
    assert header[0] == "No." and "Name" not in header and "Email" not in header
    assert not {"Status", "Submitted at", "状態", "提出日時"} & set(header)
    column = header.index(questions(form)["useful_comment"].label)
    assert [row[column] for row in rows] == listed
    assert not re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\d{1,2}:\d{2}", csv)
    # Single responses are never shown on their own page.
    submission = Submission.objects.filter(form=form).first()
    assert client.get(reverse("surveys:submission", args=[submission.pk])).status_code == 404
    assert client.get(reverse("surveys:export_files", args=[form.pk, event.pk])).status_code == 403


def test_k_below_three_is_refused_everywhere(client, event, organizer):
    form = make_form("questionnaire", event)
    client.force_login(organizer)
    response = client.post(
        reverse("surveys:settings", args=[form.pk]),
        {
            "title": form.title,
            "respondent": "person",
            "anonymous": "on",
            "default_due": "start",
            "min_responses": "2",
            "results_release": "steps",
        },
    )
    assert response.status_code == 200
    assert "少なくとも3" in response.content.decode() or "at least 3" in response.content.decode()
    form.refresh_from_db()
    assert form.min_responses == 5
    with pytest.raises(errors.SurveyError):
        building.update_form(form, by=organizer, data={"min_responses": 1})
    with pytest.raises(IntegrityError):
        Form.objects.filter(pk=form.pk).update(min_responses=MIN_K - 1)


def test_k_and_release_cannot_change_once_answers_arrived(event, organizer):
    form = make_form("questionnaire", event, min_responses=4)
    answer(form, event, satisfaction=3, comment="x")
    with pytest.raises(errors.SurveyError):
        building.update_form(form, by=organizer, data={"min_responses": 3})
    with pytest.raises(errors.SurveyError):
        building.update_form(form, by=organizer, data={"results_release": Form.Release.STEPS})


def test_no_file_questions_on_anonymous_forms(client, event, organizer):
    form = make_form("questionnaire", event)
    section = form.sections.first()
    with pytest.raises(errors.SurveyError, match=r"files|ファイル"):
        building.add_question(section, by=organizer, data={"label": "資料", "type": Question.Type.FILE})
    client.force_login(organizer)
    response = client.post(
        reverse("surveys:question_add", args=[section.pk]), {"label": "資料", "type": "file"}, follow=True
    )
    assert not form.questions.filter(type=Question.Type.FILE).exists()
    assert response.status_code == 200
    # A named form with a file question cannot be made anonymous either.
    named = make_form("questionnaire", event, anonymous=False)
    building.add_question(named.sections.first(), by=organizer, data={"label": "資料", "type": "file"})
    with pytest.raises(errors.SurveyError):
        building.update_form(named, by=organizer, data={"anonymous": True})


def test_shown_groups_hides_what_the_total_would_give_away():
    # 2 hidden people would be "total − shown"; hide the smallest shown group too.
    assert shown_groups({"a": 5, "b": 6, "c": 2}, 13, 5) == {"b"}
    assert shown_groups({"a": 5, "b": 6, "none": 1}, 12, 5) == {"b"}
    assert shown_groups({"a": 5, "none": 1}, 6, 5) == set()
    assert shown_groups({"a": 5, "b": 6}, 11, 5) == {"a", "b"}
    assert shown_groups({"a": 5, "b": 6, "c": 5}, 16, 5) == {"a", "b", "c"}
