"""The Zoom participant report (参加者レポート) read from the uploaded bytes.

A pure function: bytes in, lines out, no database. It accepts what Zoom writes in
Japanese and English, UTF-8 (with or without BOM) and Shift_JIS, the "with meeting
data" export whose participant table starts further down, and refuses the whole
file on the first problem with a message for the organizer (AttendanceError).
How a line becomes a registrant is attendance/zoom_import.py.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.errors import AttendanceError

MAX_ZOOM_BYTES = 10 * 1024 * 1024

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


def name_candidates(raw: str) -> list[str]:
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
