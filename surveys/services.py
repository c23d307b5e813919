"""Form building, answering and the rules around them. Each public function is one transaction.

Building: an organizer adds a form from one of the casebook's templates and changes
it. Changes that would corrupt answers already given (deleting an answered question
or choice, changing its type) are refused with a message saying why; wording, help
text, required flags, limits and order may change at any time.

Answering: a draft keeps whatever was typed, even when it does not validate yet;
submitting validates everything. Anonymous questionnaires keep no draft and, once
sent, nothing that ties the response to the person: the fact that someone answered
is a separate Respondent row without a link to the Submission.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import permissions
from accounts.models import Organization, User
from accounts.normalize import nfkc
from audit import services as audit
from core.dates import format_datetime
from core.errors import UserError
from events.models import Event, EventSeries, Registration
from events.permissions import can_manage_event
from surveys import anonymity
from surveys import files as filekinds
from surveys.models import Answer, Choice, Form, Question, Respondent, Section, Submission
from surveys.starters import OTHER_LABEL, STARTERS


class SurveyError(UserError):
    """Refused; str(error) is a message for the person, in their language."""


# --- who may do what ------------------------------------------------------------------------


def can_manage_form(user: User, form: Form) -> bool:
    if form.event_id:
        return can_manage_event(user, form.event)
    return permissions.can_manage_for(user, [h.pk for h in form.series.hosts.all()])


def can_read_results(user: User, form: Form) -> bool:
    """Organizers of the event, and the sponsor (reviewer) who reads everything."""
    return can_manage_form(user, form) or permissions.can_read_across_organizations(user)


def _require_manager(user: User, form: Form) -> None:
    if not can_manage_form(user, form):
        raise PermissionDenied


def _lock_form(form: Form) -> Form:
    # Builder edits on one form are serialised, so two organizers editing at once
    # cannot both pass the "no answers yet" check and then race.
    return Form.objects.select_for_update().get(pk=form.pk)


# --- building ---------------------------------------------------------------------------------


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
)


def update_form(form: Form, *, by: User, data: dict) -> Form:
    with transaction.atomic():
        locked = _lock_form(form)
        _require_manager(by, locked)
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
        _require_manager(by, locked)
        data = dict(data)
        _check_repeats(data)
        return Section.objects.create(form=locked, order=_next_order(locked.sections), **data)


def update_section(section: Section, *, by: User, data: dict) -> Section:
    with transaction.atomic():
        _lock_form(section.form)
        _require_manager(by, section.form)
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
        _require_manager(by, section.form)
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
    from django.db.models import OuterRef, Subquery

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
        _require_manager(by, form)
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
        _require_manager(by, form)
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
        _require_manager(by, form)
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
        _require_manager(by, form)
        _move(list(question.section.questions.order_by("order", "id")), question, offset)


def move_section(section: Section, *, by: User, offset: int) -> None:
    with transaction.atomic():
        form = _lock_form(section.form)
        _require_manager(by, form)
        _move(list(form.sections.order_by("order", "id")), section, offset)


# --- the structure of a form, loaded once per page --------------------------------------------


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


# --- answering ---------------------------------------------------------------------------------


@dataclass
class Respondent_:
    """Who is answering: a person (maybe through a mailed link), and for sheets per
    municipality the organization whose one submission they edit."""

    user: User
    registration: Registration | None
    organization: Organization | None = None
    via_token: bool = False


def _root(organization: Organization | None) -> Organization | None:
    return organization.root() if organization is not None else None


def respondent_for(form: Form, event: Event, user: User) -> Respondent_:
    if not form.applies_to(event):
        raise SurveyError(_("This form does not belong to this event."))
    registration = (
        Registration.objects.confirmed().filter(event=event, user=user).select_related("organization").first()
    )
    if registration is None:
        raise SurveyError(
            _("Only people whose registration for this event is confirmed can fill in this form.")
        )
    organization = None
    if form.per_organization:
        from accounts.services import primary_organization

        organization = _root(registration.organization or primary_organization(user))
        if organization is None:
            raise SurveyError(
                _("This sheet is filled in once per organization, and your account belongs to none.")
            )
    return Respondent_(user=user, registration=registration, organization=organization)


def existing_submission(
    form: Form, event: Event, who: Respondent_, *, lock: bool = False
) -> Submission | None:
    qs = Submission.objects.filter(form=form, event=event)
    if lock:
        qs = qs.select_for_update()
    if form.per_organization:
        return qs.filter(organization=who.organization).first()
    if form.anonymous:
        return None
    return qs.filter(user=who.user).first()


def has_answered_anonymously(form: Form, event: Event, user: User) -> bool:
    return Respondent.objects.filter(form=form, event=event, user=user).exists()


# Tokens in mail: a questionnaire link that needs no login ----------------------------------------

TOKEN_SALT = "surveys.questionnaire.v1"


class LinkUsed(SurveyError):
    """The mailed link was already used to send answers; `renewable` says whether a fresh
    one may be mailed (a named form that can still be edited)."""

    def __init__(self, message: str, *, renewable: bool) -> None:
        super().__init__(message)
        self.renewable = renewable


def make_token(form: Form, registration: Registration) -> str:
    # "t": when the link was made, to the millisecond; answers sent after it end the link.
    return signing.dumps(
        {"f": form.pk, "r": registration.pk, "t": round(time.time() * 1000)}, salt=TOKEN_SALT, compress=True
    )


def questionnaire_url(form: Form, registration: Registration) -> str:
    """The absolute link for mail (notifications use this)."""
    return settings.SITE_URL + reverse("surveys:answer_token", args=[make_token(form, registration)])


def read_token(token: str, *, allow_used: bool = False) -> tuple[Form, Event, Registration]:
    """A mailed questionnaire link works until the form closes and only until answers are
    sent with it (or after it was made); a fresh one is mailed on request (surveys.links)."""
    max_age = timedelta(days=settings.SURVEYS_TOKEN_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise SurveyError(
            _("This questionnaire link has expired. Sign in and open the questionnaire from “My events”.")
        ) from None
    except signing.BadSignature:
        raise SurveyError(
            _(
                "This questionnaire link is not valid. Copy the whole link from the mail, or sign in and open it from “My events”."
            )
        ) from None
    registration = (
        Registration.objects.filter(pk=payload.get("r"))
        .select_related("event", "user", "organization")
        .first()
    )
    form = Form.objects.filter(pk=payload.get("f")).select_related("event", "series").first()
    if registration is None or form is None or not form.applies_to(registration.event):
        raise SurveyError(_("This questionnaire is no longer available."))
    if registration.status != Registration.Status.CONFIRMED:
        raise SurveyError(
            _("Your registration for this event was cancelled, so the questionnaire is closed to you.")
        )
    event = registration.event
    if form.window_state(event) == "closed":
        raise SurveyError(
            _("This questionnaire closed on %(date)s, so its link no longer works.")
            % {"date": format_datetime(form.closes_for(event))}
        )
    if not allow_used:
        _refuse_used_link(form, event, registration, made=payload.get("t"))
    return form, event, registration


def _refuse_used_link(form: Form, event: Event, registration: Registration, *, made) -> None:
    if form.anonymous:
        if Respondent.objects.filter(form=form, event=event, user_id=registration.user_id).exists():
            raise LinkUsed(
                _("You have already answered this questionnaire, so this link no longer works. Thank you."),
                renewable=False,
            )
        return
    who = respondent_from_registration(form, registration)
    submission = existing_submission(form, event, who)
    if submission is None or not submission.is_submitted or submission.submitted_at is None:
        return
    made_at = datetime.fromtimestamp(made / 1000, tz=UTC) if isinstance(made, int) else None
    if made_at is None or submission.submitted_at >= made_at:
        renewable = form.editable_after_submit
        raise LinkUsed(
            _("Your answers were sent, so this link no longer works.")
            + " "
            + (
                _("To change them, ask for a new link: it is mailed to your address.")
                if renewable
                else _("This form's answers cannot be changed after sending.")
            ),
            renewable=renewable,
        )


def respondent_from_registration(form: Form, registration: Registration) -> Respondent_:
    organization = _root(registration.organization) if form.per_organization else None
    return Respondent_(
        user=registration.user, registration=registration, organization=organization, via_token=True
    )


# Parsing what was typed -----------------------------------------------------------------------


def field_name(question: Question, repeat: int) -> str:
    return f"q{question.pk}-{repeat}"


@dataclass
class Parsed:
    """One question in one block: what was typed, what it means, what is wrong."""

    question: Question
    repeat: int
    raw: str = ""
    raw_list: list[str] = field(default_factory=list)
    other_text: str = ""
    rows: list[Answer] = field(default_factory=list)
    upload: object | None = None
    upload_kind: filekinds.FileKind | None = None
    clear_file: bool = False
    format_error: str = ""
    required_error: str = ""
    source_repeat: int = -1  # the block's place in the posted page, before a removal

    @property
    def name(self) -> str:
        return field_name(self.question, self.repeat)

    @property
    def empty(self) -> bool:
        return not self.rows and self.upload is None


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _fmt_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def parse_number(raw: str, question: Question) -> tuple[Decimal | None, str]:
    """(value, error) — full-width digits and thousands separators are accepted."""
    text = nfkc(raw).replace(",", "").replace("、", "").replace(" ", "")
    if question.unit and text.endswith(nfkc(question.unit)):
        text = text[: -len(nfkc(question.unit))]
    if not text:
        return None, ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Enter a number, such as 1234 or 12.5.")
    if not value.is_finite():
        return None, _("Enter a number, such as 1234 or 12.5.")
    if question.type == Question.Type.INTEGER and value != value.to_integral_value():
        return None, _("Enter a whole number, without decimals.")
    if abs(value) >= Decimal(10) ** 14:
        return None, _("This number is too large.")
    unit = question.unit
    if question.min_value is not None and value < question.min_value:
        return None, _("Enter %(min)s%(unit)s or more.") % {
            "min": _fmt_number(question.min_value),
            "unit": unit,
        }
    if question.max_value is not None and value > question.max_value:
        return None, _("Enter %(max)s%(unit)s or less.") % {
            "max": _fmt_number(question.max_value),
            "unit": unit,
        }
    return value, ""


def parse_date(raw: str) -> tuple[date | None, str]:
    text = nfkc(raw)
    if not text:
        return None, ""
    match = _DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), ""
        except ValueError:
            pass
    return None, _("Enter a date such as 2022-03-11 (year, month, day).")


def _parse_one(question: Question, repeat: int, data, uploads, max_bytes: int) -> Parsed:
    name = field_name(question, repeat)
    p = Parsed(question=question, repeat=repeat)
    qtype = question.type
    T = Question.Type
    if qtype in (T.SHORT_TEXT, T.LONG_TEXT):
        p.raw = (data.get(name) or "").strip()
        limit = 500 if qtype == T.SHORT_TEXT else 20000
        if len(p.raw) > limit:
            p.format_error = _("Write at most %(limit)s characters (now %(count)s).") % {
                "limit": limit,
                "count": len(p.raw),
            }
        if p.raw:
            p.rows.append(Answer(question=question, repeat=repeat, value_text=p.raw[:limit]))
    elif qtype in (T.NUMBER, T.INTEGER):
        p.raw = (data.get(name) or "").strip()
        value, p.format_error = parse_number(p.raw, question)
        if p.raw:
            p.rows.append(
                Answer(question=question, repeat=repeat, value_text=p.raw[:100], value_number=value)
            )
    elif qtype == T.DATE:
        p.raw = (data.get(name) or "").strip()
        value, p.format_error = parse_date(p.raw)
        if p.raw:
            p.rows.append(Answer(question=question, repeat=repeat, value_text=p.raw[:100], value_date=value))
    elif qtype in (T.SINGLE_CHOICE, T.MULTIPLE_CHOICE):
        choices = {str(c.pk): c for c in question.choices.all()}
        picked = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        if isinstance(picked, str):
            picked = [picked]
        if qtype == T.SINGLE_CHOICE:
            picked = [v for v in picked if v][:1]
        p.raw_list = [v for v in picked if v]
        p.raw = p.raw_list[0] if p.raw_list else ""
        p.other_text = (data.get(f"{name}-other") or "").strip()[:500]
        for value in p.raw_list:
            choice = choices.get(value)
            if choice is None:
                p.format_error = _("Choose from the options shown.")
                continue
            text = p.other_text if choice.is_other else ""
            p.rows.append(Answer(question=question, repeat=repeat, choice=choice, value_text=text))
    elif qtype == T.SCALE:
        p.raw = nfkc(data.get(name) or "")
        if p.raw:
            if p.raw in {"1", "2", "3", "4", "5"}:
                p.rows.append(
                    Answer(question=question, repeat=repeat, value_text=p.raw, value_number=Decimal(p.raw))
                )
            else:
                p.format_error = _("Choose a point from 1 to 5.")
    elif qtype == T.YES_NO:
        p.raw = data.get(name) or ""
        if p.raw in ("yes", "no"):
            p.rows.append(
                Answer(question=question, repeat=repeat, value_text=p.raw, value_bool=p.raw == "yes")
            )
        elif p.raw:
            p.format_error = _("Choose yes or no.")
    elif qtype == T.FILE:
        upload = uploads.get(name) if uploads else None
        p.clear_file = bool(data.get(f"{name}-clear"))
        if upload is not None:
            if upload.size > max_bytes:
                p.format_error = _(
                    "This file is %(size)s MB; files may be at most %(limit)s MB. Make it smaller "
                    "(for example save the PDF at a lower resolution) and choose it again."
                ) % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": settings.SURVEYS_MAX_UPLOAD_MB}
            else:
                kind = filekinds.sniff(upload, upload.name)
                if kind is None:
                    p.format_error = _(
                        "This file's content is not an accepted type, whatever its name says. "
                        "Accepted: %(kinds)s."
                    ) % {"kinds": filekinds.ALLOWED_DESCRIPTION}
                else:
                    p.upload, p.upload_kind = upload, kind
    return p


@dataclass
class Parse:
    structure: Structure
    counts: dict[int, int]
    items: list[Parsed]
    notices: list[str] = field(default_factory=list)

    def errors(self, *, submitting: bool) -> dict[str, str]:
        result = {}
        for p in self.items:
            message = p.format_error or (p.required_error if submitting else "")
            if message:
                result[p.name] = message
        return result


def parse(
    structure: Structure,
    data,
    uploads=None,
    *,
    action: str = "draft",
    existing_files: set[tuple[int, int]] = frozenset(),
) -> tuple[Parse, dict[int, int]]:
    """Read a posted form: repeats per section, then every (question, block)."""
    max_bytes = settings.SURVEYS_MAX_UPLOAD_MB * 1024 * 1024
    counts: dict[int, int] = {}
    removed: dict[int, int] = {}
    notices: list[str] = []
    for section in structure.sections:
        try:
            count = int(nfkc(data.get(f"s{section.pk}-count") or "1"))
        except ValueError:
            count = 1
        count = max(1, min(count, section.repeat_limit))
        if action == f"add:{section.pk}":
            if count < section.repeat_limit:
                count += 1
            else:
                notices.append(
                    _("“%(section)s” can have at most %(count)s blocks.")
                    % {"section": section.title, "count": section.repeat_limit}
                )
        elif action.startswith(f"remove:{section.pk}:"):
            try:
                index = int(action.rsplit(":", 1)[1])
            except ValueError:
                index = -1
            if count <= max(1, section.min_repeats):
                notices.append(
                    _("“%(section)s” needs at least %(count)s blocks.")
                    % {"section": section.title, "count": max(1, section.min_repeats)}
                )
            elif 0 <= index < count:
                removed[section.pk] = index
        counts[section.pk] = count
    items = []
    for section in structure.sections:
        skip = removed.get(section.pk)
        new_index = 0
        for old_index in range(counts[section.pk]):
            if old_index == skip:
                continue
            for question in section.question_list:
                p = _parse_one(question, old_index, data, uploads, max_bytes)
                if old_index != new_index:
                    p.repeat = new_index
                    for row in p.rows:
                        row.repeat = new_index
                p.source_repeat = old_index
                items.append(p)
            new_index += 1
        counts[section.pk] = new_index
    for p in items:
        section = next(s for s in structure.sections if s.pk == p.question.section_id)
        if p.question.required and p.empty and not p.format_error:
            has_file = (p.question.pk, p.source_repeat) in existing_files and not p.clear_file
            if not has_file:
                p.required_error = _("This answer is required.")
        if p.question.is_choice and any(r.choice and r.choice.is_other for r in p.rows) and not p.other_text:
            p.required_error = p.required_error or _("Write what “%(other)s” means.") % {"other": OTHER_LABEL}
    return Parse(structure=structure, counts=counts, items=items, notices=notices), removed


# Saving -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    submission: Submission | None
    errors: dict[str, str]
    notices: list[str]
    saved: bool
    submitted: bool
    parse: Parse


def check_window(form: Form, event: Event, *, now: datetime | None = None) -> None:
    state = form.window_state(event, now)
    if state == "not_yet":
        raise SurveyError(
            _("This form opens on %(date)s.") % {"date": format_datetime(form.opens_for(event))}
        )
    if state == "closed":
        raise SurveyError(
            _(
                "The due date (%(date)s) has passed, so answers can no longer be sent or changed. "
                "If you still need to send it, contact the organizer."
            )
            % {"date": format_datetime(form.closes_for(event))}
        )


def _refuse_second(form: Form, submission: Submission | None) -> None:
    if submission is not None and submission.is_submitted and not form.editable_after_submit:
        raise SurveyError(_("This form has already been submitted, and answers cannot be changed."))


def _store(submission: Submission, result: Parse, removed: dict[int, int]) -> None:
    """Replace the submission's answers with the parsed ones; files are kept unless replaced."""
    file_questions = [q for q in result.structure.questions.values() if q.type == Question.Type.FILE]
    Answer.objects.filter(submission=submission).exclude(question__type=Question.Type.FILE).delete()
    rows = []
    for p in result.items:
        if p.question.type == Question.Type.FILE:
            continue
        for row in p.rows:
            row.submission = submission
            rows.append(row)
    Answer.objects.bulk_create(rows)
    if not file_questions:
        return
    existing = {
        (a.question_id, a.repeat): a
        for a in Answer.objects.filter(submission=submission, question__in=file_questions)
    }
    # A removed block takes its files with it; later blocks move up one place.
    for (qid, index), answer in sorted(existing.items(), key=lambda kv: kv[0][1]):
        question = result.structure.questions[qid]
        skip = removed.get(question.section_id)
        if skip is None:
            continue
        if index == skip:
            answer.file.delete(save=False)
            answer.delete()
        elif index > skip:
            answer.repeat = index - 1
            answer.save(update_fields=["repeat"])
    existing = {
        (a.question_id, a.repeat): a
        for a in Answer.objects.filter(submission=submission, question__in=file_questions)
    }
    limit = {q.pk: result.counts.get(q.section_id, 1) for q in file_questions}
    for (qid, index), answer in existing.items():
        if index >= limit[qid]:
            answer.file.delete(save=False)
            answer.delete()
    for p in result.items:
        if p.question.type != Question.Type.FILE:
            continue
        current = existing.get((p.question.pk, p.repeat))
        if p.upload is not None:
            if current is not None:
                current.file.delete(save=False)
                current.delete()
            answer = Answer(
                submission=submission,
                question=p.question,
                repeat=p.repeat,
                file_name=p.upload.name[:255],
                file_size=p.upload.size,
                file_type=p.upload_kind.mime,
                value_text=p.upload.name[:255],
            )
            answer.file.save(f"upload{p.upload_kind.extension}", p.upload, save=False)
            answer.save()
        elif p.clear_file and current is not None:
            current.file.delete(save=False)
            current.delete()


