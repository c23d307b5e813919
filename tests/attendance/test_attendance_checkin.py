"""Self check-in: the venue's QR code and the attendance code of an online session."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from attendance import services as attendance_services
from attendance.errors import AttendanceError
from events.models import Event, Registration
from tests.factories import EventFactory, RegistrationFactory

Attendance = Registration.Attendance


def _event(municipality, **fields):
    # Two days ahead: close enough that a logged-in session is still valid when the
    # clock is moved to the event.
    starts = (timezone.now() + dt.timedelta(days=2)).replace(minute=30, second=0, microsecond=0)
    fields.setdefault("attendance_mode", Event.Mode.IN_PERSON)
    fields.setdefault("venue_name", "苫小牧市文化会館第2・3会議室")
    return EventFactory(
        hosts=[municipality],
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        doors_open_at=starts - dt.timedelta(minutes=30),
        **fields,
    )


def _at(event, minutes_from_start: int):
    return event.starts_at + dt.timedelta(minutes=minutes_from_start)


@pytest.mark.django_db
@override_settings(SITE_URL="https://tsunagu.example.jp")
def test_qr_page_encodes_the_site_url_and_token(client, organizer, municipality):
    event = _event(municipality)
    client.force_login(organizer)
    response = client.get(reverse("attendance:checkin_qr", args=[event.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html
    expected = f"https://tsunagu.example.jp/events/{event.pk}/checkin/{event.checkin_token}/"
    assert attendance_services.checkin_url(event) == expected
    assert expected in html


@pytest.mark.django_db
def test_qr_page_is_for_organizers_only(client, participant, reviewer, municipality):
    event = _event(municipality)
    for person in (participant, reviewer):
        client.force_login(person)
        assert client.get(reverse("attendance:checkin_qr", args=[event.pk])).status_code == 403


@pytest.mark.django_db
def test_scanning_marks_a_confirmed_registrant_present_once(client, participant, municipality):
    event = _event(municipality)
    reg = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    url = reverse("attendance:checkin", args=[event.pk, event.checkin_token])
    with time_machine.travel(_at(event, -40), tick=False):  # doors open −10 min: inside the margin
        response = client.get(url)
    assert response.status_code == 200
    reg.refresh_from_db()
    assert reg.attendance == Attendance.ATTENDED
    first = reg.checked_in_at
    assert first == _at(event, -40)
    with time_machine.travel(_at(event, 30), tick=False):
        assert client.get(url).status_code == 200
    reg.refresh_from_db()
    assert reg.checked_in_at == first  # the first scan is the arrival time


@pytest.mark.django_db
def test_anonymous_scan_goes_to_sign_in(client, municipality):
    event = _event(municipality)
    response = client.get(reverse("attendance:checkin", args=[event.pk, event.checkin_token]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("minutes", [-61, 151])  # before doors −30 min; after the end +30 min
def test_scan_outside_the_window_is_refused(client, participant, municipality, minutes):
    event = _event(municipality)
    reg = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    with time_machine.travel(_at(event, minutes), tick=False):
        response = client.get(reverse("attendance:checkin", args=[event.pk, event.checkin_token]))
    assert response.status_code == 400
    reg.refresh_from_db()
    assert reg.attendance == Attendance.UNKNOWN and reg.checked_in_at is None


@pytest.mark.django_db
def test_another_events_qr_code_is_refused(client, participant, municipality):
    event = _event(municipality)
    other = _event(municipality)
    reg = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    with time_machine.travel(_at(event, 0), tick=False):
        response = client.get(reverse("attendance:checkin", args=[event.pk, other.checkin_token]))
    assert response.status_code == 400
    reg.refresh_from_db()
    assert reg.attendance == Attendance.UNKNOWN
    with translation.override("en"), pytest.raises(AttendanceError, match="another event"):
        attendance_services.check_in(event, user=participant, token=other.checkin_token, now=_at(event, 0))


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Registration.Status.WAITLISTED, Registration.Status.CANCELLED])
def test_scan_without_a_confirmed_registration_is_refused(client, participant, municipality, status):
    event = _event(municipality)
    RegistrationFactory(event=event, user=participant, status=status)
    with (
        translation.override("en"),
        pytest.raises(AttendanceError, match="no confirmed registration"),
    ):
        attendance_services.check_in(event, user=participant, token=event.checkin_token, now=_at(event, 0))


@pytest.mark.django_db
def test_cancelled_event_refuses_check_in(participant, municipality):
    event = _event(municipality, status=Event.Status.CANCELLED)
    RegistrationFactory(event=event, user=participant)
    with pytest.raises(AttendanceError):
        attendance_services.check_in(event, user=participant, token=event.checkin_token, now=_at(event, 0))


# --- the attendance code ---------------------------------------------------------------------


def _online(municipality):
    return _event(municipality, attendance_mode=Event.Mode.ONLINE, venue_name="")


@pytest.mark.django_db
def test_code_records_attendance(client, participant, municipality):
    event = _online(municipality)
    reg = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    with time_machine.travel(_at(event, 100), tick=False):
        # Full-width digits typed with the IME on are the same code.
        typed = event.attendance_code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        response = client.post(reverse("attendance:attendance_code", args=[event.pk]), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    reg.refresh_from_db()
    assert reg.attendance == Attendance.ATTENDED


@pytest.mark.django_db
def test_another_events_code_is_refused_beside_the_field(client, participant, municipality):
    event = _online(municipality)
    other = _online(municipality)
    other.attendance_code = "654321" if event.attendance_code != "654321" else "123456"
    other.save()
    reg = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    with time_machine.travel(_at(event, 60), tick=False):
        response = client.post(
            reverse("attendance:attendance_code", args=[event.pk]), {"code": other.attendance_code}
        )
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert 'id="id_code_error"' in response.content.decode()
    reg.refresh_from_db()
    assert reg.attendance == Attendance.UNKNOWN


@pytest.mark.django_db
def test_code_after_the_window_is_refused(client, participant, municipality):
    event = _online(municipality)
    reg = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    with time_machine.travel(_at(event, 200), tick=False):
        response = client.post(
            reverse("attendance:attendance_code", args=[event.pk]), {"code": event.attendance_code}
        )
    assert response.status_code == 400
    reg.refresh_from_db()
    assert reg.attendance == Attendance.UNKNOWN


@pytest.mark.django_db
def test_code_form_include_shows_for_confirmed_online_registrants(rf, participant, municipality):
    event = _online(municipality)
    reg = RegistrationFactory(event=event, user=participant)
    request = rf.get("/")
    request.user = participant
    html = render_to_string(
        "attendance/_code_form.html", {"event": event, "registration": reg}, request=request
    )
    assert reverse("attendance:attendance_code", args=[event.pk]) in html
    assert 'name="code"' in html
    reg.attendance = Attendance.ATTENDED
    html = render_to_string(
        "attendance/_code_form.html", {"event": event, "registration": reg}, request=request
    )
    assert 'name="code"' not in html
    assert (
        render_to_string(
            "attendance/_code_form.html", {"event": event, "registration": None}, request=request
        ).strip()
        == ""
    )
