"""Forming, adjusting, locking and using breakout groups, through the URLs people use."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from events import services as event_services
from groupwork import services
from groupwork.models import Group, GroupMember, GroupPlan, PairRule
from tests.factories import RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = {"mode": "size", "number": "4", "max_per_organization": "1", "spread_kinds": "on", "seed": "11"}


def _generate(client, meeting, **overrides):
    return client.post(reverse("groupwork:generate", args=[meeting.pk]), {**SETTINGS, **overrides})


def _placement(meeting) -> dict[int, int]:
    return dict(GroupMember.objects.filter(plan__event=meeting).values_list("user_id", "group__number"))


def test_organizer_forms_groups_that_mix_organizations(client, organizer, meeting, registrants):
    client.force_login(organizer)
    response = _generate(client, meeting)
    assert response.status_code == 302
    placement = _placement(meeting)
    assert sorted(placement) == sorted(r.user_id for r in registrants)
    assert Group.objects.filter(plan__event=meeting).count() == 4
    # At most one per organization in each group, and sizes within one.
    for group in Group.objects.filter(plan__event=meeting):
        orgs = [m.registration.organization_id for m in group.members.select_related("registration")]
        assert len(orgs) == len(set(orgs))
        assert len(orgs) in (3, 4)
    entry = AuditEntry.objects.get(action="groups.generate")
    assert entry.actor_id == organizer.pk and entry.event_id == meeting.pk
    page = client.get(reverse("groupwork:manage", args=[meeting.pk])).content.decode()
    assert "グループ1" in page and "行田市 職員0" in page


def test_the_same_seed_gives_the_same_groups(client, organizer, meeting, registrants):
    client.force_login(organizer)
    _generate(client, meeting)
    first = _placement(meeting)
    _generate(client, meeting, reshuffle="on")
    assert _placement(meeting) == first
    _generate(client, meeting, reshuffle="on", seed="12")
    assert _placement(meeting) != first


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"number": "0"}, "1以上"),
        ({"number": "14"}, "グループの人数（14）が参加者数（13）より多く"),
        ({"mode": "count", "number": "14"}, "グループ数（14）が参加者数（13）より多く"),
        ({"number": "abc"}, "整数"),
    ],
)
def test_bad_sizes_are_refused_beside_the_form_and_nothing_is_saved(
    client, organizer, meeting, registrants, overrides, message
):
    client.force_login(organizer)
    response = _generate(client, meeting, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Group.objects.filter(plan__event=meeting).exists()
    assert not AuditEntry.objects.filter(action="groups.generate").exists()


def test_contradictory_rules_are_refused_naming_the_two_colleagues(
    client, organizer, meeting, registrants, cities
):
    client.force_login(organizer)
    a, b = registrants[1], registrants[2]  # two staff of 行田市
    response = client.post(
        reverse("groupwork:add_rule", args=[meeting.pk]),
        {"first": a.user_id, "second": b.user_id, "kind": "together"},
    )
    assert response.status_code == 302
    response = _generate(client, meeting)
    html = response.content.decode()
    assert response.status_code == 400
    assert "行田市 職員0" in html and "行田市 職員1" in html and "1人まで" in html
    assert not Group.objects.filter(plan__event=meeting).exists()
    # With two per organization allowed, the same rule is kept.
    response = _generate(client, meeting, max_per_organization="2")
    placement = _placement(meeting)
    assert placement[a.user_id] == placement[b.user_id]


def test_a_rule_for_the_same_two_people_twice_is_refused(client, organizer, meeting, registrants):
    client.force_login(organizer)
    a, b = registrants[1], registrants[5]
    url = reverse("groupwork:add_rule", args=[meeting.pk])
    client.post(url, {"first": a.user_id, "second": b.user_id, "kind": "together"})
    response = client.post(url, {"first": b.user_id, "second": a.user_id, "kind": "apart"}, follow=True)
    assert "すでに" in response.content.decode()
    assert PairRule.objects.count() == 1


def test_moving_people_with_the_keyboard_form(client, organizer, meeting, registrants):
    client.force_login(organizer)
    _generate(client, meeting)
    who = registrants[3].user_id
    target = 1 if _placement(meeting)[who] != 1 else 2
    page = client.get(reverse("groupwork:manage", args=[meeting.pk])).content.decode()
    # Every person has a labelled select (no drag and drop needed).
    assert f'<label class="visually-hidden" for="member-{who}">' in page
    response = client.post(reverse("groupwork:move", args=[meeting.pk]), {f"group-{who}": str(target)})
    assert response.status_code == 302
    assert _placement(meeting)[who] == target
    assert AuditEntry.objects.filter(action="groups.move").exists()


def test_moves_naming_strangers_or_missing_groups_are_refused_whole(
    client, organizer, meeting, registrants, other_organizer
):
    client.force_login(organizer)
    _generate(client, meeting)
    before = _placement(meeting)
    stranger = UserFactory()
    who = registrants[3].user_id
    target = 1 if before[who] != 1 else 2
    client.post(
        reverse("groupwork:move", args=[meeting.pk]),
        {f"group-{who}": str(target), f"group-{stranger.pk}": "1"},
    )
    assert _placement(meeting) == before
    client.post(reverse("groupwork:move", args=[meeting.pk]), {f"group-{who}": "99"})
    assert _placement(meeting) == before
    # Another organization's organizer cannot move anyone.
    client.force_login(other_organizer)
    response = client.post(reverse("groupwork:move", args=[meeting.pk]), {f"group-{who}": str(target)})
    assert response.status_code == 403
    assert _placement(meeting) == before


def test_participants_see_only_their_own_group_once_locked(
    client, organizer, participant, outsider, meeting, registrants
):
    client.force_login(organizer)
    _generate(client, meeting)
    placement = _placement(meeting)
    mine = placement[participant.pk]
    same = [r for r in registrants if placement[r.user_id] == mine and r.user_id != participant.pk]
    others = [r for r in registrants if placement[r.user_id] != mine]

    client.force_login(participant)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "あなたのグループ" not in page  # not locked yet

    client.force_login(organizer)
    client.post(reverse("groupwork:lock", args=[meeting.pk]), {"locked": "1"})
    assert GroupPlan.objects.get(event=meeting).is_locked

    client.force_login(participant)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f"あなたのグループ：グループ{mine}" in page
    for r in same:
        assert r.user.full_name in page
        assert r.organization.name in page
        assert r.user.email not in page
    for r in others:
        assert r.user.full_name not in page

    # Someone of another group sees their own group, not the participant's.
    other = others[0]
    client.force_login(other.user)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert participant.full_name not in page
    # An outsider sees no group at all.
    client.force_login(outsider)
    assert "あなたのグループ" not in client.get(meeting.get_absolute_url()).content.decode()


def test_late_registrants_are_placed_without_moving_anyone(client, organizer, meeting, registrants, cities):
    client.force_login(organizer)
    _generate(client, meeting)
    client.post(reverse("groupwork:lock", args=[meeting.pk]), {"locked": "1"})
    before = _placement(meeting)
    late = [
        RegistrationFactory(event=meeting, user=UserFactory(full_name=f"遅参 {i}"), organization=cities[i])
        for i in range(3)
    ]
    # Reshuffling a locked plan is refused…
    response = _generate(client, meeting, reshuffle="on")
    assert response.status_code == 400
    assert "全員のグループ分けをやり直すには、先に確定を解除" in response.content.decode()
    assert _placement(meeting) == before
    # …placing newcomers is not, and nobody already placed moves.
    response = _generate(client, meeting)
    assert response.status_code == 302
    after = _placement(meeting)
    assert all(after[user] == group for user, group in before.items())
    assert all(r.user_id in after for r in late)


def test_a_cancelled_registrant_leaves_their_group(client, organizer, meeting, registrants):
    client.force_login(organizer)
    _generate(client, meeting)
    leaving = registrants[4]
    event_services.cancel_registration(leaving, by=leaving.user)
    assert leaving.user_id not in _placement(meeting)


def test_zoom_breakout_csv_has_zoom_columns_and_every_member(client, organizer, meeting, registrants):
    client.force_login(organizer)
    _generate(client, meeting)
    response = client.get(reverse("groupwork:zoom_csv", args=[meeting.pk]))
    assert response.status_code == 200
    body = response.content
    assert not body.startswith(b"\xef\xbb\xbf")
    assert body.startswith(b"Pre-assign Room Name,Email Address\r\n")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["Pre-assign Room Name", "Email Address"]
    placement = _placement(meeting)
    expected = sorted((f"グループ{placement[r.user_id]}", r.user.email) for r in registrants)
    assert sorted(map(tuple, rows[1:])) == expected
    assert AuditEntry.objects.filter(action="export.zoom_breakout").exists()


def test_printable_list_in_kana_order_within_each_group(client, organizer, meeting, registrants):
    client.force_login(organizer)
    _generate(client, meeting)
    html = client.get(reverse("groupwork:print", args=[meeting.pk])).content.decode()
    placement = _placement(meeting)
    for number in set(placement.values()):
        members = sorted(
            (r for r in registrants if placement[r.user_id] == number), key=lambda r: r.user.full_name_kana
        )
        positions = [html.index(r.user.full_name) for r in members]
        assert positions == sorted(positions)
    assert "<style" not in html and "onclick" not in html


def test_group_list_pdf(client, organizer, meeting, registrants):
    from core import pdf

    if not pdf.available():
        pytest.skip("WeasyPrint is not installed on this machine")
    client.force_login(organizer)
    _generate(client, meeting)
    response = client.get(reverse("groupwork:print", args=[meeting.pk]) + "?format=pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_nothing_to_export_before_groups_exist(client, organizer, meeting, registrants):
    client.force_login(organizer)
    assert client.get(reverse("groupwork:zoom_csv", args=[meeting.pk])).status_code == 404


def test_job_roles_and_facilitators_give_one_facilitator_per_group(client, organizer, meeting, registrants):
    client.force_login(organizer)
    facilitators = [r.user_id for r in registrants[1:13:3]]  # one from each city
    data = {f"role-{r.user_id}": "administration" for r in registrants}
    data.update({f"facilitator-{uid}": "on" for uid in facilitators})
    response = client.post(reverse("groupwork:profiles", args=[meeting.pk]), data)
    assert response.status_code == 302
    _generate(client, meeting, facilitators="on")
    groups = list(Group.objects.filter(plan__event=meeting))
    assert sorted(g.facilitator_id for g in groups) == sorted(facilitators)
    for group in groups:
        assert group.members.filter(user_id=group.facilitator_id).exists()
    # A job role that is not on the list is refused.
    response = client.post(
        reverse("groupwork:profiles", args=[meeting.pk]),
        {f"role-{registrants[0].user_id}": "wizard"},
        follow=True,
    )
    assert "一覧から" in response.content.decode()


def test_reviewer_reads_the_groups_but_sees_no_forms(client, organizer, reviewer, meeting, registrants):
    services.generate(meeting, by=organizer, data={"group_size": 4, "max_per_organization": 1, "seed": 3})
    client.force_login(reviewer)
    page = client.get(reverse("groupwork:manage", args=[meeting.pk])).content.decode()
    assert "グループ1" in page
    assert reverse("groupwork:move", args=[meeting.pk]) not in page
    response = client.post(reverse("groupwork:lock", args=[meeting.pk]), {"locked": "1"})
    assert response.status_code == 403
    assert not GroupPlan.objects.get(event=meeting).is_locked


def test_the_reminder_names_the_persons_group_once_locked(
    organizer, participant, meeting, registrants, mailoutbox, settings
):
    import datetime as dt

    import time_machine

    from notifications import delivery
    from notifications import reminders as notifications

    services.generate(meeting, by=organizer, data={"group_size": 4, "max_per_organization": 1, "seed": 5})
    services.set_locked(meeting, by=organizer, locked=True)
    placement = _placement(meeting)
    same = [r for r in registrants if placement[r.user_id] == placement[participant.pk]]
    other = next(r for r in registrants if placement[r.user_id] != placement[participant.pk])
    notifications.schedule_reminders(meeting, registrants)
    with time_machine.travel(meeting.starts_at - dt.timedelta(hours=23), tick=False):
        delivery.dispatch_due()
    reminders = {m.to[0]: m for m in mailoutbox if m.extra_headers.get("X-Tsunagu-Kind") == "reminder"}
    body = reminders[participant.email].body
    assert f"あなたのグループ：グループ{placement[participant.pk]}" in body
    for r in same:
        assert f"・{r.user.full_name}（{r.organization.name}）" in body
    assert other.user.full_name not in body
    html = reminders[participant.email].html
    assert "あなたのグループ" in html and "@@tsunagu" not in html
    # Each person gets their own group, not the participant's.
    assert f"グループ{placement[other.user_id]}" in reminders[other.user.email].body
    assert participant.full_name not in reminders[other.user.email].body


def test_the_groups_page_reads_a_fixed_number_of_queries(
    client, organizer, meeting, registrants, cities, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(organizer)
    _generate(client, meeting)
    url = reverse("groupwork:manage", args=[meeting.pk])
    client.get(url)  # warm caches (session, content types)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    # Read now: the captured list is a window on the connection's log, which the next request resets.
    count = len(small.captured_queries)
    for i in range(30):
        RegistrationFactory(event=meeting, user=UserFactory(), organization=cities[i % 4])
    _generate(client, meeting, reshuffle="on")
    # session, user, event + series, hosts, roles, plan, confirmed registrations, organization
    # tree, profiles, placements, facilitators, groups, pair rules: the same with 43 people as with 13
    with django_assert_num_queries(count):
        client.get(url)
