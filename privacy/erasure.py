"""What each app holds about a person, erased when their account is deleted.

accounts.lifecycle pseudonymizes the User row and announces `account_deleted` inside its
transaction; this receiver (the top layer, which may read every app) erases the rest in
the same transaction. Rows that statistics count stay (registrations, attendance,
answers), without anything that names the person; files leave the disk after commit.
"""

from __future__ import annotations

from django.db import transaction

from accounts.lifecycle import PSEUDONYM
from accounts.models import User
from attendance.models import ZoomImportRow
from events.models import Registration, Speaker
from notifications.models import Outbox
from records.models import Certificate
from surveys.models import Answer


def delete_files_after_commit(files) -> None:
    """Remove stored files once the rows that named them are gone for good."""
    files = [f for f in files if f]

    def remove() -> None:
        for f in files:
            f.storage.delete(f.name)

    if files:
        transaction.on_commit(remove)


def on_account_deleted(sender, *, user: User, **kwargs) -> None:
    # Uploaded files of the person's own sheets (municipality sheets are the municipality's).
    uploads = list(Answer.objects.filter(submission__user=user).exclude(file=""))
    delete_files_after_commit([a.file for a in uploads])
    Answer.objects.filter(pk__in=[a.pk for a in uploads]).delete()
    # Mail: the bodies named the person and the address is gone; queued mail is withdrawn.
    Outbox.objects.filter(recipient=user, status__in=[Outbox.Status.QUEUED, Outbox.Status.SENDING]).update(
        status=Outbox.Status.WITHDRAWN, last_error="The account was deleted."
    )
    Outbox.objects.filter(recipient=user).update(
        to_email="", subject="", body_text="", body_html="", ics="", render_args={}
    )
    Registration.objects.filter(user=user).update(note="")
    ZoomImportRow.objects.filter(registration__user=user).update(name=PSEUDONYM, email="")
    Certificate.objects.filter(user=user).update(holder_name=PSEUDONYM, holder_name_kana="")
    Speaker.objects.filter(user=user).update(user=None)
    from privacy.models import DataExport  # reason: the app's own models, loaded after the registry

    for export in DataExport.objects.filter(user=user):
        delete_files_after_commit([export.archive])
    DataExport.objects.filter(user=user).delete()
