"""The attendance code resists guessing (issue 11, item 6).

Replays the attack: a signed-in person posting guesses. Only confirmed registrants get
an answer about the code, the window is checked before the code, every wrong code gets
the same message, and after five wrong codes in ten minutes even the right one is
refused until the ten minutes are over.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from attendance import services as attendance_services
from attendance.errors import AttendanceError
from events.models import Event, Registration
from tests.factories import EventFactory, RegistrationFactory, UserFactory

Attendance = Registration.Attendance


def _online(municipality, **fields):
    starts = (timezone.now() + dt.timedelta(days=2)).replace(minute=30, second=0, microsecond=0)
    return EventFactory(
        hosts=[municipality],
        attendance_mode=Event.Mode.ONLINE,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        doors_open_at=starts - dt.timedelta(minutes=15),
        **fields,
    )


def _wrong(event, n: int) -> str:
    code = f"{n:06d}"
    return code if code != event.attendance_code else f"{n + 1:06d}"


def _post(client, event, code):
    return client.post(reverse("attendance:attendance_code", args=[event.pk]), {"code": code})


def _error(response) -> str:
    return response.context["form"].errors["code"][0]


@pytest.mark.django_db
def test_every_wrong_code_gets_the_same_message(client, participant, municipality):
    event = _online(municipality)
    RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    close = event.attendance_code[:5] + str((int(event.attendance_code[5]) + 1) % 10)  # one digit off
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=30), tick=False):
        messages = {_error(_post(client, event, code)) for code in (_wrong(event, 1), close, "abc", "草加")}
    assert len(messages) == 1


@pytest.mark.django_db
def test_five_wrong_codes_lock_out_even_the_right_one_for_ten_minutes(client, participant, municipality):
    event = _online(municipality)
    registration = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    start = event.starts_at + dt.timedelta(minutes=5)
    with time_machine.travel(start, tick=False):
        for n in range(5):
            wrong = _post(client, event, _wrong(event, n))
            assert wrong.status_code == 400
        locked = _post(client, event, event.attendance_code)
    assert locked.status_code == 400
    assert _error(locked) != _error(wrong)
    registration.refresh_from_db()
    assert registration.attendance == Attendance.UNKNOWN
    # The lock is per person and event, kept in the database: a cache flush does not lift it.
    cache.clear()
    with time_machine.travel(start + dt.timedelta(minutes=9), tick=False):
        assert _post(client, event, event.attendance_code).status_code == 400
    with time_machine.travel(start + dt.timedelta(minutes=10, seconds=1), tick=False):
        assert _post(client, event, event.attendance_code).status_code == 302
    registration.refresh_from_db()
    assert registration.attendance == Attendance.ATTENDED
    assert registration.code_failures == 0


@pytest.mark.django_db
def test_the_limit_is_per_person(client, participant, municipality):
    event = _online(municipality)
    RegistrationFactory(event=event, user=participant)
    colleague = UserFactory()
    RegistrationFactory(event=event, user=colleague)
    now = event.starts_at + dt.timedelta(minutes=5)
    for n in range(6):
        with pytest.raises(AttendanceError):
            attendance_services.enter_code(event, user=participant, code=_wrong(event, n), now=now)
    attendance_services.enter_code(event, user=colleague, code=event.attendance_code, now=now)
    assert Registration.objects.get(event=event, user=colleague).attendance == Attendance.ATTENDED


@pytest.mark.django_db
def test_people_without_a_confirmed_seat_learn_nothing_about_the_code(client, outsider, municipality):
    event = _online(municipality)
    client.force_login(outsider)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=30), tick=False):
        right = _error(_post(client, event, event.attendance_code))
        wrong = _error(_post(client, event, _wrong(event, 7)))
    assert right == wrong
    waitlisted = RegistrationFactory(event=event, user=outsider, status=Registration.Status.WAITLISTED)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=30), tick=False):
        assert _error(_post(client, event, event.attendance_code)) == right
    waitlisted.refresh_from_db()
    assert waitlisted.attendance == Attendance.UNKNOWN
    assert waitlisted.code_failures == 0


@pytest.mark.django_db
def test_outside_the_window_right_and_wrong_codes_get_the_same_answer(client, participant, municipality):
    event = _online(municipality)
    registration = RegistrationFactory(event=event, user=participant)
    client.force_login(participant)
    with time_machine.travel(event.starts_at - dt.timedelta(hours=3), tick=False):
        right = _error(_post(client, event, event.attendance_code))
        wrong = _error(_post(client, event, _wrong(event, 3)))
    assert right == wrong
    registration.refresh_from_db()
    # Nothing was compared, so nothing was counted.
    assert registration.code_failures == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_are_all_counted(municipality):
    """Twenty guesses at once from one account: the row lock counts each; none gets past five."""
    assert connection.vendor == "postgresql"
    event = _online(municipality)
    user = UserFactory()
    RegistrationFactory(event=event, user=user)
    now = event.starts_at + dt.timedelta(minutes=5)
    barrier = threading.Barrier(10)
    answers: list[str] = []

    def guess(first: int):
        try:
            barrier.wait()
            for n in (first, first + 10):
                try:
                    attendance_services.enter_code(event, user=user, code=_wrong(event, n), now=now)
                except AttendanceError as error:
                    answers.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    registration = Registration.objects.get(event=event, user=user)
    assert len(answers) == 20
    assert registration.code_failures == 5
    assert len(set(answers)) == 2  # five "not the code", fifteen "too many"
    with pytest.raises(AttendanceError):
        attendance_services.enter_code(event, user=user, code=event.attendance_code, now=now)
