"""Attendance (出欠): the roster, QR check-in, the online attendance code and the Zoom
participant report import.

Each public function is one transaction. Attendance is only ever recorded on
confirmed registrations: a waitlisted or cancelled person did not have a seat.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import services as audit
from core.errors import UserError
from events import code_attempts
from events.models import Event, Registration
from events.services import audit_registration, can_manage_event

Attendance = Registration.Attendance
Status = Registration.Status

# 開場の30分前から終了の30分後まで: people arrive early at a venue and the code is
# sometimes announced at the very end of a Zoom session.
CHECKIN_MARGIN = timedelta(minutes=30)
MAX_ZOOM_BYTES = 10 * 1024 * 1024


class AttendanceError(UserError):
    """Refused check-in, code or import; str(error) is a message for the person."""


# --- roster ------------------------------------------------------------------------------


def roster(event: Event):
    """Confirmed registrants in 50音順 (kana), the order of a Japanese reception list."""
    return (
        Registration.objects.filter(event=event, status=Status.CONFIRMED)
        .select_related("user", "organization", "organization__parent", "organization__parent__parent")
        .order_by("user__full_name_kana", "user__full_name", "id")
    )


@dataclass
class Counts:
    confirmed: int
    attended: int
    left_early: int
    absent: int
    unknown: int

    @property
    def present(self) -> int:
        return self.attended + self.left_early


def counts(event: Event) -> Counts:
    data = Registration.objects.filter(event=event, status=Status.CONFIRMED).aggregate(
        confirmed=Count("id"),
        attended=Count("id", filter=Q(attendance=Attendance.ATTENDED)),
        left_early=Count("id", filter=Q(attendance=Attendance.LEFT_EARLY)),
        absent=Count("id", filter=Q(attendance=Attendance.ABSENT)),
        unknown=Count("id", filter=Q(attendance=Attendance.UNKNOWN)),
    )
    return Counts(**data)


def _require_manager(user: User, event: Event) -> None:
    if not can_manage_event(user, event):
        raise PermissionDenied


def _valid_state(attendance: str) -> str:
    if attendance not in Attendance.values:
        raise AttendanceError(_("Choose attended, absent or left early."))
    return attendance


def mark(registration: Registration, *, by: User, attendance: str) -> Registration:
    """One click on the roster: set one person's attendance."""
    attendance = _valid_state(attendance)
    with transaction.atomic():
        locked = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
        _require_manager(by, locked.event)
        if locked.status != Status.CONFIRMED:
            raise AttendanceError(_("Only confirmed registrations have attendance."))
        if locked.attendance != attendance:
            before = locked.attendance
            locked.attendance = attendance
            locked.save(update_fields=["attendance", "updated_at"])
            audit_registration(
                locked, by=by, action="attendance.mark", changes={"attendance": [before, attendance]}
            )
        registration.__dict__.update(locked.__dict__)
        return locked


def bulk_mark(event: Event, *, by: User, registration_ids: Iterable[int], attendance: str) -> int:
    """Mark every selected confirmed registration of this event; returns how many rows changed."""
    attendance = _valid_state(attendance)
    ids = {int(pk) for pk in registration_ids}
    if not ids:
        raise AttendanceError(_("Select at least one person."))
    _require_manager(by, event)
    with transaction.atomic():
        # Ids of another event are silently out of scope: the filter on event is the guard.
        changing = list(
            Registration.objects.select_for_update(of=("self",))
            .filter(event=event, status=Status.CONFIRMED, pk__in=ids)
            .exclude(attendance=attendance)
            .select_related("user")
        )
        updated = Registration.objects.filter(pk__in=[r.pk for r in changing]).update(
            attendance=attendance, updated_at=timezone.now()
        )
        audit.record_many(
            actor=by,
            action="attendance.mark",
            items=[(r, {"attendance": [r.attendance, attendance]}) for r in changing],
            event=event,
            label=lambda r: str(r.user),
            organization_of=lambda r: r.organization_id,
        )
        return updated


