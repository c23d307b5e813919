"""Aggregation in Celery, the stored summary, the results page and comparisons."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Registration
from surveys import answering, tasks
from surveys.aggregation import aggregate_now
from surveys.models import Summary
from tests.factories import EventSeriesFactory, UserFactory

from .factories import confirmed, make_form, name, past_event, post, questionnaire_answers, questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(municipality):
    return past_event(hosts=[municipality])


def answer_many(form, event, count, *, satisfaction=lambda i: 1 + i % 5, affiliation=lambda i: "行政職員"):
    q = questions(form)
    registrations = []
    for i in range(count):
        registration = confirmed(event, UserFactory())
        registrations.append(registration)
        who = answering.respondent_from_registration(form, registration)
        outcome = answering.save_answers(
            form,
            event=event,
            who=who,
            data=post(questionnaire_answers(q, satisfaction=satisfaction(i), affiliation=affiliation(i))),
            action="submit",
        )
        assert outcome.submitted, outcome.errors
    return registrations


def close(form):
    """The questionnaire's due date passes (an hour ago)."""
    from surveys.models import Form

    Form.objects.filter(pk=form.pk).update(closes_at=timezone.now() - dt.timedelta(hours=1))
    form.refresh_from_db()


def drop_affiliation(form, count):
    """Remove the group answer of `count` released responses (people who skipped it)."""
    from surveys.models import Answer, Submission

    q = questions(form)
    for submission in Submission.objects.filter(form=form, group_choice__label="行政職員")[:count]:
        Answer.objects.filter(submission=submission, question=q["affiliation"]).delete()
        Submission.objects.filter(pk=submission.pk).update(group_choice=None)


def test_submission_schedules_one_debounced_aggregation(
    event, _no_broker, django_capture_on_commit_callbacks, settings
):
    settings.SURVEYS_AGGREGATE_DEBOUNCE_SECONDS = 10
    form = make_form("questionnaire", event, anonymous=False)
    with django_capture_on_commit_callbacks(execute=True):
        answer_many(form, event, 3)
    assert _no_broker == [(form.pk, event.pk)]  # three submissions, one run
    tasks.aggregate(form.pk, event.pk)  # the worker runs it and clears the flag
    with django_capture_on_commit_callbacks(execute=True):
        answer_many(form, event, 1)
    assert _no_broker == [(form.pk, event.pk)] * 2
    assert Summary.objects.get(form=form, event=event).responses == 3


def test_aggregation_counts_and_is_idempotent(event):
    form = make_form("questionnaire", event, anonymous=False)
    answer_many(form, event, 10)
    q = questions(form)
    tasks.aggregate(form.pk, event.pk)
    tasks.aggregate(form.pk, event.pk)
    summary = Summary.objects.get(form=form, event=event)
    assert summary.responses == 10
    satisfaction = summary.data["questions"][str(q["satisfaction"].pk)]
    assert satisfaction["counts"] == {"1": 2, "2": 2, "3": 2, "4": 2, "5": 2}
    assert satisfaction["mean"] == 3.0
    assert summary.data["questions"][str(q["attend_again"].pk)]["counts"] == {"yes": 10}
    # A task for a deleted form is a quiet no-op.
    assert tasks.aggregate(999999, event.pk) is None


def test_results_page_shows_chart_table_and_rate(client, event, organizer):
    form = make_form("questionnaire", event, anonymous=False)
    registrations = answer_many(form, event, 4)
    confirmed(event, UserFactory())  # 5 confirmed, 4 answered
    aggregate_now(form, event)
    client.force_login(organizer)
    url = reverse("surveys:results", args=[form.pk, event.pk])
    body = client.get(url).content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in body and "cdn" not in body.lower()
    assert 'data-survey-chart="chart-data-' in body
    assert "80%" in body  # 4 of 5 confirmed, before attendance is taken
    assert '<th scope="row">1（不満）</th>' in body
    # Once attendance is taken the rate is of attendees (3 attended, 2 absent).
    Registration.objects.filter(event=event).update(attendance="absent")
    Registration.objects.filter(pk__in=[r.pk for r in registrations[:3]]).update(attendance="attended")
    response = client.get(url)
    rate = response.context["rate"]
    assert rate["basis"] == "attended" and rate["denominator"] == 3
    assert "4 of 3 attendees" in response.content.decode()


