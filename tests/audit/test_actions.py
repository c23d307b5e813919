"""Every action issue 11 lists leaves one audit entry, written by the service (or, for
downloads, the view that serves the file), with who, what, which object and the change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.services import grant_role
from attendance import services as attendance
from attendance import zoom_import
from audit.models import AuditEntry
from events import services as events
from events.models import Event, Registration
from notifications import announcements as notifications
from surveys import answering
from tests.factories import EventFactory, RegistrationFactory, UserFactory
from tests.reports.factories import held_event
from tests.surveys.factories import confirmed, make_form, name, post, questions

pytestmark = pytest.mark.django_db

Status = Registration.Status


def only(action: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, [str(e) for e in AuditEntry.objects.all()]
    return entries[0]


@pytest.fixture
def event(municipality):
    return EventFactory(hosts=[municipality], requires_approval=True, capacity=10)


@pytest.fixture
def requested(event, participant, municipality):
    return RegistrationFactory(
        event=event, user=participant, status=Status.REQUESTED, organization=municipality
    )


@pytest.mark.parametrize(
    ("service", "action", "after"),
    [
        (events.approve, "registration.approve", Status.CONFIRMED),
        (events.decline, "registration.decline", Status.DECLINED),
        (events.waitlist, "registration.waitlist", Status.WAITLISTED),
    ],
)
def test_registration_decisions(event, requested, organizer, municipality, service, action, after):
    service(requested, by=organizer)
    entry = only(action)
    assert entry.actor == organizer
    assert entry.target_id == str(requested.pk)
    assert entry.target_label == "参加 一郎"
    assert entry.changes == {"status": [Status.REQUESTED, after]}
    assert (entry.event_id, entry.organization_id) == (event.pk, municipality.pk)


def test_promote_from_the_waitlist(event, requested, organizer):
    Registration.objects.filter(pk=requested.pk).update(status=Status.WAITLISTED)
    events.promote(requested, by=organizer)
    assert only("registration.promote").changes == {"status": [Status.WAITLISTED, Status.CONFIRMED]}


def test_a_refused_decision_leaves_no_entry(event, requested, other_organizer):
    with pytest.raises(PermissionDenied):
        events.approve(requested, by=other_organizer)
    assert not AuditEntry.objects.exists()


def test_cancellation(event, participant, municipality):
    registration = RegistrationFactory(event=event, user=participant, organization=municipality)
    events.cancel_registration(registration, by=participant)
    entry = only("registration.cancel")
    assert entry.actor == participant
    assert entry.changes == {"status": [Status.CONFIRMED, Status.CANCELLED]}


def test_registration_by_a_coordinator(coordinator, municipality, participant):
    event = EventFactory(hosts=[municipality])
    from events.bulk_registration import bulk_register

    bulk_register(event, coordinator=coordinator, organization=municipality, members=[participant])
    entry = only("registration.create_for")
    assert entry.actor == coordinator and entry.target_label == "参加 一郎"


def test_event_publish_edit_and_cancel_with_field_diffs(organizer, municipality, other_municipality):
    event = EventFactory(hosts=[municipality], status=Event.Status.DRAFT, title="旧題")
    # The organizer runs events for both, so may add the second as a co-host.
    Membership.objects.create(user=organizer, organization=other_municipality, role=Membership.Role.ORGANIZER)
    events.update_event(
        event, by=organizer, data={"title": "新題", "capacity": 40}, hosts=[municipality, other_municipality]
    )
    edit = only("event.edit")
    assert edit.changes == {
        "capacity": [None, 40],
        "hosts": [[municipality.pk], sorted([municipality.pk, other_municipality.pk])],
        "title": ["旧題", "新題"],
    }
    assert edit.event_id == event.pk and edit.target_label == "新題"
    events.publish_event(event, by=organizer)
    assert only("event.publish").changes == {"status": ["draft", "published"]}
    events.cancel_event(event, by=organizer, reason="台風のため")
    assert only("event.cancel").changes == {
        "status": ["published", "cancelled"],
        "cancel_reason": ["", "台風のため"],
    }
    # Saving without a change is no edit.
    events.update_event(event, by=organizer, data={"title": "新題"})
    assert AuditEntry.objects.filter(action="event.edit").count() == 1


def test_attendance_marks_one_and_many(organizer, municipality):
    event = held_event(hosts=[municipality])
    first, second = (RegistrationFactory(event=event, organization=municipality) for _ in range(2))
    attendance.mark(first, by=organizer, attendance="attended")
    entry = only("attendance.mark")
    assert entry.changes == {"attendance": ["unknown", "attended"]}
    attendance.bulk_mark(event, by=organizer, registration_ids=[first.pk, second.pk], attendance="absent")
    entries = AuditEntry.objects.filter(action="attendance.mark").exclude(pk=entry.pk)
    assert {(e.target_id, e.changes["attendance"][0]) for e in entries} == {
        (str(first.pk), "attended"),
        (str(second.pk), "unknown"),
    }
    assert all(e.actor == organizer and e.event_id == event.pk for e in entries)


def test_self_check_in(participant, municipality):
    event = EventFactory(hosts=[municipality])
    RegistrationFactory(event=event, user=participant, organization=municipality)
    attendance.enter_code(event, user=participant, code=event.attendance_code, now=event.starts_at)
    entry = only("attendance.check_in")
    assert entry.actor == participant
    assert entry.changes == {"attendance": ["unknown", "attended"]}


def test_zoom_import(organizer, municipality):
    event = held_event(hosts=[municipality])
    RegistrationFactory(
        event=event,
        user=UserFactory(full_name="佐藤 陽子", email="sato@example.jp"),
        organization=municipality,
    )
    data = (
        "名前 (元の名前),メール,参加時刻,退出時刻,期間 (分),ゲスト\r\n佐藤 陽子,sato@example.jp,,,120,いいえ\r\n誰か,,,,70,\r\n"
    ).encode()
    zoom_import.import_zoom_report(event, by=organizer, data=data, filename="participants.csv")
    entry = only("attendance.import")
    assert entry.actor == organizer and entry.event_id == event.pk
    assert entry.details["filename"] == "participants.csv"
    assert (entry.details["matched"], entry.details["unmatched"]) == (1, 1)
    # The same file again is no second import.
    zoom_import.import_zoom_report(event, by=organizer, data=data, filename="participants.csv")
    assert AuditEntry.objects.filter(action="attendance.import").count() == 1


def test_registrations_export(client, organizer, event):
    client.force_login(organizer)
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("events:export_registrations", args=[event.pk, fmt]))
        assert response.status_code == 200
    entries = AuditEntry.objects.filter(action="export.registrations")
    assert sorted(e.details["format"] for e in entries) == ["csv", "xlsx"]
    assert all(e.actor == organizer and e.event_id == event.pk and e.request_id for e in entries)


def test_a_refused_export_leaves_no_entry(client, other_organizer, event):
    client.force_login(other_organizer)
    response = client.get(reverse("events:export_registrations", args=[event.pk, "csv"]))
    assert response.status_code in (403, 404)
    assert not AuditEntry.objects.exists()


def test_reception_roster_pdf(client, organizer, municipality):
    event = EventFactory(hosts=[municipality])
    RegistrationFactory(event=event, organization=municipality)
    client.force_login(organizer)
    response = client.get(reverse("attendance:reception_roster", args=[event.pk]), {"format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    entry = only("export.reception_roster")
    assert entry.details == {"format": "pdf", "rows": 1}


@pytest.fixture
def assessment(municipality, participant):
    start = (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    event = EventFactory(hosts=[municipality], starts_at=start, ends_at=start + dt.timedelta(hours=2))
    confirmed(event, participant, municipality)
    return make_form("worksheet", event), event


def test_sheet_edit_names_the_changed_questions_not_the_answers(participant, municipality, assessment):
    form, event = assessment
    q = questions(form)
    who = answering.respondent_for(form, event, participant)
    answering.save_answers(form, event=event, who=who, data=post({name(q["age"]): "75"}), action="draft")
    first = only("sheet.edit")
    assert first.actor == participant
    assert first.changes == {"status": [None, "draft"]}
    assert first.details["questions"] == [q["age"].label]
    assert "75" not in str(first.details) and "75" not in str(first.changes)
    # Saving the same answers again is no edit.
    answering.save_answers(form, event=event, who=who, data=post({name(q["age"]): "75"}), action="draft")
    assert AuditEntry.objects.filter(action="sheet.edit").count() == 1


def test_sheet_export_and_file_download(client, organizer, participant, assessment):
    form, event = assessment
    client.force_login(organizer)
    for url_name in ("surveys:export_xlsx", "surveys:export_csv", "surveys:export_files"):
        assert client.get(reverse(url_name, args=[form.pk, event.pk])).status_code == 200
    assert sorted(e.details["format"] for e in AuditEntry.objects.filter(action="export.form_answers")) == [
        "csv",
        "xlsx",
        "zip",
    ]


def test_membership_and_role_changes(organizer, municipality, client, settings):
    newcomer = UserFactory()
    grant_role(user=newcomer, organization=municipality, role=Membership.Role.COORDINATOR, by=organizer)
    entry = only("membership.grant")
    assert entry.actor == organizer and entry.changes == {"role": [None, "coordinator"]}
    assert entry.organization_id == municipality.pk
    # In the admin: a role changed, then removed.
    admin = get_user_model().objects.create_superuser(
        email="admin@example.jp", password="x", full_name="管理 者"
    )
    membership = Membership.objects.get(user=newcomer)
    client.force_login(admin)
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    response = client.post(
        url, {"user": newcomer.pk, "organization": municipality.pk, "role": Membership.Role.ORGANIZER}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = only("membership.change")
    assert change.actor == admin and change.changes == {"role": ["coordinator", "organizer"]}
    response = client.post(reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert only("membership.revoke").changes == {"role": ["organizer", None]}


def test_staff_flag_changed_in_the_admin(client, participant):
    admin = get_user_model().objects.create_superuser(
        email="admin@example.jp", password="x", full_name="管理 者"
    )
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[participant.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions")
    }
    data.update(
        {
            "is_staff": "on",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": timezone.localtime(participant.date_joined).strftime("%Y-%m-%d"),
            "date_joined_1": timezone.localtime(participant.date_joined).strftime("%H:%M:%S"),
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        }
    )
    data.pop("receive_reminders", None)
    data.pop("is_superuser", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert only("user.privileges").changes == {"is_staff": [False, True]}


def test_announcement(organizer, participant, municipality):
    event = EventFactory(hosts=[municipality])
    events.register(event, participant)
    notifications.announce(
        event=event, by=organizer, group="confirmed", subject="資料", body="本文", nonce="n1"
    )
    entry = only("announcement.send")
    assert entry.actor == organizer and entry.details["recipients"] == 1
    # A double submit (same nonce) is one announcement.
    notifications.announce(
        event=event, by=organizer, group="confirmed", subject="資料", body="本文", nonce="n1"
    )
    assert AuditEntry.objects.filter(action="announcement.send").count() == 1


def test_sheet_file_download(client, organizer, participant, municipality, settings, tmp_path):
    from django.core.files.base import ContentFile

    from surveys.models import Answer, Submission

    settings.SURVEYS_FILES_ROOT = tmp_path
    event = EventFactory(hosts=[municipality])
    confirmed(event, participant, municipality)
    form = make_form("assessment", event)
    submission = Submission.objects.create(form=form, event=event, organization=municipality)
    answer = Answer(
        submission=submission,
        question=questions(form)["org_chart"],
        file_name="組織図.pdf",
        file_type="application/pdf",
        file_size=8,
    )
    answer.file.save("upload.pdf", ContentFile(b"%PDF-1.4"), save=True)
    client.force_login(organizer)
    response = client.get(reverse("surveys:file", args=[answer.pk]))
    assert response.status_code == 200
    entry = only("download.sheet_file")
    assert entry.actor == organizer and entry.target_label == "組織図.pdf"
    assert (entry.event_id, entry.organization_id) == (event.pk, municipality.pk)
