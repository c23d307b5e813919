"""The demo's 草加市 participants who attended both sessions hold a 修了証 they can download,
and its QR code opens a page that says it is valid."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse

from demo import records as demo
from events.models import Event, Registration
from records import render
from records.models import Certificate

A = Registration.Attendance


@pytest.fixture
def loaded(db):
    from demo import events as events_demo
    from demo import reports as reports_demo

    events_demo.load(None)
    reports_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    return out.getvalue()


@pytest.mark.django_db
def test_everyone_who_attended_both_sessions_and_no_one_else(loaded, client):
    sessions = list(Event.objects.filter(series__title=demo.TRAINING_SERIES, starts_at__year=2022))
    assert len(sessions) == 2
    both = None
    for session in sessions:
        attended = set(
            Registration.objects.filter(
                event=session, status=Registration.Status.CONFIRMED, attendance=A.ATTENDED
            ).values_list("user_id", flat=True)
        )
        both = attended if both is None else both & attended
    holders = set(Certificate.objects.valid().values_list("user_id", flat=True))
    assert holders == both and len(both) >= 10

    demo.load(io.StringIO())
    assert Certificate.objects.count() == len(both)  # idempotent

    # The demo's participant login is one of them: what a visitor of `make run` sees.
    certificate = Certificate.objects.select_related("user").get(user__email="participant@example.jp")
    client.force_login(certificate.user)
    mine = client.get(reverse("events:mine")).content.decode()
    pdf_url = reverse("records:certificate_pdf", args=[certificate.number])
    assert pdf_url in mine
    client.logout()
    # What the QR code encodes, opened without signing in.
    qr_target = render.certificate_context(certificate)["verify_url"]
    assert qr_target.startswith(settings.SITE_URL)
    page = client.get(qr_target.removeprefix(settings.SITE_URL))
    assert page.status_code == 200 and "有効です" in page.content.decode()
