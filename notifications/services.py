"""Writing outbox rows: what each domain event, reminder and announcement turns into.

Everything here runs inside the caller's transaction (the receivers are called by the
events services while they hold the event lock), renders the message at once, and
asks Celery to send it only after commit. A template error marks that one row
`failed` with the error, so one broken message never blocks the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit import services as audit
from core.errors import UserError
from core.tasks import enqueue_after_commit
from events.models import Event, Registration
from events.permissions import can_manage_event
from groupwork import selectors as groupwork
from notifications import ical
from notifications.business_days import business_days_before
from notifications.mail import render, unsubscribe_url
from notifications.models import Outbox, ReminderRule

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status

DEFAULT_REMINDERS: tuple[tuple[int, str], ...] = ((7, ReminderRule.Unit.DAYS), (1, ReminderRule.Unit.DAYS))
# Business-day reminders go out at the start of office hours on that day.
BUSINESS_DAY_SEND_TIME = time(9, 0)
# Up to this many after-commit sends become one Celery task each; a bigger burst (an
# event cancelled for 300 people) is one dispatcher run instead of 300 tasks.
_SINGLE_TASK_LIMIT = 20


class NotificationError(UserError):
    """Refused request; str(error) is for people."""


# --- writing rows -------------------------------------------------------------------------


@dataclass
class Spec:
    """One message to write: who, what, and how to render it."""

    recipient: User
    kind: str
    dedupe_key: str
    context: dict = field(default_factory=dict)
    event: Event | None = None
    ics: Callable[[], str] | None = None
    ics_method: str = ""
    send_after: datetime | None = None
    # Set: store the row unrendered with these arguments; the sender renders it.
    deferred: dict | None = None


def _render_row(spec: Spec, now: datetime) -> dict:
    language = spec.recipient.preferred_language or "ja"
    context = {
        "recipient": spec.recipient,
        "name": spec.recipient.full_name or spec.recipient.email,
        "event": spec.event,
        **spec.context,
    }
    if spec.kind in Outbox.OPTIONAL_KINDS and "unsubscribe_url" not in spec.context:
        context["unsubscribe_url"] = unsubscribe_url(spec.recipient)
    row = {
        "recipient_id": spec.recipient.pk,
        "to_email": "",
        "event_id": spec.event.pk if spec.event else None,
        "kind": spec.kind,
        "language": language,
        "dedupe_key": spec.dedupe_key,
        "status": Status.QUEUED,
        "attempts": 0,
        "last_error": "",
        "send_after": spec.send_after or now,
        "created_at": now,
        "updated_at": now,
        "ics": "",
        "ics_method": "",
        "render_args": {},
    }
    if spec.deferred and render_at_send():
        row.update(subject=str(Kind(spec.kind).label), body_text="", body_html="", render_args=spec.deferred)
        return row
    try:
        rendered = render(spec.kind, context, language=language)
        if spec.ics is not None:
            row["ics"] = spec.ics()
            row["ics_method"] = spec.ics_method
    except Exception as error:
        # Keep the row, visibly failed with its error, so an organizer sees it and can
        # resend once the template is fixed; the rest of the batch goes out.
        logger.exception("rendering %s for user %s failed", spec.kind, spec.recipient.pk)
        row.update(
            subject=str(Kind(spec.kind).label),
            body_text="",
            body_html="",
            status=Status.FAILED,
            last_error=f"Template error: {type(error).__name__}: {error}"[:2000],
        )
        return row
    row.update(subject=rendered.subject[:300], body_text=rendered.text, body_html=rendered.html)
    return row


_COLUMNS = (
    "recipient_id",
    "to_email",
    "event_id",
    "kind",
    "language",
    "subject",
    "body_text",
    "body_html",
    "ics",
    "ics_method",
    "render_args",
    "dedupe_key",
    "status",
    "attempts",
    "last_error",
    "send_after",
    "created_at",
    "updated_at",
)
_DATETIMES = {"send_after", "created_at", "updated_at"}
# Re-rendered reminders replace unsent rows only: a row being sent or already sent is
# history and stays as it is.
_REPLACE = (
    "language",
    "subject",
    "body_text",
    "body_html",
    "ics",
    "ics_method",
    "render_args",
    "status",
    "send_after",
)


def _insert(rows: Sequence[dict], *, replace_unsent: bool = False) -> list[int]:
    """INSERT … ON CONFLICT (dedupe_key): the database decides what is a duplicate."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    table = quote(Outbox._meta.db_table)
    ids: list[int] = []
    chunk = 100
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        params: list = []
        for row in part:
            for column in _COLUMNS:
                value = row[column]
                if column in _DATETIMES:
                    value = connection.ops.adapt_datetimefield_value(value)
                elif column == "render_args":
                    value = connection.ops.adapt_json_value(value, DjangoJSONEncoder)
                params.append(value)
        placeholder = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        # Only identifiers from the model and %s placeholders are formatted in; every
        # value travels as a parameter.
        sql = (
            f"INSERT INTO {table} ({', '.join(quote(c) for c in _COLUMNS)}) "  # noqa: S608
            f"VALUES {', '.join([placeholder] * len(part))} ON CONFLICT ({quote('dedupe_key')}) "
        )
        if replace_unsent:
            sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _REPLACE)
            sql += (
                f"DO UPDATE SET {sets}, {quote('attempts')} = 0, {quote('last_error')} = excluded.{quote('last_error')}, "
                f"{quote('lease_until')} = NULL, {quote('updated_at')} = excluded.{quote('updated_at')} "
                f"WHERE {table}.{quote('status')} IN ('queued', 'withdrawn', 'failed') "
            )
        else:
            sql += "DO NOTHING "
        sql += f"RETURNING {quote('id')}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids.extend(r[0] for r in cursor.fetchall())
    return ids