# --- self check-in ----------------------------------------------------------------------


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    opens = (event.doors_open_at or event.starts_at) - CHECKIN_MARGIN
    return opens, event.ends_at + CHECKIN_MARGIN


def checkin_path(event: Event) -> str:
    return reverse("events:checkin", args=[event.pk, event.checkin_token])


def checkin_url(event: Event) -> str:
    """What the QR code encodes: SITE_URL, never the request's Host header."""
    return settings.SITE_URL + checkin_path(event)


def checkin_qr_svg(event: Event) -> str:
    import segno

    qr = segno.make(checkin_url(event), error="m")
    # Inline SVG: no image file, no external service; the title names it for screen readers.
    return qr.svg_inline(scale=8, border=2, title=_("Check-in QR code for %(event)s") % {"event": event})


def _window_refusal(event: Event, now: datetime) -> str:
    if event.status not in (Event.Status.PUBLISHED, Event.Status.COMPLETED):
        return _("This event is not taking place.")
    opens, closes = checkin_window(event)
    if now < opens:
        return _("Check-in opens 30 minutes before the doors open (%(time)s).") % {
            "time": _fmt(opens + CHECKIN_MARGIN)
        }
    if now > closes:
        return _("Check-in for this event has closed.")
    return ""


def _confirmed_locked(event: Event, user: User) -> Registration:
    registration = (
        Registration.objects.select_for_update()
        .filter(event=event, user=user, status=Status.CONFIRMED)
        .first()
    )
    if registration is None:
        raise AttendanceError(_("You have no confirmed registration for this event."))
    return registration


def _record_attended(registration: Registration, now: datetime, also: Iterable[str] = ()) -> Registration:
    before = registration.attendance
    changed = list(also)
    if registration.attendance != Attendance.ATTENDED:
        registration.attendance = Attendance.ATTENDED
        changed.append("attendance")
    if registration.checked_in_at is None:
        registration.checked_in_at = now
        changed.append("checked_in_at")
    if changed:
        registration.save(update_fields=[*changed, "updated_at"])
    if before != registration.attendance:
        audit_registration(
            registration,
            by=registration.user,
            action="attendance.check_in",
            changes={"attendance": [before, registration.attendance]},
        )
    return registration


def _self_mark(event: Event, *, user: User, now: datetime | None) -> Registration:
    now = now or timezone.now()
    refusal = _window_refusal(event, now)
    if refusal:
        raise AttendanceError(refusal)
    with transaction.atomic():
        return _record_attended(_confirmed_locked(event, user), now)


def check_in(event: Event, *, user: User, token: str, now: datetime | None = None) -> Registration:
    """The venue's QR code, scanned by a logged-in registrant."""
    if not secrets.compare_digest(str(token).encode(), event.checkin_token.encode()):
        raise AttendanceError(_("This check-in code belongs to another event."))
    return _self_mark(event, user=user, now=now)


def enter_code(event: Event, *, user: User, code: str, now: datetime | None = None) -> Registration:
    """The code announced during an online session, typed on the event page.

    The order of the checks is the defence against guessing: only a confirmed registrant
    gets past the first; the check-in window comes before the code, so outside it a right
    and a wrong code get the same answer; then the per-person limit (events/code_attempts);
    only then is the code compared, and every wrong code gets the same message.
    """
    now = now or timezone.now()
    typed = unicodedata.normalize("NFKC", code or "").replace(" ", "").replace("-", "")
    with transaction.atomic():
        registration = _confirmed_locked(event, user)
        refusal = _window_refusal(event, now)
        if refusal:
            raise AttendanceError(refusal)
        until = code_attempts.blocked_until(registration, now)
        if until is not None:
            raise AttendanceError(
                _("Too many wrong codes. You can try again from %(time)s.") % {"time": _fmt(until)}
            )
        if not typed:
            raise AttendanceError(_("Enter the attendance code announced during the session."))
        # Bytes: compare_digest refuses str with non-ASCII characters (a code typed in kana).
        if secrets.compare_digest(typed.encode(), event.attendance_code.encode()):
            return _record_attended(registration, now, also=code_attempts.clear(registration))
        # Counted in this transaction, which commits: the refusal is raised after it.
        code_attempts.record_failure(registration, now)
    raise AttendanceError(
        _("That is not the attendance code for this event. Check the code announced in this session.")
    )


