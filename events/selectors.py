"""Read-side queries for event pages, each a fixed number of SQL queries."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts import permissions
from events.models import Event, ProgramItem, Registration


def _counted(qs: QuerySet) -> QuerySet:
    return (
        qs.select_related("series")
        .prefetch_related("hosts")
        .annotate(
            confirmed_total=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)
            ),
            waitlisted_total=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
            ),
            requested_total=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.REQUESTED)
            ),
        )
    )


def upcoming_events(*, limit: int | None = None) -> list[Event]:
    qs = _counted(Event.objects.upcoming()).order_by("starts_at", "id")
    return list(qs[:limit] if limit else qs)


def with_counts(page_of_events) -> list[Event]:
    """Registration counts for one page of events only.

    Paginating the annotated queryset would make the paginator's COUNT group every
    registration of every event; the page is fetched by id and annotated instead.
    """
    ids = [event.pk for event in page_of_events]
    by_id = {event.pk: event for event in _counted(Event.objects.filter(pk__in=ids))}
    return [by_id[pk] for pk in ids]


def public_events(*, kind=None, mode=None, month=None, host=None, include_past=False) -> QuerySet:
    qs = Event.objects.visible_to_public() if include_past else Event.objects.upcoming()
    if kind:
        qs = qs.filter(kind=kind)
    if mode:
        qs = qs.filter(attendance_mode=mode)
    if month:
        year, number = month
        qs = qs.filter(starts_at__year=year, starts_at__month=number)
    if host:
        qs = qs.filter(hosts=host)
    order = ("-starts_at", "-id") if include_past else ("starts_at", "id")
    return qs.order_by(*order)


def event_for_page(pk: int) -> Event:
    speakers = Prefetch("program_items", queryset=ProgramItem.objects.prefetch_related("speakers"))
    return (
        Event.objects.select_related("series")
        .prefetch_related("hosts", "speakers", speakers, "participating_organizations__organization")
        .get(pk=pk)
    )


def my_registrations(user) -> dict[str, list[Registration]]:
    now = timezone.now()
    regs = list(
        Registration.objects.filter(user=user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event__series")
        .order_by("event__starts_at")
    )
    waitlisted = [r for r in regs if r.status == Registration.Status.WAITLISTED and r.event.ends_at >= now]
    if waitlisted:
        # Positions for all waitlisted rows of these events in one query.
        event_ids = {r.event_id for r in waitlisted}
        queue = (
            Registration.objects.waitlisted()
            .filter(event_id__in=event_ids)
            .order_by("event_id", "created_at", "id")
            .values_list("event_id", "id")
        )
        positions, counters = {}, {}
        for event_id, reg_id in queue:
            counters[event_id] = counters.get(event_id, 0) + 1
            positions[reg_id] = counters[event_id]
        for r in waitlisted:
            r.position = positions.get(r.pk)
    return {
        "upcoming": [
            r
            for r in regs
            if r.event.ends_at >= now
            and r.status in (Registration.Status.CONFIRMED, Registration.Status.REQUESTED)
        ],
        "waitlisted": waitlisted,
        "past": [r for r in regs if r.event.ends_at < now and r.status == Registration.Status.CONFIRMED][
            ::-1
        ],
    }


def managed_events(user) -> QuerySet:
    """Plain (unannotated) for the paginator; annotate the page with with_counts()."""
    qs = Event.objects.all()
    if not permissions.is_staff(user):
        qs = qs.filter(
            pk__in=Event.objects.filter(hosts__in=permissions.organizer_org_ids(user)).values("pk")
        )
    return qs.order_by("-starts_at", "-id")


def event_registrations(event: Event, *, status=None, organization=None) -> QuerySet:
    qs = Registration.objects.filter(event=event).select_related(
        "user", "organization__parent", "registered_by"
    )
    if status:
        qs = qs.filter(status=status)
    if organization:
        qs = qs.filter(organization=organization)
    return qs.order_by("user__full_name_kana", "user__email")


def coordinator_registrations(user) -> QuerySet:
    org_ids = permissions.coordinator_org_ids(user)
    return (
        Registration.objects.filter(organization_id__in=org_ids)
        .select_related("user", "event__series", "organization")
        .order_by("-event__starts_at", "user__full_name_kana")
    )
