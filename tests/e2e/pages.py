"""The main pages of the platform, as data: who looks at them and how their URL is built.

The accessibility (axe-core) and HTML (Nu HTML Checker) checks visit every page here. A
page of a view that is not in the URL configuration yet is left out and listed as such,
so the pages of the other issues join as soon as their views do; a new main page joins
with one line in PAGES.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.dates import fiscal_year
from events.models import Event, Registration
from tests.factories import (
    EventFactory,
    EventSeriesFactory,
    ProgramItemFactory,
    RegistrationFactory,
    SpeakerFactory,
)


@dataclass
class World:
    """Objects of 草加市 (the municipality), seen by its organizer, a participant and the sponsor."""

    municipality: object
    organizer: object
    participant: object
    reviewer: object
    coordinator: object
    event: Event  # published, a week ahead, the participant is registered
    held: Event  # held three days ago, the participant attended
    forms: dict = field(default_factory=dict)  # "prework"/"questionnaire" → surveys.Form, once issue 4 is in


def build_world(*, municipality, organizer, participant, reviewer, coordinator) -> World:
    series = EventSeriesFactory(hosts=[municipality])
    event = EventFactory(
        hosts=[municipality],
        series=series,
        number=1,
        title=series.title,
        description="重層的支援体制整備事業の基本を学び、他機関との連携を考えます。",
        capacity=80,
    )
    speaker = SpeakerFactory(name="厚労 太郎", affiliation="厚生労働省", title="地域福祉課 課長補佐")
    event.speakers.add(speaker)
    ProgramItemFactory(event=event, starts_at=dt.time(15, 0), ends_at=dt.time(15, 10), title="開催挨拶")
    item = ProgramItemFactory(
        event=event, starts_at=dt.time(15, 10), ends_at=dt.time(16, 0), title="行政説明"
    )
    item.speakers.add(speaker)
    RegistrationFactory(event=event, user=participant, organization=municipality)
    RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)

    start = (timezone.now() - dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    held = EventFactory(
        hosts=[municipality],
        series=series,
        number=2,
        title=series.title,
        status=Event.Status.COMPLETED,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        doors_open_at=start - dt.timedelta(minutes=15),
        registration_closes_at=start - dt.timedelta(days=2),
    )
    ProgramItemFactory(event=held, starts_at=dt.time(15, 0), title="事例検討ワークショップ")
    RegistrationFactory(
        event=held, user=participant, organization=municipality, attendance=Registration.Attendance.ATTENDED
    )
    RegistrationFactory(event=held, attendance=Registration.Attendance.ABSENT)

    world = World(municipality, organizer, participant, reviewer, coordinator, event, held)
    try:
        from surveys.building import create_from_starter
    except ImportError:  # issue 4 not in yet: the survey pages are left out
        return world
    world.forms["prework"] = create_from_starter(by=organizer, starter="worksheet", event=event)
    world.forms["questionnaire"] = create_from_starter(by=organizer, starter="questionnaire", event=held)
    return world


@dataclass
class Page:
    label: str
    who: str | None  # a World attribute (the person signed in), or None for anonymous
    url_name: str
    args: Callable[[World], list] = lambda w: []
    post: dict | None = None  # submit this (without CSRF token in the HTML check) to see the page with errors

    def path(self, world: World) -> str | None:
        try:
            args = self.args(world)
        except KeyError:  # e.g. a survey form that does not exist without issue 4
            return None
        try:
            return reverse(self.url_name, args=args)
        except NoReverseMatch:
            return None


def _year(world: World) -> int:
    return fiscal_year(timezone.localdate())


PAGES = [
    Page("home", None, "home"),
    Page("event list", None, "events:list"),
    Page("event page", None, "events:detail", lambda w: [w.event.pk]),
    Page("event page, registered", "participant", "events:detail", lambda w: [w.event.pk]),
    Page("series page", None, "events:series_detail", lambda w: [w.event.series_id]),
    Page("sign-up", None, "account_signup"),
    Page("sign-up with errors", None, "account_signup", post={"email": "not-an-address"}),
    Page("login", None, "account_login"),
    Page("my events", "participant", "events:mine"),
    Page("profile", "participant", "accounts:profile"),
    Page("two-factor sign-in", "participant", "mfa_index"),
    Page("organizer: two-factor sign-in", "organizer", "mfa_index"),
    Page("organizer: security keys", "organizer", "mfa_list_webauthn"),
    Page("confirm password (before two-factor changes)", "organizer", "account_reauthenticate"),
    Page("organizer: events", "organizer", "events:manage"),
    Page("organizer: new series", "organizer", "events:series_create"),
    Page("organizer: new event", "organizer", "events:event_create"),
    Page("organizer: edit event", "organizer", "events:event_edit", lambda w: [w.event.pk]),
    Page("organizer: program", "organizer", "events:program", lambda w: [w.event.pk]),
    Page("organizer: event", "organizer", "events:manage_event", lambda w: [w.event.pk]),
    Page("organizer: registrations", "organizer", "events:registrations", lambda w: [w.event.pk]),
    Page("organizer: audit trail", "organizer", "events:audit_trail", lambda w: [w.event.pk]),
    Page("coordinator: my organization", "coordinator", "events:coordinate"),
    Page("coordinator: register colleagues", "coordinator", "events:bulk_register", lambda w: [w.event.pk]),
    Page("organizer: roster", "organizer", "attendance:roster", lambda w: [w.held.pk]),
    Page("participant: attendance code", "participant", "attendance:attendance_code", lambda w: [w.held.pk]),
    Page("pre-work form", "participant", "surveys:fill", lambda w: [w.forms["prework"].pk, w.event.pk]),
    Page("questionnaire", "participant", "surveys:fill", lambda w: [w.forms["questionnaire"].pk, w.held.pk]),
    Page("organizer: form builder", "organizer", "surveys:builder", lambda w: [w.forms["prework"].pk]),
    Page(
        "organizer: pre-work status",
        "organizer",
        "surveys:status",
        lambda w: [w.forms["prework"].pk, w.event.pk],
    ),
    Page(
        "organizer: survey summary",
        "organizer",
        "surveys:results",
        lambda w: [w.forms["questionnaire"].pk, w.held.pk],
    ),
    Page("organizer: messages", "organizer", "notifications:event_messages", lambda w: [w.event.pk]),
    Page("calendar feeds", "participant", "notifications:calendar"),
    Page("organizer: breakout groups", "organizer", "groupwork:manage", lambda w: [w.event.pk]),
    Page("organizer: materials", "organizer", "groupwork:materials", lambda w: [w.event.pk]),
    Page("organizer: question box", "organizer", "groupwork:questions_manage", lambda w: [w.event.pk]),
    Page("reviewer: dashboard", "reviewer", "reports:dashboard"),
    Page(
        "reviewer: municipality", "reviewer", "reports:municipality", lambda w: [_year(w), w.municipality.pk]
    ),
    Page("reviewer: event", "reviewer", "reports:event", lambda w: [w.held.pk]),
]