def test_free_text_is_listed_and_searchable(client, event, organizer):
    form = make_form("questionnaire", event, anonymous=False)
    answer_many(form, event, 3)
    aggregate_now(form, event)
    client.force_login(organizer)
    url = reverse("surveys:results", args=[form.pk, event.pk])
    assert client.get(url).context["text_page"].paginator.count == 3
    assert client.get(url, {"q": "他機関"}).context["text_page"].paginator.count == 3
    assert client.get(url, {"q": "存在しない語"}).context["text_page"].paginator.count == 0


def test_small_groups_are_hidden_in_anonymous_forms(client, event, organizer, settings):
    settings.SURVEYS_MIN_GROUP_SIZE = 3
    form = make_form("questionnaire", event, min_responses=3)
    # 1 医療機関, 1 without an affiliation, 4 行政職員: the 医療機関 group is hidden, and so is
    # 行政職員 (total − 行政職員 would be the hidden two), so no group shows.
    answer_many(form, event, 6, affiliation=lambda i: "医療機関" if i == 0 else "行政職員")
    drop_affiliation(form, 1)
    close(form)
    tasks.release_anonymous()
    client.force_login(organizer)
    response = client.get(reverse("surveys:results", args=[form.pk, event.pk]))
    satisfaction = next(r for r in response.context["results"] if r.question.key == "satisfaction")
    groups = {g.label: g for g in satisfaction.groups}
    assert groups["医療機関"].hidden and groups["医療機関"].mean is None
    assert groups["行政職員"].hidden and groups["行政職員"].mean is None
    assert "fewer than 3" in response.content.decode()
    # With four more 行政職員 the hidden part (two people) stays hidden, 行政職員 shows.
    other = make_form("questionnaire", event, min_responses=3)
    answer_many(other, event, 10, affiliation=lambda i: "医療機関" if i < 3 else "行政職員")
    close(other)
    tasks.release_anonymous()
    response = client.get(reverse("surveys:results", args=[other.pk, event.pk]))
    satisfaction = next(r for r in response.context["results"] if r.question.key == "satisfaction")
    groups = {g.label: g for g in satisfaction.groups}
    assert not groups["行政職員"].hidden and groups["行政職員"].mean is not None
    assert not groups["医療機関"].hidden and groups["医療機関"].count == 3
    # A named (non-anonymous) form shows every group.
    named = make_form("questionnaire", event, anonymous=False)
    answer_many(named, event, 2, affiliation=lambda i: "医療機関")
    aggregate_now(named, event)
    response = client.get(reverse("surveys:results", args=[named.pk, event.pk]))
    satisfaction = next(r for r in response.context["results"] if r.question.key == "satisfaction")
    assert not satisfaction.groups[0].hidden


@pytest.mark.parametrize("anonymous", [False, True])
def test_results_page_query_count_is_the_same_at_both_sizes(
    client, event, organizer, django_assert_num_queries, anonymous
):
    # session, user, form, event, hosts + memberships (permission), summary, sections,
    # questions, choices, registration counts, written answers (count + page): the
    # same list at 3 and at 33 submissions.
    form = make_form("questionnaire", event, anonymous=anonymous, min_responses=3, results_release="steps")
    client.force_login(organizer)
    url = reverse("surveys:results", args=[form.pk, event.pk])
    counts = []
    for batch in (3, 30):
        answer_many(form, event, batch)
        if anonymous:
            tasks.release_anonymous()
        else:
            aggregate_now(form, event)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert client.get(url).context["responses"] == 33
    with django_assert_num_queries(counts[0]):
        client.get(url)


def test_status_page_counts_and_constant_queries(client, event, organizer, django_assert_num_queries):
    form = make_form("questionnaire", event, anonymous=False)
    answer_many(form, event, 2)
    confirmed(event, UserFactory())
    client.force_login(organizer)
    url = reverse("surveys:status", args=[form.pk, event.pk])
    response = client.get(url)
    assert response.context["counts"] == {"none": 1, "draft": 0, "submitted": 2}
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    answer_many(form, event, 5)
    with django_assert_num_queries(len(small)):
        client.get(url)


def test_status_of_an_anonymous_form_shows_who_not_what(client, event, organizer):
    form = make_form("questionnaire", event, min_responses=3)
    registrations = answer_many(form, event, 2)
    client.force_login(organizer)
    url = reverse("surveys:status", args=[form.pk, event.pk])
    response = client.get(url)
    # Fewer than k: a count, no names.
    assert response.context["rows"] == [] and response.context["counts"]["submitted"] == 2
    assert registrations[0].user.full_name not in response.content.decode()
    registrations += answer_many(form, event, 1)
    response = client.get(url)
    states = {row["registration"].pk: row["state"] for row in response.context["rows"]}
    assert states == {r.pk: "submitted" for r in registrations}
    assert "/forms/submissions/" not in response.content.decode()


