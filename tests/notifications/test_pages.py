"""Organizer page, announcements, calendar downloads and feeds, and the opt-out link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events import services as event_services
from notifications import delivery, outbox, rendering
from notifications.mail import unsubscribe_url
from notifications.models import Outbox
from tests.factories import RegistrationFactory, UserFactory
from tests.notifications.factories import event_with_program

pytestmark = pytest.mark.django_db
Kind = Outbox.Kind


def fail(row: Outbox, error: str = "SMTPServerDisconnected: Connection unexpectedly closed") -> None:
    Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.FAILED, last_error=error, attempts=8)


def test_organizer_sees_counts_failed_with_error_and_resends(client, organizer, participant, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    row = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED)
    fail(row)
    client.force_login(organizer)
    url = reverse("notifications:event_messages", args=[event.pk])
    page = client.get(url).content.decode()
    assert "SMTPServerDisconnected" in page
    assert participant.full_name in page
    response = client.post(reverse("notifications:resend", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == Outbox.Status.QUEUED and row.attempts == 0


def test_outsiders_cannot_see_or_resend(client, other_organizer, participant, organizer, municipality):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    row = Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED)
    fail(row)
    client.force_login(other_organizer)
    assert client.get(reverse("notifications:event_messages", args=[event.pk])).status_code == 403
    assert client.post(reverse("notifications:resend", args=[row.pk])).status_code == 403
    client.force_login(participant)
    assert client.get(reverse("notifications:event_messages", args=[event.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("notifications:event_messages", args=[event.pk])).status_code == 302


def test_messages_page_queries_do_not_grow(client, organizer, municipality, django_assert_num_queries):
    event = event_with_program([municipality])

    def add(n):
        for _ in range(n):
            registration = RegistrationFactory(event=event)
            row = outbox.write(
                [
                    outbox.Spec(
                        recipient=registration.user,
                        kind=Kind.REMINDER,
                        dedupe_key=f"x:{registration.pk}",
                        event=event,
                        context=rendering.message_context(event, include_join=True),
                    )
                ]
            )
            fail(Outbox.objects.get(pk=row[0]))

    add(1)
    client.force_login(organizer)
    url = reverse("notifications:event_messages", args=[event.pk])
    client.get(url)
    # 1 session, 2 user, 3 event, 4 its hosts (prefetch), 5 memberships and 6 their
    # descendant organizations (permission), 7 pre-work forms (announcement groups),
    # 8 reminder rules, 9 failed rows, 10 recent rows, 11 counts per status.
    with django_assert_num_queries(11) as first:
        client.get(url)
    add(5)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


def test_announcement_preview_count_then_send_once(client, organizer, participant, municipality, mailoutbox):
    event = event_with_program([municipality])
    event_services.register(event, participant)
    quiet = UserFactory(receive_reminders=False)
    event_services.register(event, quiet)
    client.force_login(organizer)
    url = reverse("notifications:announce", args=[event.pk])
    data = {
        "group": "confirmed",
        "subject": "資料のご案内",
        "body": "当日の資料を添付します。\n<b>必ず</b>ご確認ください。",
    }
    preview = client.post(url, {**data, "action": "preview"})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "資料のご案内" in html and "&lt;b&gt;必ず&lt;/b&gt;" in html
    assert Outbox.objects.filter(kind=Kind.ANNOUNCEMENT).count() == 0  # a preview sends nothing
    assert preview.context["preview"]["audience"].recipients == 1
    assert preview.context["preview"]["audience"].opted_out == 1
    nonce = preview.context["preview"]["data"]["nonce"]
    send = {**data, "nonce": nonce, "action": "send"}
    assert client.post(url, send).status_code == 302
    assert client.post(url, send).status_code == 302  # double click
    rows = Outbox.objects.filter(kind=Kind.ANNOUNCEMENT)
    assert [r.recipient for r in rows] == [participant]
    assert "当日の資料" in rows[0].body_text and "&lt;b&gt;" in rows[0].body_html


def test_announcement_form_errors_beside_fields(client, organizer, municipality):
    event = event_with_program([municipality])
    client.force_login(organizer)
    response = client.post(
        reverse("notifications:announce", args=[event.pk]), {"group": "nobody", "subject": " ", "body": ""}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"group", "subject", "body"}
    assert 'id="id_subject_error"' in response.content.decode()
    assert not Outbox.objects.exists()


def test_reminder_rule_form(client, organizer, municipality):
    event = event_with_program([municipality])
    client.force_login(organizer)
    url = reverse("notifications:reminder_rules", args=[event.pk])
    assert client.post(url, {"offset": "3", "unit": "business_days"}).status_code == 302
    assert sorted((r.offset, r.unit) for r in event.reminder_rules.all()) == [
        (1, "days"),
        (3, "business_days"),
        (7, "days"),
    ]
    bad = client.post(url, {"offset": "0", "unit": "days"})
    assert bad.status_code == 400 and "offset" in bad.context["rule_form"].errors
    assert client.post(url, {"remove": "7:days"}).status_code == 302
    assert sorted((r.offset, r.unit) for r in event.reminder_rules.all()) == [
        (1, "days"),
        (3, "business_days"),
    ]


def test_add_to_calendar_download(client, participant, municipality):
    event = event_with_program([municipality])
    url = reverse("notifications:event_ics", args=[event.pk])
    public = client.get(url)
    assert public["Content-Type"].startswith("text/calendar")
    assert event.online_url not in public.content.decode().replace("\r\n ", "")
    event_services.register(event, participant)
    client.force_login(participant)
    own = client.get(url).content.decode().replace("\r\n ", "")
    assert event.online_url in own
    assert f"event-{event.pk}-user-{participant.pk}@" in own
    event.status = "draft"
    event.save()
    assert client.get(url).status_code == 404


def test_personal_feed_and_renewal(client, participant, municipality):
    event = event_with_program([municipality])
    other = event_with_program([municipality])
    event_services.register(event, participant)
    client.force_login(participant)
    page = client.get(reverse("notifications:calendar")).content.decode()
    assert "webcal://" in page
    old = reverse("notifications:personal_feed", args=[participant.calendar_token])
    client.logout()  # the feed needs no session: calendar apps fetch it
    body = client.get(old).content.decode()
    assert event.display_title in body and other.display_title not in body
    assert event.online_url in body.replace("\r\n ", "")
    client.force_login(participant)
    client.post(reverse("notifications:renew_calendar_token"))
    participant.refresh_from_db()
    assert client.get(old).status_code == 404
    assert (
        client.get(reverse("notifications:personal_feed", args=[participant.calendar_token])).status_code
        == 200
    )


def test_public_feeds_per_series_and_organization(client, municipality, other_municipality):
    from tests.factories import EventSeriesFactory

    series = EventSeriesFactory(hosts=[municipality])
    mine = event_with_program([municipality], series=series, number=1)
    theirs = event_with_program([other_municipality])
    draft = event_with_program([municipality], status="draft")
    body = client.get(reverse("notifications:organization_feed", args=[municipality.pk])).content.decode()
    assert mine.display_title in body and theirs.display_title not in body and draft.display_title not in body
    assert mine.online_url not in body.replace("\r\n ", "")
    body = client.get(reverse("notifications:series_feed", args=[series.pk])).content.decode()
    assert mine.display_title in body and theirs.display_title not in body


def test_unsubscribe_link_asks_then_turns_reminders_off(client, participant):
    url = unsubscribe_url(participant)
    assert client.get(url).status_code == 200
    participant.refresh_from_db()
    assert participant.receive_reminders  # a link scanner's GET changes nothing
    assert client.post(url).status_code == 200  # one-click POST, no session or CSRF token
    participant.refresh_from_db()
    assert not participant.receive_reminders
    assert client.get(url[:-5] + "xxxx/").status_code == 404


def test_after_commit_task_sends_through_celery(
    participant, municipality, mailoutbox, django_capture_on_commit_callbacks
):
    from config.celery import app

    event = event_with_program([municipality])
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event_services.register(event, participant)
    finally:
        app.conf.task_always_eager = False
    assert [m.to for m in mailoutbox] == [[participant.email]]
    assert Outbox.objects.get(kind=Kind.REGISTRATION_CONFIRMED).status == Outbox.Status.SENT
    assert delivery.dispatch_due().sent == []


def test_broker_down_loses_nothing(
    participant, municipality, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from config.celery import app

    event = event_with_program([municipality])
    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event_services.register(event, participant)  # must not raise
    finally:
        app.conf.broker_url = old
    assert mailoutbox == []
    assert len(delivery.dispatch_due().sent) == 1  # the beat catches up
    assert len(mailoutbox) == 1


def test_unsubscribe_and_calendar_links_are_renewed_from_the_profile(client, participant):
    from django.core import signing

    from notifications.mail import UNSUBSCRIBE_SALT

    old_unsubscribe = unsubscribe_url(participant)
    # A link mailed before keys existed carries none; it works until the first renewal.
    legacy = reverse(
        "notifications:unsubscribe",
        args=[signing.dumps({"u": participant.pk}, salt=UNSUBSCRIBE_SALT, compress=True)],
    )
    assert client.get(legacy).status_code == 200
    old_feed = reverse("notifications:personal_feed", args=[participant.calendar_token])
    assert client.get(old_feed).status_code == 200
    client.force_login(participant)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("notifications:renew_unsubscribe_links") in profile
    assert reverse("notifications:renew_calendar_token") in profile
    response = client.post(reverse("notifications:renew_unsubscribe_links"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    client.post(reverse("notifications:renew_calendar_token"))
    participant.refresh_from_db()
    client.logout()
    # The old links stop at once; the new ones work.
    for url in (old_unsubscribe, legacy):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    participant.refresh_from_db()
    assert participant.receive_reminders
    assert client.get(old_feed).status_code == 404
    assert client.get(unsubscribe_url(participant)).status_code == 200
    new_feed = reverse("notifications:personal_feed", args=[participant.calendar_token])
    assert client.get(new_feed).status_code == 200
    # Renewing is a POST of the signed-in person only.
    assert client.get(reverse("notifications:renew_unsubscribe_links")).status_code == 405
