"""Read-side figures for the reviewer's dashboard, the municipality page and the XLSX.

Every function here runs a fixed number of SQL queries whatever the number of events
(one per table, grouped by event id in the database), so a fiscal year of 1,000
events costs what a year of 10 does. Reports read; they never write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max, Min, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Organization
from core.dates import fiscal_year as fiscal_year_of
from events.models import Event, ProgramItem
from reports.figures import (
    OTHER,
    SCALE,
    UNATTRIBUTED,
    EventRow,
    Figures,
    SheetStatus,
    event_rows,
    municipality_ids_for,
    root_map,
)
from reports.models import Activity, Engagement, Goal

Status = Event.Status
__all__ = ["SCALE", "EventRow", "Figures", "event_rows", "municipality_ids_for"]


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


# --- the dashboard ------------------------------------------------------------------------------


@dataclass
class Group:
    key: object
    label: str
    figures: Figures = field(default_factory=Figures)
    organization: Organization | None = None
    engagement_id: int | None = None
    sheets: list[SheetStatus] = field(default_factory=list)

    @property
    def is_municipality(self) -> bool:
        return self.organization is not None


@dataclass
class Dashboard:
    year: int
    events: list[EventRow]
    municipalities: list[Group]
    series: list[Group]
    total: Figures
    sheets: list[tuple[Group, SheetStatus]] = field(default_factory=list)

    @property
    def has_anonymous(self) -> bool:
        return any(r.has_anonymous for r in self.events)


def group_label(key, orgs: dict[int, Organization]) -> str:
    if key == OTHER:
        return _("Other organizations and individuals")
    if key == UNATTRIBUTED:
        return _("Not attributable")
    org = orgs.get(key)
    return municipality_label(org) if org else _("Other organizations and individuals")


def municipality_label(org: Organization) -> str:
    """埼玉県行田市, as the casebook writes a municipality."""
    return f"{org.prefecture}{org.display_name}"


def visible_events(user, *, year: int):
    """A fiscal year's events (no drafts) the user may see in reports: all of them for
    reviewers and staff, their own organizations' for organizers."""
    start, end = fiscal_year_bounds(year)
    qs = Event.objects.exclude(status=Status.DRAFT).filter(starts_at__gte=start, starts_at__lt=end)
    if not permissions.can_read_across_organizations(user):
        qs = qs.filter(pk__in=Event.objects.hosted_by(permissions.organizer_org_ids(user)).values("pk"))
    return qs.select_related("series").order_by("starts_at", "id")


def dashboard(user, *, year: int) -> Dashboard:
    """The year by municipality (each person for their own municipality), by series and
    by event; each table's totals row is `total`, the sum of its rows."""
    rows = event_rows(list(visible_events(user, year=year)))
    keys = {k for r in rows for k in (*r.groups, *r.municipality_ids)}
    orgs = Organization.objects.in_bulk([k for k in keys if isinstance(k, int)])
    engagements = dict(
        Engagement.objects.filter(fiscal_year=year, organization_id__in=orgs).values_list(
            "organization_id", "pk"
        )
    )
    total = Figures()
    by_org: dict[object, Group] = {}
    by_series: dict[object, Group] = {}

    def group_for(key) -> Group:
        group = by_org.get(key)
        if group is None:
            org = orgs.get(key) if isinstance(key, int) else None
            group = by_org[key] = Group(
                key=key, label=group_label(key, orgs), organization=org, engagement_id=engagements.get(key)
            )
        return group

    for row in rows:
        total.add(row.figures)
        for key in row.municipality_ids:
            group_for(key)
        for key, figures in row.groups.items():
            group_for(key).figures.add(figures)
        for sheet in row.sheets:
            group_for(sheet.organization_id).sheets.append(sheet)
        series_key = row.event.series_id or f"e{row.event.pk}"
        group = by_series.get(series_key)
        if group is None:
            label = row.event.series.title if row.event.series_id else row.event.title
            group = by_series[series_key] = Group(key=series_key, label=label)
        group.figures.add(row.figures)
    # Municipalities that wrote an engagement but held nothing yet still get a row.
    for org in Organization.objects.filter(engagements__fiscal_year=year).exclude(
        pk__in=[k for k in by_org if isinstance(k, int)]
    ):
        if permissions.can_read_across_organizations(user) or permissions.can_write_engagement_of(
            user, org.pk
        ):
            by_org[org.pk] = Group(
                key=org.pk,
                label=municipality_label(org),
                organization=org,
                engagement_id=engagements.get(org.pk),
            )
    # Municipalities that keep an engagement record first (the sponsor's own clients),
    # then those that only joined an exchange meeting, then the groups of no municipality.
    municipalities = sorted(
        by_org.values(),
        key=lambda g: (
            g.key == UNATTRIBUTED,
            g.organization is None,
            g.engagement_id is None,
            g.organization.pk if g.organization else 0,
        ),
    )
    sheets = [(g, s) for g in municipalities for s in g.sheets]
    return Dashboard(
        year=year,
        events=rows,
        municipalities=municipalities,
        series=list(by_series.values()),
        total=total,
        sheets=sheets,
    )


def chart_data(board: Dashboard) -> dict:
    """What reports-charts.js draws; the same numbers are in the tables beside each chart."""

    def pct(value):
        return round(value * 100, 1) if value is not None else None

    groups = [g for g in board.municipalities if g.is_municipality]
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
    # This municipality's own people at each event (the rows of the figures table; `total`
    # is their sum) and its organization sheets.
    own_rows: list[tuple[EventRow, Figures]] = field(default_factory=list)
    sheets: list[SheetStatus] = field(default_factory=list)
    has_anonymous: bool = False


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
    roots = root_map()
    tree = [pk for pk, (root, _municipality) in roots.items() if root == organization.pk]
    linked = (
        Q(hosts__in=tree)
        | Q(participating_organizations__organization__in=tree)
        | Q(registrations__organization__in=tree)
    )
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
                    queryset=ProgramItem.objects.order_by("order", "offset_minutes", "id").prefetch_related(
                        "speaker_links__speaker"
                    ),
                ),
                "speaker_links__speaker",
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
    shown = [r for b in blocks for r in b.events] + others
    own_rows = [(r, r.group(organization.pk)) for r in {r.event.pk: r for r in shown}.values()]
    total = Figures()
    for _row, figures in own_rows:
        total.add(figures)
    return MunicipalityPage(
        organization=organization,
        year=year,
        engagement=engagement,
        activities=blocks,
        other_events=others,
        total=total,
        own_rows=own_rows,
        sheets=[s for r, _f in own_rows for s in r.sheets if s.organization_id == organization.pk],
        has_anonymous=any(r.has_anonymous for r, _f in own_rows),
    )


def _block(title: str, rows: list[EventRow]) -> ActivityBlock:
    speakers, audience, venues = [], "", []
    for row in rows:
        event = row.event
        audience = audience or event.audience or (event.series.audience if event.series_id else "")
        place = event.location_label
        if place and place not in venues:
            venues.append(place)
        for link in event.speaker_links.all():
            if link.speaker not in speakers:
                speakers.append(link.speaker)
    held = [r for r in rows if r.state != "cancelled"]
    return ActivityBlock(
        title=title,
        events=rows,
        speakers=speakers,
        audience=audience,
        venues=venues,
        registrations_total=sum(r.figures.registrations for r in held),
    )
