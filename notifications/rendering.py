"""What a message says: the context of an event's mail, the registration messages, and
rendering rows that were written unrendered (render_deferred, called by the sender).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.models import User
from events.models import Event, ProgramItem, Registration
from groupwork import selectors as groupwork
from notifications import ical
from notifications.mail import unsubscribe_url
from notifications.models import Outbox
from notifications.outbox import Spec, render_at_send, render_row

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status


NAME_SLOT = "@@tsunagu-name@@"


UNSUBSCRIBE_SLOT = "@@tsunagu-unsubscribe@@"


# The person's breakout group (names and organizations of their group only), once locked.
GROUP_SLOT = "@@tsunagu-group@@"


def group_block(groups: dict, user: User) -> str:
    """The person's group block in their own language ("" when they have no locked group)."""
    group = groups.get(user.pk)
    if group is None:
        return ""
    with translation.override(user.preferred_language or "ja"):
        return groupwork.mail_text(group)


def personalise(rendered: dict, user: User, *, group: str = "") -> dict:
    name = user.full_name or user.email
    link = unsubscribe_url(user)
    result = dict(rendered)
    text = rendered["body_text"].replace(NAME_SLOT, name).replace(UNSUBSCRIBE_SLOT, link)
    html = rendered["body_html"].replace(NAME_SLOT, escape(name)).replace(UNSUBSCRIBE_SLOT, escape(link))
    if group:
        text = text.replace(GROUP_SLOT, group)
        html = html.replace(GROUP_SLOT, "<br>".join(escape(line) for line in group.splitlines()))
    else:
        text = text.replace(GROUP_SLOT + "\n", "").replace(GROUP_SLOT, "")
        html = html.replace(GROUP_SLOT, "")
    result["body_text"], result["body_html"] = text, html
    result["subject"] = rendered["subject"].replace(NAME_SLOT, name)
    return result


def render_deferred(rows: list[Outbox]) -> tuple[list[Outbox], list[int], list[int]]:
    """Render rows written unrendered, from their registrations as they are now.

    One query for the registrations, one for the programs and one UPDATE per batch.
    Returns (ready, failed ids, withdrawn ids): a row whose registration is gone is
    withdrawn; one whose template fails is failed with the error, for an organizer to
    see and resend, and the rest of the batch goes on.
    """
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
                    context=message_context(
                        event,
                        include_join=True,
                        program=program,
                        name=NAME_SLOT,
                        unsubscribe_url=UNSUBSCRIBE_SLOT,
                        group_block=GROUP_SLOT,
                    ),
                )
                shared[key] = render_row(spec, now)
            if event.pk not in groups_of:
                groups_of[event.pk] = groupwork.groups_by_user(event.pk)
            rendered = personalise(shared[key], user, group=group_block(groups_of[event.pk], user))
        else:
            spec = registration_spec(registration, row.kind, program=program, defer=False)
            rendered = render_row(spec, now)
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


def program_of(event: Event) -> list:
    return list(event.program_items.all())


def message_context(event: Event, *, include_join: bool, program: list | None = None, **extra) -> dict:
    program = program if program is not None else program_of(event)
    return {
        "event": event,
        "event_url": ical.event_url(event),
        # Callables are evaluated while the template renders, i.e. in the recipient's language.
        "location": lambda: ical.location(event),
        "program": program,
        "include_join": include_join and event.is_online and bool(event.online_url),
        **extra,
    }


def invite(event: Event, user: User, method: str, *, include_join: bool, program: list) -> Callable[[], str]:
    return lambda: ical.invite(
        event, recipient=user, method=method, include_join=include_join, program=program
    )


def registration_spec(
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
    program = program if program is not None else program_of(event)
    confirmed = registration.status == RegStatus.CONFIRMED
    spec = Spec(
        recipient=user,
        kind=kind,
        dedupe_key=f"{kind}:{registration.pk}",
        event=event,
        context=message_context(
            event,
            include_join=confirmed,
            program=program,
            registration=registration,
            position=registration.waitlist_position() if kind == Kind.REGISTRATION_WAITLISTED else None,
        ),
    )
    if kind in (Kind.REGISTRATION_CONFIRMED, Kind.REGISTRATION_PROMOTED):
        spec.ics = invite(event, user, "REQUEST", include_join=True, program=program)
        spec.ics_method = "REQUEST"
    elif kind in (Kind.REGISTRATION_CANCELLED, Kind.REGISTRATION_DECLINED) and registration.confirmed_at:
        # They had an invite in their calendar: take it out.
        spec.ics = invite(event, user, "CANCEL", include_join=False, program=program)
        spec.ics_method = "CANCEL"
    return spec
