"""Pages of the form engine. Views parse input and call one service."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from accounts.models import Organization
from audit import services as audit
from core.dates import format_datetime
from events.models import Event, ParticipatingOrganization, Registration
from events.permissions import event_manager_required, event_reader_required
from surveys import (
    anonymity,
    answering,
    building,
    exports,
    links,
    parsing,
    results,
    selectors,
    tokens,
)
from surveys import files as filekinds
from surveys import permissions as form_permissions
from surveys.aggregation import aggregate_now
from surveys.errors import SurveyError
from surveys.forms import FormSettingsForm, QuestionForm, SectionForm, StarterForm
from surveys.models import Answer, Form, Question, Respondent, Section, Submission, Summary
from surveys.structure import Structure

# --- helpers -----------------------------------------------------------------------------------


def _form(pk: int) -> Form:
    return get_object_or_404(Form.objects.select_related("event", "series"), pk=pk)


def _event(form: Form, event_id: int) -> Event:
    event = get_object_or_404(Event, pk=event_id)
    if not form.applies_to(event):
        raise Http404
    return event


def _require_manager(request, form: Form) -> None:
    if not form_permissions.can_manage_form(request.user, form):
        raise PermissionDenied


def _require_reader(request, form: Form) -> None:
    if not form_permissions.can_read_results(request.user, form):
        raise PermissionDenied


def _refusal(
    request, message: str, *, event: Event | None = None, form: Form | None = None, status: int = 403
):
    return render(
        request, "surveys/refused.html", {"message": message, "event": event, "form": form}, status=status
    )


def _events_page(form: Form) -> Event | None:
    return form.event if form.event_id else form.events().order_by("starts_at").first()


# --- the answer page, shared by login, token and preview ------------------------------------


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
            return _refusal(request, str(error), event=event, form=form)
    if submission is not None and submission.is_submitted and not form.editable_after_submit:
        message = _("This form has already been submitted, and answers cannot be changed.")
        if request.method == "POST":
            return _refusal(request, message, event=event, form=form, status=409)
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
        return _refusal(request, str(error), event=event, form=form, status=409)
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
    form = _form(pk)
    event = _event(form, event_id)
    try:
        who = answering.respondent_for(form, event, request.user)
    except SurveyError as error:
        return _refusal(request, str(error), event=event, form=form)
    return _fill(request, form, event, who, form.url_for("fill", event))


def answer_token(request, token: str):
    """The questionnaire link in mail: no login needed; the signed token names the registration."""
    if request.method == "POST" and request.POST.get("action") == "new_link":
        try:
            links.request_new_link(token)
        except SurveyError as error:
            return _refusal(request, str(error), status=400)
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
        return _refusal(request, str(error), status=400)
    who = answering.respondent_from_registration(form, registration)
    return _fill(request, form, event, who, reverse("surveys:answer_token", args=[token]))


@login_required
def sent(request, pk: int, event_id: int):
    """What I (or my municipality) sent."""
    form = _form(pk)
    event = _event(form, event_id)
    try:
        who = answering.respondent_for(form, event, request.user)
    except SurveyError as error:
        return _refusal(request, str(error), event=event, form=form)
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
            "sections": _read_sections(Structure.load(form), submission),
            "can_edit": form.window_state(event) in ("open", "late")
            and (submission is None or not submission.is_submitted or form.editable_after_submit)
            and not form.anonymous,
        },
    )


def _read_sections(structure: Structure, submission: Submission | None) -> list:
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
    form = _form(pk)
    _require_manager(request, form)
    structure = Structure.load(form)
    event = _events_page(form)
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


# --- building ----------------------------------------------------------------------------------


@event_manager_required
def add_form(request, event: Event):
    chooser = StarterForm(request.POST or None)
    if request.method == "POST" and chooser.is_valid():
        whole_series = bool(request.POST.get("whole_series")) and event.series_id
        try:
            form = building.create_from_starter(
                by=request.user,
                starter=chooser.cleaned_data["starter"],
                event=None if whole_series else event,
                series=event.series if whole_series else None,
            )
        except SurveyError as error:
            chooser.add_error(None, str(error))
        else:
            messages.success(request, _("The form was added. Change it below, then check the preview."))
            return redirect(form.get_absolute_url())
    return render(request, "surveys/add.html", {"event": event, "chooser": chooser})


@login_required
def builder(request, pk: int):
    form = _form(pk)
    _require_manager(request, form)
    structure = Structure.load(form)
    answered = dict(
        # Released answers only: an anonymous response's answers are counted nowhere
        # before its batch is released (surveys.anonymity).
        Answer.objects.filter(question__form=form, submission__in_results=True)
        .values_list("question_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for q in structure.questions.values():
        q.answer_count = answered.get(q.pk, 0)
    events = list(form.events().order_by("starts_at"))
    return render(
        request,
        "surveys/builder.html",
        {
            "form": form,
            "sections": structure.sections,
            "events": events,
            "has_answers": bool(answered) or form.respondents.exists(),
            "types": Question.Type,
        },
    )


def _builder_post(request, form: Form, call, success: str):
    try:
        call()
    except SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(form.get_absolute_url())


def _save_edit(request, form: Form, edit, save, done: str):
    """A builder page's POST: save through the service and go back to the builder, or
    return None so the page is shown again with the errors beside the fields."""
    if request.method != "POST" or not edit.is_valid():
        return None
    try:
        save()
    except SurveyError as error:
        edit.add_error(None, str(error))
        return None
    messages.success(request, done)
    return redirect(form.get_absolute_url())


def _question_service_args(edit: QuestionForm) -> dict:
    data, lines = edit.service_data()
    return {"data": data, "choices": lines}


@login_required
def form_settings(request, pk: int):
    form = _form(pk)
    _require_manager(request, form)
    settings_form = FormSettingsForm(request.POST or None, instance=Form.objects.get(pk=form.pk))
    saved = _save_edit(
        request,
        form,
        settings_form,
        lambda: building.update_form(form, by=request.user, data=settings_form.cleaned_data),
        _("The form settings were saved."),
    )
    if saved:
        return saved
    return render(
        request,
        "surveys/edit.html",
        {"form_obj": form, "edit_form": settings_form, "heading": _("Form settings")},
    )


@login_required
def section_add(request, pk: int):
    form = _form(pk)
    _require_manager(request, form)
    edit = SectionForm(request.POST or None)
    saved = _save_edit(
        request,
        form,
        edit,
        lambda: building.add_section(form, by=request.user, data=edit.cleaned_data),
        _("The section was added."),
    )
    if saved:
        return saved
    return render(
        request, "surveys/edit.html", {"form_obj": form, "edit_form": edit, "heading": _("Add a section")}
    )


@login_required
def section_edit(request, section_id: int):
    section = get_object_or_404(Section.objects.select_related("form__event", "form__series"), pk=section_id)
    form = section.form
    _require_manager(request, form)
    edit = SectionForm(request.POST or None, instance=Section.objects.get(pk=section.pk))
    saved = _save_edit(
        request,
        form,
        edit,
        lambda: building.update_section(section, by=request.user, data=edit.cleaned_data),
        _("The section was saved."),
    )
    if saved:
        return saved
    return render(
        request, "surveys/edit.html", {"form_obj": form, "edit_form": edit, "heading": _("Edit the section")}
    )


def _confirm_delete(request, form, *, what: str, name: str):
    """Deleting asks on a page of its own first (no JavaScript); None once confirmed."""
    if request.method == "POST" and "confirm" in request.POST:
        return None
    return render(
        request,
        "surveys/confirm_delete.html",
        {"form_obj": form, "what": what, "name": name, "back": reverse("surveys:builder", args=[form.pk])},
    )


@login_required
def section_delete(request, section_id: int):
    section = get_object_or_404(Section.objects.select_related("form__event", "form__series"), pk=section_id)
    _require_manager(request, section.form)
    asking = _confirm_delete(request, section.form, what=_("the section"), name=section.title)
    if asking is not None:
        return asking
    return _builder_post(
        request,
        section.form,
        lambda: building.delete_section(section, by=request.user),
        _("The section was deleted."),
    )


@login_required
@require_POST
def section_move(request, section_id: int):
    section = get_object_or_404(Section.objects.select_related("form__event", "form__series"), pk=section_id)
    _require_manager(request, section.form)
    offset = -1 if request.POST.get("direction") == "up" else 1
    return _builder_post(
        request,
        section.form,
        lambda: building.move_section(section, by=request.user, offset=offset),
        _("The order was changed."),
    )


def _question_page(request, form: Form, edit: QuestionForm, heading: str, question: Question | None = None):
    return render(
        request,
        "surveys/question_edit.html",
        {"form_obj": form, "edit_form": edit, "heading": heading, "question": question},
    )


@login_required
def question_add(request, section_id: int):
    section = get_object_or_404(Section.objects.select_related("form__event", "form__series"), pk=section_id)
    form = section.form
    _require_manager(request, form)
    edit = QuestionForm(request.POST or None)
    saved = _save_edit(
        request,
        form,
        edit,
        lambda: building.add_question(section, by=request.user, **_question_service_args(edit)),
        _("The question was added."),
    )
    if saved:
        return saved
    return _question_page(
        request, form, edit, _("Add a question to “%(section)s”") % {"section": section.title}
    )


@login_required
def question_edit(request, question_id: int):
    question = get_object_or_404(
        Question.objects.select_related("form__event", "form__series"), pk=question_id
    )
    form = question.form
    _require_manager(request, form)
    edit = QuestionForm(request.POST or None, instance=Question.objects.get(pk=question.pk))
    saved = _save_edit(
        request,
        form,
        edit,
        lambda: building.update_question(question, by=request.user, **_question_service_args(edit)),
        _("The question was saved."),
    )
    if saved:
        return saved
    question.answer_count = question.answers.count()
    return _question_page(request, form, edit, _("Edit the question"), question)


@login_required
def question_delete(request, question_id: int):
    question = get_object_or_404(
        Question.objects.select_related("form__event", "form__series"), pk=question_id
    )
    _require_manager(request, question.form)
    asking = _confirm_delete(request, question.form, what=_("the question"), name=question.label)
    if asking is not None:
        return asking
    return _builder_post(
        request,
        question.form,
        lambda: building.delete_question(question, by=request.user),
        _("The question was deleted."),
    )


@login_required
@require_POST
def question_move(request, question_id: int):
    question = get_object_or_404(
        Question.objects.select_related("form__event", "form__series"), pk=question_id
    )
    _require_manager(request, question.form)
    offset = -1 if request.POST.get("direction") == "up" else 1
    return _builder_post(
        request,
        question.form,
        lambda: building.move_question(question, by=request.user, offset=offset),
        _("The order was changed."),
    )


# --- organizers: who has answered, each submission, exports ---------------------------------


def _org_roots() -> dict[int, Organization]:
    return Organization.objects.root_map()


@login_required
def status(request, pk: int, event_id: int):
    form = _form(pk)
    event = _event(form, event_id)
    _require_reader(request, form)
    registrations = list(
        Registration.objects.confirmed()
        .filter(event=event)
        .select_related("user", "organization")
        .order_by("user__full_name_kana", "user__email")
    )
    rows = []
    if form.per_organization:
        roots = _org_roots()
        by_org: dict[int, dict] = {}
        for po in ParticipatingOrganization.objects.filter(event=event).order_by("order", "id"):
            root = roots.get(po.organization_id)
            if root is not None:
                by_org.setdefault(root.pk, {"organization": root, "people": []})
        for r in registrations:
            root = roots.get(r.organization_id) if r.organization_id else None
            if root is not None:
                by_org.setdefault(root.pk, {"organization": root, "people": []})["people"].append(r.user)
        submissions = {
            s.organization_id: s
            for s in Submission.objects.filter(form=form, event=event).select_related("updated_by")
        }
        for org_id, entry in by_org.items():
            s = submissions.get(org_id)
            rows.append(
                {
                    "organization": entry["organization"],
                    "people": entry["people"],
                    "submission": s,
                    "state": s.status if s else "none",
                }
            )
    elif form.anonymous:
        answered = set(Respondent.objects.filter(form=form, event=event).values_list("user_id", flat=True))
        if len(answered) < form.min_responses:
            # Only a count until k have answered (surveys.anonymity).
            counts = {"none": len(registrations) - len(answered), "draft": 0, "submitted": len(answered)}
            return render(
                request,
                "surveys/status.html",
                {
                    "form": form,
                    "event": event,
                    "rows": [],
                    "counts": counts,
                    "total": len(registrations),
                    "names_withheld": True,
                },
            )
        for r in registrations:
            rows.append(
                {
                    "registration": r,
                    "submission": None,
                    "state": "submitted" if r.user_id in answered else "none",
                }
            )
    else:
        submissions = {s.user_id: s for s in Submission.objects.filter(form=form, event=event)}
        for r in registrations:
            s = submissions.get(r.user_id)
            rows.append({"registration": r, "submission": s, "state": s.status if s else "none"})
    counts = {"none": 0, "draft": 0, "submitted": 0}
    for row in rows:
        counts[row["state"]] += 1
    return render(
        request,
        "surveys/status.html",
        {"form": form, "event": event, "rows": rows, "counts": counts, "total": len(rows)},
    )


@login_required
def submission_detail(request, submission_id):
    submission = get_object_or_404(
        Submission.objects.select_related(
            "form__event", "form__series", "event", "user", "organization", "updated_by"
        ),
        pk=submission_id,
    )
    form = submission.form
    _require_reader(request, form)
    if form.anonymous:
        raise Http404  # one anonymous response is never shown on its own
    return render(
        request,
        "surveys/submission.html",
        {
            "form": form,
            "event": submission.event,
            "submission": submission,
            "sections": _read_sections(Structure.load(form), submission),
        },
    )


def _withheld(request, form: Form, event: Event):
    """An anonymous form's export before any responses were released: refused, with why."""
    if not form.anonymous or Submission.objects.filter(form=form, event=event, in_results=True).exists():
        return None
    return _refusal(
        request,
        anonymity_message(form, event),
        event=event,
        form=form,
        status=409,
    )


