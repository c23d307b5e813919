"""Recording a Zoom participant report: which event it belongs to, who each person was,
and their attendance.

Checks before anything is recorded (a report of another meeting must not mark anyone):
the event has started; the report's meeting ID (when it has the meeting block) is the
event's; the report's date is the event's — an organizer may import a report of another
day only by saying so (`allow_other_date`, with a reason; recorded on the import and in
the audit trail). Each refusal names both sides.

How a Zoom row is matched (`match`): the report's lines are first grouped into people —
one group per address, and for lines without one, per name as written, split into
separate people whenever two of its lines overlap in time (two namesakes joined
together) — so namesakes are never merged. A group then meets a registrant (1) by its
address, (2) by its 「自治体名_」 prefix plus name against the registrant's organization,
(3) by its name when exactly one registrant and one group carry it; otherwise it waits on
the review list, one review row per group. An organizer's own account (the host) is set
aside. Credited minutes are the union of a person's join–leave spans and never exceed
the event's length; 出席 needs ATTENDANCE_MIN_RATIO of it, less is 途中退出. The import is
all or nothing, and the file's SHA-256 makes a re-upload a no-op.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from attendance.errors import AttendanceError
from attendance.models import ZoomImport, ZoomImportRow
from attendance.zoom import (
    ZoomLine,
    ZoomReport,
    digits,
    name_candidates,
    normalize_person_name,
    parse_zoom_report,
    prefixes_of,
)
from audit import services as audit
from core.dates import format_date, format_datetime
from events.models import Event, Registration
from events.permissions import require_manager
from events.services import audit_registration

Attendance = Registration.Attendance
Status = Registration.Status
MatchedBy = ZoomImportRow.MatchedBy


class DateMismatch(AttendanceError):
    """The report is of another day than the event: the organizer may import it anyway."""


@dataclass
class PersonMinutes:
    """One person of the report: a group of lines (rejoins)."""

    name: str
    email: str
    lines: list[ZoomLine] = field(default_factory=list)
    registration: Registration | None = None
    matched_by: str = MatchedBy.NONE
    review_reason: str = ""
    organizer: bool = False
    # Registrants this unmatched person may be (namesakes): not marked 欠席 meanwhile.
    candidates: set[int] = field(default_factory=set)

    @property
    def sessions(self) -> int:
        return len(self.lines)

    @property
    def reported_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def guest(self) -> bool:
        return any(line.guest for line in self.lines)

    @property
    def first_joined_at(self) -> datetime | None:
        return min((line.joined_at for line in self.lines if line.joined_at), default=None)

    @property
    def last_left_at(self) -> datetime | None:
        return max((line.left_at for line in self.lines if line.left_at), default=None)

    def credited_minutes(self, event: Event) -> int:
        return credited_minutes(self.lines, event)


def session_minutes(event: Event) -> int:
    return max(1, int((event.ends_at - event.starts_at).total_seconds() // 60))


def credited_minutes(lines: list[ZoomLine], event: Event) -> int:
    """The union of the join–leave spans (a rejoin from a second device does not count
    twice), or the reported minutes where times are missing; never more than the event."""
    spans = sorted((line.joined_at, line.left_at) for line in lines if line.joined_at and line.left_at)
    untimed = sum(line.minutes for line in lines if not (line.joined_at and line.left_at))
    total = timedelta()
    current_start = current_end = None
    for start, end in spans:
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    minutes = math.ceil(total.total_seconds() / 60) + untimed
    return min(minutes, session_minutes(event))


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
    return max(1, round(session_minutes(event) * settings.ATTENDANCE_MIN_RATIO))


def _attendance_for(minutes: int, event: Event) -> str:
    return Attendance.ATTENDED if minutes >= required_minutes(event) else Attendance.LEFT_EARLY


# --- grouping and matching --------------------------------------------------------------------


def group_lines(lines: list[ZoomLine]) -> list[PersonMinutes]:
    """One group per address; lines without one, per name (with its 自治体名_ prefix), split
    wherever two lines overlap in time (two people on screen at once are two people)."""
    by_key: dict[tuple, list[ZoomLine]] = defaultdict(list)
    for line in lines:
        if line.email:
            key: tuple = ("email", line.email)
        else:
            # The name behind a 「自治体名_」 prefix, with the prefix: 草加市_山田 and
            # 苫小牧市_山田 are two people, 草加市＿鈴木 (スズキ) and 草加市_鈴木 may be one.
            names = name_candidates(line.match_name) or [line.match_name]
            key = ("name", (prefixes_of(line.match_name) or [""])[0], names[0])
        by_key[key].append(line)
    people: list[PersonMinutes] = []
    for key, group in by_key.items():
        if key[0] == "email":
            people.append(PersonMinutes(name=group[0].name, email=group[0].email, lines=group))
            continue
        tracks: list[list[ZoomLine]] = []
        for line in sorted(group, key=lambda x: (x.joined_at is None, x.joined_at or datetime.min, x.line)):
            for track in tracks:
                last = track[-1]
                if line.joined_at and last.left_at and line.joined_at >= last.left_at:
                    track.append(line)
                    break
            else:
                tracks.append([line])
        people.extend(PersonMinutes(name=t[0].name, email="", lines=t) for t in tracks)
    return sorted(people, key=lambda p: p.lines[0].line)


def _organization_names(registration: Registration) -> set[str]:
    """The names a 自治体名_ prefix may use for the registrant's organization: each level
    of its path, with and without the prefecture (草加市, 埼玉県草加市, 福祉政策課 …)."""
    names: set[str] = set()
    node = registration.organization
    hops = 0
    while node is not None and hops < 8:
        for name in (node.name, f"{node.prefecture}{node.name}"):
            names.add(_fold(name))
        node = node.parent
        hops += 1
    return {n for n in names if n}


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _prefix_matches(prefix: str, registration: Registration) -> bool:
    """草加市_ fits a registrant of 草加市 (or of its departments); a prefix of two or more
    characters may be the start of the name (草加_ for 草加市)."""
    folded = _fold(prefix)
    return any(
        folded == name or (len(folded) >= 2 and name.startswith(folded))
        for name in _organization_names(registration)
    )


def match(
    lines: list[ZoomLine], registrations: list[Registration], *, organizer_emails: set[str] = frozenset()
) -> list[PersonMinutes]:
    """Group the lines into people, then meet each with at most one registrant."""
    by_email = {reg.user.email.lower(): reg for reg in registrations}
    by_name: dict[str, list[Registration]] = defaultdict(list)
    for reg in registrations:
        keys = {normalize_person_name(reg.user.full_name), normalize_person_name(reg.user.full_name_kana)}
        for key in keys - {""}:
            by_name[key].append(reg)

    people = group_lines(lines)
    # How many groups carry each name: a name-only match needs it to be one.
    groups_per_name: dict[str, int] = defaultdict(int)
    for person in people:
        if not (person.email and person.email in by_email):
            for candidate in set(name_candidates(person.lines[0].match_name)):
                groups_per_name[candidate] += 1

    tentative: dict[int, list[PersonMinutes]] = defaultdict(list)
    for person in people:
        raw = person.lines[0].match_name
        reg = by_email.get(person.email) if person.email else None
        if reg is not None:
            person.registration, person.matched_by = reg, MatchedBy.EMAIL
            continue
        if person.email and person.email in organizer_emails:
            person.organizer, person.matched_by = True, MatchedBy.ORGANIZER
            continue
        candidates = name_candidates(raw)
        namesakes = {r.pk: r for c in candidates for r in by_name.get(c, [])}
        prefixes = prefixes_of(raw)
        if prefixes and namesakes:
            fits = [r for r in namesakes.values() if any(_prefix_matches(p, r) for p in prefixes)]
            if len(fits) == 1:
                person.registration, person.matched_by = fits[0], MatchedBy.PREFIX
                tentative[fits[0].pk].append(person)
                continue
        if len(namesakes) == 1 and all(groups_per_name[c] <= 1 for c in candidates if c in by_name):
            reg = next(iter(namesakes.values()))
            person.registration, person.matched_by = reg, MatchedBy.NAME
            tentative[reg.pk].append(person)
            continue
        person.candidates = set(namesakes)
        if len(namesakes) > 1:
            person.review_reason = _("%(n)s registrants have this name") % {"n": len(namesakes)}
        elif namesakes:
            person.review_reason = _("several people in the report have this name")
        else:
            person.review_reason = _("no registrant with this address or name")
    # A registrant met by several groups through their name (or by name and by address):
    # a person decides which of them it was.
    email_matched = {p.registration.pk for p in people if p.matched_by == MatchedBy.EMAIL}
    for reg_pk, persons in tentative.items():
        if len(persons) > 1 or reg_pk in email_matched:
            for person in persons:
                person.registration, person.matched_by = None, MatchedBy.NONE
                person.candidates = {reg_pk}
                person.review_reason = _("several people in the report could be this registrant")
    return people


# --- the import ----------------------------------------------------------------------------------


def check_report(
    event: Event, report: ZoomReport, *, now: datetime | None = None, allow_other_date: bool = False
) -> list[str]:
    """Refuse a report that is not this event's; returns notes for the organizer."""
    now = now or timezone.now()
    notes = []
    if now < event.starts_at:
        raise AttendanceError(
            _("%(event)s starts %(start)s: a participant report can be imported only once it has started.")
            % {"event": event.display_title, "start": format_datetime(event.starts_at)}
        )
    expected = digits(event.online_meeting_id) or _meeting_id_from_url(event.online_url)
    if report.meeting_id:
        if expected and report.meeting_id != expected:
            raise AttendanceError(
                _(
                    "This report is of meeting %(report)s, but the meeting ID of %(event)s is %(expected)s. "
                    "Nothing was imported."
                )
                % {
                    "report": _spaced(report.meeting_id),
                    "event": event.display_title,
                    "expected": _spaced(expected),
                }
            )
        if not expected:
            notes.append(
                _("The event has no meeting ID to compare with the report's (%(id)s).")
                % {"id": _spaced(report.meeting_id)}
            )
    event_day = timezone.localtime(event.starts_at).date()
    if report.date and report.date != event_day and not allow_other_date:
        raise DateMismatch(
            _(
                "This report is of a meeting on %(report)s, but %(event)s took place on %(day)s. Nothing was "
                "imported. If the report is right for this event, import it again and say why."
            )
            % {
                "report": format_date(report.date),
                "event": event.display_title,
                "day": format_date(event_day),
            }
        )
    return notes


