"""Completion rules against the roster: each condition alone, then combined, and the
rules no one could meet refused with nothing saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from events.models import Event, Registration
from records import rules
from records.completion import evaluate
from records.errors import RecordsError
from records.models import CompletionRule
from surveys.models import Form, Respondent, Submission
from tests.records.conftest import attend, past_session

Attendance = Registration.Attendance
pytestmark = pytest.mark.django_db


def _rule(organizer, training, **fields):
    base = {"issuer_name": "草加市", "document": CompletionRule.Document.COMPLETION, "seal_omitted": True}
    return rules.save_rule(by=organizer, series=training.series, fields={**base, **fields})


def _result(rule, user):
    return next(r for r in evaluate(rule) if r.user.pk == user.pk)


def _form(event, kind, **fields):
    return Form.objects.create(event=event, kind=kind, title=f"{kind} {event.pk}", **fields)


def _submit(form, event, user=None, organization=None):
    return Submission.objects.create(
        form=form,
        event=event,
        user=user,
        organization=organization,
        status=Submission.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


# --- attendance ---------------------------------------------------------------------------


def test_every_session_by_default(organizer, participant, outsider, training):
    rule = _rule(organizer, training)
    for session in training.sessions:
        attend(session, participant)
    attend(training.s1, outsider)
    attend(training.s2, outsider, Attendance.ABSENT)

    assert _result(rule, participant).completed
    other = _result(rule, outsider)
    assert not other.completed
    assert other.counted == 1
    assert other.reasons == ["1 of the 2 sessions needed.", "Session 2: absent"]


def test_left_early_and_unrecorded_do_not_count_without_a_minutes_rule(organizer, participant, training):
    rule = _rule(organizer, training)
    attend(training.s1, participant, Attendance.LEFT_EARLY, minutes=100)
    attend(training.s2, participant, Attendance.UNKNOWN)
    result = _result(rule, participant)
    assert not result.completed
    assert [s.reasons for s in result.sessions] == [["left early"], ["attendance not recorded"]]


def test_at_least_n_sessions(organizer, participant, outsider, training):
    rule = _rule(organizer, training, min_sessions=1)
    attend(training.s2, participant)
    attend(training.s1, outsider, Attendance.ABSENT)
    result = _result(rule, participant)
    assert result.completed and result.required == 1
    # Not registered for the first session at all: said so, and it does not matter here.
    assert result.sessions[0].reasons == ["not registered"]
    assert not _result(rule, outsider).completed


def test_minutes_in_each_session(organizer, participant, outsider, coordinator, training):
    rule = _rule(organizer, training, min_minutes=90)
    # Present long enough counts even when the importer's ratio said 途中退出.
    attend(training.s1, participant, Attendance.LEFT_EARLY, minutes=95)
    attend(training.s2, participant, Attendance.ATTENDED, minutes=118)
    attend(training.s1, outsider, Attendance.ATTENDED, minutes=120)
    attend(training.s2, outsider, Attendance.LEFT_EARLY, minutes=45)
    # Marked 出席 on an online session, but no Zoom minutes: cannot be judged.
    attend(training.s1, coordinator, Attendance.ATTENDED, minutes=None)
    attend(training.s2, coordinator, Attendance.ATTENDED, minutes=100)

    assert _result(rule, participant).completed
    assert _result(rule, outsider).sessions[1].reasons == ["45 minutes (90 needed)"]
    assert _result(rule, coordinator).sessions[0].reasons == ["minutes not recorded (import the Zoom report)"]


def test_a_venue_session_has_no_minute_counter(organizer, participant, municipality):
    venue = past_session(
        hosts=[municipality], days_ago=3, attendance_mode=Event.Mode.IN_PERSON, venue_name="草加市役所"
    )
    rule = rules.save_rule(by=organizer, event=venue, fields={"issuer_name": "草加市", "min_minutes": 60})
    attend(venue, participant, Attendance.ATTENDED, minutes=None)
    assert evaluate(rule)[0].completed


def test_questionnaire_answered(organizer, participant, outsider, coordinator, training):
    named = _form(training.s1, Form.Kind.QUESTIONNAIRE)
    anonymous = _form(training.s2, Form.Kind.QUESTIONNAIRE, anonymous=True)
    rule = _rule(organizer, training, require_questionnaire=True)
    for person in (participant, outsider, coordinator):
        attend(training.s1, person)
        attend(training.s2, person)
    _submit(named, training.s1, participant)
    Respondent.objects.create(form=anonymous, event=training.s2, user=participant)
    _submit(named, training.s1, outsider)
    # A draft is not an answer.
    Submission.objects.create(form=named, event=training.s1, user=coordinator, status=Submission.Status.DRAFT)

    assert _result(rule, participant).completed
    assert _result(rule, outsider).sessions[1].reasons == ["questionnaire not answered"]
    assert _result(rule, coordinator).sessions[0].reasons == ["questionnaire not answered"]


def test_prework_submitted_by_person_or_by_the_municipality(
    organizer, participant, outsider, municipality, training
):
    from tests.factories import OrganizationFactory

    department = OrganizationFactory(name="福祉政策課", parent=municipality)
    personal = _form(training.s1, Form.Kind.PREWORK)
    sheet = Form.objects.create(
        series=training.series,
        kind=Form.Kind.PREWORK,
        title="アセスメントシート",
        respondent=Form.Respondent.ORGANIZATION,
    )
    rule = _rule(organizer, training, require_prework=True)
    attend(training.s1, participant, organization=department)
    attend(training.s2, participant, organization=department)
    attend(training.s1, outsider)
    attend(training.s2, outsider)
    _submit(personal, training.s1, participant)
    # The municipality's assessment sheet, answered once for 草加市, counts for its department's staff.
    _submit(sheet, training.s1, organization=municipality)
    _submit(sheet, training.s2, organization=municipality)

    assert _result(rule, participant).completed
    reasons = [s.reasons for s in _result(rule, outsider).sessions]
    assert reasons == [["pre-work not submitted"], ["pre-work not submitted"]]


def test_conditions_combined(organizer, participant, outsider, coordinator, training):
    questionnaire = _form(training.s2, Form.Kind.QUESTIONNAIRE)
    prework = _form(training.s1, Form.Kind.PREWORK)
    rule = _rule(
        organizer, training, min_sessions=2, min_minutes=60, require_questionnaire=True, require_prework=True
    )
    for person in (participant, outsider, coordinator):
        attend(training.s1, person, minutes=110)
        attend(training.s2, person, minutes=100)
        _submit(prework, training.s1, person)
    _submit(questionnaire, training.s2, participant)
    _submit(questionnaire, training.s2, coordinator)
    Registration.objects.filter(event=training.s1, user=coordinator).update(attendance_minutes=30)

    assert _result(rule, participant).completed
    assert _result(rule, outsider).sessions[1].reasons == ["questionnaire not answered"]
    assert _result(rule, coordinator).sessions[0].reasons == ["30 minutes (60 needed)"]


def test_cancelled_and_draft_sessions_do_not_count(organizer, participant, municipality, training):
    past_session(
        hosts=[municipality], series=training.series, number=3, days_ago=2, status=Event.Status.CANCELLED
    )
    past_session(
        hosts=[municipality], series=training.series, number=4, days_ago=1, status=Event.Status.DRAFT
    )
    rule = _rule(organizer, training)
    attend(training.s1, participant)
    attend(training.s2, participant)
    result = _result(rule, participant)
    assert result.required == 2 and result.completed


def test_a_session_not_held_yet_is_said_so(organizer, participant, municipality, training):
    from tests.factories import EventFactory

    EventFactory(hosts=[municipality], series=training.series, number=3, title=training.series.title)
    rule = _rule(organizer, training)
    attend(training.s1, participant)
    attend(training.s2, participant)
    result = _result(rule, participant)
    assert not result.completed
    assert result.sessions[2].reasons == ["not registered"]


# --- rules no one could meet --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"min_sessions": 3}, "Only 2 sessions take place"),
        ({"min_minutes": 200}, "200 minutes in each session cannot be reached"),
        ({"require_questionnaire": True}, "No session has a questionnaire"),
        ({"require_prework": True}, "No session has a pre-work sheet"),
        ({"issuer_name": "  "}, "Enter the issuing organization"),
    ],
)
def test_a_rule_no_session_can_satisfy_is_refused(organizer, training, fields, message):
    with pytest.raises(RecordsError, match=message):
        _rule(organizer, training, **fields)
    assert not CompletionRule.objects.exists()


def test_a_series_with_only_cancelled_sessions_has_nothing_to_complete(organizer, training):
    Event.objects.filter(series=training.series).update(status=Event.Status.CANCELLED, cancel_reason="中止")
    with pytest.raises(RecordsError, match="no sessions to complete"):
        _rule(organizer, training)


def test_a_session_of_a_series_takes_the_series_rule(organizer, training):
    with pytest.raises(RecordsError, match="set the completion rule on the series"):
        rules.save_rule(by=organizer, event=training.s1, fields={"issuer_name": "草加市"})


def test_another_organization_cannot_set_the_rule(other_organizer, training):
    with pytest.raises(PermissionDenied):
        _rule(other_organizer, training)


# --- the roster page ----------------------------------------------------------------------


def test_the_roster_shows_who_completed_and_why_not(client, organizer, participant, outsider, training):
    _rule(organizer, training)
    attend(training.s1, participant)
    attend(training.s2, participant)
    attend(training.s1, outsider)
    attend(training.s2, outsider, Attendance.ABSENT)
    client.force_login(organizer)
    page = client.get(reverse("records:completion", args=["series", training.series.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "修了" in text and "未修了" in text
    assert "第2回: 欠席" in text
    assert "2名中1名が修了" in text


def test_the_rule_form_refuses_with_the_reason_beside_it(client, organizer, training):
    client.force_login(organizer)
    url = reverse("records:rule", args=["series", training.series.pk])
    page = client.post(url, {"min_sessions": "5", "document": "completion", "issuer_name": "草加市"})
    assert page.status_code == 400
    assert "実施される回は2回だけ" in page.content.decode()
    assert not CompletionRule.objects.exists()
    ok = client.post(url, {"min_sessions": "", "document": "attendance", "issuer_name": "草加市"})
    assert ok.status_code == 302
    assert CompletionRule.objects.get().document == "attendance"


def test_roster_queries_do_not_grow_with_people(
    client, organizer, municipality, training, django_assert_max_num_queries
):
    from tests.records.conftest import staff

    _rule(organizer, training)
    client.force_login(organizer)
    url = reverse("records:completion", args=["series", training.series.pk])
    for person in staff(municipality, 3):
        attend(training.s1, person)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for person in staff(municipality, 12, prefix="追加"):
        attend(training.s1, person)
        attend(training.s2, person)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few), "\n".join(q["sql"][:200] for q in many.captured_queries)
