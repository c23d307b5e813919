"""The questionnaire: a signed link in mail that needs no login, one response per
registrant, and anonymity that survives a look at the database."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.urls import reverse

from surveys import tokens
from surveys.models import Answer, Form, Respondent, Submission
from tests.factories import UserFactory

from .factories import confirmed, make_form, past_event, questionnaire_answers, questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(municipality):
    return past_event(hosts=[municipality])


@pytest.fixture
def registration(event, participant, municipality):
    return confirmed(event, participant, municipality)


@pytest.fixture
def questionnaire(event):
    return make_form("questionnaire", event)


def token_url(form, registration):
    return reverse("surveys:answer_token", args=[tokens.make_token(form, registration)])


def test_token_link_answers_without_login(client, questionnaire, registration):
    url = token_url(questionnaire, registration)
    mailed = tokens.questionnaire_url(questionnaire, registration)
    assert mailed.startswith("http") and "/forms/answer/" in mailed
    page = client.get(url)
    assert page.status_code == 200
    assert "本日の研修の満足度" in page.content.decode()
    response = client.post(url, {**questionnaire_answers(questions(questionnaire)), "action": "submit"})
    assert response.status_code == 200
    assert "Your answers have been sent" in response.content.decode()
    assert Submission.objects.filter(form=questionnaire, status="submitted").count() == 1


def test_one_response_per_registrant(client, questionnaire, registration):
    url = token_url(questionnaire, registration)
    data = {**questionnaire_answers(questions(questionnaire)), "action": "submit"}
    client.post(url, data)
    again = client.post(url, data)
    assert "already answered" in again.content.decode()
    assert Submission.objects.filter(form=questionnaire).count() == 1
    # The login route knows too.
    client.force_login(registration.user)
    page = client.get(reverse("surveys:fill", args=[questionnaire.pk, registration.event_id]))
    assert "already answered" in page.content.decode()


def test_forged_token_is_refused(client, questionnaire, registration):
    token = tokens.make_token(questionnaire, registration)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.get(reverse("surveys:answer_token", args=[forged]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    # A token for another purpose (same key, other salt) is not accepted either.
    other = signing.dumps({"f": questionnaire.pk, "r": registration.pk})
    assert client.get(reverse("surveys:answer_token", args=[other])).status_code == 400


def test_expired_token_is_refused(client, questionnaire, registration, settings):
    settings.SURVEYS_TOKEN_MAX_AGE_DAYS = 30
    url = token_url(questionnaire, registration)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=31)):
        response = client.get(url)
    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_token_of_a_cancelled_registration_is_refused(client, questionnaire, registration):
    url = token_url(questionnaire, registration)
    registration.status = "cancelled"
    registration.save()
    assert client.get(url).status_code == 400


def test_questionnaire_is_not_open_before_the_event_ends(client, municipality, participant):
    from tests.factories import EventFactory

    upcoming = EventFactory(hosts=[municipality])
    registration = confirmed(upcoming, participant, municipality)
    form = make_form("questionnaire", upcoming)
    response = client.get(token_url(form, registration))
    assert response.status_code == 403
    assert "opens on" in response.content.decode()


def test_anonymous_response_keeps_nothing_that_links_it_to_the_person(client, questionnaire, registration):
    token = tokens.make_token(questionnaire, registration)
    client.post(
        reverse("surveys:answer_token", args=[token]),
        {**questionnaire_answers(questions(questionnaire)), "action": "submit"},
    )
    submission = Submission.objects.get(form=questionnaire)
    # No person, no time on the response.
    assert submission.user_id is None and submission.updated_by_id is None
    assert submission.organization_id is None
    assert submission.created_at is None and submission.updated_at is None and submission.submitted_at is None
    # The "who has answered" row has no link to the response and no time.
    mark = Respondent.objects.get()
    assert mark.user_id == registration.user_id
    assert {f.name for f in Respondent._meta.get_fields()} == {"id", "form", "event", "user"}
    assert not any(f.is_relation and f.related_model is Submission for f in Respondent._meta.get_fields())
    # Random keys on both sides, so neither order of insertion can be matched.
    assert not str(submission.pk).isdigit() and not str(mark.pk).isdigit()
    # Nothing in any survey table holds the token, the user's id, email or name.
    needles = [token, registration.user.email, registration.user.full_name]
    with connection.cursor() as cursor:
        for table in ("surveys_submission", "surveys_answer", "surveys_summary"):
            cursor.execute(f"SELECT * FROM {table}")
            columns = [c.name for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    assert not any(n in str(value) for n in needles), (table, column)
                    assert not (column.endswith("user_id") and value is not None), (table, column)
    answers = Answer.objects.filter(submission=submission)
    assert answers.count() >= 8


def test_a_link_stops_once_used_and_a_fresh_one_is_mailed_on_request(client, event, registration):
    from notifications import delivery
    from notifications.models import Outbox

    form = make_form("questionnaire", event, anonymous=False)
    url = token_url(form, registration)
    q = questions(form)
    response = client.post(url, {**questionnaire_answers(q, satisfaction=2), "action": "submit"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    # The same link again: refused, with a button to have a new one mailed.
    response = client.post(url, {**questionnaire_answers(q, satisfaction=5), "action": "submit"})
    assert response.status_code == 410
    assert 'value="new_link"' in response.content.decode()
    assert client.get(url).status_code == 410
    submission = Submission.objects.get(form=form)
    assert Answer.objects.get(submission=submission, question=q["satisfaction"]).value_number == 2
    response = client.post(url, {"action": "new_link"})
    assert response.status_code == 200
    client.post(url, {"action": "new_link"})  # pressed twice within the hour: one mail
    mail = Outbox.objects.get(kind=Outbox.Kind.QUESTIONNAIRE_LINK)
    delivery.dispatch_due()
    mail.refresh_from_db()
    assert mail.recipient_id == registration.user_id and mail.status == Outbox.Status.SENT
    fresh = next(w for w in mail.body_text.split() if "/forms/answer/" in w)
    fresh = fresh[fresh.index("/forms/answer/") :]
    assert fresh != url
    response = client.post(fresh, {**questionnaire_answers(q, satisfaction=5), "action": "submit"})
    assert response.status_code == 200
    assert Answer.objects.get(submission=submission, question=q["satisfaction"]).value_number == 5
    assert client.get(fresh).status_code == 410  # used in its turn
    assert client.get(url).status_code == 410


def test_links_of_anonymous_questionnaires_end_with_the_answer_and_cannot_be_renewed(
    client, questionnaire, registration
):
    url = token_url(questionnaire, registration)
    client.post(url, {**questionnaire_answers(questions(questionnaire)), "action": "submit"})
    response = client.get(url)
    assert response.status_code == 410 and 'value="new_link"' not in response.content.decode()
    assert client.post(url, {"action": "new_link"}).status_code == 400
    assert Respondent.objects.count() == 1


def test_a_link_stops_when_the_questionnaire_closes(client, questionnaire, registration):
    url = token_url(questionnaire, registration)
    assert client.get(url).status_code == 200
    closes = questionnaire.closes_for(registration.event)
    assert closes == registration.event.ends_at + dt.timedelta(days=14)
    with time_machine.travel(closes + dt.timedelta(minutes=1)):
        response = client.get(url)
        assert response.status_code == 400 and "closed" in response.content.decode()
        assert client.post(url, {"action": "new_link"}).status_code == 400


def test_anonymous_is_refused_for_per_organization_forms(event):
    form = make_form("assessment", event)
    with pytest.raises(Exception):
        Form.objects.filter(pk=form.pk).update(anonymous=True)


def test_missing_required_answers_in_an_anonymous_questionnaire_keep_what_was_typed(
    client, questionnaire, registration
):
    url = token_url(questionnaire, registration)
    q = questions(questionnaire)
    response = client.post(url, {f"q{q['requests'].pk}-0": "資料を事前にください", "action": "submit"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "資料を事前にください" in body and "This answer is required." in body
    assert not Submission.objects.exists() and not Respondent.objects.exists()


def test_other_users_cannot_use_the_login_route(client, questionnaire, registration):
    stranger = UserFactory()
    client.force_login(stranger)
    response = client.get(reverse("surveys:fill", args=[questionnaire.pk, registration.event_id]))
    assert response.status_code == 403
