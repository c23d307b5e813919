"""Helpers for report tests: held events with attendance, questionnaires with answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from events.models import Event, Registration
from tests.factories import EventFactory, RegistrationFactory, UserFactory

Attendance = Registration.Attendance


def held_event(*, hosts, days_ago: int = 30, when: dt.datetime | None = None, **fields) -> Event:
    starts = when or (timezone.now() - dt.timedelta(days=days_ago)).replace(
        hour=6, minute=0, second=0, microsecond=0
    )
    fields.setdefault("status", Event.Status.COMPLETED)
    return EventFactory(
        hosts=hosts,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        doors_open_at=starts - dt.timedelta(minutes=15),
        registration_closes_at=starts - dt.timedelta(days=3),
        **fields,
    )


def registrations(event: Event, states: list[str], **kwargs) -> list[Registration]:
    """One confirmed registration per state given."""
    return [
        RegistrationFactory(event=event, user=UserFactory(), attendance=state, **kwargs) for state in states
    ]


def questionnaire(event: Event | None = None, *, series=None):
    from surveys.models import Form, Question, Section

    form = Form.objects.create(
        event=event if series is None else None,
        series=series,
        kind=Form.Kind.QUESTIONNAIRE,
        title="研修アンケート",
        anonymous=True,
    )
    section = Section.objects.create(form=form, title="研修について")
    Question.objects.create(
        form=form,
        section=section,
        key="satisfaction",
        label="本日の研修の満足度",
        type="scale",
        required=True,
    )
    return form


def prework(event: Event):
    from surveys.models import Form

    return Form.objects.create(event=event, kind=Form.Kind.PREWORK, title="事前課題シート")


def answer(form, event: Event, score: int | None = None, *, status: str = "submitted"):
    from surveys.models import Answer, Submission

    submission = Submission.objects.create(form=form, event=event, status=status, submitted_at=timezone.now())
    if score is not None:
        Answer.objects.create(
            submission=submission,
            question=form.questions.get(key="satisfaction"),
            value_number=Decimal(score),
        )
    return submission


def submit(form, event: Event, user):
    from surveys.models import Submission

    return Submission.objects.create(
        form=form, event=event, user=user, status="submitted", submitted_at=timezone.now()
    )
