"""Group work in a real browser: the organizer forms, adjusts (keyboard only) and locks the
breakout groups and takes the Zoom file; a participant sees their group and a sheet their
group shared; after the event they download the slides."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from groupwork import materials
from groupwork import services as groups
from groupwork.models import GroupMember, GroupPlan
from surveys.models import Submission
from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import sign_in
from tests.factories import EventFactory, OrganizationFactory, RegistrationFactory, UserFactory
from tests.surveys.factories import make_form, questions

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _meeting(municipality, participant):
    """自治体間意見交換会, held yesterday, with the participant and three staff of each of four cities."""
    from events.models import Event

    start = (timezone.now() - dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    event = EventFactory(
        hosts=[municipality],
        kind=Event.Kind.EXCHANGE_MEETING,
        title="自治体間意見交換会",
        status=Event.Status.COMPLETED,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        registration_closes_at=start - dt.timedelta(days=3),
    )
    RegistrationFactory(event=event, user=participant, organization=municipality)
    people = []
    for n, city in enumerate(("行田市", "釧路市", "大牟田市", "坂井市")):
        org = OrganizationFactory(name=city)
        for i in range(3):
            user = UserFactory(full_name=f"{city} 職員{i}", full_name_kana=f"{'アイウエ'[n]}{i} ショクイン")
            people.append(RegistrationFactory(event=event, user=user, organization=org))
    return event, people


def test_organizer_forms_and_locks_groups_participant_sees_group_sheet_and_slides(
    site, organizer, participant, municipality, settings, tmp_path
):
    settings.SURVEYS_FILES_ROOT = tmp_path / "surveys"
    settings.GROUPWORK_FILES_ROOT = tmp_path / "materials"
    event, people = _meeting(municipality, participant)
    partner = people[0]
    # The pre-work sheet is open to sharing; the partner shared theirs; the slides are for after the event.
    form = make_form("prework_soka", event, share_with_group=True)
    q = questions(form)
    sheet = Submission.objects.create(
        form=form,
        event=event,
        user=partner.user,
        status=Submission.Status.SUBMITTED,
        submitted_at=timezone.now(),
        share_with_group=True,
        share_consented_at=timezone.now(),
    )
    sheet.answers.create(question=q["success_factors"], value_text="日頃から顔の見える関係があった。")
    from django.core.files.uploadedfile import SimpleUploadedFile

    materials.add(
        event,
        by=organizer,
        title="講義スライド",
        audience="registrants",
        visible_from="after",
        upload=SimpleUploadedFile("slides.pdf", PDF, content_type="application/pdf"),
    )
    groups.add_pair(event, by=organizer, first_id=participant.pk, second_id=partner.user_id, kind="together")

    # --- the organizer forms the groups ------------------------------------------------
    page = site.page()
    sign_in(page, organizer.email)
    page.goto(reverse("events:manage_event", args=[event.pk]))
    page.get_by_role("link", name="グループ分け（ブレイクアウト）").click()
    page.get_by_label("1グループの人数、またはグループ数").fill("4")
    page.get_by_label("1グループに同じ団体から入れる上限（人）").fill("1")
    page.get_by_label("シード値").fill("2022")
    page.get_by_role("button", name="グループ分けをする").click()
    assert page.locator("#group-1").is_visible()
    plan = GroupPlan.objects.get(event=event)
    placement = dict(GroupMember.objects.filter(plan=plan).values_list("user_id", "group__number"))
    assert len(placement) == 13 and placement[participant.pk] == placement[partner.user_id]

    # Move someone of another group into group 1 with the keyboard: focus the select, type, save.
    mover = next(r for r in people[1:] if placement[r.user_id] != 1)
    select = page.locator(f"#member-{mover.user_id}")
    select.focus()
    for _ in range(placement[mover.user_id] - 1):
        page.keyboard.press("ArrowUp")  # a closed select changes its value with the arrow keys
    assert select.input_value() == "1"
    page.get_by_role("button", name="上で選んだグループで保存する").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert GroupMember.objects.get(plan=plan, user_id=mover.user_id).group.number == 1

    page.get_by_role("button", name="確定して各参加者に自分のグループを表示する").click()
    plan.refresh_from_db()
    assert plan.is_locked
    with page.expect_download() as download:
        page.get_by_role("link", name="Zoomブレイクアウトルーム（事前割り当て用CSV）").click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Pre-assign Room Name", "Email Address"] and len(rows) == 14
    screenshot(page, "groupwork-organizer")

    # --- the participant sees their group, a shared sheet and the slides ------------------
    site.logout()
    site.login(participant)
    page = site.page()
    page.goto(reverse("events:detail", args=[event.pk]))
    mine = placement[participant.pk]
    assert page.get_by_role("heading", name=f"あなたのグループ：グループ{mine}").is_visible()
    assert page.get_by_text(partner.user.full_name).first.is_visible()
    assert partner.user.email not in page.content()
    page.get_by_role("link", name="グループ内で共有された事前課題シート（1件）").click()
    page.get_by_role("link", name=f"事前課題シート（{partner.user.full_name}）").click()
    assert page.get_by_text("日頃から顔の見える関係があった。").is_visible()
    page.goto(reverse("events:detail", args=[event.pk]))
    with page.expect_download() as download:
        page.get_by_role("link", name="講義スライド").click()
    assert Path(download.value.path()).read_bytes() == PDF
    screenshot(page, "groupwork-participant")