def _fmt(value: datetime) -> str:
    from core.dates import format_datetime

    return format_datetime(value)


# --- Zoom participant report ---------------------------------------------------------------

# Header names Zoom writes, in Japanese and English, compared after NFKC with spaces
# removed and lower-cased (so 名前（元の名前） and 名前 (元の名前) are one name).
_HEADERS = {
    "name": ("名前(元の名前)", "名前", "name(originalname)", "name", "参加者名"),
    "email": ("メール", "ユーザーメール", "ユーザーのメール", "メールアドレス", "useremail", "email"),
    "join": ("参加時刻", "参加時間", "jointime"),
    "leave": ("退出時刻", "退出時間", "leavetime"),
    "minutes": ("期間(分)", "時間(分)", "duration(minutes)", "duration(mins)", "duration"),
    "guest": ("ゲスト", "guest"),
}
_REQUIRED = ("name", "email", "minutes")
_FORMULA = ("=", "+", "-", "@")
_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%Y/%m/%d %H:%M",
)
_PREFIX = re.compile(r"^[^_]{1,20}_")
_ORIGINAL = re.compile(r"^(?P<shown>.*?)\s*[\(（](?P<original>[^()（）]+)[\)）]\s*$")


def _header_key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).lower()


_HEADER_LOOKUP = {_header_key(alias): key for key, aliases in _HEADERS.items() for alias in aliases}


