"""The trail's pages: an event's trail for its organizers; the whole trail for
administrators, filtered, paginated and exported (CSV with BOM, XLSX), formulas defused."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit import services as audit
from audit.models import AuditEntry
from tests.factories import EventFactory, UserFactory, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return verified(UserFactory(is_staff=True, full_name="運営 管理", email="staff@example.jp"))


@pytest.fixture
def event(municipality):
    return EventFactory(hosts=[municipality], title="草加市の研修")


@pytest.fixture
def other_event(other_municipality):
    return EventFactory(hosts=[other_municipality], title="苫小牧市の研修")


def test_organizer_sees_their_events_trail_without_network_details(client, rf, organizer, event, other_event):
    request = rf.get("/", REMOTE_ADDR="192.0.2.44")
    audit.record(
        actor=organizer,
        action="registration.approve",
        target=event,
        event=event,
        changes={"status": ["requested", "confirmed"]},
        request=request,
    )
    audit.record(actor=organizer, action="event.edit", target=other_event, event=other_event)
    client.force_login(organizer)
    manage = client.get(event.get_manage_url()).content.decode()
    url = reverse("events:audit_trail", args=[event.pk])
    assert url in manage
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "申込を承認" in html and "status: requested → confirmed" in html
    assert "草加 太郎 &lt;organizer@example.jp&gt;" in html
    assert "苫小牧市の研修" not in html
    assert "192.0.2.44" not in html  # addresses are for administrators


@pytest.mark.parametrize("persona", ["other_organizer", "participant", "reviewer", "coordinator"])
def test_others_cannot_read_an_events_trail(client, request, persona, event):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("events:audit_trail", args=[event.pk]))
    assert response.status_code in (403, 404)


@pytest.mark.parametrize("persona", ["organizer", "reviewer", "participant"])
def test_only_administrators_read_the_whole_trail(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("audit:trail")).status_code == 403
    assert client.get(reverse("audit:export", args=["csv"])).status_code == 403
    assert not AuditEntry.objects.filter(action="export.audit_trail").exists()


def test_administrator_filters_by_actor_action_dates_event_and_organization(
    client, staff, organizer, other_organizer, event, other_event, municipality
):
    audit.record(actor=organizer, action="registration.approve", target=event, event=event)
    audit.record(actor=other_organizer, action="event.edit", target=other_event, event=other_event)
    audit.record(actor=organizer, action="membership.grant", target=municipality, organization=municipality)
    old = AuditEntry.objects.create(
        action="event.publish", actor_label="昔の人", at=timezone.now() - dt.timedelta(days=40)
    )
    client.force_login(staff)
    url = reverse("audit:trail")

    def labels(**params):
        page = client.get(url, params)
        assert page.status_code == 200
        return [e.action for e in page.context["entries"]]

    assert len(labels()) == 4
    assert labels(actor="苫小牧") == ["event.edit"]
    assert labels(actor="草加 太郎") == ["membership.grant", "registration.approve"]
    assert labels(action="event.edit") == ["event.edit"]
    assert labels(event=other_event.pk) == ["event.edit"]
    # An organization's entries: its own, and those of the events it hosts.
    assert labels(organization=municipality.pk) == ["membership.grant", "registration.approve"]
    today = timezone.localdate()
    assert "event.publish" not in labels(date_from=(today - dt.timedelta(days=7)).isoformat())
    assert labels(date_to=(today - dt.timedelta(days=30)).isoformat()) == ["event.publish"]
    assert old.pk
    # A reversed range is refused beside the field, in Japanese, and lists nothing.
    page = client.get(
        url, {"date_from": today.isoformat(), "date_to": (today - dt.timedelta(days=1)).isoformat()}
    )
    assert "終了日は開始日以降にしてください" in page.content.decode()
    assert list(page.context["entries"]) == []


def test_the_trail_is_paginated_and_its_query_count_does_not_grow(
    client, staff, organizer, event, django_assert_num_queries
):
    for _ in range(3):
        audit.record(actor=organizer, action="attendance.mark", target=event, event=event)
    client.force_login(staff)
    url = reverse("audit:trail")
    client.get(url)  # warm the content-type cache
    # session, user, count, the page's entries, the page's events, the organizations of
    # the filter's select; plus the roles of the header (memberships).
    with django_assert_num_queries(7):
        client.get(url)
    for _ in range(120):
        audit.record(actor=organizer, action="attendance.mark", target=event, event=event)
    # The same seven with 123 entries: a page costs the same whatever the trail's size.
    with django_assert_num_queries(7):
        page = client.get(url)
    assert len(page.context["entries"]) == 50
    assert page.context["page"].paginator.num_pages == 3
    second = client.get(url, {"page": 3})
    assert len(second.context["entries"]) == 23


def test_event_trail_query_count(client, organizer, event, django_assert_num_queries):
    for _ in range(60):
        audit.record(actor=organizer, action="attendance.mark", target=event, event=event)
    client.force_login(organizer)
    url = reverse("events:audit_trail", args=[event.pk])
    client.get(url)
    # session, user, the event, its hosts (permission), the organizer's memberships, the
    # organizations below them (one level of the tree), count, the page's entries.
    with django_assert_num_queries(8):
        page = client.get(url)
    assert len(page.context["entries"]) == 50


def test_exports_are_excel_safe_and_audited(client, staff, organizer, event):
    audit.record(
        actor=organizer,
        action="registration.decline",
        target=event,
        target_label='=HYPERLINK("http://evil.example","見て")',
        event=event,
    )
    client.force_login(staff)
    response = client.get(reverse("audit:export", args=["csv"]), {"action": "registration.decline"})
    assert response.status_code == 200
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert "申込不承認" in text
    exported = AuditEntry.objects.get(action="export.audit_trail")
    assert exported.actor == staff
    assert exported.details == {"format": "csv", "filters": {"action": "registration.decline"}}

    response = client.get(reverse("audit:export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert '\'=HYPERLINK("http://evil.example","見て")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    # The second export is in the second file: each download is recorded before it is read.
    assert "export.audit_trail" in values
