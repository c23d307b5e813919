"""Read-side figures for the reviewer's dashboard, the municipality page and the XLSX.

Every function here runs a fixed number of SQL queries whatever the number of events
(one per table, grouped by event id in the database), so a fiscal year of 1,000
events costs what a year of 10 does. Reports read; they never write.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Max, Min, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Organization
from core.dates import fiscal_year as fiscal_year_of
from events.models import Event, ParticipatingOrganization, ProgramItem, Registration
from reports.models import Activity, Engagement, Goal
from surveys.models import Answer, Form, Submission

Status = Event.Status
RegStatus = Registration.Status
Attendance = Registration.Attendance
SCALE = (1, 2, 3, 4, 5)
SATISFACTION_KEY = "satisfaction"


def fiscal_year_bounds(year: int) -> tuple[datetime, datetime]:
    """年度 2021 runs from 2021-04-01 00:00 to 2022-04-01 00:00, Japan time."""
    tz = timezone.get_current_timezone()
    return datetime(year, 4, 1, tzinfo=tz), datetime(year + 1, 4, 1, tzinfo=tz)


def available_years() -> list[int]:
    span = Event.objects.exclude(status=Status.DRAFT).aggregate(first=Min("starts_at"), last=Max("starts_at"))
    if span["first"] is None:
        return [fiscal_year_of(timezone.now())]
    return list(range(fiscal_year_of(span["last"]), fiscal_year_of(span["first"]) - 1, -1))


def default_year() -> int:
    """The latest 年度 in which an event has taken place (or was cancelled), so the sponsor
    opens on figures rather than on a year of announcements; the current year otherwise."""
    latest = (
        Event.objects.exclude(status=Status.DRAFT)
        .filter(starts_at__lte=timezone.now())
        .aggregate(last=Max("starts_at"))["last"]
    )
    return fiscal_year_of(latest) if latest else fiscal_year_of(timezone.now())


# --- figures per event ---------------------------------------------------------------------


@dataclass
class SurveyFigures:
    prework_expected: bool = False
    prework: int = 0
    questionnaire_expected: bool = False
    responses: int = 0
    satisfaction: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCALE, 0))


@dataclass
class Figures:
    """Sums for one event or for a group of events; rates are None when undefined."""

    events: int = 0
    held: int = 0
    cancelled: int = 0
    upcoming: int = 0
    registrations: int = 0
    confirmed: int = 0
    attended: int = 0
    left_early: int = 0
    absent: int = 0
    recorded: int = 0
    prework: int = 0
    prework_base: int = 0
    responses: int = 0
    response_base: int = 0
    satisfaction: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCALE, 0))

    def add(self, other: Figures) -> None:
        for name in (
            "events", "held", "cancelled", "upcoming", "registrations", "confirmed", "attended",
            "left_early", "absent", "recorded", "prework", "prework_base", "responses", "response_base",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for point in SCALE:
            self.satisfaction[point] += other.satisfaction[point]

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def present(self) -> int:
        return self.attended + self.left_early

    @property
    def attendance_rate(self) -> float | None:
        """出席率: attended (stayed long enough) over confirmed registrants of held events."""
        return self._rate(self.attended, self.confirmed) if self.recorded else None

    @property
    def prework_rate(self) -> float | None:
        return self._rate(self.prework, self.prework_base)

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responses, self.response_base)

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
class EventRow:
    event: Event
    figures: Figures
    municipality_ids: list[int]

    @property
    def state(self) -> str:
        return _state(self.event, timezone.now())

    @property
    def audience(self) -> str:
        """参加対象: the event's own, else the series'."""
        return self.event.audience or (self.event.series.audience if self.event.series_id else "")


def _state(event: Event, now: datetime) -> str:
    if event.status == Status.CANCELLED:
        return "cancelled"
    if event.status == Status.COMPLETED or event.ends_at <= now:
        return "held"
    return "upcoming"


def survey_figures(events: list[Event]) -> dict[int, SurveyFigures]:
    """Pre-work submitted, questionnaire responses and the satisfaction distribution per event.

    Three queries: the forms that apply (to the event or its whole series), submitted
    counts by (event, kind), and the answers to the questionnaire question keyed
    "satisfaction" (5-point scale). The municipality assessment sheet (one per
    organization) is left out: it is not a per-person rate.
    """
    out: dict[int, SurveyFigures] = {e.pk: SurveyFigures() for e in events}
    if not events:
        return out
    event_ids = list(out)
    series_ids = {e.series_id for e in events if e.series_id}
    per_person = ~Q(kind=Form.Kind.PREWORK) | Q(respondent=Form.Respondent.PERSON)
    kinds_by_event: dict[int, set[str]] = defaultdict(set)
    kinds_by_series: dict[int, set[str]] = defaultdict(set)
    for kind, event_id, series_id in (
        Form.objects.filter(Q(event_id__in=event_ids) | Q(series_id__in=series_ids))
        .filter(per_person)
        .values_list("kind", "event_id", "series_id")
    ):
        if event_id:
            kinds_by_event[event_id].add(kind)
        else:
            kinds_by_series[series_id].add(kind)
    for event in events:
        kinds = kinds_by_event.get(event.pk, set()) | kinds_by_series.get(event.series_id, set())
        out[event.pk].prework_expected = Form.Kind.PREWORK in kinds
        out[event.pk].questionnaire_expected = Form.Kind.QUESTIONNAIRE in kinds
    counts = (
        Submission.objects.filter(event_id__in=event_ids, status=Submission.Status.SUBMITTED)
        .filter(~Q(form__kind=Form.Kind.PREWORK) | Q(form__respondent=Form.Respondent.PERSON))
        .values_list("event_id", "form__kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for event_id, kind, n in counts:
        if kind == Form.Kind.PREWORK:
            out[event_id].prework += n
        else:
            out[event_id].responses += n
    scores = (
        Answer.objects.filter(
            submission__event_id__in=event_ids,
            submission__status=Submission.Status.SUBMITTED,
            # An anonymous response counts only once released with k others (surveys.anonymity).
            submission__in_results=True,
            submission__form__kind=Form.Kind.QUESTIONNAIRE,
            question__key=SATISFACTION_KEY,
            value_number__isnull=False,
        )
        .values_list("submission__event_id", "value_number")
        .annotate(n=Count("id"))
        .order_by()
    )
    for event_id, value, n in scores:
        point = int(Decimal(value))
        if point in SCALE:
            out[event_id].satisfaction[point] += n
    return out


def event_rows(events: list[Event], *, now: datetime | None = None) -> list[EventRow]:
    """Figures for each event: one query for registrations, three for surveys, three for places."""
    now = now or timezone.now()
    ids = [e.pk for e in events]
    regs = {
        row["event_id"]: row
        for row in Registration.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(
            live=Count("id", filter=Q(status__in=[RegStatus.CONFIRMED, RegStatus.REQUESTED])),
            confirmed=Count("id", filter=Q(status=RegStatus.CONFIRMED)),
            attended=Count("id", filter=Q(status=RegStatus.CONFIRMED, attendance=Attendance.ATTENDED)),
            left_early=Count("id", filter=Q(status=RegStatus.CONFIRMED, attendance=Attendance.LEFT_EARLY)),
            absent=Count("id", filter=Q(status=RegStatus.CONFIRMED, attendance=Attendance.ABSENT)),
        )
        .order_by()
    }
    surveys = survey_figures(events)
    places = municipality_ids_for(ids)
    rows = []
    for event in events:
        data = regs.get(event.pk, {})
        state = _state(event, now)
        f = Figures(events=1)
        setattr(f, state, 1)
        # 参加者数 ※申込時点: the snapshot taken at the deadline, else today's count.
        f.registrations = (
            event.count_at_deadline if event.count_at_deadline is not None else data.get("live", 0)
        )
        if state == "held":
            f.confirmed = data.get("confirmed", 0)
            f.attended = data.get("attended", 0)
            f.left_early = data.get("left_early", 0)
            f.absent = data.get("absent", 0)
            f.recorded = int(bool(f.attended or f.left_early or f.absent))
            s = surveys[event.pk]
            if s.prework_expected:
                f.prework, f.prework_base = s.prework, f.confirmed
            if s.questionnaire_expected:
                f.responses, f.response_base = s.responses, f.present
            f.satisfaction = dict(s.satisfaction)
        rows.append(EventRow(event=event, figures=f, municipality_ids=places.get(event.pk, [])))
    return rows


def municipality_ids_for(event_ids: list[int]) -> dict[int, list[int]]:
    """The municipalities (top-level organizations of kind municipality) an event belongs
    to: its hosts' and, for an exchange meeting, its participants'. Three queries."""
    links: dict[int, set[int]] = defaultdict(set)
    for event_id, org_id in Event.hosts.through.objects.filter(event_id__in=event_ids).values_list(
        "event_id", "organization_id"
    ):
        links[event_id].add(org_id)
    for event_id, org_id in ParticipatingOrganization.objects.filter(event_id__in=event_ids).values_list(
        "event_id", "organization_id"
    ):
        links[event_id].add(org_id)
    roots = _roots()
    out = {}
    for event_id, org_ids in links.items():
        found = {roots[o][0] for o in org_ids if o in roots and roots[o][1]}
        out[event_id] = sorted(found)
    return out


def _roots() -> dict[int, tuple[int, bool]]:
    """org id → (root id, root is a municipality); one query for the whole (small) tree."""
    return {
        pk: (root.pk, root.kind == Organization.Kind.MUNICIPALITY)
        for pk, root in Organization.objects.root_map().items()
    }


# --- the dashboard ------------------------------------------------------------------------------


@dataclass
class Group:
    key: object
    label: str
    figures: Figures = field(default_factory=Figures)
    organization: Organization | None = None
    engagement_id: int | None = None


@dataclass
class Dashboard:
    year: int
    events: list[EventRow]
    municipalities: list[Group]
    series: list[Group]
    total: Figures


def visible_events(user, *, year: int):
    """A fiscal year's events (no drafts) the user may see in reports: all of them for
    reviewers and staff, their own organizations' for organizers."""
    start, end = fiscal_year_bounds(year)
    qs = Event.objects.exclude(status=Status.DRAFT).filter(starts_at__gte=start, starts_at__lt=end)
    if not permissions.can_read_across_organizations(user):
        qs = qs.filter(pk__in=Event.objects.hosted_by(permissions.organizer_org_ids(user)).values("pk"))
    return qs.select_related("series").order_by("starts_at", "id")


