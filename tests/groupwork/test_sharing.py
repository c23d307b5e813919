"""Pre-work sheets shared within a breakout group: consent, the group's members only, the
follow-up period, and an audit row for every reading."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEntry
from groupwork import services, sharing
from groupwork.models import GroupMember
from surveys.models import Form, Submission
from tests.surveys.factories import make_form, name, questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(settings, tmp_path, organizer, participant, meeting, registrants):
    """Locked groups of four, the participant with registrants[1] (kept together), and the
    Soka pre-work sheet opened to sharing within groups."""
    settings.SURVEYS_FILES_ROOT = tmp_path / "surveys"
    partner = registrants[1]
    services.add_pair(
        meeting, by=organizer, first_id=participant.pk, second_id=partner.user_id, kind="together"
    )
    services.generate(meeting, by=organizer, data={"group_size": 4, "seed": 9})
    services.set_locked(meeting, by=organizer, locked=True)
    form = make_form("prework_soka", meeting, share_with_group=True)
    placement = dict(GroupMember.objects.values_list("user_id", "group__number"))
    stranger = next(r for r in registrants if placement[r.user_id] != placement[participant.pk])
    return form, partner, stranger


def _submit(client, user, form, event, *, share: bool):
    q = questions(form)
    client.force_login(user)
    data = {
        name(q["case_success"]): "8050世帯の支援で、地域包括と生活困窮の窓口が同行訪問した。",
        name(q["success_factors"]): "日頃から顔の見える関係があった。",
        name(q["case_difficult"]): "多頭飼育の世帯で主担当が決まらなかった。",
        "action": "submit",
    }
    if share:
        data["share_with_group"] = "on"
    return client.post(reverse("surveys:fill", args=[form.pk, event.pk]), data)


def test_consent_is_asked_on_the_sheet_and_recorded(client, setup, meeting, participant):
    form, partner, _stranger = setup
    client.force_login(partner.user)
    page = client.get(reverse("surveys:fill", args=[form.pk, meeting.pk])).content.decode()
    assert "同じグループの参加者に共有する" in page
    assert (
        'name="share_with_group"' in page and "checked" not in page.split('name="share_with_group"')[1][:20]
    )
    assert _submit(client, partner.user, form, meeting, share=True).status_code == 302
    sheet = Submission.objects.get(user=partner.user)
    assert sheet.is_submitted and sheet.share_with_group and sheet.share_consented_at
    entry = AuditEntry.objects.get(action="sheet.share_consent")
    assert entry.actor_id == partner.user_id and entry.changes == {"share_with_group": [False, True]}


def test_the_group_reads_a_shared_sheet_and_every_reading_is_audited(
    client, setup, meeting, participant, organizer, outsider
):
    form, partner, stranger = setup
    _submit(client, partner.user, form, meeting, share=True)
    sheet = Submission.objects.get(user=partner.user)

    client.force_login(participant)
    event_page = client.get(meeting.get_absolute_url()).content.decode()
    assert reverse("groupwork:shared_sheets", args=[meeting.pk]) in event_page
    listing = client.get(reverse("groupwork:shared_sheets", args=[meeting.pk])).content.decode()
    url = reverse("groupwork:shared_sheet", args=[meeting.pk, sheet.pk])
    assert url in listing and partner.user.full_name in listing
    page = client.get(url).content.decode()
    assert "日頃から顔の見える関係があった。" in page
    client.get(url)
    views = AuditEntry.objects.filter(action="sheet.group_view", actor_id=participant.pk)
    assert views.count() == 2
    assert views.first().details["group"] == GroupMember.objects.get(user=participant).group.number

    # Another group, another municipality's member and the organizer get nothing from these pages.
    for who in (stranger.user, outsider, organizer):
        client.force_login(who)
        assert client.get(url).status_code == 404
        response = client.get(reverse("groupwork:shared_sheets", args=[meeting.pk]))
        assert response.status_code == 404 or partner.user.full_name not in response.content.decode()
    assert AuditEntry.objects.filter(action="sheet.group_view").count() == 2


def test_only_consented_sheets_are_shared_and_unticking_withdraws(client, setup, meeting, participant):
    form, partner, _stranger = setup
    _submit(client, partner.user, form, meeting, share=False)
    sheet = Submission.objects.get(user=partner.user)
    assert not sheet.share_with_group
    client.force_login(participant)
    assert client.get(reverse("groupwork:shared_sheet", args=[meeting.pk, sheet.pk])).status_code == 404
    _submit(client, partner.user, form, meeting, share=True)
    client.force_login(participant)
    assert client.get(reverse("groupwork:shared_sheet", args=[meeting.pk, sheet.pk])).status_code == 200
    _submit(client, partner.user, form, meeting, share=False)
    client.force_login(participant)
    assert client.get(reverse("groupwork:shared_sheet", args=[meeting.pk, sheet.pk])).status_code == 404
    # A form the organizer did not open to sharing shares nothing, whatever the sheet says.
    Form.objects.filter(pk=form.pk).update(share_with_group=False)
    Submission.objects.filter(pk=sheet.pk).update(share_with_group=True)
    assert client.get(reverse("groupwork:shared_sheet", args=[meeting.pk, sheet.pk])).status_code == 404


def test_sharing_ends_with_the_follow_up_period(client, setup, meeting, participant, organizer, settings):
    form, partner, _stranger = setup
    _submit(client, partner.user, form, meeting, share=True)
    sheet = Submission.objects.get(user=partner.user)
    url = reverse("groupwork:shared_sheet", args=[meeting.pk, sheet.pk])
    end = meeting.ends_at + dt.timedelta(days=settings.GROUPWORK_FOLLOW_UP_DAYS)
    # (signed in again at each moment: a session does not last a month)
    with time_machine.travel(end - dt.timedelta(minutes=1), tick=False):
        client.force_login(participant)
        assert client.get(url).status_code == 200
    with time_machine.travel(end, tick=False):
        client.force_login(participant)
        assert client.get(url).status_code == 404
        assert sharing.shared_with(meeting, participant) == []
    # The organizer moves the end of the period.
    client.force_login(organizer)
    response = client.post(
        reverse("groupwork:share_until", args=[meeting.pk]),
        {"share_until": (end + dt.timedelta(days=10)).astimezone().strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    with time_machine.travel(end + dt.timedelta(days=5), tick=False):
        client.force_login(participant)
        assert client.get(url).status_code == 200


def test_unlocked_groups_share_nothing(client, setup, meeting, participant, organizer):
    form, partner, _stranger = setup
    _submit(client, partner.user, form, meeting, share=True)
    services.set_locked(meeting, by=organizer, locked=False)
    client.force_login(participant)
    assert client.get(reverse("groupwork:shared_sheets", args=[meeting.pk])).status_code == 404


def test_a_municipalitys_assessment_sheet_goes_to_the_other_municipalities_of_the_group(
    client, settings, tmp_path, organizer, participant, meeting, registrants
):
    """The sheet per municipality (アセスメントシート) is shared with the group's members from
    other municipalities; it is not listed for the municipality's own staff."""
    from surveys import answering
    from tests.surveys.factories import post

    settings.SURVEYS_FILES_ROOT = tmp_path / "surveys"
    gyoda = registrants[1]  # 行田市
    colleague = registrants[2]  # also 行田市
    services.add_pair(
        meeting, by=organizer, first_id=participant.pk, second_id=gyoda.user_id, kind="together"
    )
    services.generate(meeting, by=organizer, data={"group_size": 4, "seed": 2})
    services.set_locked(meeting, by=organizer, locked=True)
    form = make_form("assessment", meeting, share_with_group=True)
    q = questions(form)
    data = {
        name(q["departments"]): "健康福祉部 福祉課",
        name(q["created_on"]): "2022-03-01",
        name(q["agency_name"]): "地域包括支援センター",
        name(q["issue"]): "参加支援の受け皿が不足している。",
        f"s{q['agency_name'].section_id}-count": "1",
        f"s{q['issue'].section_id}-count": "1",
        "share_with_group": "on",
    }
    who = answering.respondent_for(form, meeting, colleague.user)
    outcome = answering.save_answers(form, event=meeting, who=who, data=post(data), action="submit")
    assert outcome.submitted
    sheet = Submission.objects.get(form=form)
    assert sheet.organization.name == "行田市" and sheet.share_with_group
    shared = sharing.shared_with(meeting, participant)
    assert [(s.submission.pk, s.whose) for s in shared] == [(sheet.pk, "行田市")]
    # 行田市's own staff in the same group read their sheet through the surveys pages, not here.
    assert sharing.shared_with(meeting, gyoda.user) == []


def test_only_pre_work_sheets_can_be_shared(organizer, meeting):
    from surveys import building
    from surveys.errors import SurveyError
    from surveys.forms import FormSettingsForm

    questionnaire = make_form("questionnaire", meeting)
    assert "share_with_group" not in FormSettingsForm(instance=questionnaire).fields
    with pytest.raises(SurveyError):
        building.update_form(questionnaire, by=organizer, data={"share_with_group": True})
