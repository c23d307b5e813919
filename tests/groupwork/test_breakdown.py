"""Attendance and questionnaire results by breakout group, with the small-group threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration
from groupwork import services
from groupwork.breakdown import by_group
from groupwork.models import GroupMember, GroupPlan
from surveys.models import Answer, Question, Submission
from tests.surveys.factories import make_form, questions

pytestmark = pytest.mark.django_db


def _answer(form, event, user, points: dict[str, int]):
    sheet = Submission.objects.create(
        form=form, event=event, user=user, status=Submission.Status.SUBMITTED, submitted_at=timezone.now()
    )
    q = questions(form)
    for key, point in points.items():
        Answer.objects.create(submission=sheet, question=q[key], value_text=str(point), value_number=point)


def test_by_group_with_the_threshold(client, organizer, reviewer, meeting, registrants, settings):
    settings.SURVEYS_MIN_GROUP_SIZE = 3
    services.generate(meeting, by=organizer, data={"group_size": 4, "seed": 4})
    plan = GroupPlan.objects.get(event=meeting)
    members: dict[int, list[int]] = {}
    for user_id, number in GroupMember.objects.values_list("user_id", "group__number"):
        members.setdefault(number, []).append(user_id)
    first, second = members[1], members[2]
    Registration.objects.filter(event=meeting, user_id__in=first[:2]).update(attendance="attended")
    Registration.objects.filter(event=meeting, user_id=first[2]).update(attendance="absent")
    form = make_form("questionnaire", meeting, anonymous=False)
    anonymous = make_form("questionnaire", meeting, anonymous=True, title="匿名アンケート")
    from accounts.models import User

    for user_id, point in zip(first[:3], (5, 4, 4), strict=True):
        _answer(form, meeting, User.objects.get(pk=user_id), {"satisfaction": point})
    for user_id in second[:2]:  # two answers only: below the threshold
        _answer(form, meeting, User.objects.get(pk=user_id), {"satisfaction": 1})

    result = by_group(plan)
    one = result.groups[0]
    assert (one.members, one.attended, one.absent, one.unknown) == (len(first), 2, 1, len(first) - 3)
    satisfaction = questions(form)["satisfaction"]
    assert one.means[(form.pk, satisfaction.pk)] == Decimal("4.3")
    assert result.groups[1].responses[form.pk] == 2
    assert result.groups[1].means[(form.pk, satisfaction.pk)] is None
    assert [f.pk for f in result.anonymous_forms] == [anonymous.pk]

    client.force_login(reviewer)
    page = client.get(reverse("groupwork:breakdown", args=[meeting.pk])).content.decode()
    assert "4.3" in page and "匿名アンケート" in page
    assert Question.objects.filter(form=form, type="scale").exists()
