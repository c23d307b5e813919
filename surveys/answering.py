"""Answering a form. Each public function is one transaction.

A draft keeps whatever was typed, even when it does not validate yet; submitting validates
everything. Anonymous questionnaires keep no draft and, once sent, nothing that ties the
response to the person: the fact that someone answered is a separate Respondent row
without a link to the Submission.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.services import primary_organization
from audit import services as audit
from core.dates import format_datetime
from events.models import Event, Registration
from surveys import anonymity
from surveys.errors import SurveyError
from surveys.models import Answer, Choice, Form, Question, Respondent, Submission
from surveys.parsing import Parse, parse
from surveys.structure import Structure
from surveys.tasks import schedule_aggregation


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


def respondent_from_registration(form: Form, registration: Registration) -> Respondent_:
    organization = _root(registration.organization) if form.per_organization else None
    return Respondent_(
        user=registration.user, registration=registration, organization=organization, via_token=True
    )


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


# The sheet's checkbox 「同じグループの参加者に共有する」 (shown when the form is shared).
SHARE_FIELD = "share_with_group"


def _apply_share_consent(form: Form, submission: Submission, data, *, now: datetime) -> bool:
    """Take the person's choice from the posted sheet; True when it changed. Every save of
    the page posts the checkbox, so unticking it withdraws the consent at once."""
    if not form.share_with_group or form.anonymous:
        return False
    consent = data.get(SHARE_FIELD) == "on"
    if consent == submission.share_with_group:
        return False
    submission.share_with_group = consent
    submission.share_consented_at = now if consent else None
    return True


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
        consent_changed = _apply_share_consent(form, submission, data, now=now)
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
        if consent_changed:
            audit.record(
                actor=who.user,
                action="sheet.share_consent",
                target=submission,
                target_label=f"{submission.form.title}（{submission.organization or submission.user or ''}）",
                changes={"share_with_group": [not submission.share_with_group, submission.share_with_group]},
                event=submission.event_id,
                organization=submission.organization_id,
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
    transaction.on_commit(lambda: schedule_aggregation(form.pk, event.pk))
