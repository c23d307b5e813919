"""Pages where a person answers a form: signed in, from a questionnaire link, the preview,
the "sent" page and their uploaded files. Views parse input and call one service."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from audit import services as audit
from events.models import Event
from surveys import (
    answering,
    links,
    parsing,
    selectors,
    tokens,
)
from surveys import files as filekinds
from surveys import permissions as form_permissions
from surveys.errors import SurveyError
from surveys.models import Answer, Form, Question, Submission
from surveys.structure import Structure
from surveys.views.common import event_of_form, events_page, form_or_404, refusal, require_manager


@dataclass
class FieldView:
    question: Question
    name: str
    value: str = ""
    values: set[str] = field(default_factory=set)
    other_text: str = ""
    error: str = ""
    file: Answer | None = None

    @property
    def id(self) -> str:
        return f"id_{self.name}"


@dataclass
class BlockView:
    index: int
    fields: list[FieldView]

    @property
    def number(self) -> int:
        return self.index + 1


def _page_sections(structure: Structure, *, counts, values, errors, files) -> list:
    sections = []
    for section in structure.sections:
        blocks = []
        for index in range(counts.get(section.pk, 1)):
            fields = []
            for q in section.question_list:
                name = parsing.field_name(q, index)
                v = values.get((q.pk, index), {})
                fields.append(
                    FieldView(
                        question=q,
                        name=name,
                        value=v.get("value", ""),
                        values=set(v.get("values", ())),
                        other_text=v.get("other", ""),
                        error=errors.get(name, ""),
                        file=files.get((q.pk, index)),
                    )
                )
            blocks.append(BlockView(index=index, fields=fields))
        section.blocks = blocks
        section.count = len(blocks)
        section.can_add = section.repeatable and len(blocks) < section.repeat_limit
        section.can_remove = section.repeatable and len(blocks) > max(1, section.min_repeats)
        sections.append(section)
    return sections


def _values_from_answers(answers) -> dict:
    values = {}
    for key, rows in answers.items():
        entry = {"value": "", "values": [], "other": ""}
        for a in rows:
            if a.choice_id:
                entry["values"].append(str(a.choice_id))
                if a.choice.is_other:
                    entry["other"] = a.value_text
            else:
                entry["value"] = a.value_text
        values[key] = entry
    return values


def _values_from_parse(parsed) -> dict:
    return {
        (p.question.pk, p.repeat): {"value": p.raw, "values": p.raw_list, "other": p.other_text}
        for p in parsed.items
    }


def _files(answers) -> dict:
    return {key: rows[0] for key, rows in answers.items() if rows and rows[0].file}


def _render_fill(
    request,
    *,
    form,
    event,
    structure,
    submission,
    post_url,
    who=None,
    parsed=None,
    errors=None,
    preview=False,
    status=200,
):
    answers = selectors.answers_by_field(submission)
    if parsed is not None:
        counts, values = parsed.counts, _values_from_parse(parsed)
        # A removed block's files moved with it; show what is now stored.
        files = _files(selectors.answers_by_field(submission)) if submission else {}
    else:
        counts, values, files = (
            selectors.repeat_counts(structure, answers),
            _values_from_answers(answers),
            _files(answers),
        )
    sections = _page_sections(structure, counts=counts, values=values, errors=errors or {}, files=files)
    return render(
        request,
        "surveys/fill.html",
        {
            "form": form,
            "event": event,
            "sections": sections,
            "submission": submission,
            "post_url": post_url,
            "errors": errors or {},
            "preview": preview,
            "who": who,
            "window": form.window_state(event) if event else "open",
            "closes_at": form.closes_for(event) if event else form.closes_at,
            "has_files": any(q.type == Question.Type.FILE for q in structure.questions.values()),
            "upload_limit": settings.SURVEYS_MAX_UPLOAD_MB,
        },
        status=status,
    )


def _fill(request, form: Form, event: Event, who: answering.Respondent_, post_url: str):
    if form.anonymous and answering.has_answered_anonymously(form, event, who.user):
        return render(request, "surveys/thanks.html", {"form": form, "event": event, "already": True})
    submission = answering.existing_submission(form, event, who)
    state = form.window_state(event)
    if state in ("not_yet", "closed"):
        try:
            answering.check_window(form, event)
        except SurveyError as error:
            if submission is not None:
                messages.error(request, str(error))
                return redirect(form.url_for("sent", event))
            return refusal(request, str(error), event=event, form=form)
    if submission is not None and submission.is_submitted and not form.editable_after_submit:
        message = _("This form has already been submitted, and answers cannot be changed.")
        if request.method == "POST":
            return refusal(request, message, event=event, form=form, status=409)
        messages.info(request, message)
        return redirect(form.url_for("sent", event))
    structure = Structure.load(form)
    if request.method != "POST":
        return _render_fill(
            request,
            form=form,
            event=event,
            structure=structure,
            submission=submission,
            post_url=post_url,
            who=who,
        )
    action = request.POST.get("action", "draft")
    try:
        outcome = answering.save_answers(
            form, event=event, who=who, data=request.POST, uploads=request.FILES, action=action
        )
    except SurveyError as error:
        return refusal(request, str(error), event=event, form=form, status=409)
    for notice in outcome.notices:
        messages.warning(request, notice)
    if outcome.submitted:
        if form.anonymous or who.via_token:
            # A mailed link ends with the answers it sent (tokens.read_token): no redirect back to it.
            return render(request, "surveys/thanks.html", {"form": form, "event": event, "already": False})
        messages.success(request, _("Thank you. Your answers have been submitted."))
        return redirect(form.url_for("sent", event))
    if outcome.errors and action == "submit":
        if outcome.saved:
            messages.warning(
                request,
                _("Not submitted yet: some answers need attention. What you typed is kept as a draft."),
            )
        else:
            messages.error(
                request, _("Not submitted: some answers need attention. Nothing has been changed yet.")
            )
    elif outcome.saved and action == "draft" and not outcome.errors:
        messages.success(request, _("Saved as a draft. You can continue later; it is not submitted yet."))
        return redirect(post_url)
    elif outcome.saved and action == "draft":
        messages.warning(request, _("Saved as a draft. Some answers need correcting before you submit."))
    status = 400 if outcome.errors and action == "submit" else 200
    return _render_fill(
        request,
        form=form,
        event=event,
        structure=structure,
        submission=outcome.submission,
        post_url=post_url,
        who=who,
        parsed=outcome.parse,
        errors=outcome.errors,
        status=status,
    )


@login_required
def fill(request, pk: int, event_id: int):
    form = form_or_404(pk)
    event = event_of_form(form, event_id)
    try:
        who = answering.respondent_for(form, event, request.user)
    except SurveyError as error:
        return refusal(request, str(error), event=event, form=form)
    return _fill(request, form, event, who, form.url_for("fill", event))


def answer_token(request, token: str):
    """The questionnaire link in mail: no login needed; the signed token names the registration."""
    if request.method == "POST" and request.POST.get("action") == "new_link":
        try:
            links.request_new_link(token)
        except SurveyError as error:
            return refusal(request, str(error), status=400)
        return render(request, "surveys/link_sent.html", status=200)
    try:
        form, event, registration = tokens.read_token(token)
    except tokens.LinkUsed as error:
        return render(
            request,
            "surveys/refused.html",
            {"message": str(error), "renewable": error.renewable, "token": token},
            status=410,
        )
    except SurveyError as error:
        return refusal(request, str(error), status=400)
    who = answering.respondent_from_registration(form, registration)
    return _fill(request, form, event, who, reverse("surveys:answer_token", args=[token]))


@login_required
def sent(request, pk: int, event_id: int):
    """What I (or my municipality) sent."""
    form = form_or_404(pk)
    event = event_of_form(form, event_id)
    try:
        who = answering.respondent_for(form, event, request.user)
    except SurveyError as error:
        return refusal(request, str(error), event=event, form=form)
    submission = answering.existing_submission(form, event, who)
    answered_anonymously = form.anonymous and answering.has_answered_anonymously(form, event, request.user)
    return render(
        request,
        "surveys/sent.html",
        {
            "form": form,
            "event": event,
            "submission": submission,
            "answered_anonymously": answered_anonymously,
            "sections": read_sections(Structure.load(form), submission),
            "can_edit": form.window_state(event) in ("open", "late")
            and (submission is None or not submission.is_submitted or form.editable_after_submit)
            and not form.anonymous,
        },
    )


def read_sections(structure: Structure, submission: Submission | None) -> list:
    answers = selectors.answers_by_field(submission)
    counts = selectors.repeat_counts(structure, answers)
    sections = []
    for section in structure.sections:
        blocks = []
        for index in range(counts[section.pk]):
            rows = []
            for q in section.question_list:
                found = answers.get((q.pk, index), [])
                rows.append(
                    {
                        "question": q,
                        "text": selectors.display_value(q, found),
                        "file": found[0] if found and found[0].file else None,
                    }
                )
            blocks.append({"number": index + 1, "rows": rows})
        section.blocks = blocks
        sections.append(section)
    return sections


@login_required
def preview(request, pk: int):
    """The form as a participant sees it; posting only validates, nothing is saved."""
    form = form_or_404(pk)
    require_manager(request, form)
    structure = Structure.load(form)
    event = events_page(form)
    parsed = errors = None
    if request.method == "POST":
        action = request.POST.get("action", "draft")
        parsed, _removed = parsing.parse(structure, request.POST, request.FILES, action=action)
        errors = parsed.errors(submitting=action == "submit")
        for notice in parsed.notices:
            messages.warning(request, notice)
        if action == "submit" and not errors:
            messages.success(request, _("Preview: these answers would be accepted. Nothing was saved."))
    return _render_fill(
        request,
        form=form,
        event=event,
        structure=structure,
        submission=None,
        post_url=reverse("surveys:preview", args=[form.pk]),
        parsed=parsed,
        errors=errors,
        preview=True,
    )


@login_required
def download_file(request, answer_id: int):
    answer = get_object_or_404(
        Answer.objects.select_related(
            "submission__form__event", "submission__form__series", "submission__event"
        ),
        pk=answer_id,
    )
    submission = answer.submission
    allowed = form_permissions.can_read_results(request.user, submission.form)
    if not allowed and not submission.form.anonymous:
        try:
            who = answering.respondent_for(submission.form, submission.event, request.user)
            mine = answering.existing_submission(submission.form, submission.event, who)
            allowed = mine is not None and mine.pk == submission.pk
        except SurveyError:
            allowed = False
    if not allowed or not answer.file:
        raise Http404
    try:
        handle = answer.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit.record(
        actor=request.user,
        action="download.sheet_file",
        target=answer,
        target_label=answer.file_name,
        event=submission.event_id,
        organization=submission.organization_id,
        details={"form": submission.form.title, "submission": submission.pk},
    )
    # Served as what the content is (type and extension found when it was uploaded), as a
    # download, never rendered inline; nosniff comes from SECURE_CONTENT_TYPE_NOSNIFF.
    kind = filekinds.stored_kind(answer.file.name, answer.file_type)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filekinds.download_name(answer.file_name or "", kind.extension),
        content_type=kind.mime,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
