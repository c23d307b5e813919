"""受講履歴: what a person took part in, across every 年度, and the same for a coordinator's
staff.

A coordinator sees the registrations their approved members made as staff of the
coordinator's organization (the organization on the registration is in the
coordinator's tree, and the person is still an approved member of it): not what the
person did for another employer, and nothing of anyone who merely asked to join.
Queries are fixed in number: one for the registrations, one for certificates, and one
evaluation per completion rule involved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Membership
from core.dates import fiscal_year
from events.models import Event, Registration
from records.completion import PRESENT, evaluate, scheduled_minutes
from records.models import Certificate, CompletionRule, _hours
from reports.selectors import fiscal_year_bounds

Attendance = Registration.Attendance
Status = Registration.Status


@dataclass
class Row:
    registration: Registration
    year: int
    completed: bool | None  # None: the training has no completion rule
    certificate: Certificate | None

    @property
    def event(self) -> Event:
        return self.registration.event

    @property
    def user(self):
        return self.registration.user

    @property
    def minutes_received(self) -> int | None:
        """Minutes of training received: the session's length when 出席, the recorded
        minutes (at most the length) when 途中退出, none otherwise."""
        reg = self.registration
        if reg.status != Status.CONFIRMED:
            return None
        length = scheduled_minutes(reg.event)
        if reg.attendance == Attendance.ATTENDED:
            return length
        if reg.attendance == Attendance.LEFT_EARLY and reg.attendance_minutes is not None:
            return min(reg.attendance_minutes, length)
        return 0 if reg.attendance == Attendance.ABSENT else None

    @property
    def hours(self) -> str:
        minutes = self.minutes_received
        return _hours(minutes) if minutes is not None else ""

    @property
    def present(self) -> bool:
        return self.registration.attendance in PRESENT


def coordinated_org_ids(user) -> set[int]:
    return permissions.coordinator_org_ids(user)


def approved_member_ids(org_ids: set[int]) -> set[int]:
    """People who hold a membership (granted, not merely requested) in these organizations."""
    return set(Membership.objects.filter(organization_id__in=org_ids).values_list("user_id", flat=True))


def _registrations(*, user_ids=None, org_ids=None, year: int | None, series_id: int | None):
    qs = Registration.objects.exclude(event__status=Event.Status.DRAFT).select_related(
        "user",
        "event",
        "event__series",
        "organization",
        "organization__parent",
        "organization__parent__parent",
    )
    if user_ids is not None:
        qs = qs.filter(user_id__in=user_ids)
    if org_ids is not None:
        qs = qs.filter(organization_id__in=org_ids)
    if year is not None:
        start, end = fiscal_year_bounds(year)
        qs = qs.filter(event__starts_at__gte=start, event__starts_at__lt=end)
    if series_id is not None:
        qs = qs.filter(event__series_id=series_id)
    return qs.order_by("user__full_name_kana", "user__full_name", "user_id", "event__starts_at", "event_id")


def _rows(registrations: list[Registration], now: datetime) -> list[Row]:
    user_ids = {r.user_id for r in registrations}
    series_ids = {r.event.series_id for r in registrations if r.event.series_id}
    event_ids = {r.event_id for r in registrations if not r.event.series_id}
    scope_filter = Q(series_id__in=series_ids) | Q(event_id__in=event_ids)
    certificates: dict[tuple, Certificate] = {
        (c.user_id, *_scope(c)): c
        for c in Certificate.objects.valid().filter(scope_filter, user_id__in=user_ids)
    }
    completed: dict[tuple, bool] = {}
    ruled: set[tuple] = set()
    for rule in CompletionRule.objects.filter(scope_filter).select_related("series", "event"):
        ruled.add(_scope(rule))
        for result in evaluate(rule, user_ids=user_ids, now=now):
            completed[(result.user.pk, *_scope(rule))] = result.completed
    rows = []
    for reg in registrations:
        scope = ("s", reg.event.series_id) if reg.event.series_id else ("e", reg.event_id)
        key = (reg.user_id, *scope)
        rows.append(
            Row(
                registration=reg,
                year=fiscal_year(reg.event.starts_at),
                completed=completed.get(key, False) if scope in ruled else None,
                certificate=certificates.get(key),
            )
        )
    return rows


def _scope(obj) -> tuple[str, int]:
    return ("s", obj.series_id) if obj.series_id else ("e", obj.event_id)


def person_record(user, *, year: int | None = None, series_id: int | None = None) -> list[Row]:
    now = timezone.now()
    regs = list(_registrations(user_ids={user.pk}, year=year, series_id=series_id))
    return _rows(regs, now)


def staff_record(coordinator, *, year: int | None = None, series_id: int | None = None) -> list[Row]:
    """The coordinator's approved members' registrations made for the coordinator's organizations."""
    now = timezone.now()
    org_ids = coordinated_org_ids(coordinator)
    if not org_ids:
        return []
    regs = list(
        _registrations(user_ids=approved_member_ids(org_ids), org_ids=org_ids, year=year, series_id=series_id)
    )
    return _rows(regs, now)


def by_year(rows: list[Row]) -> list[tuple[int, list[Row]]]:
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.year].append(row)
    return sorted(grouped.items(), key=lambda kv: -kv[0])


def years_and_series(rows: list[Row]) -> tuple[list[int], list[tuple[int, str]]]:
    years = sorted({r.year for r in rows}, reverse=True)
    series = sorted(
        {(r.event.series_id, r.event.series.title) for r in rows if r.event.series_id}, key=lambda s: s[1]
    )
    return years, series


# --- the XLSX an HR department expects -------------------------------------------------------

HEADER = ("氏名", "ふりがな", "所属", "研修名", "回", "日付", "時間数", "出席", "修了", "証明書番号")


def _kana_to_hiragana(text: str) -> str:
    import jaconv

    return jaconv.kata2hira(text or "")


def export_rows(rows: list[Row]) -> list[list]:
    """Confirmed registrations only: a cancelled seat is no training received."""
    out = []
    for row in rows:
        reg = row.registration
        if reg.status != Status.CONFIRMED:
            continue
        event = reg.event
        out.append(
            [
                reg.user.full_name,
                _kana_to_hiragana(reg.user.full_name_kana),
                reg.organization.display_name if reg.organization else "",
                event.series.title if event.series_id else event.title,
                event.number_label if event.number else "",
                timezone.localtime(event.starts_at).date(),
                float(row.minutes_received) / 60 if row.minutes_received is not None else None,
                reg.get_attendance_display(),
                {True: _("Training completed"), False: _("Not completed"), None: "—"}[row.completed],
                row.certificate.number if row.certificate else "",
            ]
        )
    return out
