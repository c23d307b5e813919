"""Figures per event, split by the municipality each person belongs to.

The rules the sponsor publishes (printed under every table, see `DEFINITIONS`):

- A person counts once per event, for one group: the root municipality of the
  organization they registered under (`Registration.organization`, kept as it was at
  the time). People of no municipality (a 社会福祉協議会 or a corporation at the top
  of its own tree, individuals) form the group `OTHER`. An exchange meeting therefore
  gives each municipality only its own people, never the whole meeting.
- An event's figures are the sum of its groups' figures (plus `UNATTRIBUTED`, for
  what cannot be attributed: registrations a snapshot holds without a breakdown,
  anonymous answers), so every totals row equals the sum of its rows.
- Figures are 延べ人数 (person-sessions): a person at two sessions counts at each.
- Rates cannot exceed 100 percent: each numerator is a subset of its base (出席率 = attended ÷
  confirmed registrants of held events with attendance recorded; 提出率 = pre-work
  sheets of confirmed registrants ÷ confirmed registrants; 回答率 = respondents who
  attended ÷ attendees). Anonymous questionnaires cannot say whose answer is whose: they
  count responses ÷ attendees, capped at 100 percent, and the page prints that caveat.

Every function runs a fixed number of queries whatever the number of events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from events.models import Event, ParticipatingOrganization, Registration
from surveys.models import Answer, Form, Respondent, Submission

Status = Event.Status
RegStatus = Registration.Status
Attendance = Registration.Attendance
PRESENT = (Attendance.ATTENDED, Attendance.LEFT_EARLY)
SCALE = (1, 2, 3, 4, 5)
SATISFACTION_KEY = "satisfaction"

OTHER = "other"
UNATTRIBUTED = "unattributed"

# Printed under each table; the same words in the XLSX.
DEFINITIONS = [
    _(
        "Each person counts once per session, for the municipality of the organization they registered "
        "under (departments count for their city); people of other organizations and individuals are "
        "shown as “Other organizations and individuals”. Figures are person-sessions: someone at two "
        "sessions counts at each."
    ),
    _(
        "Registrations: confirmed and awaiting approval as of the registration deadline (the snapshot "
        "kept at the deadline; cancelled sessions count none)."
    ),
    _(
        "Attendance rate = attended ÷ confirmed registrants of held sessions whose attendance was "
        "recorded. Those who left early are counted apart and not as attended."
    ),
    _(
        "Pre-work rate = confirmed registrants who submitted the pre-work sheet ÷ confirmed registrants "
        "of sessions with a pre-work sheet."
    ),
    _(
        "Response rate = respondents who attended (attended or left early) ÷ attendees of sessions with "
        "a questionnaire."
    ),
    _(
        "The totals row is the sum of the rows above it; rates in it are computed from its sums, never "
        "averaged."
    ),
]
ANONYMOUS_CAVEAT = _(
    "Anonymous questionnaires keep nothing that says whose answer is whose: for them the response rate "
    "is responses ÷ attendees, capped at 100 percent (someone who did not attend may have answered), and "
    "their satisfaction answers are shown under “Not attributable” instead of a municipality."
)


@dataclass
class Figures:
    """Sums for one group, one event or a set of events; rates are None when undefined."""

    COUNTS = (
        "events",
        "held",
        "cancelled",
        "upcoming",
        "registrations",
        "confirmed",
        "attended",
        "left_early",
        "absent",
        "attendance_base",
        "prework",
        "prework_base",
        "responses",
        "response_base",
        "anonymous_responses",
        "org_sheets",
        "org_sheets_base",
    )

    events: int = 0
    held: int = 0
    cancelled: int = 0
    upcoming: int = 0
    registrations: int = 0
    confirmed: int = 0
    attended: int = 0
    left_early: int = 0
    absent: int = 0
    attendance_base: int = 0
    prework: int = 0
    prework_base: int = 0
    responses: int = 0
    response_base: int = 0
    anonymous_responses: int = 0
    org_sheets: int = 0
    org_sheets_base: int = 0
    satisfaction: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCALE, 0))

    def add(self, other: Figures) -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for point in SCALE:
            self.satisfaction[point] += other.satisfaction[point]

    def counts(self) -> dict[str, int]:
        """Every summable number, for the tests' "totals equal the sum of rows"."""
        return {
            **{name: getattr(self, name) for name in self.COUNTS},
            **{f"satisfaction_{p}": n for p, n in self.satisfaction.items()},
        }

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return min(part, whole) / whole if whole else None

    @property
    def present(self) -> int:
        return self.attended + self.left_early

    @property
    def attendance_rate(self) -> float | None:
        return self._rate(self.attended, self.attendance_base)

    @property
    def prework_rate(self) -> float | None:
        return self._rate(self.prework, self.prework_base)

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responses, self.response_base)

    @property
    def response_rate_capped(self) -> bool:
        """True when anonymous responses outnumber what the base allows (shown with the caveat)."""
        return bool(self.response_base) and self.responses > self.response_base

    @property
    def satisfaction_count(self) -> int:
        return sum(self.satisfaction.values())

    @property
    def satisfaction_mean(self) -> float | None:
        total = self.satisfaction_count
        if not total:
            return None
        return sum(point * n for point, n in self.satisfaction.items()) / total

    @property
    def satisfaction_list(self) -> list[int]:
        return [self.satisfaction[point] for point in SCALE]


