"""Who sees what, as a matrix: reviewers see everything and change nothing; organizers
their own organization's events; coordinators their own organization's people (and its
engagement record); participants none of this."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Engagement
from tests.reports import factories as f

TZ = timezone.get_default_timezone()
ALLOWED, FORBIDDEN = 200, 403


@pytest.fixture
def world(municipality, other_municipality):
    soka_event = f.held_event(hosts=[municipality], when=dt.datetime(2021, 6, 1, 10, tzinfo=TZ))
    other_event = f.held_event(hosts=[other_municipality], when=dt.datetime(2021, 6, 2, 10, tzinfo=TZ))
    Engagement.objects.create(organization=municipality, fiscal_year=2021, department="福祉政策課")
    return {
        "dashboard": reverse("reports:dashboard") + "?year=2021",
        "export": reverse("reports:export", args=[2021]),
        "soka_page": reverse("reports:municipality", args=[2021, municipality.pk]),
        "soka_edit": reverse("reports:engagement_edit", args=[2021, municipality.pk]),
        "other_page": reverse("reports:municipality", args=[2021, other_municipality.pk]),
        "soka_event": reverse("reports:event", args=[soka_event.pk]),
        "other_event": reverse("reports:event", args=[other_event.pk]),
        "soka_roster": reverse("attendance:roster", args=[soka_event.pk]),
    }


MATRIX = {
    #                dashboard export soka_page soka_edit other_page soka_event other_event soka_roster
    "reviewer": (ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED, ALLOWED, ALLOWED, ALLOWED),
    "organizer": (ALLOWED, ALLOWED, ALLOWED, ALLOWED, FORBIDDEN, ALLOWED, FORBIDDEN, ALLOWED),
    "coordinator": (FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "participant": (FORBIDDEN,) * 8,
    "outsider": (FORBIDDEN,) * 8,
    "other_organizer": (ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, ALLOWED, FORBIDDEN, ALLOWED, FORBIDDEN),
}
PAGES = [
    "dashboard",
    "export",
    "soka_page",
    "soka_edit",
    "other_page",
    "soka_event",
    "other_event",
    "soka_roster",
]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(MATRIX))
def test_access_matrix(client, request, world, persona):
    client.force_login(request.getfixturevalue(persona))
    got = tuple(client.get(world[page]).status_code for page in PAGES)
    assert dict(zip(PAGES, got, strict=True)) == dict(zip(PAGES, MATRIX[persona], strict=True))


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, world):
    for page in PAGES:
        response = client.get(world[page])
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page


@pytest.mark.django_db
def test_reviewer_changes_nothing(client, reviewer, municipality, world):
    client.force_login(reviewer)
    response = client.post(world["soka_edit"], {"department": "書き換え"})
    assert response.status_code == FORBIDDEN
    assert Engagement.objects.get(organization=municipality).department == "福祉政策課"
    page = client.get(world["soka_page"]).content.decode()
    assert world["soka_edit"] not in page


@pytest.mark.django_db
def test_organizer_dashboard_lists_only_their_events(client, organizer, world):
    client.force_login(organizer)
    html = client.get(world["dashboard"]).content.decode()
    assert world["soka_event"] in html
    assert world["other_event"] not in html
