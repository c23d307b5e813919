"""Organizers add a form from a casebook template and change it in the builder;
changes that would corrupt answers already given are refused with a reason."""

import pytest
from django.urls import reverse
from django.utils import translation

from surveys import answering, building, errors
from surveys.models import Answer, Choice, Form, Question, Section
from surveys.starters import STARTERS
from tests.factories import EventFactory, EventSeriesFactory

from .factories import confirmed, make_form, name, post, questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(municipality):
    return EventFactory(hosts=[municipality])


@pytest.mark.parametrize("starter", list(STARTERS))
def test_every_template_builds_a_complete_form(event, organizer, starter):
    form = building.create_from_starter(by=organizer, starter=starter, event=event)
    spec = STARTERS[starter]
    assert form.title == spec.title
    assert form.sections.count() == len(spec.sections)
    assert form.questions.count() == sum(len(s.questions) for s in spec.sections)
    for question in form.questions.all():
        if question.is_choice:
            assert question.choices.count() >= 2


def test_templates_carry_the_casebook_structure(event):
    worksheet = make_form("worksheet", event)
    block = worksheet.sections.get()
    assert block.repeatable and block.max_repeats >= 2
    assert [q.label for q in block.questions.order_by("order")] == [
        "対象者の年齢",
        "対象者の性別",
        "自分の立場",
        "経過",
        "誰とつながればよかったんだろう？",
    ]
    assessment = make_form("assessment", event)
    assert assessment.respondent == Form.Respondent.ORGANIZATION
    assert assessment.questions.get(key="org_chart").type == Question.Type.FILE
    assert assessment.questions.get(key="population").unit == "人"
    assert assessment.questions.get(key="area").unit == "km²"
    assert Section.objects.get(form=assessment, title="相談支援機関情報").repeatable
    assert Section.objects.get(form=assessment, title="課題").repeatable
    questionnaire = make_form("questionnaire", event)
    assert questionnaire.anonymous
    assert questionnaire.questions.get(key="useful_parts").choices.filter(is_other=True).exists()


def test_only_the_events_organizer_may_add_a_form(client, event, organizer, other_organizer, participant):
    url = reverse("surveys:add", args=[event.pk])
    client.force_login(participant)
    assert client.post(url, {"starter": "worksheet"}).status_code == 403
    client.force_login(other_organizer)
    assert client.post(url, {"starter": "worksheet"}).status_code == 403
    assert not Form.objects.exists()
    client.force_login(organizer)
    response = client.post(url, {"starter": "worksheet"})
    form = Form.objects.get()
    assert response.status_code == 302 and response["Location"] == form.get_absolute_url()
    assert client.get(form.get_absolute_url()).status_code == 200


def test_a_form_can_serve_every_session_of_a_series(client, municipality, organizer):
    series = EventSeriesFactory(hosts=[municipality])
    first = EventFactory(series=series, number=1, hosts=[municipality])
    second = EventFactory(series=series, number=2, hosts=[municipality])
    client.force_login(organizer)
    client.post(reverse("surveys:add", args=[first.pk]), {"starter": "questionnaire", "whole_series": "1"})
    form = Form.objects.get()
    assert form.series == series and form.event is None
    assert form.applies_to(first) and form.applies_to(second)


def test_builder_adds_edits_and_reorders_questions(client, event, organizer):
    form = make_form("prework_soka", event)
    section = form.sections.order_by("order").first()
    client.force_login(organizer)
    response = client.post(
        reverse("surveys:question_add", args=[section.pk]),
        {"label": "所属の種別", "type": "single_choice", "choices_text": "行政\n社協\n", "allow_other": "on"},
    )
    assert response.status_code == 302
    added = form.questions.get(label="所属の種別")
    assert list(added.choices.values_list("label", "is_other")) == [
        ("行政", False),
        ("社協", False),
        ("その他（自由記述）", True),
    ]
    # Move it to the top of its section.
    client.post(reverse("surveys:question_move", args=[added.pk]), {"direction": "up"})
    client.post(reverse("surveys:question_move", args=[added.pk]), {"direction": "up"})
    assert section.questions.order_by("order").values_list("label", flat=True).first() == "所属の種別"
    # Full-width digits in limits are accepted.
    number = client.post(
        reverse("surveys:question_add", args=[section.pk]),
        {"label": "経験年数", "type": "integer", "unit": "年", "min_value": "０", "max_value": "６０"},
    )
    assert number.status_code == 302
    assert form.questions.get(label="経験年数").max_value == 60
    # A section that repeats.
    client.post(
        reverse("surveys:section_add", args=[form.pk]),
        {"title": "事例", "repeatable": "on", "min_repeats": "1", "max_repeats": "3"},
    )
    assert form.sections.get(title="事例").max_repeats == 3


