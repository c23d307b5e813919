"""Building a form: an organizer adds one of the casebook's templates and changes it.

Each public function is one transaction. Changes that would corrupt answers already given
(deleting an answered question or choice, changing its type) are refused with a message
saying why; wording, help text, required flags, limits and order may change at any time.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from events.models import Event, EventSeries
from surveys import anonymity
from surveys.errors import SurveyError
from surveys.models import Answer, Choice, Form, Question, Section
from surveys.permissions import can_manage_form, require_manager
from surveys.starters import OTHER_LABEL, STARTERS


def _lock_form(form: Form) -> Form:
    # Builder edits on one form are serialised, so two organizers editing at once
    # cannot both pass the "no answers yet" check and then race.
    return Form.objects.select_for_update().get(pk=form.pk)


def create_from_starter(
    *, by: User, starter: str, event: Event | None = None, series: EventSeries | None = None
) -> Form:
    """An organizer adds one of the casebook's forms to their event or series."""
    if starter not in STARTERS:
        raise SurveyError(_("Choose one of the templates."))
    if (event is None) == (series is None):
        raise SurveyError(_("A form belongs to one event or to one series."))
    if not can_manage_form(by, Form(event=event, series=series)):
        raise PermissionDenied
    return build_from_starter(starter=starter, event=event, series=series, created_by=by)


def build_from_starter(
    *,
    starter: str,
    event: Event | None = None,
    series: EventSeries | None = None,
    created_by: User | None = None,
) -> Form:
    """Copy a template into a new form. No permission check: for trusted callers (demo data)."""
    spec = STARTERS[starter]
    with transaction.atomic():
        form = Form.objects.create(
            event=event,
            series=series,
            kind=spec.kind,
            title=spec.title,
            instructions=spec.instructions,
            starter=spec.key,
            respondent=spec.respondent,
            anonymous=spec.anonymous,
            default_due=spec.due,
            created_by=created_by,
        )
        for s_order, s in enumerate(spec.sections):
            section = Section.objects.create(
                form=form,
                title=s.title,
                description=s.description,
                order=s_order,
                repeatable=s.repeatable,
                min_repeats=s.min_repeats,
                max_repeats=s.max_repeats,
            )
            for q_order, q in enumerate(s.questions):
                question = Question.objects.create(
                    form=form,
                    section=section,
                    key=q.key,
                    label=q.label,
                    help_text=q.help_text,
                    type=q.type,
                    required=q.required,
                    order=q_order,
                    unit=q.unit,
                    min_value=q.min_value,
                    max_value=q.max_value,
                    scale_min_label=q.low,
                    scale_max_label=q.high,
                    breakdown=q.breakdown,
                )
                choices = [
                    Choice(question=question, label=label, order=i) for i, label in enumerate(q.choices)
                ]
                if q.other:
                    choices.append(
                        Choice(question=question, label=OTHER_LABEL, order=len(choices), is_other=True)
                    )
                Choice.objects.bulk_create(choices)
        return form


FORM_FIELDS = (
    "title",
    "instructions",
    "respondent",
    "anonymous",
    "opens_at",
    "closes_at",
    "default_due",
    "editable_after_submit",
    "allow_late",
    "min_responses",
    "results_release",
    "share_with_group",
)


def update_form(form: Form, *, by: User, data: dict) -> Form:
    with transaction.atomic():
        locked = _lock_form(form)
        require_manager(by, locked)
        has_answers = locked.submissions.exists() or locked.respondents.exists()
        for name in ("respondent", "anonymous"):
            if name in data and data[name] != getattr(locked, name) and has_answers:
                raise SurveyError(
                    _(
                        "Answers have already been received, so who answers and whether the form is "
                        "anonymous can no longer change. Add a new form instead."
                    )
                )
        for name in ("min_responses", "results_release"):
            if name in data and data[name] != getattr(locked, name) and has_answers and locked.anonymous:
                # Lowering k, or moving from steps to a breakdown at the close, would let a
                # reader difference what was shown before against what shows after.
                raise SurveyError(
                    _(
                        "Answers have already been received, so when this anonymous questionnaire's "
                        "results show can no longer change."
                    )
                )
        for name in FORM_FIELDS:
            if name in data:
                setattr(locked, name, data[name])
        if locked.share_with_group and locked.kind != Form.Kind.PREWORK:
            raise SurveyError(_("Only pre-work sheets can be shared within breakout groups."))
        if locked.anonymous and (locked.kind != Form.Kind.QUESTIONNAIRE or locked.per_organization):
            raise SurveyError(_("Only questionnaires answered by each person can be anonymous."))
        try:
            locked.min_responses = anonymity.validate_k(locked.min_responses)
        except ValueError as error:
            raise SurveyError(str(error)) from None
        if locked.anonymous and locked.questions.filter(type=Question.Type.FILE).exists():
            raise SurveyError(_(FILE_ON_ANONYMOUS))
        if locked.opens_at and locked.closes_at and locked.closes_at <= locked.opens_at:
            raise SurveyError(_("The due date must come after the opening date."))
        locked.save()
        form.__dict__.update(locked.__dict__)
        return locked


