"""Reading answers back for the pages and exports."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from surveys.models import Answer, Question, Submission
from surveys.parsing import format_number
from surveys.structure import Structure


def answers_by_field(submission: Submission | None) -> dict[tuple[int, int], list[Answer]]:
    result: dict[tuple[int, int], list[Answer]] = defaultdict(list)
    if submission is None:
        return result
    for answer in submission.answers.select_related("choice").order_by("question_id", "repeat", "id"):
        result[(answer.question_id, answer.repeat)].append(answer)
    return result


def repeat_counts(structure: Structure, answers: dict[tuple[int, int], list[Answer]]) -> dict[int, int]:
    counts = {}
    for section in structure.sections:
        used = (
            [idx for (qid, idx) in answers if structure.questions[qid].section_id == section.pk]
            if answers
            else []
        )
        counts[section.pk] = max([section.min_repeats if section.repeatable else 1, *[i + 1 for i in used]])
        counts[section.pk] = max(1, min(counts[section.pk], section.repeat_limit))
    return counts


def display_value(question: Question, answers: list[Answer]) -> str:
    """An answer as text for exports and the read-only view."""
    if not answers:
        return ""
    T = Question.Type
    if question.is_choice:
        parts = []
        for a in answers:
            if a.choice_id is None:
                continue
            label = a.choice.label
            parts.append(f"{label}: {a.value_text}" if a.choice.is_other and a.value_text else label)
        return "、".join(parts)
    a = answers[0]
    if question.type == T.YES_NO:
        return _("Yes") if a.value_bool else _("No") if a.value_bool is False else ""
    if question.type == T.FILE:
        return a.file_name
    if question.type in (T.NUMBER, T.INTEGER) and a.value_number is not None:
        return f"{format_number(a.value_number)}{question.unit}"
    if question.type == T.DATE and a.value_date is not None:
        return a.value_date.isoformat()
    return a.value_text