def dashboard(user, *, year: int) -> Dashboard:
    rows = event_rows(list(visible_events(user, year=year)))
    orgs = {
        o.pk: o for o in Organization.objects.filter(pk__in={m for r in rows for m in r.municipality_ids})
    }
    engagements = dict(
        Engagement.objects.filter(fiscal_year=year, organization_id__in=orgs).values_list(
            "organization_id", "pk"
        )
    )
    total = Figures()
    by_org: dict[object, Group] = {}
    by_series: dict[object, Group] = {}
    for row in rows:
        total.add(row.figures)
        for org_id in row.municipality_ids or [None]:
            group = by_org.get(org_id)
            if group is None:
                org = orgs.get(org_id)
                group = by_org[org_id] = Group(
                    key=org_id,
                    label=org.display_name if org else _("Other organizers"),
                    organization=org,
                    engagement_id=engagements.get(org_id),
                )
            group.figures.add(row.figures)
        series_key = row.event.series_id or f"e{row.event.pk}"
        group = by_series.get(series_key)
        if group is None:
            label = row.event.series.title if row.event.series_id else row.event.title
            group = by_series[series_key] = Group(key=series_key, label=label)
        group.figures.add(row.figures)
    # Municipalities that wrote an engagement but held nothing yet still get a row.
    for org in Organization.objects.filter(engagements__fiscal_year=year).exclude(pk__in=by_org.keys()):
        if permissions.can_read_across_organizations(user) or permissions.can_write_engagement_of(
            user, org.pk
        ):
            by_org[org.pk] = Group(
                key=org.pk, label=org.display_name, organization=org, engagement_id=engagements.get(org.pk)
            )
    # Municipalities that keep an engagement record first (the sponsor's own clients),
    # then those that only joined an exchange meeting, then events of no municipality.
    municipalities = sorted(
        by_org.values(),
        key=lambda g: (
            g.organization is None,
            g.engagement_id is None,
            g.organization.pk if g.organization else 0,
        ),
    )
    return Dashboard(
        year=year, events=rows, municipalities=municipalities, series=list(by_series.values()), total=total
    )


