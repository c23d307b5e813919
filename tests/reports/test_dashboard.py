"""The reviewer's dashboard: figures per municipality and series, constant queries, XLSX."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Event, ParticipatingOrganization, Registration
from reports import selectors
from reports.figures import UNATTRIBUTED
from tests.factories import EventSeriesFactory, OrganizationFactory, RegistrationFactory
from tests.reports import factories as f

A = Registration.Attendance
TZ = timezone.get_default_timezone()


def _at(y, m, d, hh=15):
    return dt.datetime(y, m, d, hh, tzinfo=TZ)


@pytest.fixture
def year_2021(municipality, other_municipality, sponsor):
    """草加市: a series of two held sessions; 苫小牧市: one cancelled, one held;
    an exchange meeting hosted by the sponsor with both municipalities taking part;
    and one event of 2022年度 that must not count."""
    soka_series = EventSeriesFactory(title="地域共生社会の実現に向けた人材育成研修", hosts=[municipality])
    s1 = f.held_event(hosts=[municipality], when=_at(2022, 1, 25), series=soka_series, number=1)
    s2 = f.held_event(hosts=[municipality], when=_at(2022, 2, 10, 10), series=soka_series, number=2)
    s1.count_at_deadline = 42  # 参加者数 ※申込時点, kept although rows changed since
    s1.save()
    f.registrations(s1, [A.ATTENDED] * 8 + [A.LEFT_EARLY] + [A.ABSENT], organization=municipality)
    f.registrations(s2, [A.ATTENDED] * 3 + [A.ABSENT], organization=municipality)
    RegistrationFactory(event=s2, status=Registration.Status.CANCELLED, organization=municipality)
    RegistrationFactory(event=s2, status=Registration.Status.REQUESTED)  # no organization

    t1 = f.held_event(hosts=[other_municipality], when=_at(2022, 2, 16, 13), status=Event.Status.CANCELLED)
    f.registrations(t1, [A.UNKNOWN] * 3, organization=other_municipality)
    t2 = f.held_event(hosts=[other_municipality], when=_at(2022, 3, 23, 13))
    f.registrations(t2, [A.ATTENDED] * 4, organization=other_municipality)

    ex = f.held_event(hosts=[sponsor], when=_at(2022, 2, 14, 13), kind=Event.Kind.EXCHANGE_MEETING)
    for org in (municipality, other_municipality):
        ParticipatingOrganization.objects.create(event=ex, organization=org)
    section = OrganizationFactory(name="福祉政策課", parent=municipality)
    f.registrations(ex, [A.ATTENDED], organization=section)  # counts for 草加市
    f.registrations(ex, [A.ATTENDED], organization=other_municipality)
    f.registrations(ex, [A.ATTENDED], organization=sponsor)  # a corporation: not a municipality

    f.held_event(hosts=[municipality], when=_at(2022, 4, 1, 9))  # 2022年度

    questionnaire = f.questionnaire(series=soka_series)
    for score in (5, 4, 4, 3):
        f.answer(questionnaire, s1, score)
    f.answer(questionnaire, s1, 1, status="draft")  # drafts do not count
    sheet = f.prework(s1)
    for reg in s1.registrations.filter(status="confirmed")[:5]:
        f.submit(sheet, s1, reg.user)
    return {"s1": s1, "s2": s2, "t1": t1, "t2": t2, "ex": ex, "series": soka_series}


@pytest.mark.django_db
def test_figures_by_municipality_and_series(reviewer, municipality, other_municipality, year_2021):
    board = selectors.dashboard(reviewer, year=2021)
    groups = {g.label: g.figures for g in board.municipalities}
    soka, tomakomai = groups["埼玉県草加市"], groups["北海道苫小牧市"]
    # 草加市: its own people at its two sessions and the one of its section at the exchange
    # meeting — never the meeting's other participants.
    assert soka.registrations == 10 + 4 + 1  # the requested one in s2 belongs to no municipality
    assert (soka.confirmed, soka.attended, soka.left_early, soka.absent) == (15, 12, 1, 2)
    assert soka.attendance_rate == pytest.approx(12 / 15)
    assert (soka.prework, soka.prework_base) == (5, 10)  # only s1 had a pre-work sheet
    # The questionnaire is anonymous and these answers left no "who answered" row: they
    # are not attributable to a municipality, so 草加市 has its attendees as base and no responses.
    assert (soka.responses, soka.response_base) == (0, 9 + 3)
    assert soka.satisfaction_count == 0

    assert tomakomai.registrations == 4 + 1  # the cancelled session counts none
    assert tomakomai.attended == 4 + 1

    unattributed = next(g.figures for g in board.municipalities if g.key == UNATTRIBUTED)
    assert unattributed.registrations == 42 - 10  # the snapshot beyond the rows it can place
    assert unattributed.responses == 4 and unattributed.satisfaction_list == [0, 0, 1, 2, 1]

    # The totals row is the sum of the rows, and each event counts once.
    summed = {}
    for g in board.municipalities:
        for name, n in g.figures.counts().items():
            summed[name] = summed.get(name, 0) + n
    total = board.total.counts()
    for name in summed:
        if name not in ("events", "held", "cancelled", "upcoming"):
            assert summed[name] == total[name], name
    assert board.total.registrations == 42 + 5 + 4 + 3
    assert board.total.events == 5
    series = {g.label: g.figures for g in board.series}
    assert series["地域共生社会の実現に向けた人材育成研修"].events == 2


@pytest.mark.django_db
def test_dashboard_page_has_charts_and_their_tables(client, reviewer, year_2021):
    client.force_login(reviewer)
    response = client.get(reverse("reports:dashboard"), {"year": 2021})
    assert response.status_code == 200
    html = response.content.decode()
    assert "chart.umd.min.js" in html and 'id="report-charts"' in html
    assert html.count("<canvas") == 3
    assert html.count("<table") >= 4  # municipalities, satisfaction, series, events
    assert reverse("reports:event", args=[year_2021["s1"].pk]) in html
    assert "2021年度（令和3年度）" in html
    assert "cdn" not in html.lower()
    charts = response.context["charts"]
    assert charts["municipalities"]["labels"][:2] == ["埼玉県草加市", "北海道苫小牧市"] or set(
        charts["municipalities"]["labels"]
    ) >= {"埼玉県草加市", "北海道苫小牧市"}


@pytest.mark.django_db
def test_event_drill_down(client, reviewer, year_2021):
    client.force_login(reviewer)
    response = client.get(reverse("reports:event", args=[year_2021["s1"].pk]))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.registrations, figures.attended, figures.satisfaction_count) == (42, 8, 4)
    assert "<canvas" in response.content.decode()


def _build_year(municipality, other_municipality, sponsor, n):
    series = EventSeriesFactory(hosts=[municipality])
    start = _at(2021, 5, 1, 10)
    for i in range(n):
        host = [municipality, other_municipality, sponsor][i % 3]
        event = f.held_event(
            hosts=[host],
            when=start + dt.timedelta(days=i % 300, minutes=i),
            series=series if i % 2 else None,
            number=i if i % 2 else None,
            status=Event.Status.CANCELLED if i % 7 == 0 else Event.Status.COMPLETED,
        )
        if host == sponsor:
            ParticipatingOrganization.objects.create(event=event, organization=municipality)
        f.registrations(event, [A.ATTENDED, A.ABSENT])
        form = f.questionnaire(event)
        f.answer(form, event, 1 + i % 5)


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_events(
    client, reviewer, municipality, other_municipality, sponsor
):
    client.force_login(reviewer)
    url = reverse("reports:dashboard")
    _build_year(municipality, other_municipality, sponsor, 10)
    client.get(url, {"year": 2021})
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, {"year": 2021}).status_code == 200
    _build_year(municipality, other_municipality, sponsor, 60)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, {"year": 2021})
    assert len(response.context["board"].events) == 70
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
def test_dashboard_query_count(
    client, reviewer, municipality, other_municipality, sponsor, django_assert_num_queries
):
    _build_year(municipality, other_municipality, sponsor, 10)
    client.force_login(reviewer)
    client.get(reverse("reports:dashboard"), {"year": 2021})
    # 1 session, 2 user, 3 memberships and 4 the organization tree below them (role
    # check), 5 the year's events with their series, 6 the organization tree,
    # 7 registrations grouped by event and organization (with pre-work and answers),
    # 8 survey forms that apply, 9 anonymous responses by event, 10 satisfaction answers
    # grouped by event, organization and score, 11 organization sheets, 12 event hosts,
    # 13 participating organizations, 14 the municipalities shown, 15 their engagements,
    # 16 engagements of municipalities without events, 17 the years available.
    with django_assert_num_queries(17):
        client.get(reverse("reports:dashboard"), {"year": 2021})


@pytest.mark.django_db
def test_fiscal_year_xlsx_has_a_sheet_per_table(client, reviewer, year_2021):
    client.force_login(reviewer)
    response = client.get(reverse("reports:export", args=[2021]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 5  # municipalities, series, events, assessment sheets, engagements
    by_municipality = book[book.sheetnames[0]]
    names = [row[0].value for row in by_municipality.iter_rows(min_row=2)]
    assert "埼玉県草加市" in names and "北海道苫小牧市" in names
    events = book[book.sheetnames[2]]
    titles = [row[1].value for row in events.iter_rows(min_row=2)]
    assert len(titles[: titles.index("合計")]) == 5


@pytest.mark.django_db
def test_xlsx_neutralises_formulas(client, reviewer, municipality):
    f.held_event(hosts=[municipality], when=_at(2021, 6, 1), title="=cmd|' /C calc'!A0")
    client.force_login(reviewer)
    book = load_workbook(io.BytesIO(client.get(reverse("reports:export", args=[2021])).content))
    titles = [row[1].value for row in book[book.sheetnames[2]].iter_rows(min_row=2)]
    assert titles[0] == "'=cmd|' /C calc'!A0"


@pytest.mark.django_db
def test_organizer_sees_only_their_own_events(client, organizer, municipality, other_municipality):
    mine = f.held_event(hosts=[municipality], when=_at(2021, 6, 1))
    theirs = f.held_event(hosts=[other_municipality], when=_at(2021, 6, 2))
    client.force_login(organizer)
    board = client.get(reverse("reports:dashboard"), {"year": 2021}).context["board"]
    assert [r.event.pk for r in board.events] == [mine.pk]
    assert theirs.pk not in [r.event.pk for r in board.events]


@pytest.mark.django_db
def test_default_year_and_bounds():
    start, end = selectors.fiscal_year_bounds(2021)
    assert start.isoformat().startswith("2021-04-01T00:00:00")
    assert end.isoformat().startswith("2022-04-01T00:00:00")


@pytest.mark.django_db
def test_bad_year_is_not_found(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("reports:dashboard"), {"year": "abc"}).status_code == 404
    assert client.get(reverse("reports:dashboard"), {"year": "99999"}).status_code == 404


@pytest.mark.django_db
def test_organization_helper_is_a_municipality_root(municipality):
    dept = OrganizationFactory(name="福祉政策課", parent=municipality)
    event = f.held_event(hosts=[dept], when=_at(2021, 6, 1))
    assert selectors.municipality_ids_for([event.pk]) == {event.pk: [municipality.pk]}


@pytest.mark.django_db
def test_dashboard_opens_on_the_latest_year_with_held_events(client, reviewer, municipality):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import EventFactory

    held = timezone.make_aware(dt.datetime(2022, 1, 25, 15))
    EventFactory(
        hosts=[municipality], status="completed", starts_at=held, ends_at=held + dt.timedelta(hours=2)
    )
    EventFactory(hosts=[municipality])  # upcoming, next week
    client.force_login(reviewer)
    response = client.get("/reports/")
    assert response.context["year"] == 2021
