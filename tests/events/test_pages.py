import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Event, EventSeries, ProgramItem, Registration
from tests.factories import EventFactory, ProgramItemFactory, RegistrationFactory, SpeakerFactory, UserFactory


@pytest.mark.django_db
def test_participant_finds_registers_and_sees_join_url(client, participant, municipality):
    event = EventFactory(hosts=[municipality], title="地域共生社会の実現に向けた人材育成研修")
    ProgramItemFactory(event=event, starts_at=dt.time(15, 0), title="草加市より開催挨拶")
    listing = client.get(reverse("events:list")).content.decode()
    assert event.display_title in listing

    page = client.get(event.get_absolute_url()).content.decode()
    assert event.online_url not in page  # anonymous: no join URL
    assert "草加市より開催挨拶" in page

    client.force_login(participant)
    assert event.online_url not in client.get(event.get_absolute_url()).content.decode()
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)
    html = response.content.decode()
    assert "申込が確定しました" in html
    assert event.online_url in html
    assert event.online_passcode in html
    assert Registration.objects.get(event=event, user=participant).status == "confirmed"

    mine = client.get(reverse("events:mine")).content.decode()
    assert event.display_title in mine


@pytest.mark.django_db
def test_event_page_reads_like_the_casebook(client, municipality):
    start = timezone.make_aware(dt.datetime(2027, 1, 26, 15, 0))
    event = EventFactory(
        hosts=[municipality],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        doors_open_at=start - dt.timedelta(minutes=15),
    )
    event.speakers.add(SpeakerFactory(name="石川 紀子", affiliation="厚生労働省 社会・援護局"))
    html = client.get(event.get_absolute_url()).content.decode()
    assert "2027年1月26日（火）15:00〜17:00" in html
    assert "14:45" in html
    assert "石川 紀子（厚生労働省 社会・援護局）" in html
    assert "オンライン" in html


@pytest.mark.django_db
def test_waitlist_position_shown_and_cancel(client, municipality):
    event = EventFactory(capacity=1, hosts=[municipality])
    first, second = UserFactory.create_batch(2)
    for user in (first, second):
        client.force_login(user)
        client.post(reverse("events:register", args=[event.pk]))
    html = client.get(event.get_absolute_url()).content.decode()
    assert "キャンセル待ち1番目" in html
    client.force_login(first)
    # One click does nothing: the cancellation is asked on a page of its own.
    confirm = client.get(reverse("events:cancel_own", args=[event.pk]))
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.content.decode()
    client.post(reverse("events:cancel_own", args=[event.pk]))
    assert Registration.objects.get(event=event, user=first).status == "confirmed"
    client.post(reverse("events:cancel_own", args=[event.pk]), {"confirm": "1"})
    assert Registration.objects.get(event=event, user=second).status == "confirmed"


