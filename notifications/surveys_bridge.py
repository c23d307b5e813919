"""Pre-work sheets and questionnaires (the surveys app), as far as mail needs them.

Who has not submitted yet, and the mails about sheets: an announcement when a sheet
opens, a reminder before it is due, the questionnaire invitation after the event (to
those who attended, or to every confirmed registrant when attendance was not taken)
and a reminder to those who have not answered. The per-15-minutes beat task calls
`survey_mails()`; the dedupe keys make every run after the first a no-op.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from events.models import Event, Registration
from groupwork import materials
from notifications.ical import event_url
from notifications.models import Outbox
from notifications.outbox import Spec, write
from notifications.rendering import message_context
from surveys import models
from surveys.tokens import questionnaire_url

Kind = Outbox.Kind
PREWORK_REMINDER_BEFORE = timedelta(days=2)
QUESTIONNAIRE_REMINDER_AFTER = timedelta(days=3)
# Questionnaires of events that ended longer ago than this get no more mail.
QUESTIONNAIRE_WINDOW = timedelta(days=30)


def forms_for(event: Event, kind: str) -> list:
    scope = Q(event=event)
    if event.series_id:
        scope |= Q(series_id=event.series_id)
    return list(models.Form.objects.filter(scope, kind=kind).order_by("id"))


def prework_forms(event: Event) -> list:
    return forms_for(event, "prework")


def _root_id(organization) -> int | None:
    return organization.root().pk if organization is not None else None


def missing_registrations(form, event: Event, registrations) -> list[Registration]:
    """The registrations (with user and organization loaded) that have not submitted `form`."""
    registrations = list(registrations)
    if form.per_organization:
        done = set(
            models.Submission.objects.filter(
                form=form, event=event, status=models.Submission.Status.SUBMITTED, organization__isnull=False
            ).values_list("organization_id", flat=True)
        )
        return [r for r in registrations if _root_id(r.organization) not in done]
    if form.anonymous:
        done = set(models.Respondent.objects.filter(form=form, event=event).values_list("user_id", flat=True))
    else:
        done = set(
            models.Submission.objects.filter(
                form=form, event=event, status=models.Submission.Status.SUBMITTED, user__isnull=False
            ).values_list("user_id", flat=True)
        )
    return [r for r in registrations if r.user_id not in done]


def without_submission(registrations: QuerySet[Registration], event: Event, *, kind: str) -> QuerySet:
    """Registrations that still owe a form of this kind (any one of them)."""
    forms = forms_for(event, kind)
    if not forms:
        return registrations.none()
    rows = list(registrations.select_related("organization__parent__parent"))
    missing: set[int] = set()
    for form in forms:
        missing |= {r.pk for r in missing_registrations(form, event, rows)}
    return registrations.filter(pk__in=missing)


def _confirmed(event: Event) -> list[Registration]:
    return list(
        Registration.objects.confirmed()
        .filter(event=event, user__receive_reminders=True)
        .select_related("user", "event", "organization__parent__parent")
        .order_by("id")
    )


def _questionnaire_audience(event: Event) -> list[Registration]:
    registrations = _confirmed(event)
    if any(r.attendance != Registration.Attendance.UNKNOWN for r in registrations):
        # Attendance was taken: only those who were there are asked.
        return [
            r
            for r in registrations
            if r.attendance in (Registration.Attendance.ATTENDED, Registration.Attendance.LEFT_EARLY)
        ]
    return registrations


def _specs(kind: str, form, event: Event, registrations, *, link) -> list:
    program = list(event.program_items.all())
    materials_url = ""
    if kind in (Kind.QUESTIONNAIRE_INVITATION, Kind.QUESTIONNAIRE_REMINDER) and materials.has_materials(
        event
    ):
        # After the event the page lists the slides and handouts this person may download.
        materials_url = f"{event_url(event)}#materials"
    return [
        Spec(
            recipient=r.user,
            kind=kind,
            dedupe_key=f"{kind}:{form.pk}:{event.pk}:{r.user_id}",
            event=event,
            context=message_context(
                event,
                include_join=False,
                program=program,
                registration=r,
                form=form,
                # Lazy: evaluated while rendering, so a broken link fails that row only.
                form_url=lambda r=r: link(r),
                due=form.closes_for(event),
                materials_url=materials_url,
            ),
        )
        for r in registrations
    ]


def survey_mails(*, now: datetime | None = None) -> int:

    now = now or timezone.now()
    written = 0

    def event_link(registration: Registration) -> str:

        return event_url(registration.event)

    # Pre-work: events still ahead whose sheet is open.
    upcoming = Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__gt=now)
    forms = models.Form.objects.filter(kind="prework").filter(
        Q(event__in=upcoming) | Q(series__events__in=upcoming)
    )
    for form in forms.distinct().select_related("event", "series"):
        for event in form.events().filter(pk__in=upcoming.values("pk")):
            if form.window_state(event, now) not in ("open", "late"):
                continue
            missing = missing_registrations(form, event, _confirmed(event))
            written += len(write(_specs(Kind.PREWORK_OPEN, form, event, missing, link=event_link)))
            due = form.closes_for(event)
            if due and due - PREWORK_REMINDER_BEFORE <= now < due:
                written += len(write(_specs(Kind.PREWORK_REMINDER, form, event, missing, link=event_link)))

    # Questionnaires: events that ended recently.

    ended = Event.objects.filter(
        status__in=[Event.Status.PUBLISHED, Event.Status.COMPLETED],
        ends_at__lte=now,
        ends_at__gt=now - QUESTIONNAIRE_WINDOW,
    )
    forms = models.Form.objects.filter(kind="questionnaire").filter(
        Q(event__in=ended) | Q(series__events__in=ended)
    )
    for form in forms.distinct().select_related("event", "series"):
        for event in form.events().filter(pk__in=ended.values("pk")):
            if form.window_state(event, now) != "open":
                continue
            missing = missing_registrations(form, event, _questionnaire_audience(event))

            def link(registration: Registration, form=form) -> str:
                return questionnaire_url(form, registration)

            written += len(write(_specs(Kind.QUESTIONNAIRE_INVITATION, form, event, missing, link=link)))
            opened = form.opens_for(event) or event.ends_at
            if now >= opened + QUESTIONNAIRE_REMINDER_AFTER:
                written += len(write(_specs(Kind.QUESTIONNAIRE_REMINDER, form, event, missing, link=link)))
    return written


def on_link_requested(sender, *, form, event: Event, registration: Registration, **kwargs) -> None:
    """A fresh questionnaire link, mailed to the person's own address (surveys.links).

    At most one an hour per person and form: the dedupe key carries the hour, so pressing
    the button again writes nothing new."""

    hour = timezone.now().strftime("%Y%m%d%H")
    specs = _specs(
        Kind.QUESTIONNAIRE_LINK,
        form,
        event,
        [registration],
        link=lambda r: questionnaire_url(form, r),
    )
    for spec in specs:
        spec.dedupe_key = f"{spec.dedupe_key}:{hour}"
    write(specs)
