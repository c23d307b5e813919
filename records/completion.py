"""Who completed a training, and why not: a completion rule read against the roster.

The sessions of a rule are the series' sessions that take place (drafts and cancelled
sessions do not count: 苫小牧市's cancelled 第1回 cannot be attended). A session counts
for a person when every condition the rule names holds for that session:

- attendance: marked 出席; with a minutes threshold, present (出席 or 途中退出) for at
  least that many minutes (the Zoom report's minutes). A session held only at a venue
  has no minute counter: there the organizer's 出席 mark stands for the whole session;
- questionnaire answered, where the rule asks for it and the session has one;
- pre-work submitted, where the rule asks for it and the session has one (a sheet
  answered once per municipality counts for everyone of that municipality).

A person completes when at least `min_sessions` sessions count (every session when
the rule leaves it empty). Everything is read in a fixed number of queries, whatever
the number of people and sessions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from core.dates import format_date
from events.models import Event, EventSeries, Registration
from records.errors import RecordsError
from surveys.models import Form, Respondent, Submission

Attendance = Registration.Attendance
PRESENT = (Attendance.ATTENDED, Attendance.LEFT_EARLY)


@dataclass(frozen=True)
class Conditions:
    """What a rule asks, apart from where it hangs (so a form can be checked before saving)."""

    min_sessions: int | None = None
    min_minutes: int | None = None
    require_questionnaire: bool = False
    require_prework: bool = False

    @classmethod
    def of(cls, rule) -> Conditions:
        return cls(
            min_sessions=rule.min_sessions,
            min_minutes=rule.min_minutes,
            require_questionnaire=rule.require_questionnaire,
            require_prework=rule.require_prework,
        )


@dataclass
class SessionCheck:
    event: Event
    registration: Registration | None
    counted: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def minutes(self) -> int | None:
        return self.registration.attendance_minutes if self.registration else None


@dataclass
class PersonResult:
    user: object
    organization: object | None
    sessions: list[SessionCheck]
    required: int

    @property
    def counted(self) -> int:
        return sum(1 for s in self.sessions if s.counted)

    @property
    def completed(self) -> bool:
        return self.counted >= self.required

    @property
    def counted_sessions(self) -> list[SessionCheck]:
        return [s for s in self.sessions if s.counted]

    @property
    def reasons(self) -> list[str]:
        """Why not, in the words the roster shows; empty for someone who completed."""
        if self.completed:
            return []
        lines = [
            _("%(counted)s of the %(required)s sessions needed.")
            % {"counted": self.counted, "required": self.required}
        ]
        for check in self.sessions:
            if not check.counted:
                lines.append(f"{session_label(check.event)}: {'、'.join(check.reasons)}")
        return lines


def session_label(event: Event) -> str:
    if event.number:
        return event.number_label
    return format_date(event.starts_at, weekday=False)


def sessions_of(*, series: EventSeries | None = None, event: Event | None = None) -> list[Event]:
    """The sessions that take place, in order (drafts and cancelled sessions excluded)."""
    if event is not None:
        return [event] if event.status in (Event.Status.PUBLISHED, Event.Status.COMPLETED) else []
    return list(
        Event.objects.filter(series=series, status__in=[Event.Status.PUBLISHED, Event.Status.COMPLETED])
        .select_related("series")
        .order_by("starts_at", "number", "id")
    )


def session_minutes(event: Event) -> int:
    """The longest anyone can be present: from the doors (Zoom 開場) to the end."""
    opens = event.doors_open_at or event.starts_at
    return int((event.ends_at - min(opens, event.starts_at)).total_seconds() // 60)


def scheduled_minutes(event: Event) -> int:
    """The session's length as printed on a certificate: start to end."""
    return int((event.ends_at - event.starts_at).total_seconds() // 60)


@dataclass
class Forms:
    """The questionnaires and pre-work sheets that apply to each session."""

    questionnaires: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    prework: dict[int, list] = field(default_factory=lambda: defaultdict(list))


def forms_for(sessions: list[Event]) -> Forms:
    """One query: the forms on each session or on its whole series."""
    out = Forms()
    if not sessions:
        return out
    series_ids = {e.series_id for e in sessions if e.series_id}
    found = Form.objects.filter(Q(event__in=sessions) | Q(series_id__in=series_ids)).order_by("id")
    for form in found:
        for event in sessions:
            if form.applies_to(event):
                bucket = out.questionnaires if form.kind == Form.Kind.QUESTIONNAIRE else out.prework
                bucket[event.pk].append(form)
    return out


def check_satisfiable(conditions: Conditions, sessions: list[Event], forms: Forms | None = None) -> None:
    """Refuse a rule that no one could meet, with a message that says which part."""
    if not sessions:
        raise RecordsError(
            _(
                "There are no sessions to complete: drafts and cancelled sessions do not count. Publish a session first."
            )
        )
    required = conditions.min_sessions or len(sessions)
    if required > len(sessions):
        raise RecordsError(
            _(
                "Only %(held)s sessions take place, so no one can attend %(required)s. Lower the number of sessions to attend."
            )
            % {"held": len(sessions), "required": required}
        )
    if conditions.min_minutes:
        long_enough = [e for e in sessions if e.is_in_person and not e.is_online]
        long_enough += [e for e in sessions if e.is_online and session_minutes(e) >= conditions.min_minutes]
        if len(long_enough) < required:
            longest = max(session_minutes(e) for e in sessions)
            raise RecordsError(
                _(
                    "%(minutes)s minutes in each session cannot be reached: the sessions last at most %(longest)s minutes "
                    "(from the doors opening to the end)."
                )
                % {"minutes": conditions.min_minutes, "longest": longest}
            )
    forms = forms if forms is not None else forms_for(sessions)
    if conditions.require_questionnaire and not any(forms.questionnaires.get(e.pk) for e in sessions):
        raise RecordsError(
            _("No session has a questionnaire, so none can be answered. Add the questionnaire first.")
        )
    if conditions.require_prework and not any(forms.prework.get(e.pk) for e in sessions):
        raise RecordsError(
            _("No session has a pre-work sheet, so none can be submitted. Add the pre-work sheet first.")
        )


def _done_sets(forms: Forms, sessions: list[Event], user_ids: set[int]):
    """Who has submitted what: three queries (person sheets, organization sheets, anonymous)."""
    all_forms = {
        f.pk: f for bucket in (forms.questionnaires, forms.prework) for fs in bucket.values() for f in fs
    }
    event_ids = [e.pk for e in sessions]
    by_user: set[tuple[int, int, int]] = set()
    by_org: set[tuple[int, int, int]] = set()
    if not all_forms:
        return by_user, by_org
    named = [pk for pk, f in all_forms.items() if not f.anonymous and not f.per_organization]
    orgs = [pk for pk, f in all_forms.items() if f.per_organization]
    anonymous = [pk for pk, f in all_forms.items() if f.anonymous]
    submitted = Submission.Status.SUBMITTED
    if named:
        by_user |= set(
            Submission.objects.filter(
                form_id__in=named, event_id__in=event_ids, user_id__in=user_ids, status=submitted
            ).values_list("form_id", "event_id", "user_id")
        )
    if anonymous:
        by_user |= set(
            Respondent.objects.filter(
                form_id__in=anonymous, event_id__in=event_ids, user_id__in=user_ids
            ).values_list("form_id", "event_id", "user_id")
        )
    if orgs:
        by_org |= set(
            Submission.objects.filter(
                form_id__in=orgs, event_id__in=event_ids, organization__isnull=False, status=submitted
            ).values_list("form_id", "event_id", "organization_id")
        )
    return by_user, by_org


def _root_ids() -> dict[int, int]:
    return Organization.objects.root_ids()


def _check(
    check: SessionCheck,
    conditions: Conditions,
    forms: Forms,
    done_user: set,
    done_org: set,
    root_id: int | None,
    now: datetime,
) -> None:
    event, reg = check.event, check.registration
    reasons = check.reasons
    if reg is None:
        reasons.append(_("not registered"))
        return
    if event.status == Event.Status.PUBLISHED and event.ends_at > now:
        reasons.append(_("not held yet"))
        return
    if conditions.min_minutes:
        venue_only = event.is_in_person and not event.is_online
        if reg.attendance not in PRESENT:
            reasons.append(
                _("absent") if reg.attendance == Attendance.ABSENT else _("attendance not recorded")
            )
        elif reg.attendance_minutes is None:
            if not (venue_only and reg.attendance == Attendance.ATTENDED):
                reasons.append(_("minutes not recorded (import the Zoom report)"))
        elif reg.attendance_minutes < conditions.min_minutes:
            reasons.append(
                _("%(minutes)s minutes (%(required)s needed)")
                % {"minutes": reg.attendance_minutes, "required": conditions.min_minutes}
            )
    elif reg.attendance != Attendance.ATTENDED:
        reasons.append(
            {
                Attendance.ABSENT: _("absent"),
                Attendance.LEFT_EARLY: _("left early"),
            }.get(reg.attendance, _("attendance not recorded"))
        )
    user_id = reg.user_id
    if conditions.require_questionnaire:
        for form in forms.questionnaires.get(event.pk, []):
            if (form.pk, event.pk, user_id) not in done_user:
                reasons.append(_("questionnaire not answered"))
                break
    if conditions.require_prework:
        for form in forms.prework.get(event.pk, []):
            key = (form.pk, event.pk, root_id if form.per_organization else user_id)
            if key not in (done_org if form.per_organization else done_user):
                reasons.append(_("pre-work not submitted"))
                break
    check.counted = not reasons


def evaluate(
    rule,
    *,
    user_ids: set[int] | None = None,
    now: datetime | None = None,
    conditions: Conditions | None = None,
) -> list[PersonResult]:
    """Everyone with a confirmed registration for a session of the rule (or only
    `user_ids`), in 50音順, each with the sessions that count and why the others do not."""
    now = now or timezone.now()
    conditions = conditions or Conditions.of(rule)
    sessions = sessions_of(series=rule.series, event=rule.event)
    if not sessions:
        return []
    regs = (
        Registration.objects.confirmed()
        .filter(event__in=sessions)
        .select_related("user", "organization", "organization__parent", "organization__parent__parent")
    )
    if user_ids is not None:
        regs = regs.filter(user_id__in=user_ids)
    by_user: dict[int, dict[int, Registration]] = defaultdict(dict)
    users = {}
    events_by_id = {e.pk: e for e in sessions}
    for reg in regs:
        reg.event = events_by_id[reg.event_id]  # the session already in hand: no query per row
        by_user[reg.user_id][reg.event_id] = reg
        users[reg.user_id] = reg.user
    forms = forms_for(sessions)
    done_user, done_org = _done_sets(forms, sessions, set(users))
    roots = _root_ids() if any(f.per_organization for fs in forms.prework.values() for f in fs) else {}
    required = conditions.min_sessions or len(sessions)
    results = []
    for user_id, by_event in by_user.items():
        latest = max(by_event.values(), key=lambda r: (r.event.starts_at, r.pk))
        organization = latest.organization
        checks = []
        for event in sessions:
            reg = by_event.get(event.pk)
            check = SessionCheck(event=event, registration=reg)
            root = roots.get(reg.organization_id) if reg and reg.organization_id else None
            _check(check, conditions, forms, done_user, done_org, root, now)
            checks.append(check)
        results.append(
            PersonResult(user=users[user_id], organization=organization, sessions=checks, required=required)
        )
    results.sort(key=lambda r: (r.user.full_name_kana or "", r.user.full_name, r.user.pk))
    return results


def evaluate_one(rule, user, *, now: datetime | None = None) -> PersonResult | None:
    found = evaluate(rule, user_ids={user.pk}, now=now)
    return found[0] if found else None