def _answer_state(submission: Submission | None) -> dict[tuple[int, int], list]:
    """What each (question, repeat) holds, to tell which answers a save changed."""
    if submission is None or submission.pk is None:
        return {}
    state: dict[tuple[int, int], list] = defaultdict(list)
    for row in Answer.objects.filter(submission=submission).values_list(
        "question_id", "repeat", "choice_id", "value_text", "file_name", "file_size"
    ):
        state[(row[0], row[1])].append(row[2:])
    return {key: sorted(values, key=repr) for key, values in state.items()}


def _audit_sheet_save(
    submission: Submission, *, by: User, structure: Structure, before: dict, status_before: str | None
) -> None:
    """Who changed which answers of a sheet. The answers themselves stay out of the trail:
    a sheet may hold case-level personal information, and audit rows outlive the sheet's
    retention period and cannot be deleted."""
    after = _answer_state(submission)
    changed = sorted(
        {key for key in set(before) | set(after) if before.get(key) != after.get(key)},
        key=lambda key: (structure.questions[key[0]].order if key[0] in structure.questions else 0, key),
    )
    questions = []
    for question_id, repeat in changed:
        question = structure.questions.get(question_id)
        name = question.label if question else str(question_id)
        questions.append(f"{name} [{repeat + 1}]" if repeat else name)
    changes = {}
    if status_before != submission.status:
        changes["status"] = [status_before, submission.status]
    if not questions and not changes:
        return
    audit.record(
        actor=by,
        action="sheet.submit" if "status" in changes and submission.is_submitted else "sheet.edit",
        target=submission,
        target_label=f"{submission.form.title}（{submission.organization or submission.user or ''}）",
        changes=changes,
        details={"questions": questions},
        event=submission.event_id,
        organization=submission.organization_id,
    )


