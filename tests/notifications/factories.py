"""Events with everything an invite shows (venue, program), for the notification tests."""

from __future__ import annotations

import datetime as dt

from events import services as event_services
from events.models import Event
from tests.factories import EventFactory, ProgramItemFactory, person


def event_with_program(hosts, **kwargs) -> Event:
    event = EventFactory(hosts=hosts, **kwargs)
    ProgramItemFactory(event=event, starts_at=dt.time(15, 0), ends_at=dt.time(15, 10), title="開催挨拶")
    ProgramItemFactory(event=event, starts_at=dt.time(15, 10), ends_at=dt.time(16, 30), title="講義")
    return event


def register(event, user):
    return event_services.register(event, user)


def member(organization, **kwargs):
    from accounts.models import Membership

    return person(role=Membership.Role.MEMBER, organization=organization, **kwargs)
