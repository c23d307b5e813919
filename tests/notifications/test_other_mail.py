"""The account invitation through the outbox, and the pre-work and questionnaire mails."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from events import services as event_services
from events.models import Registration
from notifications import announcements, delivery
from notifications.models import Outbox
from notifications.surveys_bridge import survey_mails
from surveys.models import Form, Submission
from tests.notifications.factories import event_with_program, member

pytestmark = pytest.mark.django_db
Kind = Outbox.Kind


def test_coordinator_invitation_is_an_outbox_message_written_with_the_person(
    coordinator, municipality, mailoutbox, django_capture_on_commit_callbacks
):
    from events.bulk_registration import bulk_register
    from tests.factories import EventFactory

    event = EventFactory(hosts=[municipality])
    with django_capture_on_commit_callbacks(execute=False):
        bulk_register(
            event,
            coordinator=coordinator,
            organization=municipality,
            new_people=[("新人 太郎", "shinjin@example.jp")],
        )
    # Written in the person's transaction (no broker needed): the dispatcher sends it.
    row = Outbox.objects.get(kind=Kind.INVITATION)
    assert row.recipient.email == "shinjin@example.jp" and row.status == Outbox.Status.QUEUED
    delivery.send_one(row.pk)
    assert [m.to for m in mailoutbox] == [["shinjin@example.jp"]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
    # A second bulk request for the same address is not a second account nor a second invitation.
    bulk_register(
        event,
        coordinator=coordinator,
        organization=municipality,
        new_people=[("新人 太郎", "shinjin@example.jp")],
    )
    assert Outbox.objects.filter(kind=Kind.INVITATION).count() == 1


def test_prework_open_and_reminder_only_to_those_who_have_not_submitted(participant, outsider, municipality):
    start = timezone.now() + dt.timedelta(days=10)
    event = event_with_program([municipality], starts_at=start, ends_at=start + dt.timedelta(hours=2))
    event_services.register(event, participant)
    event_services.register(event, outsider)
    form = Form.objects.create(
        event=event, kind=Form.Kind.PREWORK, title="事前課題シート", closes_at=start - dt.timedelta(days=3)
    )
    Submission.objects.create(form=form, event=event, user=outsider, status=Submission.Status.SUBMITTED)
    assert [g for g, _label in announcements.announcement_groups(event)][-1] == "prework_missing"
    assert [r.user for r in announcements.group_registrations(event, "prework_missing")] == [participant]

    survey_mails()
    opened = Outbox.objects.filter(kind=Kind.PREWORK_OPEN)
    assert [r.recipient for r in opened] == [participant]
    assert "事前課題シート" in opened[0].body_text
    assert not Outbox.objects.filter(kind=Kind.PREWORK_REMINDER).exists()  # not yet due
    survey_mails()
    assert Outbox.objects.filter(kind=Kind.PREWORK_OPEN).count() == 1  # every run after the first is a no-op
    with time_machine.travel(form.closes_at - dt.timedelta(days=1)):
        survey_mails()
    assert [r.recipient for r in Outbox.objects.filter(kind=Kind.PREWORK_REMINDER)] == [participant]


def test_questionnaire_goes_to_those_who_attended(participant, outsider, municipality):
    start = timezone.now() - dt.timedelta(days=1)
    event = event_with_program([municipality], starts_at=start, ends_at=start + dt.timedelta(hours=2))
    third = member(municipality)
    for user, attendance in ((participant, "attended"), (outsider, "absent"), (third, "left_early")):
        Registration.objects.create(event=event, user=user, status="confirmed", attendance=attendance)
    form = Form.objects.create(event=event, kind=Form.Kind.QUESTIONNAIRE, title="研修アンケート")
    Submission.objects.create(form=form, event=event, user=third, status=Submission.Status.SUBMITTED)
    survey_mails()
    invited = Outbox.objects.filter(kind=Kind.QUESTIONNAIRE_INVITATION)
    assert [r.recipient for r in invited] == [participant]
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        survey_mails()
    assert [r.recipient for r in Outbox.objects.filter(kind=Kind.QUESTIONNAIRE_REMINDER)] == [participant]


def test_questionnaire_without_attendance_goes_to_every_confirmed(participant, outsider, municipality):
    start = timezone.now() - dt.timedelta(days=1)
    event = event_with_program([municipality], starts_at=start, ends_at=start + dt.timedelta(hours=2))
    for user in (participant, outsider):
        Registration.objects.create(event=event, user=user, status="confirmed")
    Form.objects.create(event=event, kind=Form.Kind.QUESTIONNAIRE, title="研修アンケート")
    survey_mails()
    assert {r.recipient for r in Outbox.objects.filter(kind=Kind.QUESTIONNAIRE_INVITATION)} == {
        participant,
        outsider,
    }
    delivery.dispatch_due()  # whatever their state, the batch completes