def write(
    specs: Iterable[Spec], *, replace_unsent: bool = False, now: datetime | None = None, kick: bool = True
) -> list[int]:
    """Render and store messages; schedule the due ones to be sent after commit (unless kick=False)."""
    now = now or timezone.now()
    rows = [_render_row(spec, now) for spec in specs]
    ids = _insert(rows, replace_unsent=replace_unsent)
    if kick and ids and any(row["send_after"] <= now and row["status"] == Status.QUEUED for row in rows):
        send_after_commit(ids)
    return ids


def render_at_send() -> bool:
    return bool(getattr(settings, "NOTIFICATIONS_RENDER_AT_SEND", True))


_NAME_SLOT = "@@tsunagu-name@@"
_UNSUBSCRIBE_SLOT = "@@tsunagu-unsubscribe@@"
# The person's breakout group (names and organizations of their group only), once locked.
_GROUP_SLOT = "@@tsunagu-group@@"


def _group_block(groups: dict, user: User) -> str:
    """The person's group block in their own language ("" when they have no locked group)."""
    group = groups.get(user.pk)
    if group is None:
        return ""
    with translation.override(user.preferred_language or "ja"):
        return groupwork.mail_text(group)


def _personalise(rendered: dict, user: User, *, group: str = "") -> dict:
    from django.utils.html import escape

    name = user.full_name or user.email
    link = unsubscribe_url(user)
    result = dict(rendered)
    text = rendered["body_text"].replace(_NAME_SLOT, name).replace(_UNSUBSCRIBE_SLOT, link)
    html = rendered["body_html"].replace(_NAME_SLOT, escape(name)).replace(_UNSUBSCRIBE_SLOT, escape(link))
    if group:
        text = text.replace(_GROUP_SLOT, group)
        html = html.replace(_GROUP_SLOT, "<br>".join(escape(line) for line in group.splitlines()))
    else:
        text = text.replace(_GROUP_SLOT + "\n", "").replace(_GROUP_SLOT, "")
        html = html.replace(_GROUP_SLOT, "")
    result["body_text"], result["body_html"] = text, html
    result["subject"] = rendered["subject"].replace(_NAME_SLOT, name)
    return result


