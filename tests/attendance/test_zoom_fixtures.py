"""Realistic Zoom participant reports (tests/attendance/zoom_reports/), each person's
expected outcome, and the refusals that keep a report of another meeting, another day
or an event that has not happened from touching attendance.

The session: 草加市's training 第1回, 2022-01-25 15:00–17:00 (120 minutes; 出席 from 96),
meeting 810 0012 2011. In both reports (Japanese cp932 with the meeting block; English
UTF-8 with BOM, meeting block, no duration column):

  福祉 政子   the host (the organizer's own account)      → set aside, not a registrant
  佐藤 陽子   by address, left and rejoined (50 + 78 min)   → 出席, 120 (the spans' union, capped)
  草加市_山田 太郎 / 苫小牧市＿山田 太郎: namesakes of two municipalities, told apart by
              the prefix against each one's organization  → 出席 120 / 途中退出 66
  高橋 美穂 ×2 identical rows: two registrants share the name, no prefix
                                                           → two review rows, neither marked
  鈴木 健一   no address, rejoined (70 + 49 min)            → 出席, 119 (one person, one row)
  伊藤 誠     did not register (a walk-in)                  → review
  渡辺 由美   by address, joined 45 minutes late            → 途中退出, 75
  =中村 翔太  a name that looks like a formula              → stored '=中村 翔太, 出席 120
  (a row without a name, Japanese file only)                → skipped and said so
  小林 真理   registered, not in the report                 → 欠席
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Organization
from attendance import zoom_import
from attendance.errors import AttendanceError
from attendance.models import ZoomImport, ZoomImportRow
from audit.models import AuditEntry
from events.models import Registration
from tests.factories import OrganizationFactory, RegistrationFactory, UserFactory
from tests.reports.factories import held_event

A = Registration.Attendance
TZ = timezone.get_default_timezone()
REPORTS = Path(__file__).parent / "zoom_reports"


def report(name: str) -> bytes:
    return (REPORTS / name).read_bytes()


@pytest.fixture
def session(municipality, other_municipality):
    event = held_event(
        hosts=[municipality],
        when=dt.datetime(2022, 1, 25, 15, tzinfo=TZ),
        online_meeting_id="810 0012 2011",
        online_url="https://zoom.example.jp/j/81000122011",
    )
    section = OrganizationFactory(name="福祉政策課", parent=municipality)
    csw = OrganizationFactory(name="草加市社会福祉協議会", kind=Organization.Kind.COUNCIL_OF_SOCIAL_WELFARE)
    houkatsu = OrganizationFactory(name="草加市地域包括支援センター", kind=Organization.Kind.OTHER)

    def reg(key, name, kana, email, org):
        user = UserFactory(full_name=name, full_name_kana=kana, email=email)
        return key, RegistrationFactory(event=event, user=user, organization=org)

    people = dict(
        [
            reg("sato", "佐藤 陽子", "サトウ ヨウコ", "sato@city.soka.example.jp", section),
            reg("yamada_soka", "山田 太郎", "ヤマダ タロウ", "yamada@city.soka.example.jp", section),
            reg(
                "yamada_toma",
                "山田 太郎",
                "ヤマダ タロウ",
                "yamada@city.tomakomai.example.jp",
                other_municipality,
            ),
            reg("takahashi_csw", "高橋 美穂", "タカハシ ミホ", "takahashi@shakyo.soka.example.jp", csw),
            reg("takahashi_hk", "高橋 美穂", "タカハシ ミホ", "takahashi@houkatsu.soka.example.jp", houkatsu),
            reg("suzuki", "鈴木 健一", "スズキ ケンイチ", "suzuki@shakyo.soka.example.jp", csw),
            reg("watanabe", "渡辺 由美", "ワタナベ ユミ", "watanabe@shakyo.soka.example.jp", csw),
            reg("nakamura", "中村 翔太", "ナカムラ ショウタ", "nakamura@houkatsu.soka.example.jp", houkatsu),
            reg("kobayashi", "小林 真理", "コバヤシ マリ", "kobayashi@city.soka.example.jp", municipality),
        ]
    )
    return event, people


EXPECTED = {
    "sato": (A.ATTENDED, 120),
    "yamada_soka": (A.ATTENDED, 120),
    "yamada_toma": (A.LEFT_EARLY, 66),
    "takahashi_csw": (A.UNKNOWN, None),
    "takahashi_hk": (A.UNKNOWN, None),
    "suzuki": (A.ATTENDED, 119),
    "watanabe": (A.LEFT_EARLY, 75),
    "nakamura": (A.ATTENDED, 120),
    "kobayashi": (A.ABSENT, None),
}


def outcomes(people) -> dict:
    out = {}
    for key, reg in people.items():
        reg.refresh_from_db()
        out[key] = (reg.attendance, reg.attendance_minutes)
    return out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "encoding", "skipped"),
    [("ja_cp932_meeting.csv", "cp932", 1), ("en_bom_meeting_no_duration.csv", "utf-8-sig", 0)],
)
def test_each_person_of_a_real_report(session, organizer, filename, encoding, skipped):
    event, people = session
    result = zoom_import.import_zoom_report(event, by=organizer, data=report(filename), filename=filename)
    assert result.created and result.encoding == encoding
    assert outcomes(people) == EXPECTED
    assert (result.matched, result.attended, result.left_early, result.absent, result.unmatched) == (
        6,
        4,
        2,
        1,
        3,
    )
    imported = result.zoom_import
    assert imported.meeting_id == "81000122011" and imported.report_date == dt.date(2022, 1, 25)
    assert len(imported.skipped) == skipped
    rows = {(r.name, r.state, r.matched_by) for r in ZoomImportRow.objects.filter(zoom_import=imported)}
    M, U, D = ZoomImportRow.State.MATCHED, ZoomImportRow.State.UNMATCHED, ZoomImportRow.State.DISMISSED
    By = ZoomImportRow.MatchedBy
    assert rows == {
        ("福祉 政子", D, By.ORGANIZER),
        ("佐藤 陽子", M, By.EMAIL),
        ("草加市_山田 太郎", M, By.PREFIX),
        ("苫小牧市＿山田 太郎", M, By.PREFIX),
        ("高橋 美穂", U, By.NONE),  # twice: one review row per person of the report
        ("鈴木 健一", M, By.NAME),
        ("伊藤 誠", U, By.NONE),
        ("渡辺 由美", M, By.EMAIL),
        ("'=中村 翔太", M, By.NAME),
    }
    review = list(zoom_import.pending_review(event).order_by("name", "id"))
    assert [r.name for r in review] == ["伊藤 誠", "高橋 美穂", "高橋 美穂"]
    takahashi = [r for r in review if r.name == "高橋 美穂"]
    assert [r.minutes for r in takahashi] == [120, 120]  # each their own 121 minutes, capped
    assert all(r.sessions == 1 for r in takahashi)
    # The rejoins are one row, with the report's own minutes kept beside the credited ones.
    sato = ZoomImportRow.objects.get(zoom_import=imported, registration=people["sato"])
    assert (sato.sessions, sato.minutes) == (2, 120)
    if filename.startswith("ja"):
        assert sato.reported_minutes == 128
    # Nobody is credited more than the session, whatever the rows say.
    assert max(ZoomImportRow.objects.values_list("minutes", flat=True)) <= 120


@pytest.mark.django_db
def test_linking_a_namesake_after_the_import(session, organizer):
    event, people = session
    zoom_import.import_zoom_report(event, by=organizer, data=report("ja_cp932_meeting.csv"))
    first, second = zoom_import.pending_review(event).filter(name="高橋 美穂").order_by("id")
    zoom_import.link_row(first, by=organizer, registration=people["takahashi_csw"])
    zoom_import.link_row(second, by=organizer, registration=people["takahashi_hk"])
    assert outcomes(people)["takahashi_csw"] == (A.ATTENDED, 120)
    assert outcomes(people)["takahashi_hk"] == (A.ATTENDED, 120)
    # Linking both rows to one person would still never credit more than the session.
    walk_in = zoom_import.pending_review(event).get(name="伊藤 誠")
    zoom_import.link_row(walk_in, by=organizer, registration=people["takahashi_csw"])
    assert outcomes(people)["takahashi_csw"] == (A.ATTENDED, 120)


@pytest.mark.django_db
def test_reimport_changes_nothing(session, organizer):
    event, people = session
    data = report("ja_cp932_meeting.csv")
    zoom_import.import_zoom_report(event, by=organizer, data=data)
    before = outcomes(people)
    rows = ZoomImportRow.objects.count()
    again = zoom_import.import_zoom_report(event, by=organizer, data=data)
    assert again.created is False
    assert outcomes(people) == before
    assert (ZoomImport.objects.count(), ZoomImportRow.objects.count()) == (1, rows)


@pytest.mark.django_db
def test_a_report_of_another_meeting_is_refused_naming_both(session, organizer):
    event, people = session
    with translation.override("en"), pytest.raises(AttendanceError) as refused:
        zoom_import.import_zoom_report(event, by=organizer, data=report("other_meeting.csv"))
    assert "830 000 0101" in str(refused.value) and "810 0012 2011" in str(refused.value)
    assert not ZoomImport.objects.exists()
    assert all(state == (A.UNKNOWN, None) for state in outcomes(people).values())


@pytest.mark.django_db
def test_the_issues_case_another_meeting_two_months_early(organizer, municipality):
    """A report of meeting 830 000 0101 on 2026-12-15 was accepted for an event on
    2027-01-26 with meeting ID 812 3456 7890."""
    event = held_event(
        hosts=[municipality], when=dt.datetime(2027, 1, 26, 15, tzinfo=TZ), online_meeting_id="812 3456 7890"
    )
    reg = RegistrationFactory(event=event, user=UserFactory(email="sato@city.soka.example.jp"))
    after = dt.datetime(2027, 1, 27, 9, tzinfo=TZ)
    with pytest.raises(AttendanceError) as refused:
        zoom_import.import_zoom_report(event, by=organizer, data=report("other_meeting.csv"), now=after)
    assert "830 000 0101" in str(refused.value) and "812 3456 7890" in str(refused.value)
    reg.refresh_from_db()
    assert reg.attendance == A.UNKNOWN


@pytest.mark.django_db
def test_a_report_of_another_day_is_refused_then_imported_when_the_organizer_says_why(session, organizer):
    event, people = session
    data = report("other_day_utf8.csv")
    with translation.override("en"), pytest.raises(zoom_import.DateMismatch) as refused:
        zoom_import.import_zoom_report(event, by=organizer, data=data)
    assert "24 Jan 2022" in str(refused.value) and "25 Jan 2022" in str(refused.value)
    assert not ZoomImport.objects.exists()
    with pytest.raises(AttendanceError):  # an override needs its reason
        zoom_import.import_zoom_report(event, by=organizer, data=data, allow_other_date=True)
    result = zoom_import.import_zoom_report(
        event, by=organizer, data=data, allow_other_date=True, reason="Zoom の時刻設定が前日のままだった"
    )
    imported = result.zoom_import
    assert imported.date_override and imported.override_reason == "Zoom の時刻設定が前日のままだった"
    assert outcomes(people)["sato"] == (A.ATTENDED, 120)
    entry = AuditEntry.objects.get(action="attendance.import")
    assert entry.details["date_override"] is True and entry.details["report_date"] == "2022-01-24"


@pytest.mark.django_db
def test_no_import_before_the_event_starts(organizer, municipality):
    """A report dated 2022-01-25 marked 8 people 欠席 for an event that had not taken place."""
    starts = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    event = held_event(hosts=[municipality], when=starts, online_meeting_id="810 0012 2011")
    regs = [RegistrationFactory(event=event) for _ in range(8)]
    with translation.override("en"), pytest.raises(AttendanceError) as refused:
        zoom_import.import_zoom_report(event, by=organizer, data=report("ja_cp932_meeting.csv"))
    assert "starts" in str(refused.value) and str(timezone.localtime(starts).year) in str(refused.value)
    assert not Registration.objects.filter(pk__in=[r.pk for r in regs]).exclude(attendance=A.UNKNOWN).exists()


@pytest.mark.django_db
def test_the_upload_page_says_which_encoding_and_asks_for_a_reason(client, session, organizer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    event, _people = session
    client.force_login(organizer)
    url = reverse("attendance:zoom_import", args=[event.pk])
    upload = SimpleUploadedFile("participants.csv", report("ja_cp932_meeting.csv"))
    response = client.post(url, {"report": upload}, follow=True)
    html = response.content.decode()
    assert "Shift_JIS (cp932)" in html
    upload = SimpleUploadedFile("day.csv", report("other_day_utf8.csv"))
    response = client.post(url, {"report": upload, "allow_other_date": "on"})
    assert response.status_code == 400 and 'id="id_reason_error"' in response.content.decode()
