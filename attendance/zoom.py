"""The Zoom participant report (参加者レポート) read from the uploaded bytes.

A pure function: bytes in, a `ZoomReport` out, no database. It reads what Zoom writes in
Japanese and English (header names differ between versions: 期間（分）, 所要時間（分）,
Duration (Minutes) …), UTF-8 with or without BOM and Shift_JIS (cp932), and the "with
meeting data" export whose meeting block (meeting ID, topic, start time) comes before the
participant table. When no duration column is recognized, minutes come from the join and
leave times.

One odd row never refuses the file: a row without a name or without any usable time is
skipped and said so (`ZoomReport.skipped`); a name that looks like a spreadsheet formula
(=, +, -, @) is stored neutralized and matched on the name behind the sign; identical rows
are kept (two namesakes can join and leave together). Only a file that is not a report at
all (no participant table, wrong encoding, too big, empty) is refused, with a message for
the organizer (AttendanceError). How lines become people is attendance/zoom_import.py.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.errors import AttendanceError

MAX_ZOOM_BYTES = 10 * 1024 * 1024

# Header names Zoom writes, in Japanese and English, compared after NFKC with spaces
# removed and lower-cased (so 名前（元の名前） and 名前 (元の名前) are one name).
_HEADERS = {
    "name": ("名前(元の名前)", "名前", "name(originalname)", "name", "参加者名", "ユーザー名", "表示名"),
    "email": ("メール", "ユーザーメール", "ユーザーのメール", "メールアドレス", "useremail", "email"),
    "join": ("参加時刻", "参加時間", "入室時刻", "jointime"),
    "leave": ("退出時刻", "退出時間", "退室時刻", "leavetime"),
    "minutes": (
        "期間(分)",
        "時間(分)",
        "所要時間(分)",
        "参加時間(分)",
        "合計時間(分)",
        "duration(minutes)",
        "duration(mins)",
        "duration(min)",
        "duration",
        "totalduration(minutes)",
    ),
    "guest": ("ゲスト", "guest"),
}
# The meeting block of the "with meeting data" export.
_MEETING = {
    "meeting_id": ("ミーティングid", "meetingid", "ウェビナーid", "webinarid"),
    "topic": ("トピック", "topic"),
    "start": ("開始時刻", "開始時間", "starttime"),
}
_FORMULA = ("=", "+", "-", "@")
_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
)
_PREFIX = re.compile(r"^(?P<prefix>[^_]{1,20})_(?P<rest>.+)$")
_ORIGINAL = re.compile(r"^(?P<shown>.*?)\s*[\(（](?P<original>[^()（）]+)[\)）]\s*$")
ENCODING_LABELS = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "cp932": "Shift_JIS (cp932)"}


def _key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).lower()


_HEADER_LOOKUP = {_key(alias): key for key, aliases in _HEADERS.items() for alias in aliases}
_MEETING_LOOKUP = {_key(alias): key for key, aliases in _MEETING.items() for alias in aliases}


def _fold(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))


def split_prefix(value: str) -> tuple[str, str]:
    """「草加市_草加 太郎」 (the 自治体名_氏名 renaming habit) → ("草加市", "草加太郎"); no prefix → ("", name)."""
    text = _fold(value)
    found = _PREFIX.match(text)  # NFKC turned a full-width ＿ into _
    if found:
        return found["prefix"], found["rest"]
    return "", text


def normalize_person_name(value: str) -> str:
    """NFKC, spaces removed, the 「草加市_」 prefix stripped: 草加市＿草加 太郎 → 草加太郎."""
    return split_prefix(value)[1]


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


def prefixes_of(raw: str) -> list[str]:
    """The 自治体名 prefixes a name carries (in either half of 「表示名 (元の名前)」)."""
    found = _ORIGINAL.match(raw)
    names = [found["shown"], found["original"]] if found else [raw]
    return [p for p in (split_prefix(n)[0] for n in names) if p]


def neutralize(name: str) -> tuple[str, str]:
    """(what is stored, what is matched): a leading = + - @ becomes text ('=…) and is not
    part of the name matched."""
    if name.startswith(_FORMULA):
        return "'" + name, name.lstrip("=+-@' \u3000")
    return name, name


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


def parse_time(value: str) -> datetime | None:
    value = unicodedata.normalize("NFKC", value or "").strip()
    for fmt in _TIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(value, fmt))
        except ValueError:
            continue
    return None


@dataclass
class ZoomLine:
    line: int
    name: str  # as stored (a formula-looking name neutralized)
    match_name: str  # the name matched against registrants
    email: str
    minutes: int
    joined_at: datetime | None
    left_at: datetime | None
    guest: bool


@dataclass
class ZoomReport:
    lines: list[ZoomLine]
    encoding: str
    meeting_id: str = ""  # digits only; "" without a meeting block
    topic: str = ""
    started_at: datetime | None = None
    skipped: list[tuple[int, str]] = field(default_factory=list)
    minutes_from_times: bool = False

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)

    @property
    def date(self) -> date | None:
        """The meeting's day: the meeting block's start, else the earliest join."""
        when = self.started_at or min((line.joined_at for line in self.lines if line.joined_at), default=None)
        return timezone.localtime(when).date() if when else None


def digits(value: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))


def _meeting_block(rows: list[list[str]], before: int) -> dict[str, str]:
    for index in range(before):
        keys = {_MEETING_LOOKUP.get(_key(cell)): i for i, cell in enumerate(rows[index])}
        keys.pop(None, None)
        if "meeting_id" in keys and index + 1 < len(rows):
            values = rows[index + 1]
            return {k: values[i].strip() for k, i in keys.items() if i < len(values)}
    return {}


def parse_zoom_report(data: bytes) -> ZoomReport:
    """Read the meeting block (if any) and the participant table."""
    if len(data) > MAX_ZOOM_BYTES:
        raise AttendanceError(
            _("The file is larger than 10 MB. Upload the participant report of one meeting.")
        )
    if not data.strip():
        raise AttendanceError(_("The file is empty."))
    text, encoding = _decode(data)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header_at = None
    columns: dict[str, int] = {}
    for index, row in enumerate(rows):
        keys = {_HEADER_LOOKUP.get(_key(cell)): i for i, cell in enumerate(row)}
        keys.pop(None, None)
        if "name" in keys:
            header_at, columns = index, keys
            break
    if header_at is None:
        raise AttendanceError(
            _(
                "No participant table found: the file needs a name column (名前 (元の名前) / Name (Original "
                "Name)) and either a duration column (期間 (分) / Duration (Minutes)) or join and leave times."
            )
        )
    from_times = "minutes" not in columns
    if from_times and not ("join" in columns and "leave" in columns):
        raise AttendanceError(
            _(
                "Missing columns: the participant table has neither a duration column (期間 (分) / "
                "Duration (Minutes)) nor join and leave times (参加時刻・退出時刻 / Join Time, Leave Time)."
            )
        )
    meeting = _meeting_block(rows, header_at)
    report = ZoomReport(
        lines=[],
        encoding=encoding,
        meeting_id=digits(meeting.get("meeting_id", "")),
        topic=meeting.get("topic", ""),
        started_at=parse_time(meeting.get("start", "")),
        minutes_from_times=from_times,
    )

    def cell(row: list[str], key: str) -> str:
        i = columns.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    for index, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        name = cell(row, "name")
        if not name:
            report.skipped.append((index, _("no name")))
            continue
        stored, matched = neutralize(name)
        joined, left = parse_time(cell(row, "join")), parse_time(cell(row, "leave"))
        raw_minutes = unicodedata.normalize("NFKC", cell(row, "minutes")).replace(",", "")
        if raw_minutes.isdigit():
            minutes = int(raw_minutes)
        elif joined and left and left >= joined:
            minutes = math.ceil((left - joined).total_seconds() / 60)
        else:
            report.skipped.append((index, _("no duration and no join and leave times")))
            continue
        report.lines.append(
            ZoomLine(
                line=index,
                name=stored,
                match_name=matched,
                email=unicodedata.normalize("NFKC", cell(row, "email")).strip().lower(),
                minutes=minutes,
                joined_at=joined,
                left_at=left,
                guest=cell(row, "guest").lower() in ("はい", "yes", "true", "1"),
            )
        )
    if not report.lines:
        raise AttendanceError(_("The participant table has no rows."))
    return report
