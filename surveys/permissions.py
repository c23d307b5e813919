"""Who may build a form and read its results (organizers of its event or series' hosts, and the sponsor)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts import permissions
from accounts.models import User
from events.permissions import can_manage_event
from surveys.models import Form


def can_manage_form(user: User, form: Form) -> bool:
    if form.event_id:
        return can_manage_event(user, form.event)
    return permissions.can_manage_for(user, [h.pk for h in form.series.hosts.all()])


def can_read_results(user: User, form: Form) -> bool:
    """Organizers of the event, and the sponsor (reviewer) who reads everything."""
    return can_manage_form(user, form) or permissions.can_read_across_organizations(user)


def require_manager(user: User, form: Form) -> None:
    if not can_manage_form(user, form):
        raise PermissionDenied
