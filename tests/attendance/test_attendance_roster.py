"""The attendance roster: kana order, one-click and bulk marking, counts, who may do it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance import services as attendance_services
from attendance.errors import AttendanceError
from events.models import Registration
from tests.factories import RegistrationFactory, UserFactory
from tests.reports.factories import held_event

Attendance = Registration.Attendance


def _people(event, kanas):
    return [
        RegistrationFactory(event=event, user=UserFactory(full_name=f"氏名{i}", full_name_kana=kana))
        for i, kana in enumerate(kanas)
    ]


@pytest.mark.django_db
def test_roster_is_in_kana_order_with_counts(client, organizer, municipality):
    event = held_event(hosts=[municipality])
    regs = _people(event, ["ワタナベ ケン", "アベ ミキ", "サトウ ユウ"])
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)  # not on the roster
    regs[0].attendance = Attendance.ATTENDED
    regs[0].save()
    client.force_login(organizer)
    response = client.get(reverse("attendance:roster", args=[event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("アベ ミキ") < html.index("サトウ ユウ") < html.index("ワタナベ ケン")
    assert [r.pk for r in response.context["registrations"]] == [regs[1].pk, regs[2].pk, regs[0].pk]
    counts = response.context["counts"]
    assert (counts.confirmed, counts.attended, counts.unknown) == (3, 1, 2)
    assert 'data-count="attended">1<' in html


@pytest.mark.django_db
def test_one_click_marks_a_row_and_redirects_back_to_it(client, organizer, municipality):
    event = held_event(hosts=[municipality])
    (reg,) = _people(event, ["アベ ミキ"])
    client.force_login(organizer)
    url = reverse("attendance:roster_mark", args=[event.pk])
    response = client.post(url, {"row": f"{reg.pk}:left_early"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#r{reg.pk}")
    reg.refresh_from_db()
    assert reg.attendance == Attendance.LEFT_EARLY

    # The script's request gets JSON with the new counts.
    response = client.post(url, {"row": f"{reg.pk}:attended"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["attendance"] == "attended"
    assert data["counts"]["attended"] == 1 and data["counts"]["left_early"] == 0


@pytest.mark.django_db
def test_bulk_marks_only_this_events_confirmed_rows(client, organizer, municipality):
    event = held_event(hosts=[municipality])
    other = held_event(hosts=[municipality])
    regs = _people(event, ["ア", "イ", "ウ"])
    (foreign,) = _people(other, ["エ"])
    waiting = RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    client.force_login(organizer)
    client.post(
        reverse("attendance:roster_mark", args=[event.pk]),
        {"bulk": "absent", "registration": [regs[0].pk, regs[2].pk, foreign.pk, waiting.pk]},
    )
    states = {r.pk: r.attendance for r in Registration.objects.all()}
    assert states[regs[0].pk] == states[regs[2].pk] == Attendance.ABSENT
    assert states[regs[1].pk] == states[foreign.pk] == states[waiting.pk] == Attendance.UNKNOWN


@pytest.mark.django_db
def test_invalid_state_is_refused_without_change(client, organizer, municipality):
    event = held_event(hosts=[municipality])
    (reg,) = _people(event, ["ア"])
    client.force_login(organizer)
    response = client.post(
        reverse("attendance:roster_mark", args=[event.pk]),
        {"row": f"{reg.pk}:present"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    reg.refresh_from_db()
    assert reg.attendance == Attendance.UNKNOWN
    with pytest.raises(AttendanceError):
        attendance_services.bulk_mark(event, by=organizer, registration_ids=[], attendance="attended")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "get_status", "post_status"),
    [
        ("organizer", 200, 302),
        ("reviewer", 200, 403),
        ("other_organizer", 403, 403),
        ("coordinator", 403, 403),
        ("participant", 403, 403),
    ],
)
def test_roster_access(client, request, municipality, persona, get_status, post_status):
    event = held_event(hosts=[municipality])
    (reg,) = _people(event, ["ア"])
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("attendance:roster", args=[event.pk])).status_code == get_status
    response = client.post(reverse("attendance:roster_mark", args=[event.pk]), {"row": f"{reg.pk}:attended"})
    assert response.status_code == post_status
    reg.refresh_from_db()
    assert (reg.attendance == Attendance.ATTENDED) == (post_status == 302)


@pytest.mark.django_db
def test_reviewer_sees_no_buttons(client, reviewer, municipality):
    event = held_event(hosts=[municipality])
    _people(event, ["ア"])
    client.force_login(reviewer)
    html = client.get(reverse("attendance:roster", args=[event.pk])).content.decode()
    assert 'name="row"' not in html
    assert "roster-form" not in html


@pytest.mark.django_db
def test_roster_queries_do_not_grow_with_registrants(client, organizer, municipality):
    small = held_event(hosts=[municipality])
    big = held_event(hosts=[municipality])
    _people(small, ["ア", "イ"])
    _people(big, [f"カナ{i:02d}" for i in range(30)])
    client.force_login(organizer)
    counts = []
    for event in (small, big):
        client.get(reverse("attendance:roster", args=[event.pk]))  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("attendance:roster", args=[event.pk])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_roster_query_count(client, organizer, municipality, django_assert_num_queries):
    event = held_event(hosts=[municipality])
    _people(event, [f"カナ{i:02d}" for i in range(12)])
    client.force_login(organizer)
    client.get(reverse("attendance:roster", args=[event.pk]))
    # 1 session, 2 user, 3 event, 4 its hosts, 5 the user's memberships, 6 the organization
    # tree below them, 7 the roster (registrations with users and organizations),
    # 8 the counts aggregate, 9 the Zoom rows waiting for review.
    with django_assert_num_queries(9):
        client.get(reverse("attendance:roster", args=[event.pk]))


@pytest.mark.django_db
def test_reception_roster_prints_every_confirmed_registrant(client, organizer, municipality):
    event = held_event(hosts=[municipality])
    _people(event, ["イ イ", "ア ア"])
    client.force_login(organizer)
    response = client.get(reverse("attendance:reception_roster", args=[event.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    # The print rules are a static stylesheet (CSP: no inline <style>); the PDF inlines it.
    assert "/static/css/reception-roster.css" in html and "<style" not in html
    assert "data-print" in html and "onclick" not in html
    assert html.index("ア ア") < html.index("イ イ")
    assert html.count('class="sign"') >= 2 + 1  # the header plus one per row


@pytest.mark.django_db
def test_reception_roster_pdf(client, organizer, municipality):
    pytest.importorskip("weasyprint")
    event = held_event(hosts=[municipality])
    _people(event, ["ア ア"])
    client.force_login(organizer)
    response = client.get(reverse("attendance:reception_roster", args=[event.pk]), {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
