"""The iCalendar parts: what Outlook, Google and Apple need to file, update and remove the entry."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from events import services as event_services
from events.models import Event
from notifications import ical
from notifications.models import Outbox
from tests.notifications.factories import event_with_program

pytestmark = pytest.mark.django_db


def vevent_of(ics: str):
    calendar = Calendar.from_ical(ics)
    (vevent,) = calendar.walk("VEVENT")
    return calendar, vevent


def test_invite_fields(participant, municipality, settings):
    event = event_with_program(
        [municipality], venue_name="草加市役所 第1会議室", attendance_mode=Event.Mode.HYBRID
    )
    event_services.register(event, participant)
    row = Outbox.objects.get(kind="registration_confirmed")
    calendar, vevent = vevent_of(row.ics)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == ical.uid_for(event, participant)
    assert int(vevent["SEQUENCE"]) == event.revision
    assert vevent.decoded("DTSTART") == event.starts_at and vevent["DTSTART"].to_ical().endswith(b"Z")
    assert vevent["DTEND"].to_ical().endswith(b"Z")
    assert "DTSTAMP" in vevent
    assert str(vevent["SUMMARY"]) == event.display_title
    assert "草加市役所 第1会議室" in str(vevent["LOCATION"])
    assert str(vevent["URL"]) == settings.SITE_URL + event.get_absolute_url()
    assert str(vevent["ORGANIZER"]).startswith("mailto:")
    assert str(vevent["ATTENDEE"]) == f"mailto:{participant.email}"  # the recipient alone
    description = str(vevent["DESCRIPTION"])
    assert "14:45" in description  # doors open (15 minutes before 15:00 JST)
    assert "開催挨拶" in description and "講義" in description
    assert event.online_url in description and event.online_passcode in description
    assert "VTIMEZONE" not in row.ics


def test_series_summary_has_the_session_number(participant, municipality):
    from tests.factories import EventSeriesFactory

    series = EventSeriesFactory(hosts=[municipality])
    event = event_with_program([municipality], series=series, number=2, title=series.title)
    text = ical.invite(event, recipient=participant, method="REQUEST", include_join=True)
    _calendar, vevent = vevent_of(text)
    assert str(vevent["SUMMARY"]) == event.display_title
    assert "2" in str(vevent["SUMMARY"])


def test_online_location_and_cancel(participant, organizer, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    _c, vevent = vevent_of(Outbox.objects.get(kind="registration_confirmed").ics)
    assert str(vevent["LOCATION"]) == ical.location(event)
    event_services.cancel_event(event, by=organizer, reason="荒天のため")
    calendar, cancel = vevent_of(Outbox.objects.get(kind="event_cancelled").ics)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert str(cancel["UID"]) == str(vevent["UID"])
    assert int(cancel["SEQUENCE"]) > int(vevent["SEQUENCE"])
    assert event.online_url not in str(cancel["DESCRIPTION"])


def test_readdress_keeps_everything_but_the_address(participant, municipality):
    event = event_with_program([municipality])
    text = ical.invite(event, recipient=participant, method="REQUEST", include_join=True)
    moved = ical.readdress(text, "moved@example.jp")
    _c, vevent = vevent_of(moved)
    assert str(vevent["ATTENDEE"]) == "mailto:moved@example.jp"
    assert vevent["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert vevent.decoded("DTSTART") == event.starts_at


def test_public_feed_never_has_join_urls(municipality):
    event = event_with_program([municipality])
    body = ical.feed([event], name="草加市").decode()
    assert event.online_url not in body.replace("\r\n ", "")
    assert event.online_passcode not in body.replace("\r\n ", "")
    assert "METHOD:PUBLISH" in body
    assert event.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ") in body
