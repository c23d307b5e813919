"""問い合わせ先 on the event page, in every mail (footer, Reply-To) and in the invite
(ORGANIZER); the invite's alarms (VALARM). Invites are parsed with icalendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from events import services as event_services
from notifications.mail import build_email
from notifications.models import Outbox
from tests.factories import EventSeriesFactory
from tests.notifications.factories import event_with_program

pytestmark = pytest.mark.django_db

SOKA = {
    "contact_department": "草加市 健康福祉部 福祉政策課 政策総務係",
    "contact_person": "福祉 政子",
    "contact_phone": "048-922-0151",
    "contact_email": "fukushi-seisaku@city.soka.example.jp",
}


def _vevent(ics: str):
    (vevent,) = Calendar.from_ical(ics).walk("VEVENT")
    return vevent


@pytest.fixture
def series(municipality):
    return EventSeriesFactory(hosts=[municipality], **SOKA)


def test_the_series_contact_is_everywhere(client, participant, municipality, series, settings):
    event = event_with_program([municipality], series=series, number=1, title=series.title)
    event_services.register(event, participant)
    row = Outbox.objects.get(recipient=participant, kind=Outbox.Kind.REGISTRATION_CONFIRMED)
    if not row.body_text:  # rendered at send time in production
        from notifications.services import render_deferred

        render_deferred([row])
        row.refresh_from_db()
    # The invite: ORGANIZER is the contact (CN = the department), the attendee is the person.
    vevent = _vevent(row.ics)
    organizer = vevent["ORGANIZER"]
    assert str(organizer) == "mailto:fukushi-seisaku@city.soka.example.jp"
    assert organizer.params["CN"] == "草加市 健康福祉部 福祉政策課 政策総務係"
    assert "048-922-0151" in str(vevent["DESCRIPTION"])
    # The mail: sent from the platform, replies to the contact, the contact in the footer.
    message = build_email(row).message()
    headers = dict(message.headers)
    assert settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">") in headers["From"]
    assert headers["Reply-To"] == "fukushi-seisaku@city.soka.example.jp"
    for part in (row.body_text, row.body_html):
        assert "草加市 健康福祉部 福祉政策課 政策総務係" in part
        assert "048-922-0151" in part and "fukushi-seisaku@city.soka.example.jp" in part
    # The event page.
    html = client.get(event.get_absolute_url()).content.decode()
    assert "048-922-0151" in html and "mailto:fukushi-seisaku@city.soka.example.jp" in html


def test_an_event_overrides_the_series_contact(participant, municipality, series):
    event = event_with_program(
        [municipality],
        series=series,
        number=2,
        title=series.title,
        contact_department="苫小牧市 福祉部 総合福祉課",
        contact_email="sogo@city.tomakomai.example.jp",
    )
    event_services.register(event, participant)
    row = Outbox.objects.get(recipient=participant, kind=Outbox.Kind.REGISTRATION_CONFIRMED)
    organizer = _vevent(row.ics)["ORGANIZER"]
    assert str(organizer) == "mailto:sogo@city.tomakomai.example.jp"
    assert organizer.params["CN"] == "苫小牧市 福祉部 総合福祉課"
    assert build_email(row).extra_headers["Reply-To"] == "sogo@city.tomakomai.example.jp"


def test_without_a_contact_the_platform_organizes_and_nobody_gets_a_reply_to(participant, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    row = Outbox.objects.get(recipient=participant, kind=Outbox.Kind.REGISTRATION_CONFIRMED)
    assert "noreply" in str(_vevent(row.ics)["ORGANIZER"]) or "tsunagu" in str(_vevent(row.ics)["ORGANIZER"])
    assert "Reply-To" not in build_email(row).extra_headers


def test_the_invite_carries_alarms_a_day_and_half_an_hour_before_by_default(participant, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    row = Outbox.objects.get(recipient=participant, kind=Outbox.Kind.REGISTRATION_CONFIRMED)
    alarms = _vevent(row.ics).walk("VALARM")
    assert sorted(alarm.decoded("TRIGGER") for alarm in alarms) == [
        dt.timedelta(days=-1),
        dt.timedelta(minutes=-30),
    ]
    assert all(str(alarm["ACTION"]) == "DISPLAY" for alarm in alarms)


def test_alarms_are_chosen_per_event(client, participant, organizer, municipality):
    event = event_with_program([municipality], invite_alarms=[60])
    event_services.register(event, participant)
    row = Outbox.objects.get(recipient=participant, kind=Outbox.Kind.REGISTRATION_CONFIRMED)
    (alarm,) = _vevent(row.ics).walk("VALARM")
    assert alarm.decoded("TRIGGER") == dt.timedelta(hours=-1)
    # From the event form: none at all.
    from tests.events.test_pages import _event_form

    client.force_login(organizer)
    data = _event_form(hosts=[municipality.pk], title=event.title, doors_open_at="")
    data["starts_at"] = event.starts_at.astimezone().strftime("%Y-%m-%dT%H:%M")
    data["ends_at"] = event.ends_at.astimezone().strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("events:event_edit", args=[event.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert event.invite_alarms == []
    data["invite_alarms"] = ["30", "1440"]
    client.post(reverse("events:event_edit", args=[event.pk]), data)
    event.refresh_from_db()
    assert event.invite_alarms == [1440, 30]


def test_a_cancellation_has_no_alarm(participant, organizer, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    event_services.cancel_event(event, by=organizer, reason="講師の体調不良のため")
    row = Outbox.objects.get(recipient=participant, kind=Outbox.Kind.EVENT_CANCELLED)
    assert not _vevent(row.ics).walk("VALARM")