def test_choice_question_needs_two_choices(client, event, organizer):
    form = make_form("prework_soka", event)
    section = form.sections.first()
    client.force_login(organizer)
    response = client.post(
        reverse("surveys:question_add", args=[section.pk]),
        {"label": "一つだけ", "type": "single_choice", "choices_text": "A"},
    )
    assert response.status_code == 200
    assert "at least two choices" in response.content.decode()


@pytest.fixture
def answered(event, participant):
    form = make_form("worksheet", event)
    q = questions(form)
    confirmed(event, participant)
    who = answering.respondent_for(form, event, participant)
    answering.save_answers(
        form,
        event=event,
        who=who,
        data=post({name(q["gender"]): str(q["gender"].choices.first().pk), name(q["position"]): "社協"}),
        action="draft",
    )
    return form


def test_answered_question_cannot_be_deleted_or_change_type(answered, organizer):
    q = questions(answered)
    with pytest.raises(errors.SurveyError, match="already has answers"):
        building.delete_question(q["position"], by=organizer)
    with pytest.raises(errors.SurveyError, match="type cannot change"):
        building.update_question(q["position"], by=organizer, data={"label": "立場", "type": "long_text"})
    q["position"].refresh_from_db()
    assert q["position"].type == "short_text"
    assert Answer.objects.filter(question=q["position"]).get().value_text == "社協"
    # Wording may change: the answers stay attached.
    building.update_question(
        q["position"], by=organizer, data={"label": "あなたの立場", "type": "short_text"}
    )
    q["position"].refresh_from_db()
    assert q["position"].label == "あなたの立場"
    # An unanswered question can go.
    building.delete_question(q["course"], by=organizer)
    assert not Question.objects.filter(pk=q["course"].pk).exists()


def test_answered_choice_cannot_be_removed_but_others_can(answered, organizer):
    gender = questions(answered)["gender"]
    picked = Answer.objects.get(question=gender).choice
    with pytest.raises(errors.SurveyError, match=picked.label):
        building.update_question(
            gender, by=organizer, data={"label": gender.label, "type": "single_choice"}, choices=["X", "Y"]
        )
    assert Choice.objects.filter(pk=picked.pk).exists()
    labels = [c.label for c in gender.choices.all() if not c.is_other and c.pk != picked.pk]
    building.update_question(
        gender,
        by=organizer,
        data={"label": gender.label, "type": "single_choice", "allow_other": True},
        choices=[picked.label, "不明"],
    )
    remaining = list(gender.choices.values_list("label", flat=True))
    assert picked.label in remaining and "不明" in remaining
    assert not set(labels) & set(remaining)


def test_answered_section_cannot_be_deleted_and_limit_cannot_undercut_answers(answered, organizer):
    section = answered.sections.get()
    with pytest.raises(errors.SurveyError):
        building.delete_section(section, by=organizer)
    Answer.objects.filter(question__section=section).update(repeat=2)
    with pytest.raises(errors.SurveyError, match="3"):
        building.update_section(
            section,
            by=organizer,
            data={"title": "事例", "repeatable": True, "min_repeats": 1, "max_repeats": 2},
        )


def test_refusal_is_shown_in_japanese_in_the_builder(client, answered, organizer, settings):
    q = questions(answered)
    client.force_login(organizer)
    client.cookies["django_language"] = "ja"
    response = client.post(
        reverse("surveys:question_delete", args=[q["position"].pk]), {"confirm": "1"}, follow=True
    )
    assert response.status_code == 200
    with translation.override("ja"):
        expected = translation.gettext(
            "This question already has answers, so it cannot be deleted. Change its wording "
            "or make it optional instead."
        )
    assert expected in response.content.decode()
    assert "既に回答" in expected or "回答があるため" in expected or expected.isascii() is False


def test_anonymity_cannot_change_after_answers(answered, organizer):
    with pytest.raises(errors.SurveyError):
        building.update_form(answered, by=organizer, data={"respondent": "organization"})


def test_preview_validates_without_saving(client, event, organizer):
    form = make_form("worksheet", event)
    q = questions(form)
    client.force_login(organizer)
    url = reverse("surveys:preview", args=[form.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {name(q["age"]): "abc", "action": "submit"})
    assert "Enter a number" in response.content.decode()
    assert not form.submissions.exists()


def test_outsiders_cannot_open_the_builder(client, event, outsider):
    form = make_form("worksheet", event)
    client.force_login(outsider)
    assert client.get(form.get_absolute_url()).status_code == 403
    assert client.get(reverse("surveys:preview", args=[form.pk])).status_code == 403
