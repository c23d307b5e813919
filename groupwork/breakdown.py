"""Attendance and questionnaire results broken down by breakout group, for the organizer.

Attendance is counted per group from the members' registrations. Questionnaire results
are shown per group only for questionnaires that keep who answered (an anonymous
questionnaire has no link from an answer to a person, so it cannot be split by group at
all), and a group with fewer responses than surveys.results.min_group_size() (at least 3)
shows no figure: in a group of four, "the one who gave 1" is a person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from events.models import Event, Registration
from groupwork.models import Group, GroupMember, GroupPlan
from surveys.models import Answer, Form, Question, Submission
from surveys.results import min_group_size

A = Registration.Attendance


@dataclass
class GroupFigures:
    group: Group
    members: int = 0
    attended: int = 0  # attended or left early
    absent: int = 0
    unknown: int = 0
    responses: dict[int, int] = field(default_factory=dict)  # form id → responses
    means: dict[tuple[int, int], Decimal | None] = field(default_factory=dict)  # (form, question) → mean


@dataclass
class FormColumns:
    form: Form
    questions: list[Question]
    rows: list[tuple[str, int, list[Decimal | None]]] = field(default_factory=list)  # group, responses, means


@dataclass
class Breakdown:
    groups: list[GroupFigures]
    forms: list[FormColumns]
    anonymous_forms: list[Form]
    threshold: int


def _questionnaires(event: Event) -> list[Form]:
    condition = Q(event=event)
    if event.series_id:
        condition |= Q(series_id=event.series_id)
    return list(Form.objects.filter(condition, kind=Form.Kind.QUESTIONNAIRE).order_by("id"))


def by_group(plan: GroupPlan) -> Breakdown:
    event = plan.event
    threshold = max(min_group_size(), 3)
    figures = {g.pk: GroupFigures(group=g) for g in Group.objects.filter(plan=plan).order_by("number")}
    group_of: dict[int, int] = {}
    for member in GroupMember.objects.filter(
        plan=plan, registration__status=Registration.Status.CONFIRMED
    ).select_related("registration"):
        row = figures[member.group_id]
        row.members += 1
        group_of[member.user_id] = member.group_id
        attendance = member.registration.attendance
        if attendance in (A.ATTENDED, A.LEFT_EARLY):
            row.attended += 1
        elif attendance == A.ABSENT:
            row.absent += 1
        else:
            row.unknown += 1

    forms = _questionnaires(event)
    named = [f for f in forms if not f.anonymous]
    columns = []
    for form in named:
        scales = list(
            Question.objects.filter(form=form, type=Question.Type.SCALE).order_by(
                "section__order", "order", "id"
            )
        )
        columns.append(FormColumns(form=form, questions=scales))
        submitted = Submission.objects.filter(
            form=form, event=event, status=Submission.Status.SUBMITTED, in_results=True, user_id__in=group_of
        )
        counts: dict[int, int] = defaultdict(int)
        for user_id in submitted.values_list("user_id", flat=True):
            counts[group_of[user_id]] += 1
        sums: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
        for user_id, question_id, value in Answer.objects.filter(
            submission__in=submitted, question__in=scales, value_number__isnull=False
        ).values_list("submission__user_id", "question_id", "value_number"):
            sums[(group_of[user_id], question_id)].append(value)
        for group_id, row in figures.items():
            row.responses[form.pk] = counts.get(group_id, 0)
            shown = counts.get(group_id, 0) >= threshold
            for question in scales:
                values = sums.get((group_id, question.pk), [])
                mean = (sum(values) / len(values)).quantize(Decimal("0.1")) if shown and values else None
                row.means[(form.pk, question.pk)] = mean
    for column in columns:
        column.rows = [
            (
                row.group.label,
                row.responses.get(column.form.pk, 0),
                [row.means.get((column.form.pk, q.pk)) for q in column.questions],
            )
            for row in figures.values()
        ]
    return Breakdown(
        groups=list(figures.values()),
        forms=columns,
        anonymous_forms=[f for f in forms if f.anonymous],
        threshold=threshold,
    )