def _next_order(queryset) -> int:
    value = queryset.aggregate(m=Max("order"))["m"]
    return 0 if value is None else value + 1


def _check_repeats(data: dict) -> None:
    if data.get("repeatable"):
        low, high = data.get("min_repeats") or 1, data.get("max_repeats") or 1
        if high < 1 or high < low:
            raise SurveyError(_("“At most” must be at least 1 and not less than “at least”."))
    else:
        data["min_repeats"] = data["max_repeats"] = 1


def add_section(form: Form, *, by: User, data: dict) -> Section:
    with transaction.atomic():
        locked = _lock_form(form)
        require_manager(by, locked)
        data = dict(data)
        _check_repeats(data)
        return Section.objects.create(form=locked, order=_next_order(locked.sections), **data)


def update_section(section: Section, *, by: User, data: dict) -> Section:
    with transaction.atomic():
        _lock_form(section.form)
        require_manager(by, section.form)
        data = dict(data)
        _check_repeats(data)
        used = Answer.objects.filter(question__section=section).aggregate(m=Max("repeat"))["m"]
        if used is not None and used + 1 > data["max_repeats"]:
            raise SurveyError(
                _(
                    "Some answers already have %(count)s blocks in this section, so the limit "
                    "cannot go below %(count)s."
                )
                % {"count": used + 1}
            )
        for name, value in data.items():
            setattr(section, name, value)
        section.save()
        return section


def delete_section(section: Section, *, by: User) -> None:
    with transaction.atomic():
        _lock_form(section.form)
        require_manager(by, section.form)
        if Answer.objects.filter(question__section=section).exists():
            raise SurveyError(
                _("This section already has answers, so it cannot be deleted. Change its wording instead.")
            )
        section.delete()


def _unique_key(form: Form, label: str) -> str:
    base = slugify(label)[:40] or "q"
    taken = set(form.questions.values_list("key", flat=True))
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def _clean_choices(lines: list[str]) -> list[str]:
    seen, result = set(), []
    for line in lines:
        label = line.strip()
        if label and label not in seen and label != OTHER_LABEL:
            seen.add(label)
            result.append(label)
    return result


FILE_ON_ANONYMOUS = gettext_noop(
    "An anonymous questionnaire cannot ask for files: a file keeps its name, its details and "
    "its content, any of which can tell who sent it. Ask for a written answer instead."
)


def _validate_question(data: dict, choices: list[str], form: Form | None = None) -> None:
    qtype = data.get("type")
    if form is not None and form.anonymous and qtype == Question.Type.FILE:
        raise SurveyError(_(FILE_ON_ANONYMOUS))
    if qtype in Question.CHOICE_TYPES and len(choices) < 2 and not (choices and data.get("allow_other")):
        raise SurveyError(_("A choice question needs at least two choices, one per line."))
    if data.get("breakdown") and qtype != Question.Type.SINGLE_CHOICE:
        raise SurveyError(_("Only a one-choice question can be used to break down results."))
    low, high = data.get("min_value"), data.get("max_value")
    if low is not None and high is not None and low > high:
        raise SurveyError(_("The minimum must not be larger than the maximum."))