@pytest.mark.django_db
def test_script_in_text_is_escaped(client, municipality):
    event = EventFactory(hosts=[municipality], title="<script>alert(1)</script>研修")
    html = client.get(event.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def _event_form(series=None, **overrides):
    start = timezone.localtime() + dt.timedelta(days=30)
    data = {
        "title": "地域共生社会の実現に向けた人材育成研修",
        "kind": "training",
        "attendance_mode": "online",
        "starts_at": start.strftime("%Y-%m-%dT15:00"),
        "ends_at": start.strftime("%Y-%m-%dT17:00"),
        "doors_open_at": start.strftime("%Y-%m-%dT14:45"),
        "online_url": "https://zoom.example.jp/j/1",
        "audience": "行政職員",
        "capacity": "50",
    }
    if series:
        data.update(series=series.pk, number="1")
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_organizer_creates_series_two_sessions_program_publishes_and_exports(client, organizer, municipality):
    client.force_login(organizer)
    response = client.post(
        reverse("events:series_create"),
        {
            "title": "地域共生社会の実現に向けた人材育成研修",
            "audience": "行政職員",
            "hosts": [municipality.pk],
        },
    )
    series = EventSeries.objects.get()
    assert response.status_code == 302
    data = _event_form(series, hosts=[municipality.pk])
    response = client.post(reverse("events:event_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    first = Event.objects.get(series=series, number=1)
    assert first.status == "draft"

    program = {
        "program-TOTAL_FORMS": "2",
        "program-INITIAL_FORMS": "0",
        "program-MIN_NUM_FORMS": "0",
        "program-MAX_NUM_FORMS": "1000",
        "program-0-starts_at": "15:00",
        "program-0-title": "開催挨拶",
        "program-0-order": "0",
        "program-1-starts_at": "15:10",
        "program-1-title": "【政策説明】地域共生社会の理念",
        "program-1-order": "1",
        "program-1-details": "理念の理解を促す。",
    }
    assert client.post(reverse("events:program", args=[first.pk]), program).status_code == 302
    assert first.program_items.count() == 2
    assert client.post(reverse("events:publish", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.status == "published"

    start = first.starts_at + dt.timedelta(days=16)
    response = client.post(
        reverse("events:next_session", args=[first.pk]),
        {
            "starts_at": timezone.localtime(start).strftime("%Y-%m-%dT10:00"),
            "ends_at": timezone.localtime(start).strftime("%Y-%m-%dT12:00"),
        },
    )
    second = Event.objects.get(series=series, number=2)
    assert second.program_items.count() == 2

    for user in UserFactory.create_batch(2):
        Registration.objects.create(event=first, user=user, status="confirmed")
    Registration.objects.create(
        event=first, user=UserFactory(full_name='=HYPERLINK("x")'), status="confirmed"
    )
    xlsx = client.get(reverse("events:export_registrations", args=[first.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "氏名"
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("x")' in names
    csv_response = client.get(reverse("events:export_registrations", args=[first.pk, "csv"]))
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "氏名"
    assert len(rows) == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_at": "2030-01-01T10:00", "starts_at": "2030-01-01T12:00"}, "ends_at", "終了は開始より後"),
        (
            {
                "doors_open_at": "2030-01-01T16:00",
                "starts_at": "2030-01-01T15:00",
                "ends_at": "2030-01-01T17:00",
            },
            "doors_open_at",
            "開場は開始より前",
        ),
        ({"capacity": "-3"}, "capacity", "マイナス"),
        ({"registration_closes_at": "2031-01-01T10:00"}, "registration_closes_at", "申込締切は開始より前"),
        ({"attendance_mode": "in_person", "venue_name": ""}, "venue_name", "会場名を入力"),
    ],
)
def test_bad_event_input_is_refused_beside_the_field(
    client, organizer, municipality, overrides, field, message
):
    client.force_login(organizer)
    data = _event_form(hosts=[municipality.pk])
    data.update({"starts_at": "2030-01-01T15:00", "ends_at": "2030-01-01T17:00", "doors_open_at": ""})
    data.update(overrides)
    response = client.post(reverse("events:event_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_publishing_online_event_without_url_is_refused(client, organizer, municipality):
    event = EventFactory(hosts=[municipality], status="draft", online_url="")
    client.force_login(organizer)
    response = client.post(reverse("events:publish", args=[event.pk]), follow=True)
    assert "参加URLを入力してください" in response.content.decode()
    event.refresh_from_db()
    assert event.status == "draft"


@pytest.mark.django_db
def test_moving_a_published_event_bumps_revision(client, organizer, municipality):
    event = EventFactory(hosts=[municipality])
    client.force_login(organizer)
    start = timezone.localtime(event.starts_at) + dt.timedelta(hours=1)
    data = _event_form(
        hosts=[municipality.pk],
        title=event.title,
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        doors_open_at="",
    )
    response = client.post(reverse("events:event_edit", args=[event.pk]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    event.refresh_from_db()
    assert event.revision == 2


@pytest.mark.django_db
def test_approve_and_decline_from_registrations_page(client, organizer, municipality):
    event = EventFactory(hosts=[municipality], requires_approval=True, capacity=10)
    a = RegistrationFactory(event=event, status="requested")
    b = RegistrationFactory(event=event, status="requested")
    client.force_login(organizer)
    page = client.get(reverse("events:registrations", args=[event.pk]) + "?status=requested")
    assert a.user.full_name in page.content.decode()
    client.post(reverse("events:registration_action", args=[event.pk, a.pk, "approve"]))
    decline = reverse("events:registration_action", args=[event.pk, b.pk, "decline"])
    # Declining asks for a reason on a page of its own; without one nothing happens.
    assert client.get(decline).status_code == 200
    no_reason = client.post(decline, {"confirm": "1", "reason": " "})
    assert 'id="id_reason_error"' in no_reason.content.decode()
    b.refresh_from_db()
    assert b.status == "requested"
    client.post(decline, {"confirm": "1", "reason": "定員に達したため、次回のご参加をお願いします。"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("confirmed", "declined")
    assert b.decision_reason == "定員に達したため、次回のご参加をお願いします。"
    from notifications.models import Outbox
    from notifications.outbox import render_at_send

    row = Outbox.objects.get(recipient=b.user, kind=Outbox.Kind.REGISTRATION_DECLINED)
    if not row.body_text:  # written unrendered: render it as the sender would
        from notifications.rendering import render_deferred

        assert render_at_send()
        render_deferred([row])
        row.refresh_from_db()
    assert "定員に達したため" in row.body_text


@pytest.mark.django_db
def test_coordinator_registers_staff_in_bulk(client, coordinator, participant, municipality, outsider):
    from django.core import mail

    event = EventFactory(hosts=[municipality])
    client.force_login(coordinator)
    response = client.post(
        reverse("events:bulk_register", args=[event.pk]),
        {"members": [participant.pk], "new_people": "新人 太郎, ｓｈｉｎｊｉｎ＠ｅｘａｍｐｌｅ．ｊｐ"},
    )
    assert response.status_code == 200
    regs = Registration.objects.filter(event=event)
    assert {r.user.email for r in regs} == {participant.email, "shinjin@example.jp"}
    assert all(r.registered_by == coordinator for r in regs)
    # the invitation is sent after commit by Celery (eager in this test run or queued)
    page = client.get(reverse("events:coordinate")).content.decode()
    assert participant.full_name in page
    assert outsider.full_name not in page
    bad = client.post(reverse("events:bulk_register", args=[event.pk]), {"new_people": "名前だけ"})
    assert "1行目" in bad.content.decode()
    del mail


@pytest.mark.django_db
def test_list_and_event_page_queries_do_not_grow(client, django_assert_num_queries, municipality):
    def make(n):
        for _ in range(n):
            e = EventFactory(hosts=[municipality])
            RegistrationFactory(event=e)

    make(3)
    event = Event.objects.first()
    ProgramItem.objects.create(event=event, starts_at=dt.time(15), title="開催挨拶")
    client.get(reverse("events:list"))  # warm caches (content types, sessions)
    # the paginator's count, the page's ids, the page with registration counts, its hosts
    # (prefetch), the host filter's choices
    with django_assert_num_queries(5):
        client.get(reverse("events:list"))
    # event + series, hosts, speakers, program items, their speakers, participating
    # organizations, the registration count as of the deadline, the materials and the
    # question box (groupwork panels)
    with django_assert_num_queries(9) as small:
        client.get(event.get_absolute_url())
    make(60)
    with django_assert_num_queries(5):
        client.get(reverse("events:list"))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(event.get_absolute_url())
