"""Importing a Zoom participant report: encodings, headers, matching, threshold, review,
idempotence and bad files (all or nothing)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from attendance import services as attendance_services
from attendance import zoom, zoom_import
from attendance.errors import AttendanceError
from attendance.models import ZoomImport, ZoomImportRow
from events.models import Event, Registration
from tests.factories import RegistrationFactory, UserFactory
from tests.reports.factories import held_event

Attendance = Registration.Attendance

JA_HEADER = "名前 (元の名前),メール,参加時刻,退出時刻,期間 (分),ゲスト"
EN_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"


def _csv(header: str, rows: list[str], *, encoding="utf-8", bom=False, preamble="") -> bytes:
    text = preamble + header + "\r\n" + "".join(r + "\r\n" for r in rows)
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def event(municipality):
    # 2 hours: 80 % is 96 minutes.
    return held_event(hosts=[municipality])


@pytest.fixture
def people(event):
    def reg(name, kana, email):
        return RegistrationFactory(
            event=event, user=UserFactory(full_name=name, full_name_kana=kana, email=email)
        )

    return {
        "sato": reg("佐藤 陽子", "サトウ ヨウコ", "sato@example.jp"),
        "suzuki": reg("鈴木 健一", "スズキ ケンイチ", "suzuki@example.jp"),
        "takahashi": reg("高橋 美穂", "タカハシ ミホ", "takahashi@example.jp"),
        "tanaka": reg("田中 大輔", "タナカ ダイスケ", "tanaka@example.jp"),
    }


def _state(reg):
    reg.refresh_from_db()
    return reg.attendance, reg.attendance_minutes


@pytest.mark.django_db
def test_japanese_cp932_report_matches_by_email_and_name(event, people, organizer):
    data = _csv(
        JA_HEADER,
        [
            # by email, the whole session
            "佐藤 陽子,SATO@example.jp,2099/01/25 14:55:00,2099/01/25 17:00:00,120,いいえ",
            # renamed 「草加市＿氏名」 with the original name in brackets, no email: by name
            "草加市＿鈴木　健一 (スズキ),,2099/01/25 14:58:00,2099/01/25 15:40:00,42,はい",
            # … and rejoined later: the minutes add up to 100 ≥ 96
            "草加市_鈴木健一,,2099/01/25 15:45:00,2099/01/25 16:43:00,58,はい",
            # left after an hour
            "高橋美穂,takahashi@example.jp,2099/01/25 15:00:00,2099/01/25 16:00:00,60,いいえ",
            # nobody we know
            "iPhone,,2099/01/25 15:00:00,2099/01/25 17:00:00,120,はい",
        ],
        encoding="cp932",
    )
    result = zoom_import.import_zoom_report(event, by=organizer, data=data, filename="participants.csv")
    assert result.created and result.encoding == "cp932"
    assert (result.matched, result.attended, result.left_early, result.unmatched) == (3, 2, 1, 1)
    assert _state(people["sato"]) == (Attendance.ATTENDED, 120)
    assert _state(people["suzuki"]) == (Attendance.ATTENDED, 100)
    assert _state(people["takahashi"]) == (Attendance.LEFT_EARLY, 60)
    # Online event: a confirmed registrant missing from the report did not come.
    assert _state(people["tanaka"]) == (Attendance.ABSENT, None)
    suzuki_row = ZoomImportRow.objects.get(registration=people["suzuki"])
    assert suzuki_row.sessions == 2 and suzuki_row.state == ZoomImportRow.State.MATCHED
    assert list(zoom_import.pending_review(event).values_list("name", flat=True)) == ["iPhone"]


@pytest.mark.django_db
def test_english_utf8_bom_report_with_meeting_summary(event, people, organizer):
    preamble = (
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\r\n"
        "82000000001,研修,01/25/2099 02:45:00 PM,01/25/2099 05:00:00 PM,host@example.jp,135,5\r\n"
        "\r\n"
    )
    data = _csv(
        EN_HEADER,
        ["Tanaka Daisuke (田中 大輔),,01/25/2099 03:00:00 PM,01/25/2099 05:00:00 PM,120,Yes"],
        bom=True,
        preamble=preamble,
    )
    result = zoom_import.import_zoom_report(event, by=organizer, data=data, filename="en.csv")
    assert result.encoding == "utf-8-sig"
    assert _state(people["tanaka"]) == (Attendance.ATTENDED, 120)
    row = ZoomImportRow.objects.get(registration=people["tanaka"])
    assert row.guest is True and row.first_joined_at is not None


@pytest.mark.django_db
def test_utf8_without_bom(event, people, organizer):
    data = _csv(JA_HEADER, ["佐藤 陽子,sato@example.jp,,,97,"])
    assert zoom_import.import_zoom_report(event, by=organizer, data=data).encoding == "utf-8"
    assert _state(people["sato"]) == (Attendance.ATTENDED, 97)


@pytest.mark.django_db
@override_settings(ATTENDANCE_MIN_RATIO=0.5)
def test_threshold_is_a_setting(event, people, organizer):
    data = _csv(JA_HEADER, ["高橋美穂,takahashi@example.jp,,,60,"])
    zoom_import.import_zoom_report(event, by=organizer, data=data)
    assert _state(people["takahashi"]) == (Attendance.ATTENDED, 60)


@pytest.mark.django_db
def test_same_name_twice_goes_to_review(event, people, organizer):
    RegistrationFactory(event=event, user=UserFactory(full_name="佐藤 陽子", email="other-sato@example.jp"))
    data = _csv(JA_HEADER, ["佐藤陽子,,,,120,"])
    result = zoom_import.import_zoom_report(event, by=organizer, data=data)
    assert result.unmatched == 1 and result.matched == 0


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(event, people, organizer):
    data = _csv(JA_HEADER, ["佐藤 陽子,sato@example.jp,,,120,", "高橋美穂,takahashi@example.jp,,,60,"])
    zoom_import.import_zoom_report(event, by=organizer, data=data)
    # The organizer corrects one person by hand after the import.
    attendance_services.mark(people["takahashi"], by=organizer, attendance=Attendance.ATTENDED)
    again = zoom_import.import_zoom_report(event, by=organizer, data=data)
    assert again.created is False
    assert ZoomImport.objects.count() == 1
    assert ZoomImportRow.objects.count() == 2
    assert _state(people["takahashi"]) == (Attendance.ATTENDED, 60)


@pytest.mark.django_db
def test_review_link_and_dismiss(client, event, people, organizer):
    data = _csv(
        JA_HEADER,
        ["たなか,,,,70,", "たなか2台目,,,,40,", "ホスト,host@example.jp,,,130,"],
    )
    zoom_import.import_zoom_report(event, by=organizer, data=data)
    client.force_login(organizer)
    rows = {r.name: r for r in zoom_import.pending_review(event)}
    url = reverse("attendance:zoom_review", args=[event.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"row": rows["たなか"].pk, "action": "link", "registration": people["tanaka"].pk})
    assert _state(people["tanaka"]) == (Attendance.LEFT_EARLY, 70)
    # A second device of the same person: the minutes add up to 110 ≥ 96.
    client.post(url, {"row": rows["たなか2台目"].pk, "action": "link", "registration": people["tanaka"].pk})
    assert _state(people["tanaka"]) == (Attendance.ATTENDED, 110)
    client.post(url, {"row": rows["ホスト"].pk, "action": "dismiss"})
    assert not zoom_import.pending_review(event).exists()
    assert ZoomImportRow.objects.get(name="ホスト").state == ZoomImportRow.State.DISMISSED


@pytest.mark.django_db
def test_review_refuses_a_registrant_of_another_event(event, people, organizer, municipality):
    other = held_event(hosts=[municipality])
    stranger = RegistrationFactory(event=other)
    zoom_import.import_zoom_report(event, by=organizer, data=_csv(JA_HEADER, ["誰か,,,,70,"]))
    row = zoom_import.pending_review(event).get()
    with pytest.raises(AttendanceError):
        zoom_import.link_row(row, by=organizer, registration=stranger)
    row.refresh_from_db()
    assert row.state == ZoomImportRow.State.UNMATCHED


BAD_FILES = {
    "utf16": ("佐藤".encode("utf-16"), "UTF-16"),
    "undecodable": (b"\x82\xa0\xff\xfe\x80\x81,\x83\n", "UTF-8 or Shift_JIS"),
    "missing_columns": (_csv("名前 (元の名前),参加時刻", ["佐藤,2099/01/25 15:00:00"]), "Missing columns"),
    "no_table": (_csv("a,b,c", ["1,2,3"]), "No participant table"),
    "duplicated": (
        _csv(JA_HEADER, ["佐藤 陽子,sato@example.jp,a,b,60,", "佐藤 陽子,sato@example.jp,a,b,60,"]),
        "repeats line 2",
    ),
    "formula": (_csv(JA_HEADER, ["佐藤 陽子,sato@example.jp,,,120,", '=HYPERLINK("x"),,,,10,']), "formula"),
    "bad_minutes": (_csv(JA_HEADER, ["佐藤 陽子,sato@example.jp,,,abc,"]), "not a whole number"),
    "too_big": (_csv(JA_HEADER, ["佐藤 陽子,sato@example.jp,,,120,"]) + b" " * (10 * 1024 * 1024), "10 MB"),
    "empty": (b"", "empty"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_whole(event, people, organizer, case):
    data, message = BAD_FILES[case]
    with translation.override("en"), pytest.raises(AttendanceError, match=message):
        zoom_import.import_zoom_report(event, by=organizer, data=data)
    assert not ZoomImport.objects.exists()
    assert not ZoomImportRow.objects.exists()
    assert not Registration.objects.exclude(attendance=Attendance.UNKNOWN).exists()


@pytest.mark.django_db
def test_upload_page_imports_and_lands_on_the_roster(client, event, people, organizer):
    client.force_login(organizer)
    upload = SimpleUploadedFile(
        "participants.csv", _csv(JA_HEADER, ["佐藤 陽子,sato@example.jp,,,120,"], encoding="cp932")
    )
    response = client.post(reverse("attendance:zoom_import", args=[event.pk]), {"report": upload})
    assert response.status_code == 302
    assert response["Location"] == reverse("attendance:roster", args=[event.pk])
    roster = client.get(response["Location"]).content.decode()
    assert 'data-state="attended"' in roster


@pytest.mark.django_db
def test_upload_page_shows_the_error_beside_the_field(client, event, people, organizer):
    client.force_login(organizer)
    upload = SimpleUploadedFile("bad.csv", _csv("名前,参加時刻", ["佐藤,x"]))
    response = client.post(reverse("attendance:zoom_import", args=[event.pk]), {"report": upload})
    assert response.status_code == 400
    assert response.context["form"].errors["report"]
    assert 'id="id_report_error"' in response.content.decode()
    assert not ZoomImport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reviewer", "participant", "other_organizer", "coordinator"])
def test_only_organizers_import(client, request, event, people, persona):
    client.force_login(request.getfixturevalue(persona))
    upload = SimpleUploadedFile("p.csv", _csv(JA_HEADER, ["佐藤 陽子,sato@example.jp,,,120,"]))
    assert (
        client.post(reverse("attendance:zoom_import", args=[event.pk]), {"report": upload}).status_code == 403
    )
    assert client.get(reverse("attendance:zoom_review", args=[event.pk])).status_code == 403
    assert not ZoomImport.objects.exists()


@pytest.mark.django_db
def test_cancelled_event_refuses_import(organizer, municipality):
    event = held_event(hosts=[municipality], status=Event.Status.CANCELLED)
    with pytest.raises(AttendanceError):
        zoom_import.import_zoom_report(event, by=organizer, data=_csv(JA_HEADER, ["a,,,,1,"]))


def test_name_normalisation():
    assert zoom.normalize_person_name("草加市＿鈴木　健一") == "鈴木健一"
    assert zoom.normalize_person_name("草加市_ 鈴木 健一") == "鈴木健一"
    assert zoom.normalize_person_name("ｽｽﾞｷ ｹﾝｲﾁ") == "スズキケンイチ"
