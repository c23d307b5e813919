"""The audit trail's own guarantees: what record() writes, and that rows cannot change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import services as audit
from audit.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


def test_record_keeps_actor_target_changes_and_request(client, organizer, municipality):
    entry = audit.record(
        actor=organizer,
        action="organization.edit",
        target=municipality,
        changes=audit.diff({"name": "草加市"}, {"name": "草加市役所"}),
        organization=municipality,
    )
    entry.refresh_from_db()
    assert entry.actor == organizer
    assert entry.actor_label == "草加 太郎 <organizer@example.jp>"
    assert entry.target_type == ContentType.objects.get_for_model(municipality)
    assert entry.target_id == str(municipality.pk)
    assert entry.target_label == str(municipality)
    assert entry.changes == {"name": ["草加市", "草加市役所"]}
    assert entry.organization_id == municipality.pk
    assert entry.event_id is None
    # No request (a worker, a shell): no request id, no address.
    assert entry.request_id == ""
    assert entry.client_ip is None


def test_request_id_and_address_come_from_the_request(rf, organizer, municipality):
    request = rf.get("/", HTTP_X_REQUEST_ID="abc-123", REMOTE_ADDR="192.0.2.7")
    entry = audit.record(actor=organizer, action="x.y", target=municipality, request=request)
    assert (entry.request_id, entry.client_ip) == ("abc-123", "192.0.2.7")
    # A header that is not an id is replaced, not stored.
    request = rf.get("/", HTTP_X_REQUEST_ID="<script>", REMOTE_ADDR="192.0.2.7")
    entry = audit.record(actor=organizer, action="x.y", target=municipality, request=request)
    assert entry.request_id != "<script>" and len(entry.request_id) == 32


def test_the_middleware_gives_services_the_request_context(client, organizer, settings):
    from django.urls import path

    from audit.context import current

    seen = {}

    def view(request):
        from django.http import HttpResponse

        seen["info"] = current()
        return HttpResponse("ok")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("probe/", view)]})
    response = client.get("/probe/", HTTP_X_REQUEST_ID="req-42", REMOTE_ADDR="198.51.100.9")
    assert response["X-Request-ID"] == "req-42"
    assert seen["info"].request_id == "req-42"
    assert seen["info"].client_ip == "198.51.100.9"
    assert current() is None


def test_the_entry_rolls_back_with_the_change(organizer, municipality):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=organizer, action="x.y", target=municipality)
        raise RuntimeError
    assert not AuditEntry.objects.exists()


def test_the_model_refuses_to_change_or_delete(organizer, municipality):
    entry = audit.record(actor=organizer, action="x.y", target=municipality)
    entry.action = "x.z"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_update_and_delete(organizer, municipality):
    entry = audit.record(actor=organizer, action="registration.decline", target=municipality)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="registration.approve")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE audit_auditentry SET actor_label = 'someone else' WHERE id = %s", [entry.pk])
    # Even the purge's flag does not let a young entry go.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT set_config('tsunagu.audit_purge', 'on', true)")
        c.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "registration.decline"
    assert entry.actor_label == "草加 太郎 <organizer@example.jp>"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_deleting_a_person_keeps_what_they_did(organizer, municipality):
    entry = audit.record(actor=organizer, action="x.y", target=municipality)
    organizer.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_label == "草加 太郎 <organizer@example.jp>"


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_purge_removes_only_entries_past_retention(organizer, municipality, settings):
    settings.AUDIT_RETENTION_DAYS = 400
    now = timezone.now()
    old = AuditEntry.objects.create(action="old", at=now - dt.timedelta(days=401))
    kept = AuditEntry.objects.create(action="kept", at=now - dt.timedelta(days=399))
    assert audit.purge_expired(now=now) == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    # Without the purge's flag even an old entry stays.
    ancient = AuditEntry.objects.create(action="ancient", at=now - dt.timedelta(days=4000))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=ancient.pk).delete()
