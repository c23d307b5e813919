"""Which host organizations an editor may change.

An event (or series) co-hosted by 草加市 and 苫小牧市 is edited by each side's organizer,
whose form offers only the organizations they run events for. Saving such a form
must not drop the other side: the hosts the editor does not manage are kept as they
are, and only hosts the editor manages can be added or removed. Checked here, in the
service layer, so a hand-written POST cannot add or remove someone else's organization
either.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied

from accounts import permissions
from accounts.models import Organization, User


def _manageable(by: User) -> set[int] | None:
    """Organization ids the editor runs events for; None for staff (all of them)."""
    if permissions.is_staff(by):
        return None
    return permissions.organizer_org_ids(by)


def kept(current: Iterable[Organization], *, by: User) -> list[Organization]:
    """The current hosts this editor cannot change (shown on the form as kept)."""
    manageable = _manageable(by)
    if manageable is None:
        return []
    return [org for org in current if org.pk not in manageable]


def merge(
    *, current: Iterable[Organization], submitted: Iterable[Organization], by: User
) -> list[Organization]:
    """The hosts after an edit: the kept ones plus the submitted ones the editor manages.

    Raises PermissionDenied for a submitted organization the editor does not manage and
    that is not already a host (adding someone else's organization).
    """
    current = list(current)
    current_ids = {org.pk for org in current}
    manageable = _manageable(by)
    result: dict[int, Organization] = {org.pk: org for org in kept(current, by=by)}
    for org in submitted:
        if manageable is not None and org.pk not in manageable:
            if org.pk not in current_ids:
                raise PermissionDenied
            continue  # already a host and kept above
        result[org.pk] = org
    return list(result.values())