def anonymity_message(form: Form, event: Event) -> str:
    if form.results_release == Form.Release.STEPS:
        return _(
            "This questionnaire is anonymous: its answers show once at least %(k)s people have "
            "answered, and then change only when at least %(k)s more have."
        ) % {"k": form.min_responses}
    return _(
        "This questionnaire is anonymous: its answers show after it closes (%(date)s), and only "
        "if at least %(k)s people have answered."
    ) % {"k": form.min_responses, "date": format_datetime(form.closes_for(event))}


def _audit_export(request, form, event, fmt: str) -> None:
    audit.record(
        actor=request.user, action="export.form_answers", target=form, event=event, details={"format": fmt}
    )


@login_required
def export_xlsx(request, pk: int, event_id: int):
    form = _form(pk)
    event = _event(form, event_id)
    _require_reader(request, form)
    if withheld := _withheld(request, form, event):
        return withheld
    _audit_export(request, form, event, "xlsx")
    return exports.xlsx_response(form, event)


@login_required
def export_csv(request, pk: int, event_id: int):
    form = _form(pk)
    event = _event(form, event_id)
    _require_reader(request, form)
    if withheld := _withheld(request, form, event):
        return withheld
    _audit_export(request, form, event, "csv")
    return exports.csv_response(form, event)


