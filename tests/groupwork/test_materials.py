"""Materials (資料): upload checks, audience, visibility time (time-machine) and counting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from events.models import Event, Registration
from groupwork import materials
from groupwork.models import Material
from tests.factories import EventFactory, ProgramItemFactory, RegistrationFactory, SpeakerFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.GROUPWORK_FILES_ROOT = tmp_path / "materials"
    return settings.GROUPWORK_FILES_ROOT


def _upload(client, event, **fields):
    data = {"title": "講義スライド", "audience": "registrants", "visible_from": "now", **fields}
    return client.post(reverse("groupwork:materials", args=[event.pk]), data)


def _slides(name="slides.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_organizer_uploads_slides_and_registrants_download_them(
    client, organizer, participant, outsider, meeting, municipality, _private_files
):
    RegistrationFactory(event=meeting, user=participant, organization=municipality)
    client.force_login(organizer)
    response = _upload(client, meeting, file=_slides("第2回 講義資料.pdf"))
    assert response.status_code == 302
    material = Material.objects.get()
    assert material.file_type == "application/pdf" and material.file.name.endswith(".pdf")
    assert Path(material.file.path).is_relative_to(_private_files)

    client.force_login(participant)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "講義スライド" in page and material.get_absolute_url() in page
    response = client.get(material.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"] and ".pdf" in response["Content-Disposition"]
    client.get(material.get_absolute_url())
    material.refresh_from_db()
    assert material.download_count == 2

    # Another municipality's member and anonymous visitors get nothing, not even the title.
    for who in (outsider, None):
        if who is None:
            client.logout()
        else:
            client.force_login(who)
        assert client.get(material.get_absolute_url()).status_code == 404
        assert "講義スライド" not in client.get(meeting.get_absolute_url()).content.decode()
    material.refresh_from_db()
    assert material.download_count == 2


def test_a_disguised_file_is_refused_beside_the_field_and_nothing_is_stored(
    client, organizer, meeting, _private_files
):
    client.force_login(organizer)
    response = _upload(client, meeting, file=_slides("slides.pdf", b"MZ\x90\x00this is an executable"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "中身が受け付けられない形式" in html
    assert not Material.objects.exists()
    assert not any(_private_files.rglob("*.*")) if _private_files.exists() else True


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "タイトル"),
        ({}, "ファイルを選ぶかリンク"),
        ({"url": "https://video.example.jp/1", "with_file": True}, "ファイルを選ぶかリンク"),
    ],
)
def test_incomplete_uploads_are_refused(client, organizer, meeting, fields, message):
    client.force_login(organizer)
    data = dict(fields)
    if data.pop("with_file", False):
        data["file"] = _slides()
    response = _upload(client, meeting, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Material.objects.exists()


def test_a_program_item_of_another_event_is_refused(client, organizer, meeting, municipality):
    foreign = ProgramItemFactory(event=EventFactory(hosts=[municipality]))
    with pytest.raises(materials.MaterialError):
        materials.add(
            meeting,
            by=organizer,
            title="資料",
            audience="public",
            visible_from="now",
            program_item_id=foreign.pk,
            url="https://example.jp/a",
        )
    client.force_login(organizer)
    response = _upload(client, meeting, url="https://example.jp/a", program_item=str(foreign.pk))
    assert response.status_code == 400
    assert not Material.objects.exists()


def test_visibility_follows_the_event_times(participant, municipality):
    start = dt.datetime(2030, 3, 11, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    event = EventFactory(hosts=[municipality], starts_at=start, ends_at=start + dt.timedelta(hours=2))
    RegistrationFactory(event=event, user=participant, organization=municipality)
    organizer = UserFactory(is_staff=True)
    made = {
        when: materials.add(
            event,
            by=organizer,
            title=f"資料 {when}",
            audience="registrants",
            visible_from=when,
            url=f"https://example.jp/{when}",
        )
        for when in ("now", "start", "after")
    }

    def seen(moment):
        with time_machine.travel(moment, tick=False):
            return {m.visible_from for m in materials.visible_to(event, participant)}

    assert seen(start - dt.timedelta(days=1)) == {"now"}
    assert seen(start) == {"now", "start"}
    assert seen(start + dt.timedelta(hours=1, minutes=59)) == {"now", "start"}
    assert seen(start + dt.timedelta(hours=2)) == {"now", "start", "after"}
    # The download follows the same rule.
    with time_machine.travel(start - dt.timedelta(minutes=1), tick=False):
        assert not materials.can_see(participant, made["start"])
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        assert materials.can_see(participant, made["after"])


def test_attendees_only_and_public(client, participant, outsider, municipality):
    start = dt.datetime(2030, 3, 11, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    event = EventFactory(hosts=[municipality], starts_at=start, ends_at=start + dt.timedelta(hours=2))
    registration = RegistrationFactory(event=event, user=participant, organization=municipality)
    staff = UserFactory(is_staff=True)
    recording = materials.add(
        event,
        by=staff,
        title="録画",
        audience="attendees",
        visible_from="after",
        url="https://example.jp/rec",
    )
    flyer = materials.add(
        event, by=staff, title="チラシ", audience="public", visible_from="now", url="https://example.jp/flyer"
    )
    after = start + dt.timedelta(hours=3)
    with time_machine.travel(after, tick=False):
        assert materials.visible_to(event, participant) == [flyer]
        registration.attendance = Registration.Attendance.ATTENDED
        registration.save()
        assert set(materials.visible_to(event, participant)) == {recording, flyer}
        assert materials.visible_to(event, outsider) == [flyer]
        client.logout()
        response = client.get(flyer.get_absolute_url())
        assert response.status_code == 302 and response["Location"] == "https://example.jp/flyer"
        assert client.get(recording.get_absolute_url()).status_code == 404
    # A draft event shows nothing, not even public materials, to people outside it.
    Event.objects.filter(pk=event.pk).update(status=Event.Status.DRAFT)
    event.refresh_from_db()
    assert materials.visible_to(event, outsider) == []


def test_lecturers_add_materials_and_remove_only_their_own(client, organizer, meeting, municipality):
    lecturer = UserFactory(full_name="猿渡 進平")
    meeting.speakers.add(SpeakerFactory(name="猿渡 進平", user=lecturer))
    stranger = UserFactory()
    SpeakerFactory(name="他の講師", user=stranger).events.add(EventFactory(hosts=[municipality]))
    client.force_login(lecturer)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert reverse("groupwork:materials", args=[meeting.pk]) in page
    assert _upload(client, meeting, url="https://example.jp/slides").status_code == 302
    own = Material.objects.get()
    theirs = materials.add(
        meeting,
        by=organizer,
        title="主催者資料",
        audience="public",
        visible_from="now",
        url="https://example.jp/o",
    )
    assert client.post(reverse("groupwork:material_remove", args=[meeting.pk, theirs.pk])).status_code == 403
    assert client.post(reverse("groupwork:material_remove", args=[meeting.pk, own.pk])).status_code == 302
    assert list(Material.objects.all()) == [theirs]
    # A lecturer of another event may do nothing here.
    client.force_login(stranger)
    assert client.get(reverse("groupwork:materials", args=[meeting.pk])).status_code == 403
    assert _upload(client, meeting, url="https://example.jp/x").status_code == 403
    # An id of another event's material in this event's URL is not found.
    other = materials.add(
        EventFactory(hosts=[municipality]),
        by=organizer,
        title="別の研修",
        audience="public",
        visible_from="now",
        url="https://example.jp/z",
    )
    client.force_login(organizer)
    assert client.get(reverse("groupwork:material", args=[meeting.pk, other.pk])).status_code == 404
    assert client.post(reverse("groupwork:material_remove", args=[meeting.pk, other.pk])).status_code == 404


def test_reviewer_reads_the_list_but_cannot_add(client, reviewer, meeting):
    client.force_login(reviewer)
    page = client.get(reverse("groupwork:materials", args=[meeting.pk]))
    assert page.status_code == 200
    assert "資料を追加する" not in page.content.decode()
    assert _upload(client, meeting, url="https://example.jp/x").status_code == 403


def test_the_questionnaire_mail_links_the_materials(organizer, participant, municipality, mailoutbox):
    from notifications import delivery
    from notifications.surveys_bridge import survey_mails
    from surveys import building

    start = dt.datetime(2030, 3, 11, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    event = EventFactory(hosts=[municipality], starts_at=start, ends_at=start + dt.timedelta(hours=2))
    RegistrationFactory(event=event, user=participant, organization=municipality)
    building.create_from_starter(by=organizer, starter="questionnaire", event=event)
    materials.add(
        event,
        by=organizer,
        title="講義スライド",
        audience="registrants",
        visible_from="after",
        url="https://e.jp/s",
    )
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=30), tick=False):
        survey_mails()
        delivery.dispatch_due()
    invitation = next(
        m for m in mailoutbox if m.extra_headers.get("X-Tsunagu-Kind") == "questionnaire_invitation"
    )
    assert f"{event.get_absolute_url()}#materials" in invitation.body
