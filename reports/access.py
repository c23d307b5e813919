"""Who may read and write what in reports; composed from accounts.permissions."""

from __future__ import annotations

from accounts import permissions
from events.models import Event
from events.permissions import can_manage_event


def can_see_dashboard(user) -> bool:
    """Reviewers and staff see every municipality; organizers their own events."""
    return permissions.can_read_across_organizations(user) or bool(permissions.organizer_org_ids(user))


def can_read_engagement(user, organization_id: int) -> bool:
    return permissions.can_read_across_organizations(user) or permissions.can_write_engagement_of(
        user, organization_id
    )


def can_write_engagement(user, organization_id: int) -> bool:
    # Reviewers read only, even where they could otherwise see everything.
    return permissions.can_write_engagement_of(user, organization_id)


def can_see_event_figures(user, event: Event) -> bool:
    return permissions.can_read_across_organizations(user) or can_manage_event(user, event)