def _sync_choices(question: Question, labels: list[str], allow_other: bool) -> None:
    """Keep choices matched by wording; refuse to drop one that has answers."""
    existing = list(question.choices.all())
    answered = set(Answer.objects.filter(choice__in=existing).values_list("choice_id", flat=True).distinct())
    by_label = {c.label: c for c in existing if not c.is_other}
    keep_ids = set()
    for order, label in enumerate(labels):
        choice = by_label.get(label)
        if choice is None:
            choice = Choice.objects.create(question=question, label=label, order=order)
        elif choice.order != order:
            choice.order = order
            choice.save(update_fields=["order"])
        keep_ids.add(choice.pk)
    other = next((c for c in existing if c.is_other), None)
    if allow_other:
        if other is None:
            other = Choice.objects.create(
                question=question, label=OTHER_LABEL, order=len(labels), is_other=True
            )
        else:
            other.order = len(labels)
            other.save(update_fields=["order"])
        keep_ids.add(other.pk)
    for choice in existing:
        if choice.pk in keep_ids:
            continue
        if choice.pk in answered:
            raise SurveyError(
                _(
                    "The choice “%(label)s” already has answers, so it cannot be removed or reworded. "
                    "Keep it and add a new choice instead."
                )
                % {"label": choice.label}
            )
        choice.delete()


def _set_breakdown(form: Form, question: Question) -> None:
    """One breakdown question per form; submissions' copied group answer follows it."""
    if question.breakdown:
        form.questions.exclude(pk=question.pk).filter(breakdown=True).update(breakdown=False)
    _refresh_group_choices(form)


def _refresh_group_choices(form: Form) -> None:
    group = form.questions.filter(breakdown=True).first()
    if group is None:
        form.submissions.update(group_choice=None)
        return
    chosen = Answer.objects.filter(submission=OuterRef("pk"), question=group, choice__isnull=False).values(
        "choice_id"
    )[:1]
    form.submissions.update(group_choice=Subquery(chosen))


QUESTION_FIELDS = (
    "label",
    "help_text",
    "type",
    "required",
    "unit",
    "min_value",
    "max_value",
    "scale_min_label",
    "scale_max_label",
    "breakdown",
)


def add_question(section: Section, *, by: User, data: dict, choices: list[str] = ()) -> Question:
    with transaction.atomic():
        form = _lock_form(section.form)
        require_manager(by, form)
        choices = _clean_choices(list(choices))
        _validate_question(data, choices, form)
        question = Question.objects.create(
            form=form,
            section=section,
            key=_unique_key(form, data["label"]),
            order=_next_order(section.questions),
            **{k: v for k, v in data.items() if k in QUESTION_FIELDS},
        )
        if question.is_choice:
            _sync_choices(question, choices, bool(data.get("allow_other")))
        if question.breakdown:
            _set_breakdown(form, question)
        return question


def update_question(question: Question, *, by: User, data: dict, choices: list[str] = ()) -> Question:
    with transaction.atomic():
        form = _lock_form(question.form)
        require_manager(by, form)
        question = Question.objects.select_for_update().get(pk=question.pk)
        choices = _clean_choices(list(choices))
        _validate_question(data, choices, form)
        has_answers = question.answers.exists()
        if "type" in data and data["type"] != question.type and has_answers:
            raise SurveyError(
                _(
                    "This question already has answers, so its type cannot change (the answers would "
                    "no longer fit). Add a new question instead."
                )
            )
        was_breakdown = question.breakdown
        for name in QUESTION_FIELDS:
            if name in data:
                setattr(question, name, data[name])
        question.save()
        if question.is_choice:
            _sync_choices(question, choices, bool(data.get("allow_other")))
        elif question.choices.exists():
            # The type changed away from a choice question (only possible without answers).
            question.choices.all().delete()
        if question.breakdown != was_breakdown or question.breakdown:
            _set_breakdown(form, question)
        return question


def delete_question(question: Question, *, by: User) -> None:
    with transaction.atomic():
        form = _lock_form(question.form)
        require_manager(by, form)
        if question.answers.exists():
            raise SurveyError(
                _(
                    "This question already has answers, so it cannot be deleted. Change its wording "
                    "or make it optional instead."
                )
            )
        was_breakdown = question.breakdown
        question.delete()
        if was_breakdown:
            _refresh_group_choices(form)


def _move(items: list, item, offset: int) -> None:
    index = next(i for i, x in enumerate(items) if x.pk == item.pk)
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    for order, x in enumerate(items):
        if x.order != order:
            x.order = order
            x.save(update_fields=["order"])


def move_question(question: Question, *, by: User, offset: int) -> None:
    with transaction.atomic():
        form = _lock_form(question.form)
        require_manager(by, form)
        _move(list(question.section.questions.order_by("order", "id")), question, offset)


def move_section(section: Section, *, by: User, offset: int) -> None:
    with transaction.atomic():
        form = _lock_form(section.form)
        require_manager(by, form)
        _move(list(form.sections.order_by("order", "id")), section, offset)
