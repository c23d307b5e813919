"""What the results page shows, built from a stored Summary and the form's structure.

Anonymous forms show nothing before k responses were released, and hide any breakdown
of a group smaller than k (or SURVEYS_MIN_GROUP_SIZE, if larger): in a small town, "the
one 医療機関 respondent gave 1" names a person. See surveys.anonymity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from events.models import Event, Registration
from surveys.anonymity import shown_groups
from surveys.models import Form, Question, Summary
from surveys.structure import Structure


@dataclass
class Row:
    label: str
    count: int
    share: float | None  # 0..1 of those who answered (or of responses for several choices)


@dataclass
class GroupRow:
    label: str
    count: int
    hidden: bool
    mean: float | None = None
    yes_share: float | None = None


@dataclass
class QuestionResult:
    question: Question
    answered: int
    rows: list[Row] = field(default_factory=list)
    mean: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    groups: list[GroupRow] = field(default_factory=list)

    @property
    def chart(self) -> dict | None:
        if not self.rows:
            return None
        return {
            "labels": [r.label for r in self.rows],
            "values": [r.count for r in self.rows],
            "horizontal": self.question.is_choice,
            "label": self.question.label,
        }

    @property
    def chart_id(self) -> str:
        return f"chart-data-{self.question.pk}"


def min_group_size() -> int:
    return settings.SURVEYS_MIN_GROUP_SIZE


def _scale_label(question: Question, point: int) -> str:
    if point == 1 and question.scale_min_label:
        return f"1（{question.scale_min_label}）"
    if point == 5 and question.scale_max_label:
        return f"5（{question.scale_max_label}）"
    return str(point)


def _rows(question: Question, counts: dict[str, int], denominator: int) -> list[Row]:
    def share(n):
        return n / denominator if denominator else None

    if question.is_choice:
        return [
            Row(c.label, counts.get(str(c.pk), 0), share(counts.get(str(c.pk), 0)))
            for c in question.choices.all()
        ]
    if question.type == Question.Type.SCALE:
        return [
            Row(_scale_label(question, p), counts.get(str(p), 0), share(counts.get(str(p), 0)))
            for p in range(1, 6)
        ]
    if question.type == Question.Type.YES_NO:
        return [
            Row(_("Yes"), counts.get("yes", 0), share(counts.get("yes", 0))),
            Row(_("No"), counts.get("no", 0), share(counts.get("no", 0))),
        ]
    return []


def _mean(counts: dict[str, int]) -> float | None:
    total = sum(counts.values())
    if not total:
        return None
    return round(sum(int(k) * n for k, n in counts.items()) / total, 2)


def build(form: Form, summary: Summary | None, structure: Structure) -> dict:
    data = summary.data if summary else {"responses": 0, "group_sizes": {}, "questions": {}}
    responses = data.get("responses", 0)
    group_question = structure.group_question()
    group_sizes = data.get("group_sizes", {})
    hide_small = form.anonymous
    limit = min_group_size()
    shown = None
    if form.anonymous:
        # See surveys.anonymity: nothing below k, breakdowns only as frozen at the close.
        limit = max(limit, form.min_responses)
        if group_question is not None and data.get("group_question") != group_question.pk:
            group_question = None
        shown = shown_groups(group_sizes, responses, limit)
        if responses < form.min_responses:
            return {
                "responses": responses,
                "results": [],
                "group_question": None,
                "computed_at": summary.computed_at if summary else None,
                "min_group_size": limit,
                "withheld": True,
            }
    results = []
    for section in structure.sections:
        for question in section.question_list:
            entry = data.get("questions", {}).get(str(question.pk), {})
            answered = entry.get("answered", 0)
            counts = entry.get("counts", {})
            denominator = responses if question.type == Question.Type.MULTIPLE_CHOICE else answered
            result = QuestionResult(
                question=question,
                answered=answered,
                rows=_rows(question, counts, denominator),
                mean=entry.get("mean"),
                minimum=entry.get("min"),
                maximum=entry.get("max"),
            )
            if group_question is not None and question.type in (Question.Type.SCALE, Question.Type.YES_NO):
                by_group = entry.get("by_group", {})
                for choice in group_question.choices.all():
                    size = group_sizes.get(str(choice.pk), 0)
                    if not size:
                        continue
                    group_counts = by_group.get(str(choice.pk), {})
                    hidden = hide_small and (size < limit or str(choice.pk) not in shown)
                    row = GroupRow(label=choice.label, count=size, hidden=hidden)
                    if not hidden:
                        if question.type == Question.Type.SCALE:
                            row.mean = _mean(group_counts)
                        else:
                            total = group_counts.get("yes", 0) + group_counts.get("no", 0)
                            row.yes_share = group_counts.get("yes", 0) / total if total else None
                    result.groups.append(row)
            results.append(result)
    return {
        "responses": responses,
        "results": results,
        "group_question": group_question,
        "computed_at": summary.computed_at if summary else None,
        "min_group_size": limit,
        "withheld": False,
    }


def response_rate(form: Form, event: Event, responses: int) -> dict:
    """Responses ÷ attendees once attendance is taken, else ÷ confirmed registrations."""
    counts = Registration.objects.filter(event=event).aggregate(
        confirmed=Count("id", filter=Q(status=Registration.Status.CONFIRMED)),
        attended=Count("id", filter=Q(status=Registration.Status.CONFIRMED, attendance="attended")),
        recorded=Count(
            "id",
            filter=Q(status=Registration.Status.CONFIRMED) & ~Q(attendance=Registration.Attendance.UNKNOWN),
        ),
        organizations=Count("organization", filter=Q(status=Registration.Status.CONFIRMED), distinct=True),
    )
    if form.per_organization:
        basis, denominator = "organizations", counts["organizations"]
    elif counts["recorded"]:
        basis, denominator = "attended", counts["attended"]
    else:
        basis, denominator = "confirmed", counts["confirmed"]
    return {
        "basis": basis,
        "denominator": denominator,
        "rate": (responses / denominator) if denominator else None,
    }
