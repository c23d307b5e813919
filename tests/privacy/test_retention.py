"""The retention purge across a fiscal year end: rows, files and the audit trail."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.lifecycle import PSEUDONYM
from attendance.models import ZoomImport, ZoomImportRow
from audit.models import AuditEntry
from events.models import Registration
from notifications.models import Outbox
from privacy import retention
from privacy.models import DataExport
from surveys.models import Answer, Choice, Form, Submission
from tests.factories import UserFactory
from tests.reports.factories import held_event

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))
ROOT = Path(__file__).resolve().parents[2]


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.fixture
def fy2021(municipality, participant, tmp_path, settings):
    """A 2021年度 session (2022年2月10日) with everything the purge looks at."""
    settings.SURVEYS_FILES_ROOT = tmp_path / "surveys"
    event = held_event(hosts=[municipality], when=at(2022, 2, 10, 14))
    Registration.objects.create(event=event, user=participant, status="confirmed", attendance="attended")
    sheet = Form.objects.create(event=event, kind=Form.Kind.PREWORK, title="事前課題シート")
    section = sheet.sections.create(title="事例")
    age = section.questions.create(form=sheet, key="age", label="対象者の年齢", type="integer")
    chart = section.questions.create(form=sheet, key="chart", label="組織図", type="file")
    submitted = Submission.objects.create(
        form=sheet, event=event, user=participant, status="submitted", submitted_at=at(2022, 2, 1, 9)
    )
    Answer.objects.create(submission=submitted, question=age, value_text="75", value_number=Decimal(75))
    upload = Answer(submission=submitted, question=chart, file_name="組織図.pdf", file_type="application/pdf")
    upload.file.save("x.pdf", ContentFile(b"%PDF-1.4"))
    questionnaire = Form.objects.create(event=event, kind=Form.Kind.QUESTIONNAIRE, title="アンケート")
    qsection = questionnaire.sections.create(title="本体")
    scale = qsection.questions.create(form=questionnaire, key="satisfaction", label="満足度", type="scale")
    comment = qsection.questions.create(form=questionnaire, key="comment", label="感想", type="long_text")
    parts = qsection.questions.create(
        form=questionnaire, key="parts", label="良かった点", type="multiple_choice"
    )
    other = Choice.objects.create(question=parts, label="その他", is_other=True)
    response = Submission.objects.create(form=questionnaire, event=event, status="submitted")
    Answer.objects.create(submission=response, question=scale, value_number=Decimal(4), value_text="4")
    Answer.objects.create(submission=response, question=comment, value_text="母の介護の話をした")
    Answer.objects.create(submission=response, question=parts, choice=other, value_text="個人名を含む記述")
    with time_machine.travel(at(2022, 2, 11, 9)):
        mail = Outbox.objects.create(
            recipient=participant,
            kind=Outbox.Kind.REMINDER,
            subject="明日の研修",
            body_text="参加 一郎 様",
            body_html="<p>参加 一郎 様</p>",
            dedupe_key="reminder-1",
            status=Outbox.Status.SENT,
        )
        report = ZoomImport.objects.create(event=event, sha256="a" * 64, filename="report.csv")
        stranger = ZoomImportRow.objects.create(
            zoom_import=report, name="通りすがり", email="x@example.com", minutes=30, state="dismissed"
        )
        waiting = ZoomImportRow.objects.create(
            zoom_import=report, name="不明な人", email="", minutes=10, state="unmatched"
        )
    return {
        "event": event,
        "sheet": submitted,
        "upload": upload,
        "path": upload.file.path,
        "scale": scale,
        "comment": comment,
        "other": other,
        "mail": mail,
        "stranger": stranger,
        "waiting": waiting,
    }


def purge(captured, **kwargs):
    with captured(execute=True):  # files leave the disk after commit
        return {d.key: d.count for d in retention.purge(**kwargs)}


def test_purge_across_the_end_of_fiscal_2026(fy2021, django_capture_on_commit_callbacks):
    data = fy2021
    # 2022年5月: the unmatched Zoom rows are past 90 days; nothing else is due.
    with time_machine.travel(at(2022, 5, 20, 3)):
        counts = purge(django_capture_on_commit_callbacks)
    assert counts["zoom_unmatched"] == 2
    assert not ZoomImportRow.objects.exists()
    # 2027年3月31日 23:50: still 2026年度, the 5 fiscal years after 2021年度 are not over.
    with time_machine.travel(at(2027, 3, 31, 23, 50)):
        dry = {d.key: d for d in retention.purge(dry_run=True)}
        assert dry["prework"].count == 0 and "2021年度" in dry["prework"].upcoming
        counts = purge(django_capture_on_commit_callbacks)
    assert counts["prework"] == 0 and counts["questionnaire_text"] == 0
    assert counts["mail_bodies"] == 1  # a year old long ago
    mail = Outbox.objects.get(pk=data["mail"].pk)
    assert mail.body_text == "" and mail.body_html == "" and mail.subject == "明日の研修"
    assert mail.recipient_id and mail.status == Outbox.Status.SENT  # the metadata stays
    assert Answer.objects.filter(submission=data["sheet"]).count() == 2 and os.path.exists(data["path"])
    # 2027年4月1日 00:10: 2027年度 — the 2021年度 sheets and written answers go.
    with time_machine.travel(at(2027, 4, 1, 0, 10)):
        dry = {d.key: d.count for d in retention.purge(dry_run=True)}
        assert dry["prework"] == 2 and dry["questionnaire_text"] == 2
        assert Answer.objects.filter(submission=data["sheet"]).count() == 2  # a dry run changes nothing
        counts = purge(django_capture_on_commit_callbacks)
    assert counts["prework"] == 2 and counts["questionnaire_text"] == 2
    assert not Answer.objects.filter(submission=data["sheet"]).exists()
    assert not os.path.exists(data["path"])
    sheet = Submission.objects.get(pk=data["sheet"].pk)
    assert sheet.status == "submitted"  # that it was submitted stays (the pre-work rate)
    assert not Answer.objects.filter(question=data["comment"]).exists()
    assert Answer.objects.get(choice=data["other"]).value_text == ""  # the choice still counts
    assert Answer.objects.get(question=data["scale"]).value_number == 4  # the figures stay
    # What each run removed is in the audit trail.
    entries = {
        (e.details["class"], e.details["removed"]) for e in AuditEntry.objects.filter(action="privacy.purge")
    }
    assert entries == {("zoom_unmatched", 2), ("mail_bodies", 1), ("prework", 2), ("questionnaire_text", 2)}
    # A second run finds nothing more.
    with time_machine.travel(at(2027, 4, 1, 0, 20)):
        assert not any(purge(django_capture_on_commit_callbacks).values())


def test_reviewed_imports_lose_their_unmatched_rows_at_once(fy2021, django_capture_on_commit_callbacks):
    ZoomImportRow.objects.filter(pk=fy2021["waiting"].pk).update(state="dismissed")
    with time_machine.travel(at(2022, 2, 12, 3)):
        assert purge(django_capture_on_commit_callbacks)["zoom_unmatched"] == 2


def test_unused_accounts_are_warned_then_pseudonymized(db, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2022, 1, 5, 10)):
        idle = UserFactory(full_name="使わない 人")
        back = UserFactory(full_name="戻る 人")
    with time_machine.travel(at(2025, 1, 10, 3)):
        counts = purge(django_capture_on_commit_callbacks)
    assert counts["inactive_accounts"] == 2
    assert Outbox.objects.filter(kind=Outbox.Kind.ACCOUNT_INACTIVE).count() == 2
    with time_machine.travel(at(2025, 1, 20, 10)):
        back.last_login = timezone.now()
        back.save(update_fields=["last_login"])
    with time_machine.travel(at(2025, 1, 25, 3)):  # within the 30 days: nothing yet
        assert purge(django_capture_on_commit_callbacks)["inactive_accounts"] == 0
    with time_machine.travel(at(2025, 2, 12, 3)):
        assert purge(django_capture_on_commit_callbacks)["inactive_accounts"] == 1
    idle.refresh_from_db()
    back.refresh_from_db()
    assert idle.full_name == PSEUDONYM and idle.deleted_at is not None
    assert back.full_name == "戻る 人" and back.is_active
    assert Outbox.objects.filter(kind=Outbox.Kind.ACCOUNT_INACTIVE).count() == 2  # no second warning yet


def test_expired_data_exports_leave_with_their_files(participant, django_capture_on_commit_callbacks):
    export = DataExport.objects.create(user=participant, status="ready", expires_at=timezone.now())
    export.archive.save("old.zip", ContentFile(b"PK"))
    path = export.archive.path
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert purge(django_capture_on_commit_callbacks)["data_exports"] == 1
    assert not DataExport.objects.exists() and not os.path.exists(path)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock is PostgreSQL's")
def test_two_purges_never_run_at_once(db):
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [retention.LOCK_ID])
        with pytest.raises(retention.PurgeRunning):
            retention.purge(dry_run=True)
        with pytest.raises(CommandError, match=r"Another purge is running|別の削除処理"):
            call_command("purge", "--dry-run", stdout=io.StringIO())
        other.execute("SELECT pg_advisory_unlock(%s)", [retention.LOCK_ID])
        retention.purge(dry_run=True)  # free again
    finally:
        other.close()


def test_dry_run_command_says_what_and_why(fy2021):
    out = io.StringIO()
    with time_machine.travel(at(2027, 4, 2, 3)):
        call_command("purge", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "RETENTION_PREWORK_FISCAL_YEARS" in text and "2020年度" not in text.split("\n")[0]
    assert Answer.objects.filter(submission=fy2021["sheet"]).count() == 2


@pytest.mark.parametrize("variable", ["RETENTION_PREWORK_FISCAL_YEARS", "RETENTION_MAIL_BODY_DAYS"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_zero_or_negative_periods_are_refused_at_start_up(variable, value):
    env = {**os.environ, variable: value}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert variable in result.stderr and "must be at least 1" in result.stderr