@dataclass
class SheetStatus:
    """One organization sheet (アセスメントシート) for one municipality at one event."""

    event: Event
    form_id: int
    form_title: str
    organization_id: int
    status: str  # "submitted", "draft" or "missing"
    submitted_at: datetime | None = None
    by: str = ""


@dataclass
class EventRow:
    event: Event
    figures: Figures
    municipality_ids: list[int]
    groups: dict[object, Figures] = field(default_factory=dict)
    sheets: list[SheetStatus] = field(default_factory=list)
    has_anonymous: bool = False

    @property
    def state(self) -> str:
        return state_of(self.event, timezone.now())

    @property
    def audience(self) -> str:
        """参加対象: the event's own, else the series'."""
        return self.event.audience or (self.event.series.audience if self.event.series_id else "")

    def group(self, key) -> Figures:
        return self.groups.get(key) or Figures()


def state_of(event: Event, now: datetime) -> str:
    if event.status == Status.CANCELLED:
        return "cancelled"
    if event.status == Status.COMPLETED or event.ends_at <= now:
        return "held"
    return "upcoming"


def root_map() -> dict[int, tuple[int, bool]]:
    """org id → (root id, root is a municipality); one query for the whole (small) tree."""
    return {
        pk: (root.pk, root.kind == Organization.Kind.MUNICIPALITY)
        for pk, root in Organization.objects.root_map().items()
    }


def group_key(org_id: int | None, roots: dict[int, tuple[int, bool]]):
    """The root municipality's id, or OTHER."""
    if org_id is None or org_id not in roots:
        return OTHER
    root, is_municipality = roots[org_id]
    return root if is_municipality else OTHER


# --- the queries ---------------------------------------------------------------------------------


def _registration_counts(event_ids: list[int]) -> list[dict]:
    """One query: per (event, organization registered under), the registration figures and,
    for confirmed registrants, whether they submitted the pre-work sheet and answered."""

    mine = Submission.objects.filter(
        event_id=OuterRef("event_id"), user_id=OuterRef("user_id"), status=Submission.Status.SUBMITTED
    )
    prework = Exists(mine.filter(form__kind=Form.Kind.PREWORK, form__respondent=Form.Respondent.PERSON))
    answered = Exists(mine.filter(form__kind=Form.Kind.QUESTIONNAIRE))
    answered_anonymously = Exists(
        Respondent.objects.filter(event_id=OuterRef("event_id"), user_id=OuterRef("user_id"))
    )
    confirmed = Q(status=RegStatus.CONFIRMED)
    present = Q(status=RegStatus.CONFIRMED, attendance__in=PRESENT)
    return list(
        Registration.objects.filter(event_id__in=event_ids)
        .values("event_id", "organization_id")
        .annotate(
            live=Count("id", filter=Q(status__in=[RegStatus.CONFIRMED, RegStatus.REQUESTED])),
            confirmed=Count("id", filter=confirmed),
            attended=Count("id", filter=Q(confirmed, attendance=Attendance.ATTENDED)),
            left_early=Count("id", filter=Q(confirmed, attendance=Attendance.LEFT_EARLY)),
            absent=Count("id", filter=Q(confirmed, attendance=Attendance.ABSENT)),
            prework=Count("id", filter=Q(prework, confirmed)),
            answered_present=Count("id", filter=Q(answered, present)),
            anonymous_respondents=Count("id", filter=Q(answered_anonymously, confirmed)),
        )
        .order_by()
    )


def _forms(events: list[Event]) -> dict[int, list]:
    """The forms that apply to each event (its own and its series'): one query."""

    event_ids = [e.pk for e in events]
    series_ids = {e.series_id for e in events if e.series_id}
    by_event: dict[int, list] = defaultdict(list)
    by_series: dict[int, list] = defaultdict(list)
    for form in Form.objects.filter(Q(event_id__in=event_ids) | Q(series_id__in=series_ids)).only(
        "pk", "title", "kind", "respondent", "anonymous", "event_id", "series_id"
    ):
        (by_event[form.event_id] if form.event_id else by_series[form.series_id]).append(form)
    return {e.pk: by_event.get(e.pk, []) + by_series.get(e.series_id, []) for e in events}


