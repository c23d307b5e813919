"""Who may do what in records; composed from accounts.permissions and the events rules."""

from __future__ import annotations

from accounts import permissions
from events.models import Event, EventSeries


def host_ids(*, series: EventSeries | None = None, event: Event | None = None) -> list[int]:
    target = series if series is not None else event
    return [org.pk for org in target.hosts.all()] if target is not None else []


def can_manage(user, *, series: EventSeries | None = None, event: Event | None = None) -> bool:
    """The host's organizers set the rule, issue and revoke (staff too)."""
    return permissions.can_manage_for(user, host_ids(series=series, event=event))


def can_read_completion(user, *, series: EventSeries | None = None, event: Event | None = None) -> bool:
    """The completion roster reads like the attendance roster: hosts and the sponsor."""
    return can_manage(user, series=series, event=event) or permissions.can_read_across_organizations(user)


def can_download(user, certificate) -> bool:
    """The holder, and the organizers who issued it."""
    if user is None or not user.is_authenticated:
        return False
    if certificate.user_id == user.pk:
        return True
    return can_manage(user, series=certificate.series, event=certificate.event)


def can_build_casebook(user) -> bool:
    """The sponsor's reviewers (and staff) compile the yearly book."""
    return permissions.can_read_across_organizations(user)
