"""今後の研修 = not yet ended; 終了した研修 = ended, newest first; a keyword search over
title, series, description, venue and lecturers, combined with the filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from events import program
from events.models import Event
from tests.factories import EventFactory, EventSeriesFactory, SpeakerFactory


def _event(hosts, *, days: float, hours: int = 2, **fields) -> Event:
    starts = timezone.now() + dt.timedelta(days=days)
    return EventFactory(hosts=hosts, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours), **fields)


def _titles(response) -> list[str]:
    return [e.title for e in response.context["page"].object_list]


@pytest.mark.django_db
def test_upcoming_is_not_yet_ended_and_past_is_ended_newest_first(client, municipality):
    running = _event([municipality], days=-0.02, title="開催中の研修")  # started ~30 minutes ago
    soon = _event([municipality], days=3, title="来週の研修")
    later = _event([municipality], days=40, title="来月の研修")
    cancelled = _event([municipality], days=10, title="中止になった研修", status=Event.Status.CANCELLED)
    old = _event([municipality], days=-400, title="昨年度の研修", status=Event.Status.COMPLETED)
    recent = _event([municipality], days=-7, title="先週の研修", status=Event.Status.COMPLETED)
    ended_unmarked = _event([municipality], days=-2, title="終わったが未完了の研修")
    _event([municipality], days=5, title="下書き", status=Event.Status.DRAFT)

    upcoming = _titles(client.get(reverse("events:list")))
    assert upcoming == [running.title, soon.title, cancelled.title, later.title]
    past = _titles(client.get(reverse("events:list"), {"past": "1"}))
    # Newest first; an event whose end has passed is past whatever its status says.
    assert past == [ended_unmarked.title, recent.title, old.title]


@pytest.mark.django_db
def test_keyword_search_reads_title_series_description_venue_and_lecturers(client, municipality):
    series = EventSeriesFactory(title="地域共生社会の実現に向けた人材育成研修", hosts=[municipality])
    by_series = _event([municipality], days=3, series=series, number=1, title=series.title)
    by_venue = _event(
        [municipality],
        days=4,
        title="実践研修",
        attendance_mode=Event.Mode.IN_PERSON,
        venue_name="苫小牧市文化会館第2・3会議室",
    )
    by_description = _event(
        [municipality], days=5, title="勉強会", description="ヤングケアラーの支援について"
    )
    by_lecturer = _event([municipality], days=6, title="講演会")
    program.set_speakers(
        by_lecturer,
        by=None,
        lines=[program.SpeakerLine(speaker_id=SpeakerFactory(name="猿渡 進平", affiliation="白川病院").pk)],
    )
    _event([municipality], days=7, title="関係ない研修")

    def search(q, **extra):
        return _titles(client.get(reverse("events:list"), {"q": q, **extra}))

    assert search("人材育成") == [by_series.title]
    assert search("文化会館") == [by_venue.title]
    assert search("ヤングケアラー") == [by_description.title]
    # The lecturer, typed without the space, in full-width, or by affiliation.
    assert search("猿渡進平") == [by_lecturer.title]
    assert search("猿渡　進平") == [by_lecturer.title]
    assert search("白川病院") == [by_lecturer.title]
    # Hiragana finds katakana; every word must match.
    assert search("やんぐけあらー") == [by_description.title]
    assert search("研修 文化会館") == [by_venue.title]
    assert search("存在しない語") == []
    # Combined with the filters.
    assert search("研修", mode="in_person") == [by_venue.title]
    assert search("研修", kind="training") == [by_series.title, by_venue.title, "関係ない研修"]


@pytest.mark.django_db
def test_search_follows_a_renamed_series_and_speaker(client, municipality):
    series = EventSeriesFactory(title="旧い題名", hosts=[municipality])
    event = _event([municipality], days=3, series=series, number=1, title="第1回の研修")
    speaker = SpeakerFactory(name="石川 紀子")
    program.set_speakers(event, by=None, lines=[program.SpeakerLine(speaker_id=speaker.pk)])
    series.title = "新しい題名"
    series.save()
    speaker.name = "石川 典子"
    speaker.save()
    assert _titles(client.get(reverse("events:list"), {"q": "新しい題名"})) == [event.title]
    assert _titles(client.get(reverse("events:list"), {"q": "石川典子"})) == [event.title]
    assert _titles(client.get(reverse("events:list"), {"q": "旧い題名"})) == []