def _anonymous_submissions(event_ids: list[int]) -> dict[int, int]:
    """Released anonymous responses per event: one query. An anonymous response counts
    once released with k others (surveys.anonymity)."""

    return dict(
        Submission.objects.filter(
            event_id__in=event_ids, status=Submission.Status.SUBMITTED, form__anonymous=True, in_results=True
        )
        .values_list("event_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def _satisfaction(event_ids: list[int]) -> list[tuple[int, int | None, bool, Decimal, int]]:
    """(event, organization the respondent registered under, anonymous, score, count): one
    query; an anonymous answer has no respondent and so no organization."""

    registered_under = (
        Registration.objects.filter(
            event_id=OuterRef("submission__event_id"), user_id=OuterRef("submission__user_id")
        )
        .order_by("-created_at", "-id")
        .values("organization_id")[:1]
    )
    return list(
        Answer.objects.filter(
            submission__event_id__in=event_ids,
            submission__status=Submission.Status.SUBMITTED,
            submission__in_results=True,
            submission__form__kind=Form.Kind.QUESTIONNAIRE,
            question__key=SATISFACTION_KEY,
            value_number__isnull=False,
        )
        .annotate(org=Subquery(registered_under))
        .values_list("submission__event_id", "org", "submission__form__anonymous", "value_number")
        .annotate(n=Count("id"))
        .order_by()
    )


def _organization_sheets(event_ids: list[int]) -> dict[tuple[int, int], list]:
    """(form, event) → [(organization, status, submitted_at, by)]: one query."""

    out: dict[tuple[int, int], list] = defaultdict(list)
    for form_id, event_id, org_id, status, submitted_at, by in (
        Submission.objects.filter(event_id__in=event_ids, organization_id__isnull=False)
        .values_list(
            "form_id", "event_id", "organization_id", "status", "submitted_at", "updated_by__full_name"
        )
        .order_by("submitted_at")
    ):
        out[(form_id, event_id)].append((org_id, status, submitted_at, by or ""))
    return out


def municipality_ids_for(event_ids: list[int], roots=None) -> dict[int, list[int]]:
    """The municipalities an event belongs to: its hosts' and, for an exchange meeting, its
    participants' (roots of kind municipality). Two queries, plus the tree when not given."""
    links: dict[int, set[int]] = defaultdict(set)
    for event_id, org_id in Event.hosts.through.objects.filter(event_id__in=event_ids).values_list(
        "event_id", "organization_id"
    ):
        links[event_id].add(org_id)
    for event_id, org_id in ParticipatingOrganization.objects.filter(event_id__in=event_ids).values_list(
        "event_id", "organization_id"
    ):
        links[event_id].add(org_id)
    roots = roots if roots is not None else root_map()
    return {
        event_id: sorted({roots[o][0] for o in org_ids if o in roots and roots[o][1]})
        for event_id, org_ids in links.items()
    }


# --- putting them together ----------------------------------------------------------------------


def event_rows(events: list[Event], *, now: datetime | None = None) -> list[EventRow]:
    """Figures for each event and for each of its groups. Eight queries in all."""

    now = now or timezone.now()
    ids = [e.pk for e in events]
    roots = root_map()
    regs: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for row in _registration_counts(ids):
        bucket = regs[row["event_id"]][group_key(row["organization_id"], roots)]
        for name, value in row.items():
            if name not in ("event_id", "organization_id"):
                bucket[name] += value
    forms = _forms(events)
    anonymous_submitted = _anonymous_submissions(ids)
    scores: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: dict.fromkeys(SCALE, 0)))
    for event_id, org_id, anonymous, value, n in _satisfaction(ids):
        point = int(Decimal(value))
        if point in SCALE:
            key = UNATTRIBUTED if anonymous else group_key(org_id, roots)
            scores[event_id][key][point] += n
    sheets = _organization_sheets(ids)
    places = municipality_ids_for(ids, roots)

    rows = []
    for event in events:
        state = state_of(event, now)
        event_regs = regs.get(event.pk, {})
        applying = forms.get(event.pk, [])
        prework_expected = any(
            f.kind == Form.Kind.PREWORK and f.respondent == Form.Respondent.PERSON for f in applying
        )
        named_questionnaire = any(f.kind == Form.Kind.QUESTIONNAIRE and not f.anonymous for f in applying)
        anonymous_questionnaire = any(f.kind == Form.Kind.QUESTIONNAIRE and f.anonymous for f in applying)
        groups: dict[object, Figures] = defaultdict(Figures)

        if state != "cancelled":
            for key, n in _registrations_at_deadline(event, event_regs, roots).items():
                groups[key].registrations += n
        recorded = any(b["attended"] or b["left_early"] or b["absent"] for b in event_regs.values())
        if state == "held":
            for key, b in event_regs.items():
                g = groups[key]
                g.confirmed = b["confirmed"]
                g.attended, g.left_early, g.absent = b["attended"], b["left_early"], b["absent"]
                g.attendance_base = b["confirmed"] if recorded else 0
                if prework_expected:
                    g.prework, g.prework_base = b["prework"], b["confirmed"]
                if named_questionnaire:
                    g.response_base = g.present
                    g.responses += b["answered_present"]
            if anonymous_questionnaire:
                _anonymous_responses(groups, event_regs, anonymous_submitted.get(event.pk, 0))
            for key, dist in scores.get(event.pk, {}).items():
                for point, n in dist.items():
                    groups[key].satisfaction[point] += n

        row_sheets = _sheet_statuses(event, applying, sheets, places.get(event.pk, []), event_regs, roots)
        if state != "cancelled":
            for sheet in row_sheets:
                g = groups[sheet.organization_id]
                g.org_sheets_base += 1
                g.org_sheets += sheet.status == "submitted"

        total = Figures(events=1)
        setattr(total, state, 1)
        for g in groups.values():
            total.add(g)
        municipality_ids = sorted(set(places.get(event.pk, [])) | {k for k in groups if isinstance(k, int)})
        rows.append(
            EventRow(
                event=event,
                figures=total,
                municipality_ids=municipality_ids,
                groups=dict(groups),
                sheets=row_sheets,
                has_anonymous=anonymous_questionnaire and state == "held",
            )
        )
    return rows