def _group_choice(structure: Structure, result: Parse) -> Choice | None:
    group = structure.group_question()
    if group is None:
        return None
    for p in result.items:
        if p.question.pk == group.pk:
            return next((r.choice for r in p.rows if r.choice_id), None)
    return None


def existing_file_keys(submission: Submission | None) -> set[tuple[int, int]]:
    if submission is None:
        return set()
    return set(
        Answer.objects.filter(submission=submission, question__type=Question.Type.FILE).values_list(
            "question_id", "repeat"
        )
    )


def save_answers(
    form: Form,
    *,
    event: Event,
    who: Respondent_,
    data,
    uploads=None,
    action: str = "draft",
    now: datetime | None = None,
) -> Outcome:
    """Save a draft, add/remove a block, or submit; see the module docstring."""
    now = now or timezone.now()
    submitting = action == "submit"
    check_window(form, event, now=now)
    structure = Structure.load(form)
    if form.anonymous:
        return _save_anonymous(
            form, event=event, who=who, data=data, uploads=uploads, action=action, structure=structure
        )
    with transaction.atomic():
        submission = existing_submission(form, event, who, lock=True)
        _refuse_second(form, submission)
        result, removed = parse(
            structure, data, uploads, action=action, existing_files=existing_file_keys(submission)
        )
        errors = result.errors(submitting=submitting)
        if submission is not None and submission.is_submitted and errors:
            # Editing what was already sent: an invalid change is not saved over the
            # valid answers; the page shows what was typed with the errors.
            return Outcome(submission, errors, result.notices, saved=False, submitted=False, parse=result)
        answers_before = _answer_state(submission)
        status_before = submission.status if submission is not None else None
        if submission is None:
            submission = Submission(
                form=form,
                event=event,
                user=None if form.per_organization else who.user,
                organization=who.organization if form.per_organization else None,
                created_at=now,
            )
        submission.updated_at = now
        submission.updated_by = who.user
        submission.group_choice = _group_choice(structure, result)
        becomes_submitted = submitting and not errors
        if becomes_submitted:
            submission.status = Submission.Status.SUBMITTED
            submission.submitted_at = now
        try:
            with transaction.atomic():
                submission.save()
        except IntegrityError:
            # Two colleagues opened the municipality's sheet at once and both saved
            # a first draft: the unique constraint keeps one; ask to reload.
            raise SurveyError(
                _("Someone else saved this sheet at the same moment. Reload the page and try again.")
            ) from None
        _store(submission, result, removed)
        _audit_sheet_save(
            submission, by=who.user, structure=structure, before=answers_before, status_before=status_before
        )
        if becomes_submitted:
            _after_submit(form, event)
        return Outcome(
            submission, errors, result.notices, saved=True, submitted=becomes_submitted, parse=result
        )