@login_required
def export_files(request, pk: int, event_id: int):
    form = _form(pk)
    event = _event(form, event_id)
    _require_reader(request, form)
    if form.anonymous:
        return _refusal(request, _("An anonymous questionnaire has no files."), event=event, form=form)
    archive = exports.files_zip(form, event)
    _audit_export(request, form, event, "zip")
    return FileResponse(
        archive, as_attachment=True, filename=f"{form.title}_{event.starts_at:%Y%m%d}_files.zip"
    )


# --- results -----------------------------------------------------------------------------------


@login_required
def results_page(request, pk: int, event_id: int):
    form = _form(pk)
    event = _event(form, event_id)
    _require_reader(request, form)
    structure = Structure.load(form)
    summary = Summary.objects.filter(form=form, event=event).first()
    context = results.build(form, summary, structure)
    context["rate"] = results.response_rate(form, event, context["responses"])
    context["can_recalculate"] = form_permissions.can_manage_form(request.user, form) and not form.anonymous
    # Free text: listed and searchable, a page at a time.
    query = (request.GET.get("q") or "").strip()[:100]
    text_ids = [q.pk for q in structure.questions.values() if q.is_text]
    other_ids = [
        c.pk for q in structure.questions.values() if q.is_choice for c in q.choices.all() if c.is_other
    ]
    texts = (
        Answer.objects.filter(
            submission__form=form,
            submission__event=event,
            submission__status=Submission.Status.SUBMITTED,
            submission__in_results=True,
        )
        .filter(Q(question_id__in=text_ids) | Q(choice_id__in=other_ids))
        .exclude(value_text="")
    )
    if query:
        texts = texts.filter(value_text__icontains=query)
    if form.anonymous:
        if context["withheld"]:
            texts = texts.none()
        # A random order fixed per form, never the order of arrival (surveys.anonymity).
        texts = anonymity.shuffled(texts, form).values_list("question_id", "value_text")
    else:
        texts = texts.order_by("question_id", "id").values_list("question_id", "value_text")
    page = Paginator(texts, 30).get_page(request.GET.get("page"))
    text_rows = [(structure.questions[qid], text) for qid, text in page.object_list]
    context.update(
        {
            "form": form,
            "event": event,
            "query": query,
            "text_page": page,
            "text_rows": text_rows,
            "can_manage": form_permissions.can_manage_form(request.user, form),
            "anonymity_message": anonymity_message(form, event) if form.anonymous else "",
        }
    )
    return render(request, "surveys/results.html", context)