def _anonymous_responses(groups, event_regs, released: int) -> None:
    """Anonymous responses by municipality from the "who has answered" rows (never linked
    to an answer, and a count of who answered is not an answer); answers with no such row
    (none are written today, older data may hold some) go under UNATTRIBUTED. The base is
    each group's attendees, so the page's layout never depends on whether one more person
    answered (surveys.anonymity)."""
    known = 0
    for key, b in event_regs.items():
        g = groups[key]
        g.response_base = b["attended"] + b["left_early"]
        g.responses += b["anonymous_respondents"]
        g.anonymous_responses += b["anonymous_respondents"]
        known += b["anonymous_respondents"]
    if released > known:
        groups[UNATTRIBUTED].responses += released - known
        groups[UNATTRIBUTED].anonymous_responses += released - known


def _registrations_at_deadline(event: Event, event_regs: dict, roots) -> dict[object, int]:
    """参加者数 ※申込時点 by group: the breakdown kept at the deadline when there is one;
    else today's live registrations, with anything a bare snapshot holds beyond them
    put under UNATTRIBUTED (so the event keeps its published number and still adds up)."""
    out: dict[object, int] = defaultdict(int)
    if event.count_at_deadline_by_org is not None:
        for org_id, n in event.count_at_deadline_by_org.items():
            out[group_key(int(org_id) if org_id else None, roots)] += n
        return out
    for key, b in event_regs.items():
        if b["live"]:
            out[key] += b["live"]
    if event.count_at_deadline is not None:
        rest = event.count_at_deadline - sum(out.values())
        if rest > 0:
            out[UNATTRIBUTED] += rest
    return out


def _sheet_statuses(event, applying, sheets, place_ids, event_regs, roots) -> list[SheetStatus]:
    """Each organization sheet of the event for each municipality expected to write it:
    those taking part (hosts, participants), those whose people are confirmed, and any that
    wrote one anyway."""

    out = []
    expected = set(place_ids) | {k for k, b in event_regs.items() if isinstance(k, int) and b["confirmed"]}
    for form in applying:
        if form.respondent != Form.Respondent.ORGANIZATION:
            continue
        written = {}
        for org_id, status, submitted_at, by in sheets.get((form.pk, event.pk), []):
            key = group_key(org_id, roots)
            if isinstance(key, int):
                written[key] = (status, submitted_at, by)
        for org_id in sorted(expected | set(written)):
            status, submitted_at, by = written.get(org_id, ("missing", None, ""))
            out.append(
                SheetStatus(
                    event=event,
                    form_id=form.pk,
                    form_title=form.title,
                    organization_id=org_id,
                    status=status,
                    submitted_at=submitted_at if status == "submitted" else None,
                    by=by,
                )
            )
    return out
