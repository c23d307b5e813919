"""Building a person's copy of their data (see privacy.export): run by Celery."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zipfile
from collections.abc import Callable

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, MembershipRequest, User
from attendance.models import ZoomImportRow
from audit.models import AuditEntry
from events.models import Registration
from groupwork.models import GroupMember
from notifications.models import Outbox
from notifications.outbox import Spec, write
from privacy.models import DataExport
from records.models import Certificate
from surveys import files as filekinds
from surveys.models import Answer, Respondent, Submission
from surveys.selectors import display_value

# --- building ------------------------------------------------------------------------------


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _account(user: User, files) -> dict:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "full_name_kana": user.full_name_kana,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
        "receive_reminders": user.receive_reminders,
        "date_joined": _time(user.date_joined),
        "last_login": _time(user.last_login),
        "organizations": [
            {
                "organization": m.organization.display_name,
                "role": m.get_role_display(),
                "since": _time(m.created_at),
            }
            for m in Membership.objects.filter(user=user).select_related("organization__parent")
        ],
        "membership_requests": [
            {
                "organization": r.organization.display_name if r.organization else r.requested_name,
                "status": r.get_status_display(),
                "note": r.note,
                "requested_at": _time(r.created_at),
            }
            for r in MembershipRequest.objects.filter(user=user).select_related("organization__parent")
        ],
    }


def _registrations(user: User, files) -> list:
    rows = []
    zoom = {}
    for row in ZoomImportRow.objects.filter(registration__user=user):
        zoom.setdefault(row.registration_id, []).append(
            {
                "name_in_zoom": row.name,
                "email_in_zoom": row.email,
                "minutes": row.minutes,
                "times_joined": row.sessions,
                "first_joined": _time(row.first_joined_at),
                "last_left": _time(row.last_left_at),
            }
        )
    for r in (
        Registration.objects.filter(user=user)
        .select_related("event", "organization")
        .order_by("event__starts_at")
    ):
        rows.append(
            {
                "event": r.event.display_title,
                "starts_at": _time(r.event.starts_at),
                "ends_at": _time(r.event.ends_at),
                "status": r.get_status_display(),
                "organization": r.organization.display_name if r.organization else None,
                "registered_at": _time(r.created_at),
                "confirmed_at": _time(r.confirmed_at),
                "cancelled_at": _time(r.cancelled_at),
                "note": r.note,
                "attendance": r.get_attendance_display(),
                "minutes_attended": r.attendance_minutes,
                "checked_in_at": _time(r.checked_in_at),
                "zoom_report": zoom.get(r.pk, []),
            }
        )
    return rows


def _sheets(user: User, files) -> dict:
    submissions = list(
        Submission.objects.filter(user=user).select_related("form", "event").order_by("event__starts_at")
    )
    answers: dict = {}
    for a in Answer.objects.filter(submission__in=submissions).select_related("question__section", "choice"):
        answers.setdefault((a.submission_id, a.question_id, a.repeat), []).append(a)
    sheets = []
    for s in submissions:
        items = []
        for (_sid, _qid, repeat), found in sorted(
            ((k, v) for k, v in answers.items() if k[0] == s.pk),
            key=lambda kv: (kv[1][0].question.section.order, kv[1][0].question.order, kv[0][2]),
        ):
            question = found[0].question
            item = {
                "section": question.section.title,
                "block": repeat + 1,
                "question": question.label,
                "answer": display_value(question, found),
            }
            if found[0].file:
                kind = filekinds.stored_kind(found[0].file.name, found[0].file_type)
                name = f"files/{len(files) + 1:03d}_{filekinds.download_name(found[0].file_name, kind.extension)}"
                files.append((name, found[0].file))
                item["file"] = name
            items.append(item)
        sheets.append(
            {
                "form": s.form.title,
                "kind": s.form.get_kind_display(),
                "event": s.event.display_title,
                "status": s.get_status_display(),
                "submitted_at": _time(s.submitted_at),
                "answers": items,
            }
        )
    anonymous = [
        {
            "form": r.form.title,
            "event": r.event.display_title,
            "note": _(
                "Answered anonymously: the answers are kept without your name and cannot be found again."
            ),
        }
        for r in Respondent.objects.filter(user=user).select_related("form", "event")
    ]
    return {"sheets_and_questionnaires": sheets, "anonymous_questionnaires_answered": anonymous}


def _mail(user: User, files) -> list:
    return [
        {
            "kind": m.get_kind_display(),
            "event": m.event.display_title if m.event else None,
            "sent_to": m.to_email,
            "status": m.get_status_display(),
            "created_at": _time(m.created_at),
            "sent_at": _time(m.sent_at),
            "subject": m.subject,
            "text": m.body_text,
        }
        for m in Outbox.objects.filter(recipient=user).select_related("event").order_by("created_at")
    ]


def _records(user: User, files) -> dict:
    return {
        "certificates": [
            {
                "number": c.number,
                "title": c.title,
                "name": c.holder_name,
                "organization": c.holder_organization,
                "issued_at": _time(c.issued_at),
                "minutes": c.total_minutes,
                "revoked_at": _time(c.revoked_at),
            }
            for c in Certificate.objects.filter(user=user).order_by("issued_at")
        ],
        "groups": [
            {"event": g.group.plan.event.display_title, "group": str(g.group)}
            for g in GroupMember.objects.filter(user=user).select_related("group__plan__event")
        ],
    }


def _activity(user: User, files) -> list:
    return [
        {"at": _time(e.at), "action": e.action, "target": e.target_label}
        for e in AuditEntry.objects.filter(actor=user).order_by("at")[:10000]
    ]


SECTIONS: list[tuple[str, Callable]] = [
    ("account", _account),
    ("registrations", _registrations),
    ("answers", _sheets),
    ("mail", _mail),
    ("records", _records),
    ("your_actions", _activity),
]


def build(export_id: str) -> DataExport | None:
    """Build the ZIP (Celery). Quietly does nothing for a row that is gone or already built."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != DataExport.Status.PENDING:
            return export
        export.status = DataExport.Status.BUILDING
        export.save(update_fields=["status"])
    user = export.user
    try:
        document: dict = {
            "generated_at": _time(timezone.now()),
            "about": _("Everything Tsunagu keeps about you, as of the time above."),
        }
        files: list = []
        for index, (key, section) in enumerate(SECTIONS, start=1):
            document[key] = section(user, files)
            DataExport.objects.filter(pk=export.pk).update(progress=int(index * 90 / len(SECTIONS)))
        with tempfile.TemporaryFile() as out:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2))
                for name, stored in files:
                    try:
                        with stored.open("rb") as handle:
                            archive.writestr(name, handle.read())
                    except FileNotFoundError:
                        continue
            out.seek(0)
            export.archive.save(f"{user.pk}/{export.pk}.zip", File(out), save=False)
            export.size = export.archive.size
    except Exception as error:
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    now = timezone.now()
    with transaction.atomic():
        export.status = DataExport.Status.READY
        export.progress = 100
        export.finished_at = now
        export.expires_at = now + dt.timedelta(days=settings.RETENTION_DATA_EXPORT_DAYS)
        export.save()
        write(
            [
                Spec(
                    recipient=user,
                    kind=Outbox.Kind.DATA_EXPORT_READY,
                    dedupe_key=f"data_export_ready:{export.pk}",
                    context={
                        "download_url": settings.SITE_URL + export.get_absolute_url(),
                        "expires_at": export.expires_at,
                    },
                )
            ]
        )
    return export