def _save_anonymous(form, *, event, who, data, uploads, action, structure) -> Outcome:
    result, _removed = parse(structure, data, uploads, action=action)
    if action != "submit":
        # No drafts: a stored draft would have to say whose it is.
        return Outcome(
            None, result.errors(submitting=False), result.notices, saved=False, submitted=False, parse=result
        )
    errors = result.errors(submitting=True)
    if errors:
        return Outcome(None, errors, result.notices, saved=False, submitted=False, parse=result)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Respondent.objects.create(form=form, event=event, user=who.user)
        except IntegrityError:
            raise SurveyError(_("You have already answered this questionnaire. Thank you.")) from None
        # No user, no token, no time, no sequence: see surveys.anonymity.
        anonymity.store_response(
            form=form,
            event=event,
            rows=[row for p in result.items for row in p.rows],
            group_choice=_group_choice(structure, result),
        )
        _after_submit(form, event)
    return Outcome(None, {}, result.notices, saved=True, submitted=True, parse=result)


def _after_submit(form: Form, event: Event) -> None:
    from surveys.tasks import schedule_aggregation

    transaction.on_commit(lambda: schedule_aggregation(form.pk, event.pk))


# --- reading back ------------------------------------------------------------------------------


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
        return f"{_fmt_number(a.value_number)}{question.unit}"
    if question.type == T.DATE and a.value_date is not None:
        return a.value_date.isoformat()
    return a.value_text


__all__ = [
    "PermissionDenied",
    "SurveyError",
    "add_question",
    "add_section",
    "can_manage_form",
    "can_read_results",
    "create_from_starter",
    "delete_question",
    "delete_section",
    "make_token",
    "move_question",
    "move_section",
    "questionnaire_url",
    "read_token",
    "respondent_for",
    "save_answers",
    "update_form",
    "update_question",
    "update_section",
]
