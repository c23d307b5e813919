"""Deleting an account pseudonymizes it: the person is gone, last year's figures are not."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import pytest
from django.contrib.auth import authenticate
from django.core.files.base import ContentFile
from django.db.models import ProtectedError
from django.urls import reverse

from accounts.lifecycle import PSEUDONYM
from accounts.models import Membership
from audit.models import AuditEntry
from core.dates import fiscal_year
from events.models import Registration
from notifications.models import Outbox
from reports import selectors
from surveys.models import Answer, Submission
from tests.factories import PASSWORD, UserFactory
from tests.reports.factories import answer, held_event, prework, questionnaire, registrations

pytestmark = pytest.mark.django_db
Attendance = Registration.Attendance


@pytest.fixture
def last_year(municipality, participant):
    """A session of the previous 年度 with attendance, a named questionnaire and a sheet
    with an uploaded file from the participant."""
    when = dt.datetime(dt.date.today().year - 1, 6, 10, 6, 0, tzinfo=dt.UTC)
    event = held_event(hosts=[municipality], when=when)
    others = registrations(event, [Attendance.ATTENDED, Attendance.ABSENT], organization=municipality)
    mine = Registration.objects.create(
        event=event,
        user=participant,
        organization=municipality,
        status=Registration.Status.CONFIRMED,
        attendance=Attendance.ATTENDED,
        note="車椅子で来場",
    )
    form = questionnaire(event)
    form.anonymous = False
    form.save()
    for registration, score in zip([*others, mine], [2, 3, 5], strict=True):
        submission = answer(form, event, score)
        submission.user = registration.user
        submission.save()
    sheet = prework(event)
    question = sheet.sections.create(title="本体").questions.create(
        form=sheet, key="chart", label="組織図", type="file"
    )
    submission = Submission.objects.create(form=sheet, event=event, user=participant, status="submitted")
    upload = Answer(
        submission=submission, question=question, file_name="組織図.pdf", file_type="application/pdf"
    )
    upload.file.save("x.pdf", ContentFile(b"%PDF-1.4 mine"))
    Outbox.objects.create(
        recipient=participant,
        to_email=participant.email,
        kind=Outbox.Kind.REMINDER,
        subject="明日の研修",
        body_text=f"{participant.full_name} 様",
        dedupe_key="x",
        status=Outbox.Status.SENT,
    )
    return event, upload


def figures(reviewer, year):
    board = selectors.dashboard(reviewer, year=year)
    return (
        dataclasses.asdict(board.total),
        [(g.label, dataclasses.asdict(g.figures)) for g in board.municipalities],
        [dataclasses.asdict(r.figures) for r in board.events],
    )


def test_deleting_from_the_profile_keeps_last_years_figures_identical(
    client, participant, reviewer, last_year, django_capture_on_commit_callbacks
):
    event, upload = last_year
    year = fiscal_year(event.starts_at)
    before = figures(reviewer, year)
    assert before[0]["attended"] == 2 and before[0]["satisfaction"][5] == 1
    path = upload.file.path
    client.force_login(participant)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("privacy:mine") in profile
    page = client.get(reverse("privacy:delete_account"))
    assert page.status_code == 200 and "退会済みユーザー" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # files go after commit
        response = client.post(reverse("privacy:delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 200, response.content.decode()[:500]
    # Statistics: identical.
    assert figures(reviewer, year) == before
    participant.refresh_from_db()
    assert participant.full_name == PSEUDONYM and participant.full_name_kana == "" and participant.phone == ""
    assert "@deleted.invalid" in participant.email and participant.email != "participant@example.jp"
    assert not participant.is_active and not participant.has_usable_password()
    assert authenticate(email="participant@example.jp", password=PASSWORD) is None
    assert not Membership.objects.filter(user=participant).exists()
    # History stays as anonymous records.
    registration = Registration.objects.get(user=participant)
    assert registration.attendance == Attendance.ATTENDED and registration.note == ""
    assert Submission.objects.filter(user=participant, form__kind="questionnaire").count() == 1
    # Files left the disk with their rows; mail bodies and the address are erased.
    assert not Answer.objects.filter(pk=upload.pk).exists()
    assert not os.path.exists(path)
    mail = Outbox.objects.get(recipient=participant)
    assert mail.to_email == "" and mail.body_text == "" and mail.subject == ""
    # Signed out, and audited without the old name.
    assert client.get(reverse("accounts:profile")).status_code == 302
    entry = AuditEntry.objects.get(action="account.delete")
    assert entry.target_id == str(participant.pk) and "参加" not in entry.actor_label
    assert entry.details["by_self"] is True


def test_a_wrong_password_or_no_tick_deletes_nothing(client, participant):
    client.force_login(participant)
    response = client.post(reverse("privacy:delete_account"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "パスワードが正しくありません" in body or "The password is not correct." in body
    response = client.post(reverse("privacy:delete_account"), {"password": PASSWORD})
    assert response.status_code == 400
    participant.refresh_from_db()
    assert participant.is_active and participant.deleted_at is None


def test_an_administrator_deletes_on_request_and_the_admin_never_cascades(
    client, participant, municipality, last_year
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:accounts_user_changelist")
    response = client.post(
        changelist, {"action": "delete_accounts_on_request", "_selected_action": [participant.pk]}
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.full_name == PSEUDONYM
    entry = AuditEntry.objects.get(action="account.delete")
    assert entry.actor_id == admin.pk and entry.details["by_self"] is False
    # No delete in the admin for people; organizations with history cannot be deleted.
    assert client.get(reverse("admin:accounts_user_delete", args=[participant.pk])).status_code == 403
    assert "delete_selected" not in client.get(changelist).content.decode()
    assert (
        client.get(reverse("admin:accounts_organization_delete", args=[municipality.pk])).status_code == 403
    )
    # And the database refuses a delete that would take history with it.
    with pytest.raises(ProtectedError):
        participant.delete()
    with pytest.raises(ProtectedError):
        municipality.delete()
