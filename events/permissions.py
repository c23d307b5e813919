"""Who may do what with an event, and the one pair of view decorators that load an
event for the person asking (like healthchecks' `_get_check_for_user`).

Organizers of one of the event's host organizations (and staff) manage it; reviewers
(the sponsor) read registrations across organizations and change nothing. The rules
for people and organizations themselves are in accounts/permissions.py.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts import permissions
from accounts.models import User
from events.models import Event, Registration


def can_manage_event(user: User, event: Event) -> bool:
    host_ids = [org.pk for org in event.hosts.all()]
    return permissions.can_manage_for(user, host_ids)


def can_view_registrations(user: User, event: Event) -> bool:
    return can_manage_event(user, event) or permissions.can_read_across_organizations(user)


def can_change_registration(user: User, registration: Registration) -> bool:
    if registration.user_id == user.pk:
        return True
    if permissions.can_coordinate_people_of(user, registration.organization_id):
        return True
    return can_manage_event(user, registration.event)


def require_manager(user: User, event: Event) -> None:
    if not can_manage_event(user, event):
        raise PermissionDenied


def _load(pk: int) -> Event:
    return get_object_or_404(Event.objects.select_related("series").prefetch_related("hosts"), pk=pk)


def event_manager_required(view):
    """`view(request, event, ...)` for an organizer of one of the event's hosts (or staff)."""

    @wraps(view)
    @login_required
    def wrapper(request, pk, *args, **kwargs):
        event = _load(pk)
        require_manager(request.user, event)
        request.can_manage = True
        return view(request, event, *args, **kwargs)

    return wrapper


def event_reader_required(view):
    """`view(request, event, ...)` for organizers and reviewers; `request.can_manage` tells them apart."""

    @wraps(view)
    @login_required
    def wrapper(request, pk, *args, **kwargs):
        event = _load(pk)
        if not can_view_registrations(request.user, event):
            raise PermissionDenied
        request.can_manage = can_manage_event(request.user, event)
        return view(request, event, *args, **kwargs)

    return wrapper
