"""Every page of the engine renders for the people it is for."""

import pytest
from django.urls import reverse

from surveys import answering
from surveys.models import Submission
from tests.factories import EventFactory

from .factories import confirmed, make_form, name, post, questions

pytestmark = pytest.mark.django_db


def test_organizer_pages_render(client, municipality, organizer, participant):
    event = EventFactory(hosts=[municipality])
    confirmed(event, participant, municipality)
    form = make_form("worksheet", event)
    q = questions(form)
    who = answering.respondent_for(form, event, participant)
    answering.save_answers(
        form,
        event=event,
        who=who,
        data=post({name(q["position"]): "社協", name(q["course"]): "経過", name(q["connect"]): "民生委員"}),
        action="submit",
    )
    submission = Submission.objects.get()
    section = form.sections.get()
    client.force_login(organizer)
    for url in [
        reverse("surveys:add", args=[event.pk]),
        reverse("surveys:event_forms", args=[event.pk]),
        form.get_absolute_url(),
        reverse("surveys:settings", args=[form.pk]),
        reverse("surveys:preview", args=[form.pk]),
        reverse("surveys:section_add", args=[form.pk]),
        reverse("surveys:section_edit", args=[section.pk]),
        reverse("surveys:question_add", args=[section.pk]),
        reverse("surveys:question_edit", args=[q["position"].pk]),
        reverse("surveys:status", args=[form.pk, event.pk]),
        reverse("surveys:results", args=[form.pk, event.pk]),
        reverse("surveys:compare", args=[form.pk]),
        submission.get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "社協" in client.get(submission.get_absolute_url()).content.decode()
    # The settings page saves through the service.
    response = client.post(
        reverse("surveys:settings", args=[form.pk]),
        {
            "title": "ワークシート（第2回）",
            "respondent": "person",
            "default_due": "end",
            "editable_after_submit": "on",
        },
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.title == "ワークシート（第2回）"
    # Editing a question with answers says so.
    page = client.get(reverse("surveys:question_edit", args=[q["position"].pk])).content.decode()
    assert "Its type cannot change" in page


def test_participant_sees_what_they_sent(client, municipality, participant):
    event = EventFactory(hosts=[municipality])
    confirmed(event, participant, municipality)
    form = make_form("prework_soka", event)
    client.force_login(participant)
    assert (
        "Nothing has been sent yet."
        in client.get(reverse("surveys:sent", args=[form.pk, event.pk])).content.decode()
    )
    q = questions(form)
    client.post(
        reverse("surveys:fill", args=[form.pk, event.pk]),
        {
            name(q["case_success"]): "8050世帯の支援",
            name(q["success_factors"]): "顔の見える関係",
            name(q["case_difficult"]): "多頭飼育",
            "action": "draft",
        },
    )
    page = client.get(reverse("surveys:sent", args=[form.pk, event.pk])).content.decode()
    assert "8050世帯の支援" in page and "Continue the draft" in page
