"""Pre-work sheets shared within a breakout group (「同じグループの参加者に共有する」).

A member of a locked group reads, on the event's pages, the submitted pre-work sheets of the
other members of their own group — and, for a sheet answered once per municipality (the
アセスメントシート), the sheet of each other member's municipality — when all of this holds:
- the organizer opened the form to sharing (surveys.Form.share_with_group), and
- whoever submitted the sheet ticked 「同じグループの参加者に共有する」 (Submission.share_with_group;
  unticking withdraws it at once), and
- the event's follow-up period has not ended (GROUPWORK_FOLLOW_UP_DAYS after the event).
Nothing is shown to another group, to anyone outside the event, or after the period; every
reading of a sheet or of one of its files writes an audit row (sheet.group_view,
download.group_sheet_file) naming the reader, the sheet and the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from audit import services as audit
from events.models import Event, Registration
from groupwork.models import GroupMember, GroupPlan
from groupwork.selectors import organization_index
from surveys import selectors as survey_selectors
from surveys.models import Answer, Form, Submission
from surveys.structure import Structure


def follow_up_ends(event: Event) -> datetime:
    """When the event's follow-up period ends: the organizer's date, or the default."""
    chosen = GroupPlan.objects.filter(event=event).values_list("share_until", flat=True).first()
    return chosen or event.ends_at + timedelta(days=settings.GROUPWORK_FOLLOW_UP_DAYS)


@dataclass
class Shared:
    submission: Submission
    whose: str  # a member's name, or a municipality's name for a sheet per municipality

    @property
    def form(self) -> Form:
        return self.submission.form


@dataclass
class Viewer:
    group_number: int
    member_ids: set[int]  # the other members of the group
    member_roots: set[int]  # their municipalities (top organizations), the viewer's own left out


def viewer(event: Event, user, *, now: datetime | None = None) -> Viewer | None:
    """The person's place in a locked group of this event, within the follow-up period."""
    if not (user and user.is_authenticated):
        return None
    now = now or timezone.now()
    if now >= follow_up_ends(event):
        return None
    confirmed = Registration.Status.CONFIRMED
    mine = (
        GroupMember.objects.filter(
            plan__event=event, plan__status=GroupPlan.Status.LOCKED, user=user, registration__status=confirmed
        )
        .select_related("group", "registration")
        .first()
    )
    if mine is None:
        return None
    others = list(
        GroupMember.objects.filter(group_id=mine.group_id, registration__status=confirmed)
        .exclude(user=user)
        .select_related("registration")
    )
    index = organization_index(
        [mine.registration.organization_id] + [m.registration.organization_id for m in others]
    )
    own_root = (
        index[mine.registration.organization_id].root_id
        if mine.registration.organization_id in index
        else None
    )
    roots = {
        index[m.registration.organization_id].root_id
        for m in others
        if m.registration.organization_id in index
    }
    return Viewer(
        group_number=mine.group.number,
        member_ids={m.user_id for m in others},
        member_roots=roots - {own_root},
    )


def _forms(event: Event):
    condition = Q(event=event)
    if event.series_id:
        condition |= Q(series_id=event.series_id)
    return Form.objects.filter(condition, kind=Form.Kind.PREWORK, share_with_group=True, anonymous=False)


def shared_with(event: Event, user, *, now: datetime | None = None) -> list[Shared]:
    """The sheets this person may read now; empty for everyone outside a locked group."""
    seat = viewer(event, user, now=now)
    if seat is None or not (seat.member_ids or seat.member_roots):
        return []
    forms = list(_forms(event))
    if not forms:
        return []
    person_forms = [f.pk for f in forms if not f.per_organization]
    org_forms = [f.pk for f in forms if f.per_organization]
    submissions = (
        Submission.objects.filter(
            event=event, status=Submission.Status.SUBMITTED, share_with_group=True, form__in=forms
        )
        .filter(
            Q(form__in=person_forms, user_id__in=seat.member_ids)
            | Q(form__in=org_forms, organization_id__in=seat.member_roots)
        )
        .select_related("form", "user", "organization")
        .order_by("form_id", "organization__name", "user__full_name_kana", "pk")
    )
    return [
        Shared(
            submission=s,
            whose=s.organization.name if s.organization_id else (s.user.full_name or s.user.email),
        )
        for s in submissions
    ]


def find(event: Event, user, submission_id, *, now: datetime | None = None) -> tuple[Shared, Viewer] | None:
    seat = viewer(event, user, now=now)
    if seat is None:
        return None
    for shared in shared_with(event, user, now=now):
        if shared.submission.pk == submission_id:
            return shared, seat
    return None


def record_view(shared: Shared, seat: Viewer, *, by, request=None) -> None:
    submission = shared.submission
    audit.record(
        actor=by,
        action="sheet.group_view",
        target=submission,
        target_label=f"{submission.form.title}（{shared.whose}）",
        event=submission.event_id,
        organization=submission.organization_id,
        details={"group": seat.group_number},
        request=request,
    )


def record_file(shared: Shared, seat: Viewer, answer: Answer, *, by, request=None) -> None:
    submission = shared.submission
    audit.record(
        actor=by,
        action="download.group_sheet_file",
        target=answer,
        target_label=answer.file_name,
        event=submission.event_id,
        organization=submission.organization_id,
        details={"group": seat.group_number, "submission": str(submission.pk)},
        request=request,
    )


def read_sections(submission: Submission) -> list:
    """The sheet's sections with each answer as text (files as their answer rows)."""
    structure = Structure.load(submission.form)
    answers = survey_selectors.answers_by_field(submission)
    counts = survey_selectors.repeat_counts(structure, answers)
    sections = []
    for section in structure.sections:
        blocks = []
        for index in range(counts[section.pk]):
            rows = []
            for question in section.question_list:
                found = answers.get((question.pk, index), [])
                rows.append(
                    {
                        "question": question,
                        "text": survey_selectors.display_value(question, found),
                        "file": found[0] if found and found[0].file else None,
                    }
                )
            blocks.append({"number": index + 1, "rows": rows})
        section.blocks = blocks
        sections.append(section)
    return sections