def chart_data(board: Dashboard) -> dict:
    """What reports-charts.js draws; the same numbers are in the tables beside each chart."""

    def pct(value):
        return round(value * 100, 1) if value is not None else None

    groups = [g for g in board.municipalities if g.figures.events]
    return {
        "municipalities": {
            "labels": [g.label for g in groups],
            "registrations": [g.figures.registrations for g in groups],
            "attended": [g.figures.attended for g in groups],
            "attendance_rate": [pct(g.figures.attendance_rate) for g in groups],
            "prework_rate": [pct(g.figures.prework_rate) for g in groups],
            "response_rate": [pct(g.figures.response_rate) for g in groups],
        },
        "satisfaction": {
            "labels": [str(p) for p in SCALE],
            "series": [{"label": g.label, "data": g.figures.satisfaction_list} for g in groups],
        },
        "text": {
            "registrations": _("Registrations (as of the deadline)"),
            "attended": _("Attended"),
            "attendance_rate": _("Attendance rate (%)"),
            "prework_rate": _("Pre-work submitted (%)"),
            "response_rate": _("Questionnaire responses (%)"),
            "people": _("People"),
            "percent": _("%"),
            "satisfaction": _("Satisfaction (1 = dissatisfied, 5 = satisfied)"),
        },
    }


