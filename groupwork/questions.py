"""Questions sent in before an event (「参加者より寄せられた…質問」): the organizer opens a box
with a deadline; participants, or each participating municipality through its coordinator,
send questions until then; the organizer groups and orders them, marks the ones taken up
and publishes that list to the participants.

Rules held here:
- only a confirmed registrant of the event, or a coordinator of a municipality taking part
  (a ParticipatingOrganization of the event, or the organization of a confirmed
  registrant when the event names none), may send a question, and only before the
  deadline; a coordinator sends for their own municipality only;
- the published list shows the question and, if the asker chose so, the municipality's
  name — never the person's name; nobody but the organizers sees unpublished questions,
  except the asker their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from audit import services as audit
from core.dates import format_datetime
from core.errors import UserError
from events.models import Event, ParticipatingOrganization, ProgramItem, Registration
from events.permissions import can_manage_event, can_view_registrations
from groupwork.models import AskedQuestion, QuestionBox

MAX_LENGTH = 2000


class QuestionError(UserError):
    """A refused question or change; str(error) is for the person."""


@dataclass(frozen=True)
class Asker:
    """One way this person may ask: as themselves, or for a municipality they coordinate."""

    organization: Organization | None
    on_behalf: bool

    @property
    def key(self) -> str:
        return f"org-{self.organization.pk}" if self.on_behalf else "self"


def box_for(event: Event) -> QuestionBox | None:
    return QuestionBox.objects.filter(event=event).select_related("program_item").first()


def _root(organization: Organization | None) -> Organization | None:
    return organization.root() if organization is not None else None


def participating_roots(event: Event) -> set[int]:
    named = ParticipatingOrganization.objects.filter(event=event).select_related("organization")
    roots = {_root(p.organization).pk for p in named}
    if roots:
        return roots
    registrations = Registration.objects.filter(
        event=event, status=Registration.Status.CONFIRMED, organization__isnull=False
    ).select_related("organization")
    return {_root(r.organization).pk for r in registrations}


def askers(event: Event, user) -> list[Asker]:
    if not (user and user.is_authenticated):
        return []
    result = []
    registration = (
        Registration.objects.filter(event=event, user=user, status=Registration.Status.CONFIRMED)
        .select_related("organization")
        .first()
    )
    if registration is not None:
        result.append(Asker(organization=_root(registration.organization), on_behalf=False))
    coordinated = Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).select_related(
        "organization"
    )
    roots = participating_roots(event) if coordinated else set()
    seen = set()
    for membership in coordinated:
        root = _root(membership.organization)
        if root.pk in roots and root.pk not in seen:
            seen.add(root.pk)
            result.append(Asker(organization=root, on_behalf=True))
    return result


def can_read(event: Event, user) -> bool:
    if not (user and user.is_authenticated):
        return False
    return bool(askers(event, user)) or can_view_registrations(user, event)


def _require_manager(user, event: Event) -> None:
    if not (user and user.is_authenticated and can_manage_event(user, event)):
        raise PermissionDenied


def open_box(
    event: Event, *, by, closes_at: datetime, program_item_id: int | None = None, instructions: str = ""
) -> QuestionBox:
    """Open the box (or change its deadline, agenda item and instructions)."""
    _require_manager(by, event)
    if closes_at is None:
        raise QuestionError(_("Give the deadline for questions."))
    item = None
    if program_item_id is not None:
        item = ProgramItem.objects.filter(event=event, pk=program_item_id).first()
        if item is None:
            raise QuestionError(_("Choose a program item of this event."))
    with transaction.atomic():
        box, created = QuestionBox.objects.select_for_update().get_or_create(
            event=event, defaults={"closes_at": closes_at, "program_item": item, "instructions": instructions}
        )
        before = audit.snapshot(box, ["closes_at", "program_item", "instructions"])
        if not created:
            box.closes_at, box.program_item, box.instructions = closes_at, item, instructions
            box.save(update_fields=["closes_at", "program_item", "instructions"])
        audit.record(
            actor=by,
            action="questions.open" if created else "questions.edit",
            target=box,
            event=event,
            changes=audit.diff(before, audit.snapshot(box, list(before))),
        )
        return box


def submit(
    event: Event,
    *,
    by,
    text: str,
    as_key: str = "self",
    show_organization: bool = True,
    now: datetime | None = None,
) -> AskedQuestion:
    """Send a question, as oneself (`as_key` "self") or for a coordinated municipality."""
    now = now or timezone.now()
    options = {a.key: a for a in askers(event, by)}
    if not options:
        raise PermissionDenied
    asker = options.get(as_key)
    if asker is None:
        raise QuestionError(_("You cannot send questions for that organization."))
    text = (text or "").strip()
    if not text:
        raise QuestionError(_("Write your question."))
    if len(text) > MAX_LENGTH:
        raise QuestionError(
            _("A question may be at most %(max)s characters (this one has %(count)s).")
            % {"max": MAX_LENGTH, "count": len(text)}
        )
    with transaction.atomic():
        # The box row is locked so the deadline is read once, by the same transaction that inserts.
        box = QuestionBox.objects.select_for_update().filter(event=event).first()
        if box is None:
            raise QuestionError(_("This event takes no questions in advance."))
        if not box.is_open(now):
            raise QuestionError(
                _("Questions were accepted until %(date)s; the deadline has passed.")
                % {"date": format_datetime(box.closes_at)}
            )
        question = AskedQuestion.objects.create(
            box=box,
            text=text,
            asked_by=by,
            organization=asker.organization,
            on_behalf=asker.on_behalf,
            show_organization=bool(show_organization) and asker.organization is not None,
        )
        audit.record(
            actor=by,
            action="question.submit",
            target=question,
            target_label=text[:40],
            event=event,
            organization=asker.organization,
            details={"on_behalf": asker.on_behalf},
        )
        return question


def arrange(event: Event, *, by, rows: dict[int, tuple[str, int, bool]]) -> int:
    """Topic, order and "taken up" per question id; ids of other boxes are refused."""
    _require_manager(by, event)
    with transaction.atomic():
        box = QuestionBox.objects.select_for_update().filter(event=event).first()
        if box is None:
            raise QuestionError(_("Open the question box first."))
        questions = {q.pk: q for q in AskedQuestion.objects.filter(box=box)}
        if set(rows) - set(questions):
            raise QuestionError(_("That question is not in this event's box."))
        changed = []
        for pk, (topic, order, taken_up) in rows.items():
            question = questions[pk]
            topic = (topic or "").strip()[:100]
            if (question.topic, question.order, question.taken_up) != (topic, order, taken_up):
                question.topic, question.order, question.taken_up = topic, order, taken_up
                changed.append(question)
        AskedQuestion.objects.bulk_update(changed, ["topic", "order", "taken_up"])
        if changed:
            audit.record(
                actor=by,
                action="questions.arrange",
                target=box,
                event=event,
                details={"changed": len(changed)},
            )
        return len(changed)


def set_published(event: Event, *, by, published: bool) -> QuestionBox:
    _require_manager(by, event)
    with transaction.atomic():
        box = QuestionBox.objects.select_for_update().filter(event=event).first()
        if box is None:
            raise QuestionError(_("Open the question box first."))
        if published and not AskedQuestion.objects.filter(box=box, taken_up=True).exists():
            raise QuestionError(_("Mark the questions that will be taken up before publishing the list."))
        if box.is_published == published:
            return box
        box.published_at = timezone.now() if published else None
        box.save(update_fields=["published_at"])
        audit.record(
            actor=by,
            action="questions.publish" if published else "questions.unpublish",
            target=box,
            event=event,
        )
        return box


@dataclass
class Topic:
    title: str
    questions: list[AskedQuestion]


def published(box: QuestionBox) -> list[Topic]:
    """The questions taken up, by topic in the order the organizer set."""
    topics: dict[str, Topic] = {}
    for question in (
        AskedQuestion.objects.filter(box=box, taken_up=True)
        .select_related("organization")
        .order_by("order", "created_at", "id")
    ):
        topics.setdefault(question.topic, Topic(title=question.topic, questions=[])).questions.append(
            question
        )
    return list(topics.values())


def asked_by(box: QuestionBox, user) -> list[AskedQuestion]:
    return list(AskedQuestion.objects.filter(box=box, asked_by=user).select_related("organization"))


def all_questions(box: QuestionBox) -> list[AskedQuestion]:
    return list(
        AskedQuestion.objects.filter(box=box)
        .select_related("organization", "asked_by")
        .order_by("order", "created_at", "id")
    )


def export_rows(box: QuestionBox) -> list[list]:
    """For the lecturers: the municipality only where the asker agreed to show it."""
    rows = []
    for number, question in enumerate(all_questions(box), start=1):
        rows.append(
            [
                number,
                question.topic,
                question.text,
                question.organization.name if question.organization and question.show_organization else "",
                _("Yes") if question.taken_up else "",
                question.order,
            ]
        )
    return rows
