"""Registration mail and reminders are written in the registration's transaction, unrendered,
and rendered by the sender: the event row lock is held only for the count and the inserts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from events import services as event_services
from events.models import Registration
from notifications import delivery
from notifications.models import Outbox
from tests.factories import UserFactory
from tests.notifications.factories import event_with_program

Kind = Outbox.Kind
Status = Outbox.Status
pytestmark = [pytest.mark.django_db, pytest.mark.render_at_send]


def test_rows_are_written_in_the_transaction_unrendered(
    participant, municipality, django_capture_on_commit_callbacks, monkeypatch
):
    from notifications import tasks

    # The worker's part, run in-process: schedule_registration_reminders.
    monkeypatch.setattr(
        tasks.schedule_registration_reminders,
        "apply_async",
        lambda args, **kw: tasks.schedule_registration_reminders(*args),
    )
    event = event_with_program([municipality])
    with pytest.raises(RuntimeError), transaction.atomic():
        event_services.register(event, participant)
        assert Outbox.objects.filter(recipient=participant).exists()
        raise RuntimeError("roll back")
    assert not Outbox.objects.exists()  # rolled back together with the registration

    with django_capture_on_commit_callbacks(execute=True):
        registration = event_services.register(event, participant)
    confirmation = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED)
    assert confirmation.render_args == {"registration": registration.pk}
    assert confirmation.body_text == "" and confirmation.status == Status.QUEUED
    reminders = Outbox.objects.filter(kind=Kind.REMINDER, recipient=participant)
    # written by a worker after commit, outside the event lock
    assert reminders.exists() and all(r.render_args for r in reminders)


def test_reminders_missed_after_commit_are_written_by_the_safety_net(participant, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)  # on_commit callbacks do not run here
    assert not Outbox.objects.filter(kind=Kind.REMINDER).exists()
    from notifications import reminders

    reminders.reconcile_reminders()
    assert Outbox.objects.filter(kind=Kind.REMINDER, recipient=participant).exists()


def test_sender_renders_from_the_registration_as_it_is_now(smtp_server, participant, organizer, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    # The event moves before the confirmation goes out: the mail shows the new time.
    new_start = event.starts_at + dt.timedelta(hours=3)
    event_services.update_event(
        event, by=organizer, data={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=2)}
    )
    result = delivery.dispatch_due()
    assert result.sent
    confirmation = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED)
    assert confirmation.status == Status.SENT and confirmation.render_args == {}
    assert event.online_url in confirmation.body_text
    assert "SEQUENCE:2" in confirmation.ics
    (message,) = smtp_server.recorder.to(participant.email)[:1]
    assert "METHOD:REQUEST" in message.as_string() or "method=REQUEST" in message.as_string()


def test_a_template_error_at_send_fails_that_message_only(
    smtp_server, participant, municipality, monkeypatch
):
    event = event_with_program([municipality])
    other = UserFactory()
    event_services.register(event, participant)
    event_services.register(event, other)
    from notifications import outbox

    real = outbox.render

    def broken(kind, context, *, language):
        if context["recipient"].pk == participant.pk:
            raise ValueError("broken template")
        return real(kind, context, language=language)

    monkeypatch.setattr(outbox, "render", broken)
    result = delivery.dispatch_due()
    mine = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED, recipient=participant)
    theirs = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED, recipient=other)
    assert mine.status == Status.FAILED and "broken template" in mine.last_error
    assert theirs.status == Status.SENT
    assert mine.pk in result.failed


def test_a_row_whose_registration_is_gone_is_withdrawn(participant, municipality):
    event = event_with_program([municipality])
    registration = event_services.register(event, participant)
    Registration.objects.filter(pk=registration.pk).delete()
    delivery.dispatch_due()
    assert not Outbox.objects.filter(kind=Kind.REGISTRATION_CONFIRMED).exists() or (
        Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED).status == Status.WITHDRAWN
    )


def test_reminders_rendered_once_per_event_carry_each_persons_name_and_link(municipality):
    from django.utils import timezone

    from notifications import reminders, rendering
    from notifications.mail import unsubscribe_url

    event = event_with_program([municipality])
    first = UserFactory(full_name="草加 <花子>")
    second = UserFactory(full_name="苫小牧 一郎")
    for user in (first, second):
        Registration.objects.create(
            event=event,
            user=user,
            status="confirmed",
            confirmed_at=timezone.now() - dt.timedelta(days=30),
            created_at=timezone.now() - dt.timedelta(days=30),
        )
    reminders.schedule_reminders(event, Registration.objects.filter(event=event).select_related("user"))
    rows = list(Outbox.objects.filter(kind=Kind.REMINDER))
    ready, failed, _ = rendering.render_deferred(rows)
    assert not failed
    by_user = {row.recipient_id: row for row in ready}
    assert "草加 <花子>" in by_user[first.pk].body_text
    assert "草加 &lt;花子&gt;" in by_user[first.pk].body_html
    assert "苫小牧 一郎" in by_user[second.pk].body_text and "草加" not in by_user[second.pk].body_text
    assert unsubscribe_url(second) in by_user[second.pk].body_text
    assert unsubscribe_url(first) not in by_user[second.pk].body_text
    assert "@@" not in by_user[first.pk].body_html