def test_results_are_for_organizers_and_the_reviewer_only(client, event, participant, reviewer, outsider):
    form = make_form("questionnaire", event)
    url = reverse("surveys:results", args=[form.pk, event.pk])
    client.force_login(participant)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("surveys:export_xlsx", args=[form.pk, event.pk])).status_code == 403
    client.force_login(reviewer)
    assert client.get(url).status_code == 200


def test_compare_sessions_of_a_series(client, municipality, organizer, settings):
    settings.SURVEYS_MIN_GROUP_SIZE = 3
    series = EventSeriesFactory(hosts=[municipality])
    first = past_event(series=series, number=1, hosts=[municipality])
    second = past_event(series=series, number=2, hosts=[municipality])
    a = make_form("questionnaire", first, min_responses=3, results_release="steps")
    b = make_form("questionnaire", second, min_responses=3, results_release="steps")
    answer_many(a, first, 4, satisfaction=lambda i: 2)
    answer_many(b, second, 4, satisfaction=lambda i: 5)
    tasks.release_anonymous()
    client.force_login(organizer)
    response = client.get(reverse("surveys:compare", args=[a.pk]))
    row = next(r for r in response.context["rows"] if r["question"].key == "satisfaction")
    assert [c["mean"] for c in row["cells"]] == [2.0, 5.0]
    assert "compare-data" in response.content.decode()
    # A session with fewer than 3 anonymous responses is hidden.
    third = past_event(series=series, number=3, hosts=[municipality])
    c = make_form("questionnaire", third, min_responses=3, results_release="steps")
    answer_many(c, third, 2)
    tasks.release_anonymous()
    response = client.get(
        reverse("surveys:compare", args=[a.pk]), {"pair": [f"{a.pk}-{first.pk}", f"{c.pk}-{third.pk}"]}
    )
    row = next(r for r in response.context["rows"] if r["question"].key == "satisfaction")
    assert row["cells"][1].get("hidden")


# --- exports --------------------------------------------------------------------------------


def test_exports_xlsx_with_repeating_sheet_csv_and_zip(client, municipality, organizer, participant):
    from tests.factories import EventFactory

    event = EventFactory(hosts=[municipality])
    confirmed(event, participant, municipality)
    form = make_form("assessment", event)
    q = questions(form)
    sections = {s.title: s.pk for s in form.sections.all()}
    client.force_login(participant)
    client.post(
        reverse("surveys:fill", args=[form.pk, event.pk]),
        {
            f"s{sections['相談支援機関情報']}-count": "2",
            name(q["departments"]): '=HYPERLINK("http://evil")',
            name(q["created_on"]): "2022-03-01",
            name(q["agency_name"], 0): "地域包括支援センター",
            name(q["agency_name"], 1): "障がい者相談支援センター",
            name(q["issue"]): "窓口が縦割り",
            name(q["org_chart"]): SimpleUploadedFile("組織図.pdf", b"%PDF-1.4 test"),
            "action": "submit",
        },
    )
    client.force_login(organizer)
    xlsx = client.get(reverse("surveys:export_xlsx", args=[form.pk, event.pk]))
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["Answers", "相談支援機関情報", "課題"]
    main = [[c.value for c in row] for row in workbook["Answers"].iter_rows()]
    assert main[1][1] == "草加市"
    assert '\'=HYPERLINK("http://evil")' in main[1]  # formula neutralised
    agencies = [[c.value for c in row] for row in workbook["相談支援機関情報"].iter_rows()]
    assert [r[2] for r in agencies[1:]] == ["地域包括支援センター", "障がい者相談支援センター"]
    csv = client.get(reverse("surveys:export_csv", args=[form.pk, event.pk]))
    assert csv.content.startswith(b"\xef\xbb\xbf")
    text = csv.content.decode("utf-8-sig")
    assert "相談支援機関情報2: 機関名" in text and "障がい者相談支援センター" in text
    archive = client.get(reverse("surveys:export_files", args=[form.pk, event.pk]))
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as z:
        names = z.namelist()
        assert len(names) == 1 and names[0].endswith("組織図.pdf") and "草加市" in names[0]
        assert z.read(names[0]) == b"%PDF-1.4 test"