def normalize_person_name(value: str) -> str:
    """NFKC, spaces removed, the 「草加市_」 renaming habit stripped: 草加市＿草加 太郎 → 草加太郎."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))
    # NFKC turns the full-width ＿ into _, so one pattern covers both.
    return _PREFIX.sub("", text, count=1)


def _name_candidates(raw: str) -> list[str]:
    """Zoom writes a renamed participant as 「表示名 (元の名前)」; try both halves."""
    names = [raw]
    found = _ORIGINAL.match(raw)
    if found:
        names = [found["shown"], found["original"], raw]
    out = []
    for name in names:
        key = normalize_person_name(name)
        if key and key not in out:
            out.append(key)
    return out


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096] or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise AttendanceError(
            _(
                "The file is not a CSV text file (it looks like UTF-16 or a spreadsheet). "
                "Download the participant report from Zoom again as CSV."
            )
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError:
        raise AttendanceError(
            _("The file could not be read as UTF-8 or Shift_JIS. Save it as CSV (UTF-8 or Shift_JIS).")
        ) from None


def _parse_time(value: str) -> datetime | None:
    value = (value or "").strip()
    for fmt in _TIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(value, fmt))
        except ValueError:
            continue
    return None


@dataclass
class ZoomLine:
    line: int
    name: str
    email: str
    minutes: int
    joined_at: datetime | None
    left_at: datetime | None
    guest: bool


def parse_zoom_report(data: bytes) -> tuple[list[ZoomLine], str]:
    """Read the participant table; refuse the whole file on the first problem."""
    if len(data) > MAX_ZOOM_BYTES:
        raise AttendanceError(
            _("The file is larger than 10 MB. Upload the participant report of one meeting.")
        )
    if not data.strip():
        raise AttendanceError(_("The file is empty."))
    text, encoding = _decode(data)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    # A "with meeting data" export starts with a meeting summary table; the participant
    # table starts at the first row whose cells include a name column.
    header_at = None
    columns: dict[str, int] = {}
    for index, row in enumerate(rows):
        keys = {_HEADER_LOOKUP.get(_header_key(cell)): i for i, cell in enumerate(row)}
        keys.pop(None, None)
        if "name" in keys:
            header_at, columns = index, keys
            break
    if header_at is None:
        raise AttendanceError(
            _(
                "No participant table found: the file needs the columns 名前 (元の名前) / Name (Original "
                "Name), メール / User Email and 期間 (分) / Duration (Minutes)."
            )
        )
    missing = [key for key in _REQUIRED if key not in columns]
    if missing:
        labels = {
            "name": "名前 (元の名前) / Name (Original Name)",
            "email": "メール / User Email",
            "minutes": "期間 (分) / Duration (Minutes)",
        }
        raise AttendanceError(
            _("Missing columns: %(columns)s.") % {"columns": "、".join(labels[key] for key in missing)}
        )

    def cell(row: list[str], key: str) -> str:
        i = columns.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    lines: list[ZoomLine] = []
    seen: dict[tuple, int] = {}
    for index, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        name = cell(row, "name")
        if not name:
            raise AttendanceError(_("Line %(line)s has no name.") % {"line": index})
        if name.startswith(_FORMULA):
            raise AttendanceError(
                _(
                    "Line %(line)s: the name %(name)s starts with %(char)s and looks like a spreadsheet formula. "
                    "Correct the name in the file and upload it again."
                )
                % {"line": index, "name": name[:40], "char": name[0]}
            )
        raw_minutes = unicodedata.normalize("NFKC", cell(row, "minutes"))
        if not raw_minutes.isdigit():
            raise AttendanceError(
                _("Line %(line)s: the duration %(value)s is not a whole number of minutes.")
                % {"line": index, "value": raw_minutes or "—"}
            )
        email = unicodedata.normalize("NFKC", cell(row, "email")).strip().lower()
        key = (name, email, cell(row, "join"), cell(row, "leave"), raw_minutes)
        if key in seen:
            raise AttendanceError(
                _(
                    "Line %(line)s repeats line %(first)s exactly. Export the report from Zoom again; "
                    "nothing was imported."
                )
                % {"line": index, "first": seen[key]}
            )
        seen[key] = index
        guest = cell(row, "guest").lower() in ("はい", "yes", "true", "1")
        lines.append(
            ZoomLine(
                line=index,
                name=name,
                email=email,
                minutes=int(raw_minutes),
                joined_at=_parse_time(cell(row, "join")),
                left_at=_parse_time(cell(row, "leave")),
                guest=guest,
            )
        )
    if not lines:
        raise AttendanceError(_("The participant table has no rows."))
    return lines, encoding


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


def _match(lines: list[ZoomLine], registrations: list[Registration]) -> list[PersonMinutes]:
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
            for candidate in _name_candidates(line.name):
                found = by_name.get(candidate, [])
                # Two registrants with the same name: a person decides, not the importer.
                if len(found) == 1:
                    reg = found[0]
                    break
        if reg is not None:
            key: object = ("reg", reg.pk)
        else:
            names = _name_candidates(line.name)
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
    from reports.models import ZoomImport, ZoomImportRow

    _require_manager(by, event)
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
                .filter(event=locked, status=Status.CONFIRMED)
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
            people = _match(lines, registrations)
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
                    Registration.objects.filter(
                        event=locked, status=Status.CONFIRMED, attendance=Attendance.UNKNOWN
                    )
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
    from reports.models import ZoomImportRow

    return ZoomImportRow.objects.filter(
        zoom_import__event=event, state=ZoomImportRow.State.UNMATCHED
    ).select_related("zoom_import")


def _recompute(registration: Registration, event: Event, zoom_import) -> None:
    """Minutes of every row of this import now pointing at the registration, summed."""
    from reports.models import ZoomImportRow

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
    from reports.models import ZoomImportRow

    with transaction.atomic():
        row = ZoomImportRow.objects.select_for_update().select_related("zoom_import__event").get(pk=row.pk)
        event = row.zoom_import.event
        _require_manager(by, event)
        if row.state != ZoomImportRow.State.UNMATCHED:
            raise AttendanceError(_("This row has already been handled."))
        reg = (
            Registration.objects.select_for_update()
            .filter(pk=registration.pk, event=event, status=Status.CONFIRMED)
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
    from reports.models import ZoomImportRow

    with transaction.atomic():
        row = ZoomImportRow.objects.select_for_update().select_related("zoom_import__event").get(pk=row.pk)
        _require_manager(by, row.zoom_import.event)
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