# --- one municipality's page --------------------------------------------------------------------


@dataclass
class ActivityBlock:
    title: str
    events: list[EventRow]
    speakers: list
    audience: str
    venues: list[str]
    registrations_total: int


@dataclass
class MunicipalityPage:
    organization: Organization
    year: int
    engagement: object | None
    activities: list[ActivityBlock]
    other_events: list[EventRow]
    total: Figures


def municipality_page(*, organization: Organization, year: int) -> MunicipalityPage:
    """Access is the caller's check (reports.access); the page shows every event of the
    municipality, hosted or joined, and those its activities link to."""
    engagement = (
        Engagement.objects.filter(organization=organization, fiscal_year=year)
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("order", "id")),
            Prefetch(
                "activities",
                queryset=Activity.objects.order_by("order", "id").prefetch_related("series", "events"),
            ),
        )
        .first()
    )
    start, end = fiscal_year_bounds(year)
    roots = _roots()
    tree = [pk for pk, (root, _municipality) in roots.items() if root == organization.pk]
    linked = Q(hosts__in=tree) | Q(participating_organizations__organization__in=tree)
    if engagement:
        activities = list(engagement.activities.all())
        linked |= Q(series__in=[s.pk for a in activities for s in a.series.all()])
        linked |= Q(pk__in=[e.pk for a in activities for e in a.events.all()])
    events_qs = (
        Event.objects.exclude(status=Status.DRAFT)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .filter(pk__in=Event.objects.filter(linked).values("pk"))
        .select_related("series")
        .order_by("starts_at", "id")
    )
    all_rows = event_rows(
        list(
            events_qs.prefetch_related(
                Prefetch(
                    "program_items",
                    queryset=ProgramItem.objects.order_by("order", "starts_at", "id").prefetch_related(
                        "speakers"
                    ),
                ),
                "speakers",
                "participating_organizations__organization__parent",
            )
        )
    )
    mine = [r for r in all_rows if organization.pk in r.municipality_ids]
    by_id = {r.event.pk: r for r in all_rows}
    used: set[int] = set()
    blocks = []
    for activity in engagement.activities.all() if engagement else []:
        series_ids = {s.pk for s in activity.series.all()}
        rows = [r for r in all_rows if r.event.series_id in series_ids]
        rows += [by_id[e.pk] for e in activity.events.all() if e.pk in by_id and by_id[e.pk] not in rows]
        rows.sort(key=lambda r: (r.event.starts_at, r.event.pk))
        used |= {r.event.pk for r in rows}
        blocks.append(_block(activity.title, rows))
    others = [r for r in mine if r.event.pk not in used]
    total = Figures()
    for row in {r.event.pk: r for r in mine + [r for b in blocks for r in b.events]}.values():
        total.add(row.figures)
    return MunicipalityPage(
        organization=organization,
        year=year,
        engagement=engagement,
        activities=blocks,
        other_events=others,
        total=total,
    )


def _block(title: str, rows: list[EventRow]) -> ActivityBlock:
    speakers, audience, venues = [], "", []
    for row in rows:
        event = row.event
        audience = audience or event.audience or (event.series.audience if event.series_id else "")
        place = event.location_label
        if place and place not in venues:
            venues.append(place)
        for speaker in event.speakers.all():
            if speaker not in speakers:
                speakers.append(speaker)
    held = [r for r in rows if r.state != "cancelled"]
    return ActivityBlock(
        title=title,
        events=rows,
        speakers=speakers,
        audience=audience,
        venues=venues,
        registrations_total=sum(r.figures.registrations for r in held),
    )