@login_required
@require_POST
def refresh(request, pk: int, event_id: int):
    """On demand: recompute now (the organizer is waiting for it)."""
    form = _form(pk)
    event = _event(form, event_id)
    _require_manager(request, form)
    if form.anonymous:
        # No recalculation on demand: it would let a reader see one response arrive.
        return _refusal(request, anonymity_message(form, event), event=event, form=form)
    aggregate_now(form, event)
    messages.success(request, _("The results were recalculated."))
    return redirect(form.url_for("results", event))


@login_required
def compare(request, pk: int):
    """第1回 vs 第2回, or any chosen sessions using the same template, side by side."""
    form = _form(pk)
    _require_reader(request, form)
    candidates = Form.objects.filter(kind=form.kind).select_related("event", "series")
    candidates = candidates.filter(starter=form.starter) if form.starter else candidates.filter(pk=form.pk)
    if not permissions.can_read_across_organizations(request.user):
        orgs = permissions.organizer_org_ids(request.user)
        candidates = candidates.filter(Q(event__hosts__in=orgs) | Q(series__hosts__in=orgs)).distinct()
    candidates = list(candidates.order_by("id")[:200])
    series_ids = [f.series_id for f in candidates if f.series_id]
    series_events: dict[int, list[Event]] = {}
    for e in (
        Event.objects.filter(series_id__in=series_ids)
        .exclude(status=Event.Status.DRAFT)
        .order_by("starts_at")
    ):
        series_events.setdefault(e.series_id, []).append(e)
    pairs = []
    for f in candidates:
        for e in [f.event] if f.event_id else series_events.get(f.series_id, []):
            pairs.append((f, e))
    pairs.sort(key=lambda fe: fe[1].starts_at)
    chosen = set(request.GET.getlist("pair"))
    if not chosen:
        same = [
            p
            for p in pairs
            if (form.series_id and p[0].pk == form.pk)
            or (form.event_id and form.event.series_id and p[1].series_id == form.event.series_id)
            or p[0].pk == form.pk
        ]
        chosen = {f"{f.pk}-{e.pk}" for f, e in same}
    selected = [(f, e) for f, e in pairs if f"{f.pk}-{e.pk}" in chosen][:8]
    summaries = {}
    if selected:
        condition = Q()
        for f, e in selected:
            condition |= Q(form_id=f.pk, event_id=e.pk)
        summaries = {(s.form_id, s.event_id): s for s in Summary.objects.filter(condition)}
    questions = {}
    for q in Question.objects.filter(form__in={f.pk for f, _e in selected}).prefetch_related("choices"):
        questions[(q.form_id, q.key)] = q
    base = Structure.load(form)
    limit = results.min_group_size()
    rows = []
    for section in base.sections:
        for q in section.question_list:
            if q.type not in (
                Question.Type.SCALE,
                Question.Type.YES_NO,
                Question.Type.SINGLE_CHOICE,
                Question.Type.MULTIPLE_CHOICE,
            ):
                continue
            cells = []
            for f, e in selected:
                summary = summaries.get((f.pk, e.pk))
                other = questions.get((f.pk, q.key))
                responses = summary.responses if summary else 0
                if other is not None and f.anonymous and responses < max(limit, f.min_responses):
                    cells.append({"hidden": True, "n": responses})
                    continue
                if other is None or summary is None:
                    cells.append({"missing": True})
                    continue
                entry = summary.data.get("questions", {}).get(str(other.pk), {})
                counts, answered = entry.get("counts", {}), entry.get("answered", 0)
                if q.type == Question.Type.SCALE:
                    cells.append({"mean": entry.get("mean"), "n": answered})
                elif q.type == Question.Type.YES_NO:
                    total = counts.get("yes", 0) + counts.get("no", 0)
                    cells.append({"share": counts.get("yes", 0) / total if total else None, "n": total})
                else:
                    labels = {str(c.pk): c.label for c in other.choices.all()}
                    denominator = responses if q.type == Question.Type.MULTIPLE_CHOICE else answered
                    top = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
                    cells.append(
                        {
                            "top": [
                                (labels.get(k, "?"), n / denominator if denominator else None) for k, n in top
                            ],
                            "n": answered,
                        }
                    )
            rows.append({"question": q, "cells": cells})
    chart = {
        "labels": [r["question"].label[:30] for r in rows if r["question"].type == Question.Type.SCALE],
        "series": [
            {
                "label": str(e),
                "values": [
                    c.get("mean")
                    for r, c in ((r, r["cells"][i]) for r in rows)
                    if r["question"].type == Question.Type.SCALE
                ],
            }
            for i, (_f, e) in enumerate(selected)
        ],
    }
    return render(
        request,
        "surveys/compare.html",
        {
            "form": form,
            "pair_rows": [
                {"form": f, "event": e, "key": f"{f.pk}-{e.pk}", "checked": f"{f.pk}-{e.pk}" in chosen}
                for f, e in pairs
            ],
            "selected": selected,
            "responses": [
                summaries.get((f.pk, e.pk)).responses if summaries.get((f.pk, e.pk)) else 0
                for f, e in selected
            ],
            "rows": rows,
            "chart": chart,
            "min_group_size": limit,
        },
    )


@event_reader_required
def event_forms(request, event: Event):
    """The organizer's list of an event's forms (also included on the event page)."""
    return render(request, "surveys/event_forms.html", {"event": event})
