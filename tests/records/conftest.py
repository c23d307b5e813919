"""A two-session series of 草加市 that took place, and helpers to record what people did."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from events.models import Event, Registration
from tests.factories import EventFactory, EventSeriesFactory, RegistrationFactory, UserFactory

Attendance = Registration.Attendance


@dataclass
class Series:
    series: object
    s1: Event
    s2: Event

    @property
    def sessions(self):
        return [self.s1, self.s2]


def past_session(*, hosts, series=None, number=None, days_ago: int, **fields) -> Event:
    start = (timezone.now() - dt.timedelta(days=days_ago)).replace(hour=6, minute=0, second=0, microsecond=0)
    fields.setdefault("status", Event.Status.COMPLETED)
    return EventFactory(
        hosts=hosts,
        series=series,
        number=number,
        title=series.title if series else "地域共生社会を考える勉強会",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        doors_open_at=start - dt.timedelta(minutes=15),
        **fields,
    )


@pytest.fixture
def training(municipality) -> Series:
    series = EventSeriesFactory(hosts=[municipality], title="地域共生社会の実現に向けた人材育成研修")
    s1 = past_session(hosts=[municipality], series=series, number=1, days_ago=20)
    s2 = past_session(hosts=[municipality], series=series, number=2, days_ago=5)
    return Series(series, s1, s2)


def attend(event: Event, user, attendance: str = Attendance.ATTENDED, minutes: int | None = None, **extra):
    """A confirmed registration with attendance recorded (what the roster or Zoom import leaves)."""
    organization = extra.pop("organization", None)
    if organization is None:
        membership = user.memberships.first()
        organization = membership.organization if membership else None
    return RegistrationFactory(
        event=event,
        user=user,
        organization=organization,
        attendance=attendance,
        attendance_minutes=minutes,
        **extra,
    )


def staff(municipality, n: int, *, prefix: str = "受講") -> list:
    from accounts.models import Membership

    people = []
    for i in range(n):
        user = UserFactory(full_name=f"{prefix} {i}", full_name_kana=f"ジュコウ {i:02d}")
        Membership.objects.create(user=user, organization=municipality, role=Membership.Role.MEMBER)
        people.append(user)
    return people


@pytest.fixture(autouse=True)
def _english_messages():
    """Services' messages are asserted in English (the msgids); pages are read in Japanese."""
    from django.utils import translation

    with translation.override("en"):
        yield
