"""All submissions of a form for one session: XLSX (repeating blocks on their own
sheet), CSV (blocks spread over columns), and the uploaded files as one ZIP.

Rows are built with a fixed number of queries: submissions, then all their answers.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections import defaultdict

from django.utils.translation import gettext as _

from core import exports
from core.dates import format_datetime
from events.models import Event
from surveys import anonymity
from surveys import files as filekinds
from surveys.models import Answer, Form, Submission
from surveys.selectors import display_value
from surveys.structure import Structure


def _submissions(form: Form, event: Event) -> list[Submission]:
    qs = Submission.objects.filter(form=form, event=event).select_related("user", "organization")
    if form.anonymous:
        # Released responses only, in the written answers' order: random, fixed per form.
        released = qs.filter(status=Submission.Status.SUBMITTED, in_results=True)
        return list(anonymity.shuffled(released, form, submission_field="id"))
    if form.per_organization:
        return list(qs.order_by("organization__name", "id"))
    return list(qs.order_by("user__full_name_kana", "user__email"))


def _answers(submissions: list[Submission]) -> dict:
    grouped: dict = defaultdict(list)
    for answer in (
        Answer.objects.filter(submission__in=submissions)
        .select_related("choice")
        .order_by("question_id", "repeat", "choice__order", "id")
    ):
        grouped[(answer.submission_id, answer.question_id, answer.repeat)].append(answer)
    return grouped


def _who_header(form: Form) -> list[str]:
    header = [_("No.")]
    if form.per_organization:
        header += [_("Organization"), _("Last edited by")]
    elif not form.anonymous:
        header += [_("Name"), _("Email")]
    if not form.anonymous:
        # An anonymous export has no respondent column and no time (surveys.anonymity).
        header += [_("Status"), _("Submitted at")]
    return header


def _who(form: Form, number: int, s: Submission) -> list:
    row: list = [number]
    if form.per_organization:
        row += [s.organization.display_name if s.organization else "", str(s.updated_by or "")]
    elif not form.anonymous:
        row += [s.user.full_name if s.user else "", s.user.email if s.user else ""]
    if not form.anonymous:
        row += [s.get_status_display(), format_datetime(s.submitted_at) if s.submitted_at else ""]
    return row


def _block_counts(structure: Structure, answers: dict) -> dict[int, int]:
    """The largest number of blocks any submission used, per repeating section."""
    counts = {s.pk: 1 for s in structure.sections}
    for _sid, qid, index in answers:
        question = structure.questions.get(qid)
        if question is not None:
            counts[question.section_id] = max(counts[question.section_id], index + 1)
    return counts


def sheets(form: Form, event: Event) -> list[tuple[str, list[str], list[list]]]:
    structure = Structure.load(form)
    submissions = _submissions(form, event)
    answers = _answers(submissions)
    single = [s for s in structure.sections if not s.repeatable]
    repeating = [s for s in structure.sections if s.repeatable]
    main_questions = [q for s in single for q in s.question_list]
    header = _who_header(form) + [q.label + (f"（{q.unit}）" if q.unit else "") for q in main_questions]
    rows = []
    for number, s in enumerate(submissions, start=1):
        rows.append(
            _who(form, number, s)
            + [display_value(q, answers.get((s.pk, q.pk, 0), [])) for q in main_questions]
        )
    result = [(_("Answers"), header, rows)]
    for section in repeating:
        block_header = [_("No."), _("Block")] + [q.label for q in section.question_list]
        block_rows = []
        for number, s in enumerate(submissions, start=1):
            used = sorted(
                {
                    idx
                    for (sid, qid, idx) in answers
                    if sid == s.pk and structure.questions[qid].section_id == section.pk
                }
            )
            for index in used:
                block_rows.append(
                    [number, index + 1]
                    + [display_value(q, answers.get((s.pk, q.pk, index), [])) for q in section.question_list]
                )
        result.append((section.title, block_header, block_rows))
    return result


def csv_table(form: Form, event: Event) -> tuple[list[str], list[list]]:
    """One row per submission; a repeating block's questions repeat as 事例1: …, 事例2: …"""
    structure = Structure.load(form)
    submissions = _submissions(form, event)
    answers = _answers(submissions)
    counts = _block_counts(structure, answers)
    columns = []
    for section in structure.sections:
        for index in range(counts[section.pk] if section.repeatable else 1):
            for q in section.question_list:
                title = f"{section.title}{index + 1}: {q.label}" if section.repeatable else q.label
                columns.append((title + (f"（{q.unit}）" if q.unit else ""), q, index))
    header = _who_header(form) + [c[0] for c in columns]
    rows = [
        _who(form, number, s)
        + [display_value(q, answers.get((s.pk, q.pk, idx), [])) for _t, q, idx in columns]
        for number, s in enumerate(submissions, start=1)
    ]
    return header, rows


def files_zip(form: Form, event: Event):
    """A temporary file holding every uploaded file, in folders per respondent."""
    submissions = _submissions(form, event)
    numbers = {s.pk: n for n, s in enumerate(submissions, start=1)}
    names = {}
    for s in submissions:
        if form.per_organization and s.organization:
            names[s.pk] = s.organization.name
        elif s.user and not form.anonymous:
            names[s.pk] = s.user.full_name or s.user.email
        else:
            names[s.pk] = ""
    # Handed to FileResponse, which closes it after streaming.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        uploads = (
            Answer.objects.filter(submission__in=submissions, question__type="file")
            .exclude(file="")
            .select_related("question")
            .order_by("question__order", "repeat")
        )
        for answer in uploads:
            number = numbers[answer.submission_id]
            folder = f"{number:03d}_{filekinds.safe_component(names[answer.submission_id])}".rstrip("_")
            # Named after what the content is: a PDF uploaded as 組織図.bat is 組織図.pdf here.
            kind = filekinds.stored_kind(answer.file.name, answer.file_type)
            original = filekinds.download_name(answer.file_name or "", kind.extension)
            label = filekinds.safe_component(answer.question.label, limit=40)
            block = f"_{answer.repeat + 1}" if answer.repeat else ""
            try:
                with answer.file.open("rb") as handle:
                    archive.writestr(f"{folder}/{label}{block}_{original}", handle.read())
            except FileNotFoundError:
                continue
    out.seek(0)
    return out


def xlsx_response(form: Form, event: Event):
    return exports.xlsx_response(f"{form.title}_{event.starts_at:%Y%m%d}.xlsx", sheets(form, event))


def csv_response(form: Form, event: Event):
    header, rows = csv_table(form, event)
    return exports.csv_response(f"{form.title}_{event.starts_at:%Y%m%d}.csv", header, rows)
