"""A person downloads everything kept about them — and nothing of anyone else's."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from attendance.models import ZoomImport, ZoomImportRow
from audit.models import AuditEntry
from events.models import Registration
from notifications.models import Outbox
from privacy.models import DataExport
from surveys.models import Answer, Respondent, Submission
from tests.factories import UserFactory
from tests.reports.factories import held_event, prework, questionnaire

pytestmark = pytest.mark.django_db


def sheet_with_file(event, user, content: bytes, name: str):
    form = prework(event)
    section = form.sections.create(title="本体")
    age = section.questions.create(form=form, key="age", label="対象者の年齢", type="integer")
    chart = section.questions.create(form=form, key="chart", label="組織図", type="file")
    submission = Submission.objects.create(form=form, event=event, user=user, status="submitted")
    Answer.objects.create(submission=submission, question=age, value_text="75", value_number=75)
    upload = Answer(submission=submission, question=chart, file_name=name, file_type="application/pdf")
    upload.file.save("x.pdf", ContentFile(content))
    return form


@pytest.fixture
def world(municipality, participant):
    event = held_event(hosts=[municipality], days_ago=20)
    other = UserFactory(full_name="他人 花子", email="hanako@example.jp")
    mine = Registration.objects.create(
        event=event, user=participant, organization=municipality, status="confirmed", attendance="attended"
    )
    Registration.objects.create(event=event, user=other, organization=municipality, status="confirmed")
    report = ZoomImport.objects.create(event=event, sha256="b" * 64)
    ZoomImportRow.objects.create(
        zoom_import=report, name="参加 一郎（草加市）", minutes=110, state="matched", registration=mine
    )
    ZoomImportRow.objects.create(zoom_import=report, name="他人 花子", minutes=30, state="unmatched")
    sheet_with_file(event, participant, b"%PDF-1.4 my chart", "わたしの組織図.pdf")
    sheet_with_file(event, other, b"%PDF-1.4 her chart", "他人の組織図.pdf")
    named = questionnaire(event)
    named.anonymous = False
    named.save()
    for user, comment in ((participant, "自分の感想"), (other, "他人の感想")):
        s = Submission.objects.create(form=named, event=event, user=user, status="submitted")
        q = named.sections.first().questions.create(
            form=named, key=f"c{user.pk}", label="感想", type="long_text"
        )
        Answer.objects.create(submission=s, question=q, value_text=comment)
    anonymous = questionnaire(event)
    Respondent.objects.create(form=anonymous, event=event, user=participant)
    Outbox.objects.create(
        recipient=participant,
        kind="reminder",
        subject="明日の研修",
        body_text="参加 一郎 様",
        dedupe_key="r1",
    )
    Outbox.objects.create(
        recipient=other, kind="reminder", subject="明日", body_text="他人 花子 様", dedupe_key="r2"
    )
    return event


def test_a_person_builds_and_downloads_their_data(
    client, participant, world, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(participant)
    page = client.get(reverse("privacy:mine"))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:export_request"))
    assert response.status_code == 302
    export = DataExport.objects.get(user=participant)
    assert export.status == DataExport.Status.READY and export.progress == 100
    assert export.expires_at - export.finished_at == dt.timedelta(days=7)
    # The mail says it is ready, with the link.
    mail = Outbox.objects.get(kind=Outbox.Kind.DATA_EXPORT_READY, recipient=participant)
    assert export.get_absolute_url() in mail.body_text
    status = client.get(reverse("privacy:export_status", args=[export.pk])).json()
    assert status["status"] == "ready" and status["progress"] == 100
    assert export.get_absolute_url() in client.get(reverse("privacy:mine")).content.decode()
    download = client.get(export.get_absolute_url())
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("data.json"))
        blob = archive.read("data.json").decode() + "".join(
            archive.read(n).decode("latin-1") for n in names if n != "data.json"
        )
        file_names = [n for n in names if n.startswith("files/")]
        assert file_names == ["files/001_わたしの組織図.pdf"]
        assert archive.read(file_names[0]) == b"%PDF-1.4 my chart"
    assert data["account"]["email"] == "participant@example.jp"
    assert [r["attendance"] for r in data["registrations"]] and data["registrations"][0]["zoom_report"]
    answers = [a["answer"] for s in data["answers"]["sheets_and_questionnaires"] for a in s["answers"]]
    assert "自分の感想" in answers and "75" in answers
    assert data["answers"]["anonymous_questionnaires_answered"][0]["form"] == "研修アンケート"
    assert data["mail"][0]["text"] == "参加 一郎 様"
    # Nothing of anyone else's.
    for theirs in ("他人 花子", "hanako@example.jp", "他人の感想", "her chart", "他人の組織図"):
        assert theirs not in blob, theirs
    assert AuditEntry.objects.filter(action="export.personal_data").count() == 1
    assert AuditEntry.objects.filter(action="download.personal_data").count() == 1


def test_one_at_a_time_and_only_ones_own(client, participant, outsider, world):
    client.force_login(participant)
    client.post(reverse("privacy:export_request"))  # no worker here: it stays pending
    response = client.post(reverse("privacy:export_request"), follow=True)
    assert "already being built" in response.content.decode() or "作成中" in response.content.decode()
    assert DataExport.objects.filter(user=participant).count() == 1
    export = DataExport.objects.get(user=participant)
    page = client.get(reverse("privacy:mine")).content.decode()
    assert "<progress" in page and "privacy-export.js" in page
    assert client.get(export.get_absolute_url(), follow=False).status_code == 302  # not ready yet
    client.force_login(outsider)
    assert client.get(reverse("privacy:export_status", args=[export.pk])).status_code == 404
    assert client.get(export.get_absolute_url()).status_code == 404


def test_the_link_ends_after_seven_days(
    client, participant, world, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(participant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:export_request"))
    export = DataExport.objects.get(user=participant)
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        response = client.get(export.get_absolute_url())
        assert response.status_code == 302 and response["Location"] == reverse("privacy:mine")


def test_an_administrator_starts_one_on_request(
    client, participant, world, celery_eager, django_capture_on_commit_callbacks
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "export_data_on_request", "_selected_action": [participant.pk]},
        )
    export = DataExport.objects.get(user=participant)
    assert export.status == "ready" and export.requested_by == admin
    entry = AuditEntry.objects.get(action="export.personal_data")
    assert entry.actor_id == admin.pk and entry.details["by_self"] is False


def test_a_lost_task_is_built_by_the_sweep(participant, world, celery_eager):
    from privacy import tasks

    with time_machine.travel(timezone.now() - dt.timedelta(minutes=5)):
        item = DataExport.objects.create(user=participant)
    assert tasks.resume_exports() == 1
    item.refresh_from_db()
    assert item.status == "ready"
