"""The structure of a form (sections, questions, choices), loaded once per page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from surveys.models import Form, Question, Section


@dataclass
class Structure:
    form: Form
    sections: list[Section]
    questions: dict[int, Question]

    @classmethod
    def load(cls, form: Form) -> Structure:
        # Three queries whatever the size of the form: sections, questions, choices.
        sections = list(form.sections.order_by("order", "id"))
        questions = list(
            Question.objects.filter(form=form).order_by("order", "id").prefetch_related("choices")
        )
        by_section = defaultdict(list)
        for q in questions:
            by_section[q.section_id].append(q)
        for s in sections:
            s.question_list = by_section.get(s.pk, [])
        return cls(form=form, sections=sections, questions={q.pk: q for q in questions})

    def group_question(self) -> Question | None:
        return next((q for q in self.questions.values() if q.breakdown), None)
