"""Reminders: rows with send_after in the future, sent by the per-minute dispatcher."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from events import services as event_services
from notifications import delivery, preferences, reminders
from notifications.business_days import business_days_before, is_business_day
from notifications.models import Outbox, ReminderRule
from tests.factories import EventFactory, RegistrationFactory
from tests.notifications.factories import event_with_program, member

Kind = Outbox.Kind
JST = dt.timezone(dt.timedelta(hours=9))


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2022, 1, 24), True),  # Monday
        (dt.date(2022, 1, 22), False),  # Saturday
        (dt.date(2022, 1, 10), False),  # 成人の日
        (dt.date(2022, 12, 29), False),  # 年末年始
        (dt.date(2023, 1, 3), False),
        (dt.date(2023, 1, 4), True),  # 仕事始め
        (dt.date(2022, 3, 21), False),  # 春分の日
    ],
)
def test_business_days(day, expected):
    assert is_business_day(day) is expected


def test_business_days_before_skip_weekends_holidays_and_new_year():
    # 2022年1月25日（火）の3営業日前: 1/24(月), 1/21(金), 1/20(木)
    assert business_days_before(dt.date(2022, 1, 25), 3) == dt.date(2022, 1, 20)
    # 2023年1月5日（木）の2営業日前: 1/4(水), then 1/3〜12/29 closed, 12/31 Sat… → 12/28(水)
    assert business_days_before(dt.date(2023, 1, 5), 2) == dt.date(2022, 12, 28)
    # Monday after a 3-day weekend with 成人の日 (2022/1/10): 1 business day before 1/11 is 1/7 (Fri)
    assert business_days_before(dt.date(2022, 1, 11), 1) == dt.date(2022, 1, 7)


@pytest.mark.django_db
def test_plan_defaults_and_business_day_rules(municipality):
    event = EventFactory(hosts=[municipality], starts_at=at(2023, 1, 5, 15), ends_at=at(2023, 1, 5, 17))
    keys = [key for key, _when in reminders.reminder_plan(event)]
    assert keys == ["7d", "1d"]
    ReminderRule.objects.create(event=event, offset=2, unit=ReminderRule.Unit.BUSINESS_DAYS)
    ((key, when),) = reminders.reminder_plan(event)
    assert key == "2bd"
    assert when == at(2022, 12, 28, 9, 0)  # 9:00 on the second business day before, skipping 年末年始


@pytest.mark.django_db
def test_reminders_go_out_when_due_and_not_before(participant, municipality, mailoutbox):
    with time_machine.travel(at(2022, 1, 10, 10), tick=False):
        event = event_with_program([municipality], starts_at=at(2022, 1, 25, 15), ends_at=at(2022, 1, 25, 17))
        event_services.register(event, participant)
        delivery.dispatch_due()
    assert [m.to for m in mailoutbox] == [[participant.email]]  # the confirmation only
    with time_machine.travel(at(2022, 1, 18, 14, 59), tick=False):
        assert delivery.dispatch_due().sent == []
    with time_machine.travel(at(2022, 1, 18, 15, 0, 30), tick=False):
        assert len(delivery.dispatch_due().sent) == 1
    with time_machine.travel(at(2022, 1, 24, 15, 1), tick=False):
        assert len(delivery.dispatch_due().sent) == 1
    reminders = [m for m in mailoutbox if m.extra_headers.get("X-Tsunagu-Kind") == "reminder"]
    assert len(reminders) == 2
    assert "List-Unsubscribe" in reminders[0].extra_headers
    assert "/notifications/unsubscribe/" in reminders[0].body


@pytest.mark.django_db
def test_late_registrant_does_not_get_the_reminder_whose_time_passed(participant, outsider, municipality):
    with time_machine.travel(at(2022, 1, 10, 10), tick=False):
        event = event_with_program([municipality], starts_at=at(2022, 1, 25, 15), ends_at=at(2022, 1, 25, 17))
        event_services.register(event, participant)
    with time_machine.travel(at(2022, 1, 20, 10), tick=False):  # after the 7-day reminder's time
        event_services.register(event, outsider)
        reminders.reconcile_reminders()  # the beat's safety net must not add it either
    early = {
        r.dedupe_key.rsplit(":", 1)[1]
        for r in Outbox.objects.filter(kind=Kind.REMINDER, recipient=participant)
    }
    late = {
        r.dedupe_key.rsplit(":", 1)[1] for r in Outbox.objects.filter(kind=Kind.REMINDER, recipient=outsider)
    }
    assert early == {"7d", "1d"}
    assert late == {"1d"}


@pytest.mark.django_db
def test_opted_out_person_gets_no_reminder_even_if_already_queued(participant, municipality, mailoutbox):
    with time_machine.travel(at(2022, 1, 10, 10), tick=False):
        event = event_with_program([municipality], starts_at=at(2022, 1, 25, 15), ends_at=at(2022, 1, 25, 17))
        event_services.register(event, participant)
        delivery.dispatch_due()
    preferences.unsubscribe(participant)
    with time_machine.travel(at(2022, 1, 24, 16), tick=False):
        result = delivery.dispatch_due()
    assert result.sent == [] and len(result.withdrawn) == 2
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_changing_rules_reschedules_pending_reminders(participant, organizer, municipality):
    with time_machine.travel(at(2022, 1, 10, 10), tick=False):
        event = event_with_program([municipality], starts_at=at(2022, 1, 25, 15), ends_at=at(2022, 1, 25, 17))
        event_services.register(event, participant)
        reminders.set_reminder_rules(event, by=organizer, rules=[(3, ReminderRule.Unit.BUSINESS_DAYS)])
    queued = Outbox.objects.filter(kind=Kind.REMINDER, status=Outbox.Status.QUEUED)
    assert [(r.dedupe_key.rsplit(":", 1)[1], r.send_after) for r in queued] == [("3bd", at(2022, 1, 20, 9))]
    assert Outbox.objects.filter(kind=Kind.REMINDER, status=Outbox.Status.WITHDRAWN).count() == 2


@pytest.mark.django_db
def test_reconcile_creates_missing_reminders_once(municipality):
    event = EventFactory(hosts=[municipality], starts_at=timezone.now() + dt.timedelta(days=10))
    event.ends_at = event.starts_at + dt.timedelta(hours=2)
    event.save()
    # Registered outside the services (an import): no domain event, no rows yet.
    registration = RegistrationFactory(event=event, user=member(municipality), confirmed_at=timezone.now())
    assert reminders.reconcile_reminders() == 2
    assert reminders.reconcile_reminders() == 0
    assert Outbox.objects.filter(recipient=registration.user, kind=Kind.REMINDER).count() == 2
