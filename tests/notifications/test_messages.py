"""Domain events become outbox rows in the same transaction, rendered in the recipient's language."""

from __future__ import annotations

import pytest
from django.db import transaction

from events import services as event_services
from notifications import delivery
from notifications.models import Outbox
from tests.factories import EventFactory
from tests.notifications.factories import event_with_program, member

Kind = Outbox.Kind
pytestmark = pytest.mark.django_db


def rows(user, kind=None):
    qs = Outbox.objects.filter(recipient=user)
    return list(qs.filter(kind=kind) if kind else qs)


def test_registration_writes_confirmation_with_invite_and_reminders(participant, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    (confirmation,) = rows(participant, Kind.REGISTRATION_CONFIRMED)
    assert confirmation.status == Outbox.Status.QUEUED
    assert confirmation.language == "ja"
    assert event.display_title in confirmation.subject
    assert confirmation.ics_method == "REQUEST"
    assert "METHOD:REQUEST" in confirmation.ics
    # Join URL and passcode for a confirmed registrant, in the body and the invite.
    assert event.online_url in confirmation.body_text
    assert event.online_passcode in confirmation.body_html
    assert event.online_url in confirmation.ics.replace("\r\n ", "")
    assert "開催挨拶" in confirmation.body_text
    # Default reminders: 7 days (already past for an event 7 days away at 06:00 UTC
    # today + 7 — so only those still in the future) and 1 day before.
    reminders = rows(participant, Kind.REMINDER)
    assert {r.dedupe_key.rsplit(":", 1)[1] for r in reminders} <= {"7d", "1d"}
    assert any(r.dedupe_key.endswith(":1d") for r in reminders)
    assert all(r.send_after > confirmation.send_after for r in reminders)


def test_english_speaker_gets_english_mail(municipality):
    user = member(municipality, preferred_language="en", full_name="Alex Smith")
    event = event_with_program([municipality])
    event_services.register(event, user)
    (row,) = rows(user, Kind.REGISTRATION_CONFIRMED)
    assert row.language == "en"
    assert row.subject.startswith("[Tsunagu] Registration confirmed:")
    assert "Dear Alex Smith," in row.body_text
    assert "Join URL" in row.body_text


def test_rolled_back_change_writes_nothing(participant, municipality):
    event = event_with_program([municipality])
    with pytest.raises(RuntimeError), transaction.atomic():
        event_services.register(event, participant)
        raise RuntimeError
    assert Outbox.objects.count() == 0


def test_waitlist_request_decline_and_promotion(participant, outsider, organizer, municipality):
    event = event_with_program([municipality], capacity=1)
    first = event_services.register(event, participant)
    second = event_services.register(event, outsider)
    (waitlisted,) = rows(outsider, Kind.REGISTRATION_WAITLISTED)
    assert waitlisted.ics == "" and "1" in waitlisted.body_text
    assert event.online_url not in waitlisted.body_text  # not confirmed: no join URL

    event_services.cancel_registration(first, by=participant)
    (cancelled,) = rows(participant, Kind.REGISTRATION_CANCELLED)
    assert cancelled.ics_method == "CANCEL"
    assert "STATUS:CANCELLED" in cancelled.ics
    # Their pending reminders are withdrawn; the promoted person gets an invite.
    assert all(r.status == Outbox.Status.WITHDRAWN for r in rows(participant, Kind.REMINDER))
    (promoted,) = rows(outsider, Kind.REGISTRATION_PROMOTED)
    assert promoted.ics_method == "REQUEST"
    assert event.online_url in promoted.body_text

    approval = event_with_program([municipality], requires_approval=True)
    request = event_services.register(approval, participant)
    (requested,) = [r for r in rows(participant, Kind.REGISTRATION_REQUESTED) if r.event_id == approval.pk]
    assert requested.ics == ""
    event_services.decline(request, by=organizer)
    (declined,) = [r for r in rows(participant, Kind.REGISTRATION_DECLINED) if r.event_id == approval.pk]
    assert declined.ics == ""  # never confirmed: there is no calendar entry to remove
    assert second.pk


def test_event_change_says_what_changed_and_is_written_once(participant, organizer, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    new_start = event.starts_at.replace(hour=7)
    data = {
        "starts_at": new_start,
        "ends_at": new_start + (event.ends_at - event.starts_at),
        "venue_name": "",
    }
    event_services.update_event(event, by=organizer, data=data)
    # The same form saved again changes nothing and writes nothing.
    event_services.update_event(event, by=organizer, data=data)
    (changed,) = rows(participant, Kind.EVENT_CHANGED)
    assert "SEQUENCE:2" in changed.ics
    assert "→" in changed.body_text
    assert "16:00" in changed.body_text  # 07:00 UTC is 16:00 in Japan
    # Even if the domain event were delivered twice, the dedupe key keeps one row.
    from events import domain

    domain.emit(domain.EVENT_CHANGED, event=event, changes={"starts_at": (event.starts_at, new_start)})
    assert len(rows(participant, Kind.EVENT_CHANGED)) == 1


def test_join_url_change_is_not_told_to_the_waitlist(participant, outsider, organizer, municipality):
    event = event_with_program([municipality], capacity=1)
    event_services.register(event, participant)
    event_services.register(event, outsider)
    event_services.update_event(event, by=organizer, data={"online_url": "https://zoom.example.jp/j/999"})
    (changed,) = rows(participant, Kind.EVENT_CHANGED)
    assert "https://zoom.example.jp/j/999" in changed.body_text
    assert rows(outsider, Kind.EVENT_CHANGED) == []


def test_event_cancelled_goes_to_every_active_registrant_with_reason(
    participant, outsider, organizer, municipality
):
    event = event_with_program([municipality], capacity=1)
    event_services.register(event, participant)
    event_services.register(event, outsider)  # waitlisted
    event_services.cancel_event(event, by=organizer, reason="台風接近のため")
    (to_confirmed,) = rows(participant, Kind.EVENT_CANCELLED)
    (to_waitlisted,) = rows(outsider, Kind.EVENT_CANCELLED)
    assert "台風接近のため" in to_confirmed.body_text and "台風接近のため" in to_waitlisted.body_html
    assert to_confirmed.ics_method == "CANCEL" and "STATUS:CANCELLED" in to_confirmed.ics
    assert to_waitlisted.ics == ""
    assert not Outbox.objects.filter(kind=Kind.REMINDER, status=Outbox.Status.QUEUED).exists()


def test_template_error_fails_only_that_message(
    participant, outsider, organizer, municipality, monkeypatch, mailoutbox
):
    from notifications import mail

    event = EventFactory(hosts=[municipality])
    event_services.register(event, participant)
    event_services.register(event, outsider)
    real = mail.render_to_string

    def broken_for_outsider(name, context=None, *args, **kwargs):
        if context and context.get("recipient") == outsider and "event_cancelled" in name:
            from django.template import TemplateSyntaxError

            raise TemplateSyntaxError("Invalid filter: 'oops'")
        return real(name, context, *args, **kwargs)

    monkeypatch.setattr(mail, "render_to_string", broken_for_outsider)
    event_services.cancel_event(event, by=organizer, reason="講師急病のため")
    (bad,) = rows(outsider, Kind.EVENT_CANCELLED)
    (good,) = rows(participant, Kind.EVENT_CANCELLED)
    assert bad.status == Outbox.Status.FAILED
    assert "Invalid filter" in bad.last_error
    assert good.status == Outbox.Status.QUEUED
    delivery.dispatch_due()
    assert [m.to for m in mailoutbox if "講師急病" in m.body] == [[participant.email]]


def test_people_who_turned_reminders_off_get_transactional_mail_only(municipality):
    user = member(municipality, receive_reminders=False)
    event = event_with_program([municipality])
    event_services.register(event, user)
    assert rows(user, Kind.REGISTRATION_CONFIRMED)
    assert rows(user, Kind.REMINDER) == []
