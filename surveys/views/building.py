"""The organizer's form builder: add a form to an event, its settings, sections and
questions. Views parse input and call one service of surveys.building."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.models import Event
from events.permissions import event_manager_required, event_reader_required
from surveys import (
    building,
)
from surveys.errors import SurveyError
from surveys.forms import FormSettingsForm, QuestionForm, SectionForm, StarterForm
from surveys.models import Answer, Form, Question, Section
from surveys.structure import Structure
from surveys.views.common import form_or_404, require_manager


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
    form = form_or_404(pk)
    require_manager(request, form)
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
    form = form_or_404(pk)
    require_manager(request, form)
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
    form = form_or_404(pk)
    require_manager(request, form)
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
    require_manager(request, form)
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
    require_manager(request, section.form)
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
    require_manager(request, section.form)
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
    require_manager(request, form)
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
    require_manager(request, form)
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
    require_manager(request, question.form)
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
    require_manager(request, question.form)
    offset = -1 if request.POST.get("direction") == "up" else 1
    return _builder_post(
        request,
        question.form,
        lambda: building.move_question(question, by=request.user, offset=offset),
        _("The order was changed."),
    )


@event_reader_required
def event_forms(request, event: Event):
    """The organizer's list of an event's forms (also included on the event page)."""
    return render(request, "surveys/event_forms.html", {"event": event})