def render_deferred(rows: list[Outbox]) -> tuple[list[Outbox], list[int], list[int]]:
    """Render rows written unrendered, from their registrations as they are now.

    One query for the registrations, one for the programs and one UPDATE per batch.
    Returns (ready, failed ids, withdrawn ids): a row whose registration is gone is
    withdrawn; one whose template fails is failed with the error, for an organizer to
    see and resend, and the rest of the batch goes on.
    """
    from events.models import ProgramItem

    now = timezone.now()
    registrations = Registration.objects.select_related("user", "event__series").in_bulk(
        {row.render_args.get("registration") for row in rows}
    )
    programs: dict[int, list] = {}
    for item in ProgramItem.objects.filter(event_id__in={r.event_id for r in registrations.values()}):
        programs.setdefault(item.event_id, []).append(item)
    fields = (
        "language",
        "subject",
        "body_text",
        "body_html",
        "ics",
        "ics_method",
        "render_args",
        "updated_at",
    )
    ready, failed, withdrawn, changed = [], [], [], []
    # A reminder differs between recipients only in the name and the opt-out link: it is
    # rendered once per event and language, and those two are filled in per person.
    shared: dict[tuple[int, str], dict] = {}
    groups_of: dict[int, dict] = {}  # event id → user id → their group (one query set per event)
    for row in rows:
        registration = registrations.get(row.render_args.get("registration"))
        if registration is None:
            row.status, row.last_error = Status.WITHDRAWN, "The registration no longer exists."
            withdrawn.append(row)
            continue
        event = registration.event
        program = programs.get(event.pk, [])
        user = registration.user
        if row.kind == Kind.REMINDER:
            key = (event.pk, user.preferred_language or "ja")
            if key not in shared:
                spec = Spec(
                    recipient=user,
                    kind=row.kind,
                    dedupe_key=row.dedupe_key,
                    event=event,
                    context=_context(
                        event,
                        include_join=True,
                        program=program,
                        name=_NAME_SLOT,
                        unsubscribe_url=_UNSUBSCRIBE_SLOT,
                        group_block=_GROUP_SLOT,
                    ),
                )
                shared[key] = _render_row(spec, now)
            if event.pk not in groups_of:
                groups_of[event.pk] = groupwork.groups_by_user(event.pk)
            rendered = _personalise(shared[key], user, group=_group_block(groups_of[event.pk], user))
        else:
            spec = _registration_spec(registration, row.kind, program=program, defer=False)
            rendered = _render_row(spec, now)
        for name in fields[:-2]:
            setattr(row, name, rendered[name])
        row.render_args, row.updated_at = {}, now
        changed.append(row)
        if rendered["status"] == Status.FAILED:
            row.status, row.last_error = Status.FAILED, rendered["last_error"]
            failed.append(row)
        else:
            ready.append(row)
    if changed:
        # One parameterised UPDATE per row through executemany (pipelined by psycopg):
        # bulk_update's CASE expressions cost more than the rendering at this size.
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(name)} = %s" for name in fields)
        sql = f"UPDATE {quote(Outbox._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608
        params = [
            [
                *(getattr(row, name) for name in fields[:-2]),
                connection.ops.adapt_json_value({}, DjangoJSONEncoder),
                connection.ops.adapt_datetimefield_value(now),
                row.pk,
            ]
            for row in changed
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    for row in failed + withdrawn:
        Outbox.objects.filter(pk=row.pk).update(
            status=row.status, last_error=row.last_error, lease_until=None, updated_at=now
        )
    return ready, [r.pk for r in failed], [r.pk for r in withdrawn]


def send_after_commit(ids: list[int]) -> None:
    # A broker outage loses nothing: the rows are committed and the per-minute
    # dispatcher sends them when it runs.
    from notifications import tasks  # local: tasks imports this module

    if len(ids) <= _SINGLE_TASK_LIMIT:
        for row_id in ids:
            enqueue_after_commit(tasks.send_outbox_message, row_id)
    else:
        enqueue_after_commit(tasks.dispatch_due)


def withdraw(queryset: QuerySet[Outbox], reason: str) -> int:
    return queryset.filter(status=Status.QUEUED).update(
        status=Status.WITHDRAWN, last_error=reason, updated_at=timezone.now()
    )


# --- message contents -------------------------------------------------------------------


def _program(event: Event) -> list:
    return list(event.program_items.all())


def _context(event: Event, *, include_join: bool, program: list | None = None, **extra) -> dict:
    program = program if program is not None else _program(event)
    return {
        "event": event,
        "event_url": ical.event_url(event),
        # Callables are evaluated while the template renders, i.e. in the recipient's language.
        "location": lambda: ical.location(event),
        "program": program,
        "include_join": include_join and event.is_online and bool(event.online_url),
        **extra,
    }


def _invite(event: Event, user: User, method: str, *, include_join: bool, program: list) -> Callable[[], str]:
    return lambda: ical.invite(
        event, recipient=user, method=method, include_join=include_join, program=program
    )


def _registration_spec(
    registration: Registration, kind: str, *, program: list | None = None, defer: bool | None = None
) -> Spec:
    event = registration.event
    user = registration.user
    if render_at_send() if defer is None else defer:
        # Nothing is read for the body now: the sender renders it (render_deferred).
        return Spec(
            recipient=user,
            kind=kind,
            dedupe_key=f"{kind}:{registration.pk}",
            event=event,
            deferred={"registration": registration.pk},
        )
    program = program if program is not None else _program(event)
    confirmed = registration.status == RegStatus.CONFIRMED
    spec = Spec(
        recipient=user,
        kind=kind,
        dedupe_key=f"{kind}:{registration.pk}",
        event=event,
        context=_context(
            event,
            include_join=confirmed,
            program=program,
            registration=registration,
            position=registration.waitlist_position() if kind == Kind.REGISTRATION_WAITLISTED else None,
        ),
    )
    if kind in (Kind.REGISTRATION_CONFIRMED, Kind.REGISTRATION_PROMOTED):
        spec.ics = _invite(event, user, "REQUEST", include_join=True, program=program)
        spec.ics_method = "REQUEST"
    elif kind in (Kind.REGISTRATION_CANCELLED, Kind.REGISTRATION_DECLINED) and registration.confirmed_at:
        # They had an invite in their calendar: take it out.
        spec.ics = _invite(event, user, "CANCEL", include_join=False, program=program)
        spec.ics_method = "CANCEL"
    return spec


def registration_message(registration: Registration, kind: str) -> list[int]:
    return write([_registration_spec(registration, kind)])


def registration_ended(registration: Registration, kind: str) -> list[int]:
    """Cancelled or declined: the notice goes, pending reminders and announcements do not."""
    withdraw(
        Outbox.objects.filter(
            event_id=registration.event_id, recipient_id=registration.user_id, kind__in=Outbox.OPTIONAL_KINDS
        ),
        "The registration was cancelled.",
    )
    return registration_message(registration, kind)


def _active_registrations(event: Event) -> QuerySet[Registration]:
    return Registration.objects.active().filter(event=event).select_related("user", "event").order_by("id")


_CHANGE_LABELS = {
    "starts_at": _("Start"),
    "ends_at": _("End"),
    "doors_open_at": _("Doors open"),
    "attendance_mode": _("Attendance mode"),
    "venue_name": _("Venue"),
    "venue_address": _("Venue address"),
    "online_url": _("Join URL"),
    "online_meeting_id": _("Meeting ID"),
    "online_passcode": _("Passcode"),
}
# Only confirmed registrants see these (as everywhere else the join URL appears).
_JOIN_FIELDS = {"online_url", "online_meeting_id", "online_passcode"}


def _describe_changes(changes: dict) -> list[dict]:
    described = []
    for name in Event.REVISION_FIELDS:
        if name not in changes:
            continue
        old, new = changes[name]
        if name == "attendance_mode":
            old = Event.Mode(old).label if old else ""
            new = Event.Mode(new).label if new else ""
        described.append(
            {
                "field": name,
                "label": _CHANGE_LABELS[name],
                "old": old,
                "new": new,
                "is_datetime": isinstance(old, datetime) or isinstance(new, datetime),
                "private": name in _JOIN_FIELDS,
            }
        )
    return described


def event_changed(event: Event, changes: dict) -> list[int]:
    """An updated invite (same UID, higher SEQUENCE) and a note saying what changed."""
    program = _program(event)
    described = _describe_changes(changes)
    specs = []
    confirmed = []
    for registration in _active_registrations(event):
        is_confirmed = registration.status == RegStatus.CONFIRMED
        visible = [c for c in described if is_confirmed or not c["private"]]
        if not visible:
            continue  # only the join URL changed, and this person has none yet
        spec = Spec(
            recipient=registration.user,
            kind=Kind.EVENT_CHANGED,
            # The revision makes the key: the same change saved twice is one message,
            # every real change is a new one.
            dedupe_key=f"{Kind.EVENT_CHANGED}:{event.pk}:{registration.user_id}:r{event.revision}",
            event=event,
            context=_context(
                event, include_join=is_confirmed, program=program, registration=registration, changes=visible
            ),
        )
        if is_confirmed:
            spec.ics = _invite(event, registration.user, "REQUEST", include_join=True, program=program)
            spec.ics_method = "REQUEST"
            confirmed.append(registration)
        specs.append(spec)
    ids = write(specs)
    schedule_reminders(event, confirmed, program=program)
    return ids


def event_cancelled(event: Event) -> list[int]:
    withdraw(
        Outbox.objects.filter(event=event, kind__in=[*Outbox.OPTIONAL_KINDS, Kind.EVENT_CHANGED]),
        "The event was cancelled.",
    )
    program = _program(event)
    specs = []
    for registration in _active_registrations(event):
        spec = Spec(
            recipient=registration.user,
            kind=Kind.EVENT_CANCELLED,
            dedupe_key=f"{Kind.EVENT_CANCELLED}:{event.pk}:{registration.user_id}",
            event=event,
            context=_context(event, include_join=False, program=program, registration=registration),
        )
        if registration.status == RegStatus.CONFIRMED:
            spec.ics = _invite(event, registration.user, "CANCEL", include_join=False, program=program)
            spec.ics_method = "CANCEL"
        specs.append(spec)
    return write(specs)


# --- reminders ----------------------------------------------------------------------------


def reminder_time(starts_at: datetime, offset: int, unit: str) -> datetime:
    if unit == ReminderRule.Unit.BUSINESS_DAYS:
        day = business_days_before(timezone.localtime(starts_at).date(), offset)
        return timezone.make_aware(datetime.combine(day, BUSINESS_DAY_SEND_TIME))
    return starts_at - timedelta(days=offset)


def reminder_plan(event: Event, rules: Iterable[ReminderRule] | None = None) -> list[tuple[str, datetime]]:
    """(key, when) for each reminder of the event: its own rules, or 7 and 1 days before."""
    rules = list(event.reminder_rules.all()) if rules is None else list(rules)
    pairs = [(rule.offset, rule.unit) for rule in rules] or list(DEFAULT_REMINDERS)
    plan = []
    for offset, unit in pairs:
        key = f"{offset}{'bd' if unit == ReminderRule.Unit.BUSINESS_DAYS else 'd'}"
        plan.append((key, reminder_time(event.starts_at, offset, unit)))
    return sorted(plan, key=lambda pair: pair[1])


def reminder_key(event_id: int, user_id: int, rule_key: str) -> str:
    return f"{Kind.REMINDER}:{event_id}:{user_id}:{rule_key}"


def reminder_specs(
    event: Event,
    registrations: Iterable[Registration],
    *,
    plan: list[tuple[str, datetime]],
    program: list,
    now: datetime,
    skip_keys: set[str] = frozenset(),  # type: ignore[assignment]
) -> Iterable[Spec]:
    groups = {} if render_at_send() else groupwork.groups_by_user(event.pk)
    for registration in registrations:
        user = registration.user
        if registration.status != RegStatus.CONFIRMED or not user.receive_reminders:
            continue
        # Someone who registered after a reminder's time does not get that reminder
        # (they have just read the confirmation), nor one whose time has passed.
        since = max(now, registration.confirmed_at or registration.created_at)
        for key, when in plan:
            dedupe = reminder_key(event.pk, user.pk, key)
            if when <= since or dedupe in skip_keys:
                continue
            yield Spec(
                recipient=user,
                kind=Kind.REMINDER,
                dedupe_key=dedupe,
                event=event,
                send_after=when,
                deferred={"registration": registration.pk},
                context={}
                if render_at_send()
                else _context(
                    event,
                    include_join=True,
                    program=program,
                    registration=registration,
                    group_block=_group_block(groups, user),
                ),
            )


def schedule_reminders(
    event: Event,
    registrations: Iterable[Registration],
    *,
    program: list | None = None,
    now: datetime | None = None,
) -> list[int]:
    """(Re)write the reminders of these registrations for the event's current time and rules.

    Unsent reminders are re-rendered and moved (the event's time or place changed);
    reminders no rule asks for any more are withdrawn; sent ones are left alone.
    """
    now = now or timezone.now()
    registrations = list(registrations)
    if not registrations:
        return []
    plan = reminder_plan(event)
    if program is None:
        program = [] if render_at_send() else _program(event)
    specs = list(reminder_specs(event, registrations, plan=plan, program=program, now=now))
    wanted = {spec.dedupe_key for spec in specs}
    withdraw(
        Outbox.objects.filter(
            event=event, kind=Kind.REMINDER, recipient_id__in=[r.user_id for r in registrations]
        ).exclude(dedupe_key__in=wanted),
        "The reminder no longer applies (the event or its reminder settings changed).",
    )
    return write(specs, replace_unsent=True, now=now)


def schedule_reminders_for_registration(registration_id: int) -> list[int]:
    registration = (
        Registration.objects.confirmed().select_related("user", "event").filter(pk=registration_id).first()
    )
    if registration is None:
        return []
    return schedule_reminders(registration.event, [registration])


def reschedule_event_reminders(event: Event) -> list[int]:
    """After the reminder rules of an event changed."""
    registrations = Registration.objects.confirmed().filter(event=event).select_related("user")
    ids = schedule_reminders(event, registrations)
    withdraw(
        Outbox.objects.filter(event=event, kind=Kind.REMINDER).exclude(
            recipient_id__in=registrations.values("user_id")
        ),
        "The reminder no longer applies.",
    )
    return ids


def reconcile_reminders(*, now: datetime | None = None, horizon_days: int = 100, chunk: int = 500) -> int:
    """The beat's safety net: create reminders that should exist and do not.

    Covers registrations made outside the services (admin, imports) and people who
    turned reminders back on. Existing rows — queued, sent or withdrawn — are kept.
    """
    now = now or timezone.now()
    created = 0
    events = Event.objects.filter(
        status=Event.Status.PUBLISHED, starts_at__gt=now, starts_at__lte=now + timedelta(days=horizon_days)
    ).prefetch_related("reminder_rules", "program_items")
    for event in events:
        plan = [(key, when) for key, when in reminder_plan(event) if when > now]
        if not plan:
            continue
        program = list(event.program_items.all())
        existing = set(
            Outbox.objects.filter(event=event, kind=Kind.REMINDER).values_list("dedupe_key", flat=True)
        )
        registrations = (
            Registration.objects.confirmed()
            .filter(event=event, user__receive_reminders=True)
            .select_related("user")
            .order_by("id")
        )
        batch: list[Spec] = []
        for spec in reminder_specs(
            event,
            registrations.iterator(chunk_size=chunk),
            plan=plan,
            program=program,
            now=now,
            skip_keys=existing,
        ):
            batch.append(spec)
            if len(batch) >= chunk:
                created += len(write(batch, now=now))
                batch = []
        created += len(write(batch, now=now))
    return created


def set_reminder_rules(event: Event, *, by: User, rules: list[tuple[int, str]]) -> list[ReminderRule]:
    """Replace an event's reminder rules and move its pending reminders accordingly."""
    if not can_manage_event(by, event):
        raise PermissionDenied
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        ReminderRule.objects.filter(event=event).delete()
        created = [ReminderRule.objects.create(event=event, offset=o, unit=u) for o, u in sorted(set(rules))]
        reschedule_event_reminders(event)
    return created


# --- announcements ------------------------------------------------------------------------


class Group:
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ATTENDED = "attended"
    PREWORK_MISSING = "prework_missing"

    LABELS = {
        CONFIRMED: _("Everyone confirmed"),
        WAITLISTED: _("Everyone on the waitlist"),
        ATTENDED: _("Those who attended"),
        PREWORK_MISSING: _("Confirmed, pre-work sheet not yet submitted"),
    }


def announcement_groups(event: Event) -> list[tuple[str, str]]:
    from notifications import surveys_bridge

    groups = [Group.CONFIRMED, Group.WAITLISTED, Group.ATTENDED]
    if surveys_bridge.prework_forms(event):
        groups.append(Group.PREWORK_MISSING)
    return [(g, Group.LABELS[g]) for g in groups]


def group_registrations(event: Event, group: str) -> QuerySet[Registration]:
    from notifications import surveys_bridge

    base = Registration.objects.filter(event=event).select_related("user", "event").order_by("id")
    if group == Group.CONFIRMED:
        return base.confirmed()
    if group == Group.WAITLISTED:
        return base.waitlisted().order_by("id")
    if group == Group.ATTENDED:
        return base.confirmed().filter(
            attendance__in=[Registration.Attendance.ATTENDED, Registration.Attendance.LEFT_EARLY],
        )
    if group == Group.PREWORK_MISSING:
        return surveys_bridge.without_submission(base.confirmed(), event, kind="prework")
    raise NotificationError(str(_("Choose who the announcement goes to.")))


@dataclass
class Audience:
    total: int
    opted_out: int

    @property
    def recipients(self) -> int:
        return self.total - self.opted_out


def audience(event: Event, group: str) -> Audience:
    registrations = group_registrations(event, group)
    total = registrations.count()
    opted_out = registrations.filter(user__receive_reminders=False).count()
    return Audience(total=total, opted_out=opted_out)


def render_announcement_preview(event: Event, *, subject: str, body: str, recipient: User):
    return render(
        Kind.ANNOUNCEMENT,
        {
            **_context(event, include_join=False),
            "recipient": recipient,
            "name": recipient.full_name or recipient.email,
            "announcement_subject": subject,
            "announcement_body": body,
            "unsubscribe_url": unsubscribe_url(recipient),
        },
        language=recipient.preferred_language or "ja",
    )


def announce(*, event: Event, by: User, group: str, subject: str, body: str, nonce: str) -> list[int]:
    """An organizer's announcement to one group. The form's nonce makes a double submit harmless."""
    if not can_manage_event(by, event):
        raise PermissionDenied
    with transaction.atomic():
        program = _program(event)
        specs = [
            Spec(
                recipient=registration.user,
                kind=Kind.ANNOUNCEMENT,
                dedupe_key=f"{Kind.ANNOUNCEMENT}:{event.pk}:{nonce}:{registration.user_id}",
                event=event,
                context=_context(
                    event,
                    include_join=registration.status == RegStatus.CONFIRMED,
                    program=program,
                    registration=registration,
                    announcement_subject=subject,
                    announcement_body=body,
                ),
            )
            for registration in group_registrations(event, group).filter(user__receive_reminders=True)
        ]
        ids = write(specs)
        # A repeated nonce (a double submit) writes nothing and is not a second announcement.
        if ids or not specs:
            audit.record(
                actor=by,
                action="announcement.send",
                target=event,
                event=event,
                details={"group": group, "subject": subject, "body": body, "recipients": len(ids)},
            )
        return ids


# --- organizer actions and personal settings ---------------------------------------------


def resend(message: Outbox, *, by: User) -> Outbox:
    if message.event is None or not can_manage_event(by, message.event):
        raise PermissionDenied
    with transaction.atomic():
        updated = Outbox.objects.filter(pk=message.pk, status=Status.FAILED).update(
            status=Status.QUEUED,
            attempts=0,
            send_after=timezone.now(),
            lease_until=None,
            updated_at=timezone.now(),
        )
        if updated:
            send_after_commit([message.pk])
    message.refresh_from_db()
    return message


def unsubscribe(user: User) -> User:
    """Reminders and announcements off; queued ones are withdrawn at send time."""
    if user.receive_reminders:
        user.receive_reminders = False
        user.save(update_fields=["receive_reminders"])
    return user


def renew_unsubscribe_links(user: User) -> None:
    """A new key for the person's unsubscribe links; every link mailed before stops at once."""
    from accounts.models import _link_key  # the key's format belongs to the User model

    user.unsubscribe_key = _link_key()
    user.save(update_fields=["unsubscribe_key"])


def renew_calendar_token(user: User) -> str:
    """A new secret for the personal feed; the old URL stops working at once."""
    from accounts.models import _calendar_token

    user.calendar_token = _calendar_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def status_counts(event: Event) -> dict[str, int]:
    from django.db.models import Count

    counts = dict.fromkeys(Status.values, 0)
    for row in Outbox.objects.filter(event=event).values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def personal_feed_registrations(user: User) -> QuerySet[Registration]:
    since = timezone.now() - timedelta(days=365)
    return (
        Registration.objects.confirmed()
        .filter(user=user, event__ends_at__gte=since)
        .exclude(event__status=Event.Status.DRAFT)
        .select_related("event")
        .prefetch_related("event__program_items")
        .order_by("event__starts_at")
    )


def public_events(*, series_id: int | None = None, organization_id: int | None = None) -> QuerySet[Event]:
    since = timezone.now() - timedelta(days=365)
    events = Event.objects.visible_to_public().filter(ends_at__gte=since)
    if series_id is not None:
        events = events.filter(series_id=series_id)
    if organization_id is not None:
        events = events.filter(Q(hosts__id=organization_id)).distinct()
    return events.select_related("series").prefetch_related("program_items").order_by("starts_at")
