"""The demo's 自治体間意見交換会 第2回 runs as a meeting with group work."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from django.urls import reverse

from accounts.models import User
from demo import events as events_demo
from demo import groupwork as demo
from demo import surveys as surveys_demo
from groupwork import questions, selectors, sharing
from groupwork.models import Group, GroupMember, GroupPlan, Material

MUNICIPALITIES = {"行田市", "草加市", "苫小牧市", "釧路市", "大牟田市", "坂井市", "豊田市"}


@pytest.fixture
def loaded(db, settings, tmp_path):
    settings.GROUPWORK_FILES_ROOT = tmp_path / "materials"
    settings.SURVEYS_FILES_ROOT = tmp_path / "surveys"
    events_demo.load(None)
    surveys_demo.load(None)
    out = io.StringIO()
    demo.load(out)
    return demo._event(), out.getvalue()


@pytest.mark.django_db
def test_exchange_meeting_groups_mix_the_seven_municipalities(loaded, client):
    event, output = loaded
    plan = GroupPlan.objects.get(event=event)
    assert plan.is_locked and "locked groups" in output
    rows = selectors.rows(event, plan)
    registered = {r.organization_root for r in rows}
    assert registered <= MUNICIPALITIES and len(registered) >= 3
    groups, unplaced = selectors.grouped(plan, rows)
    assert not unplaced and len(groups) >= 5
    assert plan.notes == []  # every rule kept
    for view in groups:
        cities = Counter(r.organization_root for r in view.rows)
        assert max(cities.values()) <= plan.max_per_organization, (view.label, cities)
        assert len(cities) >= 3  # each group mixes municipalities
        assert view.group.facilitator_id in {r.user_id for r in view.rows}
    assert set().union(*({r.organization_root for r in v.rows} for v in groups)) == registered

    # The organizer gets the Zoom file and the slides; idempotent on a second load.
    organizer = User.objects.get(email="organizer-yuyu@example.jp")
    client.force_login(organizer)
    body = client.get(reverse("groupwork:zoom_csv", args=[event.pk])).content.decode()
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == ["Pre-assign Room Name", "Email Address"] and len(lines) == len(rows) + 1
    slides = Material.objects.get(event=event, title=demo.SLIDES_TITLE)
    response = client.get(slides.get_absolute_url())
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    before = list(GroupMember.objects.values_list("user_id", "group__number").order_by("user_id"))
    demo.load(None)
    assert list(GroupMember.objects.values_list("user_id", "group__number").order_by("user_id")) == before
    assert Material.objects.filter(event=event).count() == 2
    assert Group.objects.filter(plan=plan).count() == len(groups)

    # Assessment sheets are shared within each group (釧路市 did not agree).
    seen = set()
    for row in rows:
        for shared in sharing.shared_with(event, User.objects.get(pk=row.user_id)):
            seen.add(shared.whose)
    assert seen and "釧路市" not in seen
    assert "assessment sheets shared" in output

    # The questions the municipalities sent in, published (苫小牧市 kept its name back).
    box = questions.box_for(event)
    assert box.is_published and box.program_item is not None
    published = [q for topic in questions.published(box) for q in topic.questions]
    assert len(published) >= 3 and all(q.taken_up for q in published)
    assert not any(q.show_organization for q in published if q.organization.name == "苫小牧市")
    assert "questions sent in" in output

    # A member sees their own group on the event page.
    member = rows[0]
    client.force_login(User.objects.get(pk=member.user_id))
    page = client.get(event.get_absolute_url()).content.decode()
    assert "あなたのグループ" in page and demo.SLIDES_TITLE in page
