"""The panels the event pages include, and the demo data."""

import datetime as dt

import pytest
from django.template.loader import render_to_string

from surveys.models import Form, Submission, Summary
from tests.factories import EventFactory

from .factories import confirmed, make_form, name, post, questions

pytestmark = pytest.mark.django_db


def render(template, **context):
    # No request: the panels need only their own context (no context processors).
    return render_to_string(template, context)


def test_participant_panel_lists_forms_with_status_and_links(municipality, participant):
    from surveys import answering

    event = EventFactory(hosts=[municipality])
    registration = confirmed(event, participant, municipality)
    worksheet = make_form("worksheet", event)
    make_form("questionnaire", event)
    html = render(
        "surveys/_event_participant_panel.html", event=event, registration=registration, user=participant
    )
    assert "なんとかしたい！なんとかしたかったワークシート" in html
    assert "Not started" in html and f"/forms/{worksheet.pk}/e/{event.pk}/fill/" in html
    assert "Opens" in html  # the questionnaire opens when the event ends
    q = questions(worksheet)
    who = answering.respondent_for(worksheet, event, participant)
    answering.save_answers(
        worksheet, event=event, who=who, data=post({name(q["position"]): "社協"}), action="draft"
    )
    html = render(
        "surveys/_event_participant_panel.html", event=event, registration=registration, user=participant
    )
    assert "Continue the draft" in html
    # Without a confirmed registration the panel stays empty.
    assert (
        render(
            "surveys/_event_participant_panel.html", event=event, registration=None, user=participant
        ).strip()
        == ""
    )


def test_organizer_panel_counts_and_links(
    municipality, organizer, participant, django_assert_max_num_queries
):
    event = EventFactory(hosts=[municipality])
    confirmed(event, participant, municipality)
    form = make_form("worksheet", event)
    Submission.objects.create(form=form, event=event, user=participant, status="submitted")
    with django_assert_max_num_queries(3):  # forms, submission counts, confirmed count
        html = render("surveys/_event_organizer_panel.html", event=event, user=organizer)
    assert "1 / 1" in html
    for part in (
        "status/",
        "results/",
        "export.xlsx",
        "export.csv",
        "files.zip",
        f"/forms/event/{event.pk}/add/",
    ):
        assert part in html


def test_demo_is_idempotent_and_fills_the_2022_sessions():
    from demo import events as events_demo
    from demo import surveys as demo

    events_demo.load()
    demo.load()
    counts = (Form.objects.count(), Submission.objects.count(), Summary.objects.count())
    demo.load()
    assert (Form.objects.count(), Submission.objects.count(), Summary.objects.count()) == counts
    prework = Form.objects.get(starter="prework_soka")
    assert prework.event.starts_at.date() == dt.date(2022, 2, 10)
    assert prework.submissions.filter(status="submitted").exists()
    assessment = Form.objects.get(starter="assessment")
    assert assessment.event.starts_at.date() == dt.date(2022, 3, 11)
    assert assessment.submissions.filter(organization__isnull=False).count() >= 2
    worksheet = Form.objects.get(starter="worksheet")
    assert worksheet.event.starts_at.date() == dt.date(2022, 3, 23)
    questionnaires = Form.objects.filter(starter="questionnaire")
    assert questionnaires.count() >= 4
    for form in questionnaires:
        summary = Summary.objects.get(form=form, event=form.event)
        assert summary.responses >= 3