def _meeting_id_from_url(url: str) -> str:
    found = re.search(r"/j/(\d{9,11})", url or "")
    return found.group(1) if found else ""


def _spaced(value: str) -> str:
    """812 3456 7890 as Zoom shows it."""
    if len(value) == 11:
        return f"{value[:3]} {value[3:7]} {value[7:]}"
    if len(value) == 10:
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    return value


def import_zoom_report(
    event: Event,
    *,
    by: User,
    data: bytes,
    filename: str = "",
    allow_other_date: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> ImportResult:
    """Record attendance from a Zoom participant report, all or nothing.

    Matched people get their credited minutes and 出席 / 途中退出 by the threshold;
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
    report = parse_zoom_report(data)
    if allow_other_date and not reason.strip():
        raise DateMismatch(_("Say why this report of another day belongs to this event."))
    notes = check_report(event, report, now=now, allow_other_date=allow_other_date)
    overridden = bool(
        allow_other_date and report.date and report.date != timezone.localtime(event.starts_at).date()
    )

    try:
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=event.pk)
            registrations = list(
                Registration.objects.select_for_update(of=("self",))
                .confirmed()
                .filter(event=locked)
                .select_related("user", "organization__parent__parent__parent")
            )
            organizers = {
                u.email.lower()
                for u in User.objects.filter(memberships__organization__in=locked.hosts.all()).distinct()
                if permissions.can_manage_for(u, [h.pk for h in locked.hosts.all()])
            }
            zoom_import = ZoomImport.objects.create(
                event=locked,
                sha256=digest,
                filename=filename[:255],
                encoding=report.encoding,
                line_count=len(report.lines),
                meeting_id=report.meeting_id,
                report_date=report.date,
                date_override=overridden,
                override_reason=reason.strip() if overridden else "",
                skipped=[{"line": line, "reason": why} for line, why in report.skipped],
                imported_by=by,
            )
            result = ImportResult(
                zoom_import=zoom_import, created=True, encoding=report.encoding, notes=notes
            )
            people = match(report.lines, registrations, organizer_emails=organizers)
            rows = []
            by_registration: dict[int, list[PersonMinutes]] = defaultdict(list)
            for person in people:
                reg = person.registration
                state = ZoomImportRow.State.UNMATCHED
                if reg is not None:
                    state = ZoomImportRow.State.MATCHED
                    by_registration[reg.pk].append(person)
                elif person.organizer:
                    state = ZoomImportRow.State.DISMISSED
                rows.append(
                    ZoomImportRow(
                        zoom_import=zoom_import,
                        name=person.name[:300],
                        email=person.email[:254],
                        minutes=person.credited_minutes(locked),
                        reported_minutes=person.reported_minutes,
                        lines=[line.line for line in person.lines],
                        sessions=min(person.sessions, 32767),
                        first_joined_at=person.first_joined_at,
                        last_left_at=person.last_left_at,
                        guest=person.guest,
                        state=state,
                        matched_by=person.matched_by,
                        review_reason=person.review_reason[:200],
                        registration=reg,
                    )
                )
                if state == ZoomImportRow.State.UNMATCHED:
                    result.unmatched += 1
            registrations_by_pk = {r.pk: r for r in registrations}
            for reg_pk, persons in by_registration.items():
                reg = registrations_by_pk[reg_pk]
                result.matched += 1
                minutes = credited_minutes([line for p in persons for line in p.lines], locked)
                state = _attendance_for(minutes, locked)
                # Someone who checked in at the venue of a hybrid event stays 出席.
                if reg.checked_in_at is not None:
                    state = Attendance.ATTENDED
                reg.attendance = state
                reg.attendance_minutes = minutes
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
                    .exclude(pk__in=by_registration.keys())
                    # Someone a review row may be is not marked absent before a person decides.
                    .exclude(pk__in={pk for p in people if p.registration is None for pk in p.candidates})
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
                    "encoding": report.encoding,
                    "meeting_id": report.meeting_id,
                    "report_date": report.date.isoformat() if report.date else "",
                    "date_override": overridden,
                    "override_reason": reason.strip() if overridden else "",
                    "lines": len(report.lines),
                    "skipped": len(report.skipped),
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
    # Never more than the event lasted, however many rows point at the person.
    minutes = min(sum(row.minutes for row in rows), session_minutes(event))
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
