"""Recording a Zoom participant report: who each line was, and their attendance.

How a Zoom row is matched (`match`): first by the address Zoom shows, then by the
name (NFKC, spaces and the 「草加市_」 prefix removed, both halves of 「表示名 (元の名前)」)
against each confirmed registrant's name and kana; a name two registrants share is
left for a person. A person's rejoins are summed into minutes; 出席 needs
ATTENDANCE_MIN_RATIO of the event's length, less is 途中退出. Unmatched people wait on
the review list (link_row / dismiss_row). The import is all or nothing, and the
file's SHA-256 makes a re-upload a no-op.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendance.errors import AttendanceError
from attendance.models import ZoomImport, ZoomImportRow
from attendance.zoom import ZoomLine, name_candidates, normalize_person_name, parse_zoom_report
from audit import services as audit
from events.models import Event, Registration
from events.permissions import require_manager
from events.services import audit_registration

Attendance = Registration.Attendance
Status = Registration.Status


@dataclass
class PersonMinutes:
    name: str
    email: str
    minutes: int = 0
    sessions: int = 0
    first_joined_at: datetime | None = None
    last_left_at: datetime | None = None
    guest: bool = False
    registration: Registration | None = None

    def add(self, line: ZoomLine) -> None:
        self.minutes += line.minutes
        self.sessions += 1
        self.guest = self.guest or line.guest
        self.email = self.email or line.email
        if line.joined_at and (self.first_joined_at is None or line.joined_at < self.first_joined_at):
            self.first_joined_at = line.joined_at
        if line.left_at and (self.last_left_at is None or line.left_at > self.last_left_at):
            self.last_left_at = line.left_at


@dataclass
class ImportResult:
    zoom_import: object
    created: bool
    matched: int = 0
    unmatched: int = 0
    attended: int = 0
    left_early: int = 0
    absent: int = 0
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def required_minutes(event: Event) -> int:
    duration = (event.ends_at - event.starts_at).total_seconds() / 60
    return max(1, round(duration * settings.ATTENDANCE_MIN_RATIO))


def _attendance_for(minutes: int, event: Event) -> str:
    return Attendance.ATTENDED if minutes >= required_minutes(event) else Attendance.LEFT_EARLY


def match(lines: list[ZoomLine], registrations: list[Registration]) -> list[PersonMinutes]:
    by_email: dict[str, Registration] = {}
    by_name: dict[str, list[Registration]] = defaultdict(list)
    for reg in registrations:
        by_email[reg.user.email.lower()] = reg
        keys = {normalize_person_name(reg.user.full_name), normalize_person_name(reg.user.full_name_kana)}
        for key in keys - {""}:
            by_name[key].append(reg)

    people: dict[object, PersonMinutes] = {}
    for line in lines:
        reg = by_email.get(line.email) if line.email else None
        if reg is None:
            for candidate in name_candidates(line.name):
                found = by_name.get(candidate, [])
                # Two registrants with the same name: a person decides, not the importer.
                if len(found) == 1:
                    reg = found[0]
                    break
        if reg is not None:
            key: object = ("reg", reg.pk)
        else:
            names = name_candidates(line.name)
            key = ("email", line.email) if line.email else ("name", names[0] if names else line.name)
        person = people.get(key)
        if person is None:
            person = people[key] = PersonMinutes(name=line.name, email=line.email, registration=reg)
        person.add(line)
    return list(people.values())


def import_zoom_report(event: Event, *, by: User, data: bytes, filename: str = "") -> ImportResult:
    """Record attendance from a Zoom participant report, all or nothing.

    Matched people get their summed minutes and 出席 / 途中退出 by the threshold;
    confirmed registrants missing from an online-only meeting's report become 欠席
    unless already marked; people who match nobody wait on the review list.
    """
    require_manager(by, event)
    if event.status in (Event.Status.DRAFT, Event.Status.CANCELLED):
        raise AttendanceError(_("Attendance can only be recorded for an event that took place."))
    digest = hashlib.sha256(data).hexdigest()
    existing = ZoomImport.objects.filter(event=event, sha256=digest).first()
    if existing is not None:
        return ImportResult(zoom_import=existing, created=False, encoding=existing.encoding)
    lines, encoding = parse_zoom_report(data)

    try:
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=event.pk)
            registrations = list(
                Registration.objects.select_for_update(of=("self",))
                .confirmed()
                .filter(event=locked)
                .select_related("user")
            )
            zoom_import = ZoomImport.objects.create(
                event=locked,
                sha256=digest,
                filename=filename[:255],
                encoding=encoding,
                line_count=len(lines),
                imported_by=by,
            )
            result = ImportResult(zoom_import=zoom_import, created=True, encoding=encoding)
            people = match(lines, registrations)
            rows = []
            seen_regs: set[int] = set()
            for person in people:
                reg = person.registration
                rows.append(
                    ZoomImportRow(
                        zoom_import=zoom_import,
                        name=person.name[:300],
                        email=person.email[:254],
                        minutes=person.minutes,
                        sessions=min(person.sessions, 32767),
                        first_joined_at=person.first_joined_at,
                        last_left_at=person.last_left_at,
                        guest=person.guest,
                        state=ZoomImportRow.State.MATCHED if reg else ZoomImportRow.State.UNMATCHED,
                        registration=reg,
                    )
                )
                if reg is None:
                    result.unmatched += 1
                    continue
                result.matched += 1
                seen_regs.add(reg.pk)
                state = _attendance_for(person.minutes, locked)
                # Someone who checked in at the venue of a hybrid event stays 出席.
                if reg.checked_in_at is not None:
                    state = Attendance.ATTENDED
                reg.attendance = state
                reg.attendance_minutes = person.minutes
                reg.save(update_fields=["attendance", "attendance_minutes", "updated_at"])
                if state == Attendance.ATTENDED:
                    result.attended += 1
                else:
                    result.left_early += 1
            ZoomImportRow.objects.bulk_create(rows)
            if locked.attendance_mode == Event.Mode.ONLINE:
                result.absent = (
                    Registration.objects.confirmed()
                    .filter(event=locked, attendance=Attendance.UNKNOWN)
                    .exclude(pk__in=seen_regs)
                    .update(attendance=Attendance.ABSENT, updated_at=timezone.now())
                )
            audit.record(
                actor=by,
                action="attendance.import",
                target=zoom_import,
                target_label=filename[:255] or str(zoom_import),
                event=locked,
                details={
                    "filename": filename[:255],
                    "sha256": digest,
                    "lines": len(lines),
                    "matched": result.matched,
                    "unmatched": result.unmatched,
                    "attended": result.attended,
                    "left_early": result.left_early,
                    "absent": result.absent,
                },
            )
            return result
    except IntegrityError:
        # Two organizers uploaded the same file at once; the other upload won.
        existing = ZoomImport.objects.get(event=event, sha256=digest)
        return ImportResult(zoom_import=existing, created=False, encoding=existing.encoding)


def pending_review(event: Event):
    return ZoomImportRow.objects.filter(
        zoom_import__event=event, state=ZoomImportRow.State.UNMATCHED
    ).select_related("zoom_import")


def _recompute(registration: Registration, event: Event, zoom_import) -> None:
    """Minutes of every row of this import now pointing at the registration, summed."""
    rows = ZoomImportRow.objects.filter(
        zoom_import=zoom_import,
        registration=registration,
        state__in=[ZoomImportRow.State.MATCHED, ZoomImportRow.State.LINKED],
    )
    minutes = sum(row.minutes for row in rows)
    state = _attendance_for(minutes, event)
    if registration.checked_in_at is not None:
        state = Attendance.ATTENDED
    registration.attendance = state
    registration.attendance_minutes = minutes
    registration.save(update_fields=["attendance", "attendance_minutes", "updated_at"])


def link_row(row, *, by: User, registration: Registration):
    """An organizer says who an unmatched Zoom name was."""
    with transaction.atomic():
        row = ZoomImportRow.objects.select_for_update().select_related("zoom_import__event").get(pk=row.pk)
        event = row.zoom_import.event
        require_manager(by, event)
        if row.state != ZoomImportRow.State.UNMATCHED:
            raise AttendanceError(_("This row has already been handled."))
        reg = (
            Registration.objects.select_for_update()
            .confirmed()
            .filter(pk=registration.pk, event=event)
            .first()
        )
        if reg is None:
            raise AttendanceError(_("Choose a confirmed registrant of this event."))
        row.state = ZoomImportRow.State.LINKED
        row.registration = reg
        row.resolved_by = by
        row.resolved_at = timezone.now()
        row.save(update_fields=["state", "registration", "resolved_by", "resolved_at"])
        before = reg.attendance
        _recompute(reg, event, row.zoom_import)
        audit_registration(
            reg,
            by=by,
            action="attendance.import_link",
            changes={"attendance": [before, reg.attendance]},
            event=event,
        )
        return row


def dismiss_row(row, *, by: User):
    """Not a registrant (the host's own account, a lecturer, an observer)."""
    with transaction.atomic():
        row = ZoomImportRow.objects.select_for_update().select_related("zoom_import__event").get(pk=row.pk)
        require_manager(by, row.zoom_import.event)
        if row.state != ZoomImportRow.State.UNMATCHED:
            raise AttendanceError(_("This row has already been handled."))
        row.state = ZoomImportRow.State.DISMISSED
        row.resolved_by = by
        row.resolved_at = timezone.now()
        row.save(update_fields=["state", "resolved_by", "resolved_at"])
        audit.record(
            actor=by,
            action="attendance.import_dismiss",
            target=row,
            target_label=row.name,
            event=row.zoom_import.event_id,
        )
        return row
