"""A person's copy of everything the platform holds about them.

One ZIP: `data.json` (account, organizations, registrations and attendance, Zoom report
rows matched to them, their own sheets and named questionnaires with every answer, which
anonymous questionnaires they answered — never what, mail sent to them, certificates,
groups, and what they did as recorded in the audit trail) and `files/` (what they
uploaded). Sheets answered once per municipality are the municipality's, not theirs, and
are left out; so is anything about other people.

Built by Celery (privacy.tasks.build_export) with a progress figure the page polls; a
mail says when it is ready; the link works for RETENTION_DATA_EXPORT_DAYS days. One at a
time: a second request while one is being built is refused (and the database refuses it
too, privacy_one_export_at_a_time).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from core.errors import UserError
from core.tasks import enqueue_after_commit
from privacy.models import DataExport
from privacy.tasks import build_export


class ExportError(UserError):
    pass


def request_export(user: User, *, by: User) -> DataExport:
    """Start building a copy of `user`'s data (the person, or an administrator on request)."""
    if by.pk != user.pk and not by.is_staff:
        raise ExportError(_("Only the person themselves or an administrator can ask for this."))
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user, requested_by=by)
            audit.record(
                actor=by,
                action="export.personal_data",
                target=user,
                target_label=f"#{user.pk}",
                details={"export": str(export.pk), "by_self": by.pk == user.pk},
            )
    except IntegrityError:
        raise ExportError(
            _("A copy of your data is already being built. You will get a mail when it is ready.")
        ) from None
    enqueue_after_commit(build_export, str(export.pk))
    return export


def on_export_requested(sender, *, user: User, by: User, **kwargs) -> bool:
    """An administrator's request, made in the admin at the person's request."""
    try:
        request_export(user, by=by)
    except ExportError:
        return False
    return True


def latest(user: User) -> DataExport | None:
    return DataExport.objects.filter(user=user).order_by("-created_at").first()


def is_available(export: DataExport, now: dt.datetime | None = None) -> bool:
    return (
        export.status == DataExport.Status.READY
        and bool(export.archive)
        and export.expires_at is not None
        and (now or timezone.now()) < export.expires_at
    )
