"""The program follows the event; the editor holds the casebook's tables in one save;
speakers in the order given, with their roles, addable from the event form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from events import program, services
from events.models import Event, EventSpeaker, ProgramItem
from tests.factories import EventFactory, ProgramItemFactory, SpeakerFactory

TZ = timezone.get_default_timezone()

# 草加市 第1回, as the casebook prints it: 8 rows, one of them on four lines.
SOKA_1 = [
    ("14:45", "Zoom開場", ""),
    ("15:00", "草加市より開催挨拶", ""),
    ("15:05", "本日の流れと目的の説明", ""),
    (
        "15:10",
        "【政策説明】「地域共生社会の理念」",
        "地域共生社会及び重層的支援体制整備事業の理念の理解を促す。",
    ),
    ("15:50", "休憩", ""),
    (
        "16:00",
        "【グループディスカッション①】「複合事例の検討」\n・講師より事例紹介\n・グループでの意見交換",
        "複合事例について検討することで多機関協働を考えるきっかけをつくる。",
    ),
    ("16:45", "次回研修についてのアナウンス", ""),
    ("17:00", "終了", ""),
]


def _at(hh, mm=0, day=dt.date(2030, 1, 25)):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=TZ)


@pytest.fixture
def event(municipality):
    return EventFactory(hosts=[municipality], status=Event.Status.DRAFT, starts_at=_at(15), ends_at=_at(17))


def _post_rows(rows, *, ids=None, order=None, delete=(), speakers=None):
    data = {
        "program-TOTAL_FORMS": str(len(rows)),
        "program-INITIAL_FORMS": "0",
        "program-MIN_NUM_FORMS": "0",
        "program-MAX_NUM_FORMS": "1000",
    }
    for i, (time, title, details) in enumerate(rows):
        data.update(
            {
                f"program-{i}-starts_at": time,
                f"program-{i}-title": title,
                f"program-{i}-details": details,
                f"program-{i}-ORDER": str((order or list(range(1, len(rows) + 1)))[i]),
            }
        )
        if ids:
            data[f"program-{i}-id"] = str(ids[i])
        if i in delete:
            data[f"program-{i}-DELETE"] = "on"
        if speakers and i in speakers:
            data[f"program-{i}-speakers"] = [str(pk) for pk in speakers[i]]
    return data


def _clock(event):
    return [
        (item.starts_at.strftime("%H:%M"), item.title.split("\n")[0]) for item in event.program_items.all()
    ]


@pytest.mark.django_db
def test_eight_rows_in_one_save_with_line_breaks(client, organizer, event):
    client.force_login(organizer)
    url = reverse("events:program", args=[event.pk])
    page = client.get(url).content.decode()
    assert "js/rows-editor.js" in page and "<script>" not in page  # a static file, no inline script
    assert "data-row-template" in page
    response = client.post(url, _post_rows(SOKA_1))
    assert response.status_code == 302, response.content.decode()[:3000]
    items = list(event.program_items.all())
    assert [i.starts_at.strftime("%H:%M") for i in items] == [r[0] for r in SOKA_1]
    assert items[0].offset_minutes == -15  # Zoom開場 15 minutes before the start
    assert items[5].title == SOKA_1[5][1]  # the line breaks are kept
    html = client.get(event.get_absolute_url()).content.decode()
    assert (
        "【グループディスカッション①】「複合事例の検討」<br>・講師より事例紹介<br>・グループでの意見交換"
        in html
    )
    # The page shows every row again, plus one blank one for a script-less browser.
    page = client.get(url)
    assert page.context["formset"].total_form_count() == 9


@pytest.mark.django_db
def test_reorder_and_remove_keep_row_ids(client, organizer, event):
    client.force_login(organizer)
    url = reverse("events:program", args=[event.pk])
    client.post(url, _post_rows(SOKA_1[:3]))
    ids = list(event.program_items.values_list("pk", flat=True))
    # Move the third row first, remove the second.
    response = client.post(url, _post_rows(SOKA_1[:3], ids=ids, order=[2, 3, 1], delete=[1]))
    assert response.status_code == 302
    assert [(i.pk, i.title) for i in event.program_items.all()] == [
        (ids[2], SOKA_1[2][1]),
        (ids[0], SOKA_1[0][1]),
    ]


@pytest.mark.django_db
def test_a_row_of_another_event_is_refused(client, organizer, event, municipality):
    other = EventFactory(hosts=[municipality])
    theirs = ProgramItemFactory(event=other, title="他の研修の行")
    client.force_login(organizer)
    response = client.post(
        reverse("events:program", args=[event.pk]), _post_rows([("15:00", "乗っ取り", "")], ids=[theirs.pk])
    )
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.title == "他の研修の行" and theirs.event_id == other.pk
    assert not event.program_items.exists()


@pytest.mark.django_db
def test_an_outsider_cannot_save_a_program(client, other_organizer, event):
    client.force_login(other_organizer)
    response = client.post(reverse("events:program", args=[event.pk]), _post_rows(SOKA_1[:1]))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):  # the service refuses as well
        program.save_program(
            event, by=other_organizer, rows=[program.Row(id=None, starts_at=dt.time(15), title="x")]
        )
    assert not ProgramItem.objects.filter(event=event).exists()


@pytest.mark.django_db
def test_moving_the_event_moves_its_program_after_showing_it(client, organizer, event):
    client.force_login(organizer)
    client.post(reverse("events:program", args=[event.pk]), _post_rows(SOKA_1))
    from tests.events.test_pages import _event_form

    data = _event_form(
        hosts=[event.hosts.first().pk],
        title=event.title,
        starts_at="2030-01-25T14:00",
        ends_at="2030-01-25T16:00",
        doors_open_at="",
    )
    url = reverse("events:event_edit", args=[event.pk])
    preview = client.post(url, data)
    assert preview.status_code == 200  # nothing saved yet: the shifted program is shown
    html = preview.content.decode()
    assert "1/25 13:45" in html and "1/25 16:00" in html  # Zoom開場 and 終了 at the new times
    event.refresh_from_db()
    assert event.starts_at == _at(15)
    response = client.post(url, {**data, "confirm_program": "1", "program_times": "move"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == _at(14)
    assert _clock(event)[:2] == [("13:45", "Zoom開場"), ("14:00", "草加市より開催挨拶")]
    assert _clock(event)[-1] == ("16:00", "終了")


@pytest.mark.django_db
def test_the_organizer_may_keep_the_clock_times(organizer, event):
    ProgramItemFactory(event=event, starts_at=dt.time(14, 45), title="Zoom開場")
    ProgramItemFactory(event=event, starts_at=dt.time(15, 0), title="開催挨拶")
    services.update_event(
        event,
        by=organizer,
        data={"starts_at": _at(15, 30), "ends_at": _at(17, 30)},
        keep_program_clock_times=True,
    )
    event.refresh_from_db()
    assert _clock(event) == [("14:45", "Zoom開場"), ("15:00", "開催挨拶")]
    # On another day too: the clock times stay, the day follows the event.
    services.update_event(
        event,
        by=organizer,
        data={"starts_at": _at(15, day=dt.date(2030, 2, 1)), "ends_at": _at(17, day=dt.date(2030, 2, 1))},
        keep_program_clock_times=True,
    )
    event.refresh_from_db()
    assert [i.starts_at_datetime for i in event.program_items.all()] == [
        _at(14, 45, day=dt.date(2030, 2, 1)),
        _at(15, day=dt.date(2030, 2, 1)),
    ]


@pytest.mark.django_db
def test_next_session_runs_the_program_at_its_own_times(organizer, event):
    ProgramItemFactory(event=event, starts_at=dt.time(14, 45), title="Zoom開場")
    ProgramItemFactory(event=event, starts_at=dt.time(17, 0), title="終了")
    # 草加市 第2回 ran 10:00〜12:00.
    second = services.copy_as_next_session(
        event,
        by=organizer,
        starts_at=_at(10, day=dt.date(2030, 2, 10)),
        ends_at=_at(12, day=dt.date(2030, 2, 10)),
    )
    assert _clock(second) == [("09:45", "Zoom開場"), ("12:00", "終了")]
    kept = services.copy_as_next_session(
        event,
        by=organizer,
        starts_at=_at(10, day=dt.date(2030, 3, 10)),
        ends_at=_at(12, day=dt.date(2030, 3, 10)),
        keep_program_clock_times=True,
    )
    assert _clock(kept) == [("14:45", "Zoom開場"), ("17:00", "終了")]


@pytest.mark.django_db
def test_the_change_mail_and_invite_carry_the_program_as_it_will_run(participant, organizer, municipality):
    from notifications.models import Outbox
    from tests.notifications.factories import event_with_program

    event = event_with_program([municipality])  # 15:00 開催挨拶, 15:10 講義
    services.register(event, participant)
    start = timezone.localtime(event.starts_at)
    services.update_event(
        event,
        by=organizer,
        data={"starts_at": start - dt.timedelta(hours=1), "ends_at": start + dt.timedelta(hours=1)},
    )
    changed = Outbox.objects.get(recipient=participant, kind=Outbox.Kind.EVENT_CHANGED)
    if not changed.body_text:  # rendered at send time in production
        from notifications.services import render_deferred

        render_deferred([changed])
        changed.refresh_from_db()
    assert "14:00" in changed.body_text and "14:10" in changed.body_text
    assert "15:10" not in changed.body_text.split("→")[-1]
    assert "14:10" in changed.ics.replace("\r\n ", "")


@pytest.mark.django_db
def test_speakers_in_the_order_given_with_roles_from_the_event_form(client, organizer, municipality):
    from tests.events.test_pages import _event_form

    sarutari = SpeakerFactory(name="猿渡 進平", name_kana="サルワタリ シンペイ")
    client.force_login(organizer)
    data = _event_form(hosts=[municipality.pk])
    data.update(
        {
            "speakers-TOTAL_FORMS": "3",
            "speakers-INITIAL_FORMS": "0",
            "speakers-MIN_NUM_FORMS": "0",
            "speakers-MAX_NUM_FORMS": "1000",
            "speakers-0-speaker": str(sarutari.pk),
            "speakers-0-role": "lecturer",
            "speakers-0-ORDER": "1",
            # A new speaker typed in on the event form (大原 sorts before 猿渡 in kana).
            "speakers-1-name": "大原 裕介",
            "speakers-1-affiliation": "社会福祉法人ゆうゆう",
            "speakers-1-title": "理事長",
            "speakers-1-role": "commentator",
            "speakers-1-ORDER": "2",
            "speakers-2-role": "lecturer",  # the blank row
        }
    )
    response = client.post(reverse("events:event_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    links = list(EventSpeaker.objects.filter(event=event).select_related("speaker"))
    assert [(link.speaker.name, link.role) for link in links] == [
        ("猿渡 進平", "lecturer"),
        ("大原 裕介", "commentator"),
    ]
    assert links[1].speaker.affiliation == "社会福祉法人ゆうゆう"
    html = client.get(event.get_absolute_url()).content.decode()
    assert html.index("猿渡 進平") < html.index("大原 裕介")
    assert "コメンテーター" in html
