"""Helpers for the surveys tests: forms from the casebook templates, registrants, posts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from events.models import Registration
from surveys import building
from surveys.models import Form, Question
from tests.factories import EventFactory, RegistrationFactory


def past_event(**kwargs):
    start = (timezone.now() - dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    kwargs.setdefault("starts_at", start)
    kwargs.setdefault("ends_at", start + dt.timedelta(hours=2))
    return EventFactory(**kwargs)


def make_form(starter: str, event, **changes) -> Form:
    form = building.build_from_starter(starter=starter, event=event)
    if changes:
        Form.objects.filter(pk=form.pk).update(**changes)
        form.refresh_from_db()
    return form


def confirmed(event, user, organization=None) -> Registration:
    return RegistrationFactory(
        event=event, user=user, status=Registration.Status.CONFIRMED, organization=organization
    )


def questions(form: Form) -> dict[str, Question]:
    return {q.key: q for q in Question.objects.filter(form=form).prefetch_related("choices")}


def choice_id(question: Question, label: str) -> str:
    return str(next(c.pk for c in question.choices.all() if c.label == label))


def name(question: Question, repeat: int = 0) -> str:
    return f"q{question.pk}-{repeat}"


def post(data: dict) -> MultiValueDict:
    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items()})


def questionnaire_answers(
    q: dict[str, Question], *, satisfaction: int = 4, affiliation: str = "行政職員"
) -> dict:
    return {
        name(q["satisfaction"]): str(satisfaction),
        name(q["understand_kyosei_before"]): "2",
        name(q["understand_kyosei_after"]): "4",
        name(q["understand_jusou_before"]): "1",
        name(q["understand_jusou_after"]): "3",
        name(q["usefulness"]): "5",
        name(q["attend_again"]): "yes",
        name(q["affiliation"]): choice_id(q["affiliation"], affiliation),
        name(q["useful_comment"]): "他機関の視点が参考になった",
    }
