"""Reminders before an event: the plan from the event's rules (days or business days),
one row per confirmed registrant and rule, moved when the event moves, withdrawn when a
registration ends; reconcile_reminders (beat) writes any that a broker outage left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from events.models import Event, Registration
from events.permissions import can_manage_event
from groupwork import selectors as groupwork
from notifications.business_days import business_days_before
from notifications.models import Outbox, ReminderRule
from notifications.outbox import Spec, render_at_send, withdraw, write
from notifications.rendering import group_block, message_context, program_of

logger = logging.getLogger(__name__)
Kind = Outbox.Kind
Status = Outbox.Status
RegStatus = Registration.Status


DEFAULT_REMINDERS: tuple[tuple[int, str], ...] = ((7, ReminderRule.Unit.DAYS), (1, ReminderRule.Unit.DAYS))


# Business-day reminders go out at the start of office hours on that day.
BUSINESS_DAY_SEND_TIME = time(9, 0)


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
                else message_context(
                    event,
                    include_join=True,
                    program=program,
                    registration=registration,
                    group_block=group_block(groups, user),
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
        program = [] if render_at_send() else program_of(event)
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
